//! Translation benchmarks: `Module::new` plus the first instantiation of
//! large modules, reported as MB/s of code section.

use crate::engines::{Host, Runtime, Translation};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A module whose translation is measured.
pub struct Input {
    pub name: &'static str,
    pub path: PathBuf,
    pub wasm: Vec<u8>,
    /// Size of the code section in bytes.
    pub code_bytes: usize,
}

/// The large modules, those that exist on this machine; the others are
/// reported on stderr.
pub fn inputs(bench: &Path, fixtures: &Path) -> Vec<Input> {
    let candidates = [
        ("ffmpeg", fixtures.join("ffmpeg/ffmpeg.wasm")),
        ("sqlite3", bench.join("sightglass/sqlite3/sqlite3.wasm")),
        (
            "pulldown-cmark",
            bench.join("wasmi/wasm/pulldown-cmark.wasm"),
        ),
        ("bz2", bench.join("wasmi/wasm/bz2.wasm")),
        (
            "regex-redux",
            bench.join("wasmi-rust-benchmarks/cases/regex-redux/out.wasm"),
        ),
    ];
    let mut out = Vec::new();
    for (name, path) in candidates {
        match std::fs::read(&path) {
            Ok(wasm) => match code_section_len(&wasm) {
                Ok(code_bytes) => out.push(Input {
                    name,
                    path,
                    wasm,
                    code_bytes,
                }),
                Err(e) => eprintln!("SKIPPED translation of {}: {e}", path.display()),
            },
            Err(e) => eprintln!("SKIPPED translation of {}: {e}", path.display()),
        }
    }
    out
}

fn leb(bytes: &[u8], pos: &mut usize) -> Result<usize> {
    let (mut v, mut shift) = (0usize, 0);
    loop {
        let Some(&b) = bytes.get(*pos) else {
            bail!("truncated LEB128")
        };
        *pos += 1;
        v |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 35 {
            bail!("LEB128 too long")
        }
    }
}

/// Length of the code section (id 10) of a binary module.
pub fn code_section_len(wasm: &[u8]) -> Result<usize> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        bail!("not a binary module");
    }
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let len = leb(wasm, &mut pos)?;
        if id == 10 {
            return Ok(len);
        }
        pos += len;
    }
    bail!("no code section")
}

/// Time of `Module::new` + first instantiation (imports stubbed).
pub fn measure(rt: &dyn Runtime, input: &Input, mode: Translation) -> Result<Duration> {
    let t = Instant::now();
    let module = rt.compile(&input.wasm, mode)?;
    let instance = module.instantiate(&Host::Stubs)?;
    let elapsed = t.elapsed();
    drop(instance);
    drop(module);
    Ok(elapsed)
}
