//! The execution workloads from `shared/bench`, each with its run recipe and
//! its expected result as given in `manifest.json`.
//!
//! The recipes are transcribed from the manifest's `run` entries (they are
//! prose, e.g. `setup(u32 3000) -> p; run(p)`); [`load`] checks that every
//! workload's file is listed in the manifest and that the manifest states
//! the same expected value, so a drifting manifest fails loudly.

use crate::engines::{Host, Instance, Runtime, Translation, V};
use anyhow::{anyhow, bail, ensure, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The benchmark directory: `$REGWASM_BENCH_DIR`, or `shared/bench` next to
/// the repository.
pub fn bench_dir() -> PathBuf {
    match std::env::var_os("REGWASM_BENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench"),
    }
}

/// The fixtures directory (ffmpeg.wasm): `$REGWASM_FIXTURES_DIR`, or
/// `shared/fixtures` next to the repository.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("REGWASM_FIXTURES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
}

/// What a workload measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// wasmi's rust-benchmarks (`setup`/`run`/check protocol).
    Rust,
    /// wasmi's `.wat` micro-benchmarks.
    Wat,
    /// CoreMark (score, higher is better).
    CoreMark,
}

impl Family {
    pub fn title(self) -> &'static str {
        match self {
            Family::Rust => "wasmi rust-benchmarks",
            Family::Wat => "wasmi .wat micro-benchmarks",
            Family::CoreMark => "CoreMark (coremark-minimal)",
        }
    }
}

/// One benchmark: a module, how to drive it and what it must produce.
pub struct Workload {
    pub family: Family,
    pub name: String,
    /// Path relative to the bench dir.
    pub path: String,
    /// The binary module (`.wat` files are converted once at load time).
    pub wasm: Vec<u8>,
    pub host: Host,
    recipe: Recipe,
}

enum Recipe {
    Rust(RustCase),
    Wat(Vec<WatCall>),
    CoreMark,
}

struct RustCase {
    setup_arg: Option<V>,
    /// Input copied to `input_ptr(p)` before `run`.
    input: Option<Vec<u8>>,
    /// `(export, expected)`: calls made on `p` after `run`.
    checks: Vec<(&'static str, Expect)>,
    /// Expected bytes at `output_ptr(p)` (reverse-complement).
    output: Option<Vec<u8>>,
}

#[derive(Clone, Copy)]
enum Expect {
    /// Exactly this value (integers compared as unsigned, floats bitwise).
    Is(V),
    /// Any value: recorded so engines can be compared with each other.
    Any,
}

struct WatCall {
    func: String,
    /// Argument lists, called in order, `repeat` times round-robin.
    args: Vec<Vec<V>>,
    expect: Vec<Option<Vec<V>>>,
    calls: usize,
    /// Preparation before the timed calls.
    setup: WatSetup,
    /// `None` means the call must trap.
    traps: bool,
}

#[derive(Clone, Copy)]
enum WatSetup {
    None,
    /// Grow `mem` by one page and fill `mem[n] = n % 256` for `n < len`.
    SumBytes(usize),
    /// Grow `mem` by one page (fill check done after).
    FillBytes,
    /// Grow `mem` to fit the vectors and fill them.
    VecAdd(usize),
    /// Check that the call made this many host calls.
    CountHostCalls(u64),
}

/// What one run produced.
pub struct Run {
    /// Time of the measured part (`run(p)`, the `.wat` calls, CoreMark's `run`).
    pub elapsed: Duration,
    /// CoreMark's score.
    pub score: Option<f64>,
    /// Results the manifest does not pin down, to compare across engines.
    pub observed: Vec<V>,
}

fn fib_wrapping(n: u64) -> i64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let t = a.wrapping_add(b);
        a = b;
        b = t;
    }
    a as i64
}

/// Loads every workload. Files that are missing are reported on stderr and
/// skipped; a missing bench dir yields an empty list and a message.
pub fn load(dir: &Path) -> Result<Vec<Workload>> {
    let manifest_path = dir.join("manifest.json");
    if !manifest_path.exists() {
        eprintln!(
            "SKIPPED all execution workloads: no {} (set REGWASM_BENCH_DIR to a copy of shared/bench)",
            manifest_path.display()
        );
        return Ok(Vec::new());
    }
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&manifest_path).with_context(|| manifest_path.display().to_string())?,
    )?;
    let entries = manifest["entries"]
        .as_array()
        .ok_or_else(|| anyhow!("manifest.json has no entries"))?;
    let run_of = |path: &str| -> Result<String> {
        let e = entries
            .iter()
            .find(|e| e["path"] == path)
            .ok_or_else(|| anyhow!("{path} is not in manifest.json"))?;
        Ok(e["run"].to_string())
    };
    // The manifest must state each expectation we check.
    let mention = |path: &str, needle: &str| -> Result<()> {
        let run = run_of(path)?;
        ensure!(
            run.contains(needle),
            "manifest.json's recipe for {path} does not mention `{needle}`: {run}"
        );
        Ok(())
    };
    let read = |rel: &str| -> Result<Option<Vec<u8>>> {
        let p = dir.join(rel);
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("SKIPPED {rel}: {} is missing", p.display());
                Ok(None)
            }
            Err(e) => Err(e).with_context(|| p.display().to_string()),
        }
    };

    let mut out = Vec::new();

    // ---- rust-benchmarks
    let alice = "wasmi-rust-benchmarks/res/alice29.txt";
    let citm = "wasmi-rust-benchmarks/res/citm_catalog.json";
    let revc_in = "wasmi-rust-benchmarks/cases/reverse-complement/input.txt";
    let revc_out = "wasmi-rust-benchmarks/cases/reverse-complement/output.txt";
    use Expect::{Any, Is};
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Option<V>, Option<&str>, Vec<(&str, Expect)>, &[&str])> = vec![
        (
            "argon2",
            Some(V::I32(3000)),
            None,
            vec![("output", Is(V::I64(8516746375935431256u64 as i64)))],
            &["setup(u32 3000)", "8516746375935431256"],
        ),
        (
            "compression",
            None,
            Some(alice),
            vec![("len_compressed", Is(V::I32(97649)))],
            &["res/alice29.txt", "97649"],
        ),
        (
            "json-parse",
            None,
            Some(citm),
            vec![("node_count", Is(V::I32(37778)))],
            &["res/citm_catalog.json", "37778"],
        ),
        (
            "mandelbrot",
            Some(V::I32(150)),
            None,
            vec![("output", Is(V::I64(5595328)))],
            &["setup(u32 150)", "5595328"],
        ),
        (
            "matrix-mul",
            Some(V::I32(400)),
            None,
            vec![("output", Any)],
            &["setup(u32 400)"],
        ),
        (
            "nbody",
            Some(V::I32(500)),
            None,
            vec![("result", Any)],
            &["setup(u32 500)"],
        ),
        (
            "prime-sieve",
            Some(V::I64(10_000_000)),
            None,
            vec![
                ("len_primes", Is(V::I32(664579))),
                ("largest_prime", Is(V::I64(9999991))),
            ],
            &["setup(u64 10000000)", "664579", "9999991"],
        ),
        (
            "regex-redux",
            None,
            Some(revc_in),
            vec![("output", Is(V::I32(2)))],
            &["input.txt", "output(p) == 2"],
        ),
        (
            "reverse-complement",
            None,
            Some(revc_in),
            vec![],
            &["input.txt", "output.txt"],
        ),
        (
            "sort-dyn",
            Some(V::I32(400000)),
            None,
            vec![],
            &["setup(u32 400000)"],
        ),
        (
            "sort",
            Some(V::I32(1000000)),
            None,
            vec![],
            &["setup(u32 1000000)"],
        ),
        (
            "spectralnorm",
            Some(V::I32(500)),
            None,
            vec![("output", Is(V::f64(1.2742241159529095)))],
            &["setup(u32 500)", "1.2742241159529095"],
        ),
        ("tiny-keccak", None, None, vec![], &["setup() -> p"]),
        (
            "word-count",
            None,
            Some(alice),
            vec![
                ("len_unique_words", Is(V::I32(2213))),
                ("len_special_chars", Is(V::I32(6314))),
            ],
            &["res/alice29.txt", "2213", "6314"],
        ),
    ];
    for (name, setup_arg, input, checks, needles) in cases {
        let path = format!("wasmi-rust-benchmarks/cases/{name}/out.wasm");
        for n in needles {
            mention(&path, n)?;
        }
        let Some(wasm) = read(&path)? else { continue };
        let input = match input {
            Some(rel) => match read(rel)? {
                Some(b) => Some(b),
                None => continue,
            },
            None => None,
        };
        let output = if name == "reverse-complement" {
            match read(revc_out)? {
                Some(b) => Some(b),
                None => continue,
            }
        } else {
            None
        };
        out.push(Workload {
            family: Family::Rust,
            name: name.to_string(),
            path,
            wasm,
            host: Host::None,
            recipe: Recipe::Rust(RustCase {
                setup_arg,
                input,
                checks,
                output,
            }),
        });
    }

    // ---- .wat micro-benchmarks
    let one = |func: &str, args: Vec<V>, expect: Option<Vec<V>>, calls: usize| WatCall {
        func: func.to_string(),
        args: vec![args],
        expect: vec![expect],
        calls,
        setup: WatSetup::None,
        traps: false,
    };
    let zeros16: Vec<V> = (0..4)
        .flat_map(|_| [V::I32(0), V::I64(0), V::f32(0.0), V::f64(0.0)])
        .collect();
    let n_calls = |file: &str, ns: &[u32]| -> Vec<(String, Vec<WatCall>, Vec<&'static str>)> {
        ns.iter()
            .map(|n| {
                (
                    format!("{file}/run/{n}"),
                    vec![one(&format!("run/{n}"), vec![V::I64(5000)], None, 1)],
                    vec!["i64:5000"],
                )
            })
            .collect()
    };
    /// `(file stem, [(workload name, calls, manifest needles)])`.
    type WatFile<'a> = (&'a str, Vec<(String, Vec<WatCall>, Vec<&'a str>)>);
    let mut wat: Vec<WatFile> = vec![
        (
            "bare_call",
            vec![
                (
                    "bare_call/0".into(),
                    vec![one("bare_call/0", vec![], Some(vec![]), 20000)],
                    vec!["bare_call/0"],
                ),
                (
                    "bare_call/16".into(),
                    vec![one(
                        "bare_call/16",
                        zeros16.clone(),
                        Some(zeros16.clone()),
                        20000,
                    )],
                    vec!["bare_call/16", "same 16 values"],
                ),
            ],
        ),
        (
            "br_table",
            vec![(
                "br_table".into(),
                vec![WatCall {
                    func: "br_table".into(),
                    args: (0..16).map(|k| vec![V::I32(k)]).collect(),
                    expect: (0..16).map(|k| Some(vec![V::I32(-10 * (k + 1))])).collect(),
                    calls: 20000,
                    setup: WatSetup::None,
                    traps: false,
                }],
                vec!["-10*(k+1)", "20000"],
            )],
        ),
        (
            "bulk-ops",
            vec![(
                "bulk-ops".into(),
                vec![one("run", vec![V::I64(5000)], Some(vec![V::I64(0)]), 1)],
                vec!["i64:5000"],
            )],
        ),
        (
            "counter-global",
            vec![(
                "counter-global".into(),
                vec![one(
                    "count-via-globals",
                    vec![V::I32(500000)],
                    Some(vec![V::I32(0)]),
                    1,
                )],
                vec!["i32:500000", "i32:0"],
            )],
        ),
        (
            "counter-local",
            vec![(
                "counter-local".into(),
                vec![one(
                    "count-via-locals",
                    vec![V::I32(1000000)],
                    Some(vec![V::I32(0)]),
                    1,
                )],
                vec!["i32:1000000", "i32:0"],
            )],
        ),
        (
            "counter-param",
            vec![(
                "counter-param".into(),
                vec![one(
                    "count-via-params",
                    vec![V::I32(1000000)],
                    Some(vec![V::I32(0)]),
                    1,
                )],
                vec!["i32:1000000", "i32:0"],
            )],
        ),
        (
            "divrem",
            vec![(
                "divrem".into(),
                vec![one("test", vec![V::I32(250000)], Some(vec![V::I32(0)]), 1)],
                vec!["i32:250000", "i32:0"],
            )],
        ),
        (
            "fibonacci",
            vec![
                (
                    "fibonacci/rec".into(),
                    vec![one(
                        "fibonacci_rec",
                        vec![V::I64(25)],
                        Some(vec![V::I64(75025)]),
                        1,
                    )],
                    vec!["i64:25", "i64:75025"],
                ),
                (
                    "fibonacci/tail".into(),
                    vec![one(
                        "fibonacci_tail",
                        vec![V::I64(50000)],
                        Some(vec![V::I64(fib_wrapping(50000))]),
                        1,
                    )],
                    vec!["i64:50000", "fib(50000) mod 2^64"],
                ),
                (
                    "fibonacci/iter".into(),
                    vec![one(
                        "fibonacci_iter",
                        vec![V::I64(100000)],
                        Some(vec![V::I64(fib_wrapping(100000))]),
                        1,
                    )],
                    vec!["i64:100000", "fib(100000) mod 2^64"],
                ),
            ],
        ),
        (
            "fuse",
            vec![(
                "fuse".into(),
                vec![one(
                    "test",
                    vec![V::I32(1000000)],
                    Some(vec![V::I32(1000000)]),
                    1,
                )],
                vec!["i32:1000000"],
            )],
        ),
        (
            "is_even",
            vec![(
                "is_even".into(),
                vec![one(
                    "is_even",
                    vec![V::I32(50000)],
                    Some(vec![V::I32(1)]),
                    1,
                )],
                vec!["i32:50000", "i32:1"],
            )],
        ),
        (
            "memory-fill",
            vec![(
                "memory-fill".into(),
                vec![WatCall {
                    setup: WatSetup::FillBytes,
                    ..one(
                        "fill_bytes",
                        vec![V::I32(0x100), V::I32(100000), V::I32(0x42)],
                        Some(vec![]),
                        1,
                    )
                }],
                vec!["i32:0x100", "i32:100000", "i32:0x42"],
            )],
        ),
        (
            "memory-sum",
            vec![(
                "memory-sum".into(),
                vec![WatCall {
                    setup: WatSetup::SumBytes(100000),
                    ..one(
                        "sum_bytes",
                        vec![V::I32(100000)],
                        Some(vec![V::I64((0..100000i64).map(|n| n % 256).sum())]),
                        1,
                    )
                }],
                vec!["i32:100000", "mem[n] = n % 256"],
            )],
        ),
        (
            "memory-vec-add",
            vec![(
                "memory-vec-add".into(),
                vec![WatCall {
                    setup: WatSetup::VecAdd(100000),
                    // out at 0, a at 8*len, b at 12*len.
                    ..one(
                        "vec_add",
                        vec![V::I32(0), V::I32(800000), V::I32(1200000), V::I32(100000)],
                        Some(vec![]),
                        1,
                    )
                }],
                vec!["out[i] = a[i] + b[i]"],
            )],
        ),
        (
            "recursive_scan",
            vec![(
                "recursive_scan".into(),
                vec![one(
                    "func",
                    vec![V::I32(8000)],
                    Some(vec![V::I32(32004000)]),
                    1,
                )],
                vec!["i32:8000", "i32:32004000"],
            )],
        ),
        (
            "recursive_trap",
            vec![(
                "recursive_trap".into(),
                vec![WatCall {
                    traps: true,
                    ..one("call", vec![V::I32(1000)], None, 1)
                }],
                vec!["i32:1000", "trap: unreachable"],
            )],
        ),
        (
            "trunc_f2i",
            vec![(
                "trunc_f2i".into(),
                vec![one(
                    "trunc_f2i",
                    vec![V::I32(25000), V::f32(42.0), V::f64(69.0)],
                    Some(vec![]),
                    1,
                )],
                vec!["i32:25000", "f32:42.0", "f64:69.0"],
            )],
        ),
    ];
    wat.push(("flat_calls", n_calls("flat_calls", &[0, 1, 8, 16])));
    wat.push(("nested_calls", n_calls("nested_calls", &[1, 8, 16])));
    wat.push(("indirect_calls", n_calls("indirect_calls", &[0, 1, 8, 16])));
    eprintln!(
        "NOT RUN: wasmi/wat/global_bump, global_const, preserve-all-locals \
         (no run recipe in the manifest)"
    );
    for (file, benches) in wat {
        let path = format!("wasmi/wat/{file}.wat");
        let Some(text) = read(&path)? else { continue };
        let wasm = wat::parse_bytes(&text)
            .with_context(|| path.clone())?
            .into_owned();
        for (name, calls, needles) in benches {
            for n in needles {
                mention(&path, n)?;
            }
            out.push(Workload {
                family: Family::Wat,
                name,
                path: path.clone(),
                wasm: wasm.clone(),
                host: Host::None,
                recipe: Recipe::Wat(calls),
            });
        }
    }

    // ---- host and imported calls: `run/N(5000)` returns 0 after 5000
    // calls of `benchmark.host/N` (counted by the host) or of the provider
    // module's `identity/N`.
    let provider = "wasmi/wat/imported_calls_provider.wat";
    for (file, host) in [
        ("host_calls", Some(Host::HostCalls)),
        ("imported_calls", None),
    ] {
        let path = format!("wasmi/wat/{file}.wat");
        mention(&path, "i64:5000")?;
        let host = match host {
            Some(h) => h,
            None => match read(provider)? {
                Some(text) => Host::Provider(Arc::new(
                    wat::parse_bytes(&text)
                        .with_context(|| provider.to_string())?
                        .into_owned(),
                )),
                None => continue,
            },
        };
        let Some(text) = read(&path)? else { continue };
        let wasm = wat::parse_bytes(&text)
            .with_context(|| path.clone())?
            .into_owned();
        for n in [0, 1, 8, 16] {
            let mut call = one(
                &format!("run/{n}"),
                vec![V::I64(5000)],
                Some(vec![V::I64(0)]),
                1,
            );
            if matches!(host, Host::HostCalls) {
                call.setup = WatSetup::CountHostCalls(5000);
            }
            out.push(Workload {
                family: Family::Wat,
                name: format!("{file}/run/{n}"),
                path: path.clone(),
                wasm: wasm.clone(),
                host: host.clone(),
                recipe: Recipe::Wat(vec![call]),
            });
        }
    }

    // ---- CoreMark
    let path = "wasm3/wasi/coremark/coremark-minimal.wasm";
    mention(path, "env.clock_ms")?;
    if let Some(wasm) = read(path)? {
        out.push(Workload {
            family: Family::CoreMark,
            name: "coremark".into(),
            path: path.into(),
            wasm,
            host: Host::ClockMs,
            recipe: Recipe::CoreMark,
        });
    }
    Ok(out)
}

fn same(actual: V, expected: V) -> bool {
    match (actual, expected) {
        // The manifest gives unsigned decimals; compare bit patterns.
        (V::I32(a), V::I64(e)) | (V::I64(e), V::I32(a)) => i64::from(a as u32) == e,
        _ => actual == expected,
    }
}

fn one_result(r: Vec<V>, what: &str) -> Result<V> {
    match r[..] {
        [v] => Ok(v),
        _ => bail!("{what} returned {r:?}, expected one value"),
    }
}

impl Workload {
    /// Compiles (lazy translation: each engine's default) and instantiates.
    pub fn instantiate(&self, rt: &dyn Runtime) -> Result<Box<dyn Instance>> {
        let module = rt.compile(&self.wasm, Translation::Lazy)?;
        module.instantiate(&self.host)
    }

    /// One run: untimed setup, the timed part, then every check.
    pub fn run(&self, inst: &mut dyn Instance) -> Result<Run> {
        match &self.recipe {
            Recipe::Rust(case) => self.run_rust(case, inst),
            Recipe::Wat(calls) => {
                let mut elapsed = Duration::ZERO;
                let mut observed = Vec::new();
                for call in calls {
                    elapsed += run_wat(call, inst, &mut observed)
                        .with_context(|| format!("`{}`", call.func))?;
                }
                Ok(Run {
                    elapsed,
                    score: None,
                    observed,
                })
            }
            Recipe::CoreMark => {
                let f = inst.func("run")?;
                let t = Instant::now();
                let r = inst.call(f, &[])?;
                let elapsed = t.elapsed();
                let score = match one_result(r, "run")? {
                    V::F32(bits) => f64::from(f32::from_bits(bits)),
                    other => bail!("run returned {other:?}, expected an f32 score"),
                };
                ensure!(
                    score.is_finite() && score > 0.0,
                    "CoreMark score {score} is not a positive number"
                );
                Ok(Run {
                    elapsed,
                    score: Some(score),
                    observed: Vec::new(),
                })
            }
        }
    }

    fn run_rust(&self, case: &RustCase, inst: &mut dyn Instance) -> Result<Run> {
        let setup_args: Vec<V> = match (&case.setup_arg, &case.input) {
            (Some(v), _) => vec![*v],
            (None, Some(input)) => vec![V::I32(input.len() as i32)],
            (None, None) => vec![],
        };
        let p = one_result(inst.invoke("setup", &setup_args)?, "setup")?;
        if let Some(input) = &case.input {
            let ptr = match one_result(inst.invoke("input_ptr", &[p])?, "input_ptr")? {
                V::I32(x) => x as u32 as usize,
                other => bail!("input_ptr returned {other:?}"),
            };
            let mem = inst.memory("memory")?;
            ensure!(ptr + input.len() <= mem.len(), "input_ptr out of bounds");
            mem[ptr..ptr + input.len()].copy_from_slice(input);
        }
        let run = inst.func("run")?;
        let t = Instant::now();
        inst.call(run, &[p]).context("calling `run`")?;
        let elapsed = t.elapsed();
        let mut observed = Vec::new();
        for (export, expect) in &case.checks {
            let v = one_result(inst.invoke(export, &[p])?, export)?;
            match expect {
                Expect::Is(e) => ensure!(same(v, *e), "{export}(p) = {v:?}, expected {e:?}"),
                Expect::Any => observed.push(v),
            }
        }
        if let Some(expected) = &case.output {
            let ptr = match one_result(inst.invoke("output_ptr", &[p])?, "output_ptr")? {
                V::I32(x) => x as u32 as usize,
                other => bail!("output_ptr returned {other:?}"),
            };
            let mem = inst.memory("memory")?;
            ensure!(
                mem.get(ptr..ptr + expected.len()) == Some(&expected[..]),
                "memory at output_ptr(p) differs from output.txt"
            );
        }
        if inst.func("teardown").is_ok() {
            inst.invoke("teardown", &[p])?;
        }
        Ok(Run {
            elapsed,
            score: None,
            observed,
        })
    }
}

fn run_wat(call: &WatCall, inst: &mut dyn Instance, observed: &mut Vec<V>) -> Result<Duration> {
    match call.setup {
        WatSetup::None | WatSetup::CountHostCalls(_) => {}
        WatSetup::SumBytes(len) => {
            if inst.memory("mem")?.len() < len {
                inst.grow("mem", 1)?;
            }
            let mem = inst.memory("mem")?;
            for (n, b) in mem[..len].iter_mut().enumerate() {
                *b = (n % 256) as u8;
            }
        }
        WatSetup::FillBytes => {
            if inst.memory("mem")?.len() < 0x100 + 100000 {
                inst.grow("mem", 1)?;
            }
            inst.memory("mem")?.fill(0);
        }
        WatSetup::VecAdd(len) => {
            let need = 16 * len;
            let have = inst.memory("mem")?.len();
            if have < need {
                inst.grow("mem", (need - have).div_ceil(65536) as u32)?;
            }
            let mem = inst.memory("mem")?;
            for i in 0..len {
                let a = i as i32;
                let b = (i as i32).wrapping_mul(-7);
                mem[8 * len + 4 * i..][..4].copy_from_slice(&a.to_le_bytes());
                mem[12 * len + 4 * i..][..4].copy_from_slice(&b.to_le_bytes());
            }
            mem[..8 * len].fill(0xAA);
        }
    }
    let host_calls_before = inst.state().host_calls;
    let f = inst.func(&call.func)?;
    let mut results = Vec::with_capacity(call.calls);
    let t = Instant::now();
    for i in 0..call.calls {
        results.push(inst.call(f, &call.args[i % call.args.len()]));
    }
    let elapsed = t.elapsed();
    for (i, r) in results.into_iter().enumerate() {
        let k = i % call.args.len();
        match (r, call.traps) {
            (Err(_), true) => {}
            (Ok(r), true) => bail!("expected a trap, got {r:?}"),
            (Err(e), false) => return Err(e),
            (Ok(r), false) => match &call.expect[k] {
                Some(e) => ensure!(
                    r.len() == e.len() && r.iter().zip(e).all(|(a, b)| same(*a, *b)),
                    "call {i} returned {r:?}, expected {e:?}"
                ),
                None if i == 0 => observed.extend(r),
                None => {}
            },
        }
    }
    match call.setup {
        WatSetup::FillBytes => {
            let mem = inst.memory("mem")?;
            ensure!(
                mem[0x100..0x100 + 100000].iter().all(|b| *b == 0x42)
                    && mem[..0x100].iter().all(|b| *b == 0),
                "mem[0x100..+100000] is not all 0x42"
            );
        }
        WatSetup::VecAdd(len) => {
            let mem = inst.memory("mem")?;
            for i in 0..len {
                let want = i as i64 + i64::from((i as i32).wrapping_mul(-7));
                let got = i64::from_le_bytes(mem[8 * i..][..8].try_into().unwrap());
                ensure!(got == want, "out[{i}] = {got}, expected {want}");
            }
        }
        WatSetup::CountHostCalls(n) => {
            let made = inst.state().host_calls - host_calls_before;
            ensure!(made == n, "{made} host calls, expected {n}");
        }
        _ => {}
    }
    Ok(elapsed)
}
