//! The translated function body container.

use crate::{BrOff, CheckNotes, Instr, Operand};

/// Maps bytecode offsets to the Wasm byte offsets they were translated from.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    /// `(code_offset, wasm_offset)`, sorted by code offset.
    entries: Vec<(u32, u32)>,
}

impl SourceMap {
    /// The instruction at `code_offset` was translated from the operator at
    /// `wasm_offset`. An instruction emitted again at an offset that already
    /// has a position (the translator's rewrites of its last instruction,
    /// which fuse it with the next) keeps the first one: a fused load's trap
    /// points at the load.
    pub fn push(&mut self, code_offset: usize, wasm_offset: usize) {
        let entry = (code_offset as u32, wasm_offset as u32);
        match self.entries.last() {
            Some(last) if last.0 == entry.0 => {}
            _ => self.entries.push(entry),
        }
    }

    /// The Wasm offset of the instruction at `code_offset`.
    pub fn lookup(&self, code_offset: usize) -> Option<usize> {
        let i = self
            .entries
            .partition_point(|&(c, _)| c as usize <= code_offset);
        i.checked_sub(1).map(|i| self.entries[i].1 as usize)
    }
}

/// One function's bytecode and the frame facts the VM needs to call it.
#[derive(Clone, Debug, Default)]
pub struct FuncBody {
    pub code: Vec<u8>,
    /// Constants the call puts in registers `num_locals..num_locals +
    /// consts.len()` (raw register bits), so loops read them instead of
    /// materializing them on every iteration.
    pub consts: Vec<u64>,
    pub num_params: u16,
    /// Parameters plus declared locals: registers `0..num_locals` are defined
    /// at entry (declared locals zeroed by the call).
    pub num_locals: u32,
    pub num_results: u16,
    /// Registers the frame needs, temporaries included.
    pub frame_size: u32,
    pub source_map: SourceMap,
    /// The translator's claims for the symbolic checker, when asked for.
    pub notes: Option<Box<CheckNotes>>,
}

/// A decoding failure: the byte offset that does not start a valid instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadInstr(pub usize);

impl FuncBody {
    /// Decodes every instruction with its offset; for `br_table` the targets
    /// are the following `len` entries (see [`crate::br_table_target`]).
    pub fn instrs(&self) -> impl Iterator<Item = Result<(usize, Instr), BadInstr>> + '_ {
        let mut pos = 0;
        std::iter::from_fn(move || {
            if pos >= self.code.len() {
                return None;
            }
            let at = pos;
            let Some(instr) = Instr::decode(&self.code[at..]) else {
                pos = self.code.len();
                return Some(Err(BadInstr(at)));
            };
            let len = instr.encoded_len();
            if at + len > self.code.len() {
                pos = self.code.len();
                return Some(Err(BadInstr(at)));
            }
            pos = at + len;
            Some(Ok((at, instr)))
        })
    }

    /// Every branch target of the instruction at `at` as absolute offsets.
    pub fn branch_targets(&self, at: usize, instr: &Instr) -> Vec<i64> {
        let base = (at + instr.opcode().size()) as i64;
        match instr {
            Instr::BrTable(o) => (0..o.len as usize)
                .filter_map(|i| {
                    let off = BrOff::read(self.code.get(base as usize + i * BrOff::SIZE..)?)?;
                    Some(base + off.0 as i64)
                })
                .collect(),
            _ => instr
                .branch_offset()
                .map(|off| vec![base + off.0 as i64])
                .unwrap_or_default(),
        }
    }
}
