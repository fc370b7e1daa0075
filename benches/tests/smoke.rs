//! Smoke mode: every workload once per engine, with every output check, and
//! the translation path once per engine. No timing assertions.
//!
//! `cargo test --release -p regwasm-benches` (add `--features
//! portable-dispatch` for regwasm's loop dispatcher).

use regwasm_benches::engines::{self, Translation};
use regwasm_benches::{translation, workloads};

#[test]
fn every_workload_once_per_engine() {
    let dir = workloads::bench_dir();
    let all = workloads::load(&dir).expect("loading workloads");
    if all.is_empty() {
        eprintln!("SKIPPED: no workloads under {}", dir.display());
        return;
    }
    let engines = engines::all();
    let mut failures = Vec::new();
    // `REGWASM_BENCH_FILTER=word` runs only workloads whose name contains it.
    let filter = std::env::var("REGWASM_BENCH_FILTER").unwrap_or_default();
    // Heavy WASI workloads (seconds to minutes each) only with
    // `REGWASM_BENCH_HEAVY=1`; the report always runs them.
    let heavy = std::env::var_os("REGWASM_BENCH_HEAVY").is_some_and(|v| v == "1");
    let skipped: Vec<&str> = all
        .iter()
        .filter(|w| w.heavy && !heavy)
        .map(|w| w.name.as_str())
        .collect();
    if !skipped.is_empty() {
        eprintln!(
            "SKIPPED (heavy; set REGWASM_BENCH_HEAVY=1): {}",
            skipped.join(", ")
        );
    }
    for w in all
        .iter()
        .filter(|w| w.name.contains(&filter) && (heavy || !w.heavy))
    {
        let mut observed = Vec::new();
        for rt in &engines {
            let result = w
                .instantiate(rt.as_ref())
                .and_then(|mut inst| w.run(inst.as_mut()));
            match result {
                Ok(run) => {
                    eprintln!(
                        "ok   {:<28} {:<20} {:>10.3} ms{}",
                        w.name,
                        rt.name(),
                        run.elapsed.as_secs_f64() * 1e3,
                        run.score
                            .map(|s| format!("  score {s:.1}"))
                            .unwrap_or_default()
                    );
                    observed.push((rt.name(), run.observed));
                }
                // regwasm implements Wasm 2.0; `fibonacci.wat` uses tail calls.
                Err(e) if w.path.ends_with("fibonacci.wat") && rt.name().starts_with("regwasm") => {
                    eprintln!("skip {:<28} {:<20} unsupported: {e:#}", w.name, rt.name());
                }
                // makepad-stitch 0.1 (`--features stitch`) has no WASI and
                // fails on several modules; its failures are reported only.
                Err(e) if rt.name() == "stitch" => {
                    eprintln!("skip {:<28} {:<20} unsupported: {e:#}", w.name, rt.name());
                }
                Err(e) => {
                    eprintln!("FAIL {:<28} {:<20} {e:#}", w.name, rt.name());
                    failures.push(format!("{} on {}: {e:#}", w.name, rt.name()));
                }
            }
        }
        // Results the manifest leaves open must agree between engines.
        if let Some((first, reference)) = observed.first() {
            for (name, obs) in &observed[1..] {
                if obs != reference {
                    failures.push(format!(
                        "{}: {name} observed {obs:?}, {first} observed {reference:?}",
                        w.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn translation_once_per_engine() {
    let inputs = translation::inputs(&workloads::bench_dir(), &workloads::fixtures_dir());
    for input in inputs.iter().filter(|i| i.name != "ffmpeg") {
        for rt in engines::all() {
            for mode in [Translation::Eager, Translation::Lazy] {
                if mode == Translation::Lazy && !rt.supports_lazy() {
                    continue;
                }
                let t = match translation::measure(rt.as_ref(), input, mode) {
                    Ok(t) => t,
                    // No untyped host functions to stub the imports with.
                    Err(e) if rt.name() == "stitch" => {
                        eprintln!("skip translate {} on stitch: {e:#}", input.name);
                        continue;
                    }
                    Err(e) => panic!("{} on {}: {e:#}", input.name, rt.name()),
                };
                eprintln!(
                    "ok   translate {:<16} {:<20} {mode:?} {t:?}",
                    input.name,
                    rt.name()
                );
            }
        }
    }
}
