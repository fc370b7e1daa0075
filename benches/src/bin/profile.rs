//! Runs one workload on one engine in a loop, for `perf record` or
//! `valgrind --tool=callgrind`:
//!
//! ```sh
//! cargo build --release -j2 -p regwasm-benches --bin profile
//! perf record -g target/release/profile regwasm mandelbrot 5
//! ```

use anyhow::{bail, Context, Result};
use regwasm_benches::{engines, workloads};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [engine, workload, rest @ ..] = &args[..] else {
        bail!(
            "usage: profile ENGINE-PREFIX WORKLOAD [RUNS]  (engines: regwasm, wasmi 2, wasmi 0.31)"
        );
    };
    let runs: usize = rest.first().map(|r| r.parse()).transpose()?.unwrap_or(3);
    let rt = engines::all()
        .into_iter()
        .find(|e| e.name().starts_with(engine.as_str()))
        .context("no such engine")?;
    let all = workloads::load(&workloads::bench_dir())?;
    let w = all
        .iter()
        .find(|w| &w.name == workload)
        .context("no such workload")?;
    let module = w.compile(rt.as_ref())?;
    let mut inst = w.instance(module.as_ref())?;
    for i in 0..runs {
        if i > 0 && w.one_shot() {
            inst = w.instance(module.as_ref())?;
        }
        let r = w.run(inst.as_mut())?;
        eprintln!("{} {}: {:?}", rt.name(), w.name, r.elapsed);
    }
    Ok(())
}
