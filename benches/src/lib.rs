//! Benchmarks comparing regwasm with wasmi 0.31 (stack interpreter) and
//! wasmi 2.x (register interpreter) on the same workloads, same machine,
//! same run. See `benches/README.md`.

pub mod engines;
pub mod translation;
pub mod workloads;
