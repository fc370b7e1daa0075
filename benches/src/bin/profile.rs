//! Runs one workload on one engine in a loop, for `perf record` or
//! `valgrind --tool=callgrind`:
//!
//! ```sh
//! cargo build --release -j2 -p regwasm-benches --bin profile
//! perf record -g target/release/profile regwasm mandelbrot 5
//! ```
//!
//! Built with `--features pair-profile`, it ends by printing regwasm's
//! executed-instruction counts and the most frequent instruction pairs
//! (`PAIRS_TOP`, default 30, rows of each).

use anyhow::{bail, Context, Result};
use regwasm_benches::{engines, workloads};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, file, rest @ ..] = &args[..] {
        if mode == "translate" {
            return translate(
                file,
                rest.first().map(|r| r.parse()).transpose()?.unwrap_or(3),
            );
        }
    }
    let [engine, workload, rest @ ..] = &args[..] else {
        bail!(
            "usage: profile ENGINE-PREFIX WORKLOAD [RUNS]  (engines: regwasm, wasmi 2, wasmi 0.31)\n       \
             profile translate FILE [RUNS]  (regwasm eager translation on one thread)"
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
    #[cfg(feature = "pair-profile")]
    print_pairs(&w.name)?;
    Ok(())
}

/// `profile translate FILE [RUNS]`: eager translation of FILE on one
/// thread (no verifier, no checker), for profiling the translator.
fn translate(file: &str, runs: usize) -> Result<()> {
    let wasm = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let mut config = regwasm::Config::new();
    config.eager_translation(true).parallel_compilation(false);
    let engine = regwasm::Engine::new(&config);
    for _ in 0..runs {
        let start = std::time::Instant::now();
        regwasm::Module::new(&engine, &wasm)?;
        eprintln!("translate {file}: {:?}", start.elapsed());
    }
    Ok(())
}

#[cfg(feature = "pair-profile")]
fn print_pairs(workload: &str) -> Result<()> {
    let top: usize = std::env::var("PAIRS_TOP")
        .ok()
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(30);
    let (singles, pairs) = regwasm::take_pair_counts();
    let total: u64 = singles.iter().map(|s| s.1).sum();
    let pct = |n: u64| 100.0 * n as f64 / total.max(1) as f64;
    println!("# {workload}: {total} instructions executed");
    println!("## instructions");
    for (op, n) in singles.iter().take(top) {
        println!("{:>6.2}%  {n:>12}  {}", pct(*n), op.name());
    }
    println!("## pairs (previous, next)");
    for ((a, b), n) in pairs.iter().take(top) {
        println!("{:>6.2}%  {n:>12}  {} -> {}", pct(*n), a.name(), b.name());
    }
    Ok(())
}
