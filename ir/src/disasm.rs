//! Text form of a function body, stable enough for snapshot tests.

use crate::FuncBody;
use std::fmt::Write;

/// One line per instruction: bytecode offset, the Wasm byte offset it came
/// from, mnemonic, operands, and resolved branch targets.
pub fn disassemble(body: &FuncBody) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "params={} locals={} results={} frame={}",
        body.num_params, body.num_locals, body.num_results, body.frame_size
    );
    for (k, c) in body.consts.iter().enumerate() {
        let _ = writeln!(out, "const r{} = {c:#x}", body.num_locals as usize + k);
    }
    for item in body.instrs() {
        let (at, instr) = match item {
            Ok(x) => x,
            Err(bad) => {
                let _ = writeln!(out, "{:04x}: <invalid instruction>", bad.0);
                break;
            }
        };
        let wasm = match body.source_map.lookup(at) {
            Some(w) => format!("@{w:#06x}"),
            None => "@------".to_string(),
        };
        let _ = write!(out, "{at:04x} {wasm}  {}", instr.opcode().name());
        let ops = instr.operands_text();
        if !ops.is_empty() {
            let _ = write!(out, " {ops}");
        }
        if let crate::Instr::CopyMany(o) = instr {
            if let Some(srcs) = crate::copy_many_sources(&body.code, at, o.len) {
                let list: Vec<String> = srcs.iter().map(|r| format!("{r:?}")).collect();
                let _ = write!(out, " <- {}", list.join(" "));
            }
        }
        let targets = body.branch_targets(at, &instr);
        if !targets.is_empty() {
            let list: Vec<String> = targets.iter().map(|t| format!("{t:04x}")).collect();
            let _ = write!(out, " -> {}", list.join(" "));
        }
        out.push('\n');
    }
    out
}
