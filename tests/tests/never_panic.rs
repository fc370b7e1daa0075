//! Whatever bytes or module it is given, regwasm answers with a result, an
//! error or a trap, never a panic. The stable-Rust equivalents of the
//! `parse_translate` and `run_generated` fuzz targets (`fuzz/`), over fixed
//! pseudo-random batches:
//!
//! - random byte strings, and deterministic mutations of valid wasm-smith
//!   modules (bit flips, interesting bytes, insertions, deletions,
//!   truncation, duplicated chunks, over-long LEBs), through `Module::new`
//!   with eager translation and the bytecode verifier; mutants that are
//!   still valid are also instantiated and run with a little fuel;
//! - wasm-smith modules (mostly WebAssembly 2.0 without SIMD, sometimes
//!   with proposals regwasm rejects), instantiated with host imports and
//!   every export called with fuel, on engines with eager or lazy
//!   translation and default or tiny stack limits.
//!
//! Each prints its executions per second (measured, never asserted).
//! `REGWASM_FUZZ_SCALE=10` runs ten times as many inputs,
//! `REGWASM_FUZZ_SEED=N` another batch. A panic fails the test with the
//! input saved under the temp dir.

#[path = "../../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use harness::{
    generate_from_seed, mutate, parse_translate, random_bytes, regwasm_engine,
    regwasm_engine_variant, run_regwasm, Features, Rng, RunStats,
};

/// Stop collecting after this many panics.
const MAX_REPORTED: usize = 10;

/// How many inputs: `debug` in debug builds, `release` in release builds,
/// times `REGWASM_FUZZ_SCALE`.
fn iterations(debug: u64, release: u64) -> u64 {
    let base = if cfg!(debug_assertions) {
        debug
    } else {
        release
    };
    let scale = std::env::var("REGWASM_FUZZ_SCALE")
        .ok()
        .map(|s| s.parse::<f64>().expect("REGWASM_FUZZ_SCALE is a number"))
        .unwrap_or(1.0);
    ((base as f64 * scale) as u64).max(1)
}

fn base_seed() -> u64 {
    std::env::var("REGWASM_FUZZ_SEED")
        .ok()
        .map(|s| s.parse::<u64>().expect("REGWASM_FUZZ_SEED is a number"))
        .unwrap_or(0)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Collects panics: each one's input is saved under the temp dir.
#[derive(Default)]
struct Panics(Vec<String>);

impl Panics {
    /// Runs `f` on `input`; a panic is recorded with the input.
    fn check<R>(&mut self, name: &str, id: u64, input: &[u8], f: impl FnOnce() -> R) -> Option<R> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => Some(r),
            Err(payload) => {
                let path =
                    std::env::temp_dir().join(format!("regwasm-never-panic-{name}-{id}.wasm"));
                let saved = match std::fs::write(&path, input) {
                    Ok(()) => format!("input saved to {}", path.display()),
                    Err(e) => format!("could not save the input: {e}"),
                };
                let shown = &input[..input.len().min(256)];
                self.0.push(format!(
                    "{name} #{id}: panicked: {}\n  {saved} ({} bytes; first bytes {shown:02x?})",
                    panic_message(&*payload),
                    input.len()
                ));
                None
            }
        }
    }

    fn full(&self) -> bool {
        self.0.len() >= MAX_REPORTED
    }

    fn assert_none(&self) {
        assert!(
            self.0.is_empty(),
            "{} panic(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

fn rate(n: u64, start: Instant) -> String {
    let secs = start.elapsed().as_secs_f64();
    format!("{n} in {secs:.2} s = {:.0} exec/s", n as f64 / secs)
}

#[test]
fn parse_translate_random_bytes() {
    let engine = regwasm_engine();
    let n = iterations(200_000, 2_000_000);
    let mut rng = Rng::new(base_seed() ^ 0x5EED_0001);
    let mut panics = Panics::default();
    let mut valid = 0u64;
    let start = Instant::now();
    for i in 0..n {
        let bytes = random_bytes(&mut rng);
        if panics.check("random", i, &bytes, || parse_translate(&engine, &bytes)) == Some(true) {
            valid += 1;
        }
        if panics.full() {
            break;
        }
    }
    println!(
        "parse_translate random bytes: {} (valid: {valid})",
        rate(n, start)
    );
    panics.assert_none();
}

#[test]
fn parse_translate_mutated_modules() {
    let engine = regwasm_engine();
    let run_engine = regwasm_engine_variant(0);
    let (modules, per_module) = (iterations(300, 6_000), 60);
    let mut rng = Rng::new(base_seed() ^ 0x5EED_0002);
    let mut panics = Panics::default();
    let (mut execs, mut valid) = (0u64, 0u64);
    let mut run = RunStats::default();
    let start = Instant::now();
    'outer: for m in 0..modules {
        let Ok(generated) = generate_from_seed(base_seed() + m, Features::Any) else {
            continue;
        };
        for k in 0..per_module {
            let id = m * 1000 + k;
            let mutant = mutate(&mut rng, &generated.wasm);
            execs += 1;
            let ok = panics.check("mutant", id, &mutant, || parse_translate(&engine, &mutant));
            if ok == Some(true) {
                valid += 1;
                panics.check("mutant-run", id, &mutant, || {
                    run_regwasm(&run_engine, &mutant, 10_000, &mut run)
                });
            }
            if panics.full() {
                break 'outer;
            }
        }
    }
    println!(
        "parse_translate mutated modules: {} (still valid: {valid}; run: {run})",
        rate(execs, start)
    );
    panics.assert_none();
}

#[test]
fn run_generated_modules() {
    let engines: Vec<regwasm::Engine> = (0..6).map(regwasm_engine_variant).collect();
    let n = iterations(3_000, 50_000);
    let mut panics = Panics::default();
    let mut stats = RunStats::default();
    let mut generated_count = 0u64;
    let start = Instant::now();
    for i in 0..n {
        let seed = base_seed() + 1_000_000 + i;
        let Ok(generated) = generate_from_seed(seed, Features::Any) else {
            continue;
        };
        generated_count += 1;
        let engine = &engines[(i % engines.len() as u64) as usize];
        panics.check("generated", seed, &generated.wasm, || {
            run_regwasm(engine, &generated.wasm, 100_000, &mut stats)
        });
        if panics.full() {
            break;
        }
    }
    println!(
        "run_generated: {} (wasm-smith modules: {generated_count}; {stats})",
        rate(n, start)
    );
    panics.assert_none();
}
