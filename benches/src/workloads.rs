//! The execution workloads from `shared/bench`, each with its run recipe and
//! its expected result as given in `manifest.json`.
//!
//! The recipes are transcribed from the manifest's `run` entries (they are
//! prose, e.g. `setup(u32 3000) -> p; run(p)`); [`load`] checks that every
//! workload's file is listed in the manifest and that the manifest states
//! the same expected value, so a drifting manifest fails loudly.

use crate::engines::{
    Compiled, Host, Instance, Runtime, Translation, WasiSpec, CLOCK_SHIM_MODULE, V,
};
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
    /// Sightglass WASI commands (time between `bench.start` and `bench.end`).
    Sightglass,
}

impl Family {
    pub fn title(self) -> &'static str {
        match self {
            Family::Rust => "wasmi rust-benchmarks",
            Family::Wat => "wasmi .wat micro-benchmarks",
            Family::CoreMark => "CoreMark",
            Family::Sightglass => "sightglass (WASI commands)",
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
    /// Takes more than about a second per run on regwasm: the smoke test
    /// skips it unless `REGWASM_BENCH_HEAVY=1`, the report runs it once.
    pub heavy: bool,
    recipe: Recipe,
}

/// WASI workloads that take over a second per run on regwasm (measured on
/// the 2-core dev VM, seconds of `_start`): gcc-loops 120, shootout-ed25519
/// 89, shootout-seqhash 59, sqlite3 18, shootout-fib2 8.7,
/// shootout-heapsort 6.0, shootout-minicsv 5.9, shootout-ctype 4.3,
/// shootout-sieve 3.6, shootout-base64 2.6, shootout-matrix 2.4, blind-sig
/// 1.5; CoreMark (WASI) calibrates itself to run 10 s of CPU time. wasmi 0.31
/// is 2-5x slower.
const HEAVY: &[&str] = &[
    "gcc-loops",
    "shootout-ed25519",
    "shootout-seqhash",
    "sqlite3",
    "shootout-fib2",
    "shootout-heapsort",
    "shootout-minicsv",
    "shootout-ctype",
    "shootout-sieve",
    "shootout-base64",
    "shootout-matrix",
    "blind-sig",
    "coremark (WASI)",
];

enum Recipe {
    Rust(RustCase),
    Wat(Vec<WatCall>),
    CoreMark,
    Wasi(WasiCase),
}

/// What a WASI command must produce.
struct WasiCase {
    /// Expected stdout/stderr, compared after trimming whitespace (as
    /// sightglass does); `None`: no expected file, so engines must agree.
    stdout: Option<Vec<u8>>,
    stderr: Option<Vec<u8>>,
    /// A `*`-glob stdout must match (wasm3's runner).
    stdout_glob: Option<String>,
    /// Parse `Iterations/Sec : X` from stdout as the score (CoreMark).
    score: bool,
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
            heavy: false,
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
                heavy: false,
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
                heavy: false,
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
            heavy: false,
            recipe: Recipe::CoreMark,
        });
    }

    // ---- WASI commands: the non-SIMD sightglass modules and CoreMark.
    let supported = [
        "sign-extension",
        "reference-types",
        "bulk-memory",
        "saturating-float-to-int",
        "multi-value",
        "mutable-global",
    ];
    for e in entries {
        let path = e["path"].as_str().unwrap_or_default();
        let run = &e["run"];
        let sightglass = path.starts_with("sightglass/");
        let coremark = path == "wasm3/wasi/coremark/coremark.wasm";
        if !(sightglass || coremark) || e["kind"] != "core" {
            continue;
        }
        let features: Vec<&str> = e["features_needed"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
            .unwrap_or_default();
        if let Some(f) = features.iter().find(|f| !supported.contains(f)) {
            eprintln!("NOT RUN: {path} needs {f}");
            continue;
        }
        match wasi_workload(dir, path, run, coremark, &read)
            .with_context(|| format!("manifest entry {path}"))?
        {
            Some(w) => out.push(w),
            None => continue,
        }
    }
    Ok(out)
}

/// A WASI command from its manifest entry: preopens, args, environment,
/// stdin and expectations all come from the entry's `run`.
fn wasi_workload(
    dir: &Path,
    path: &str,
    run: &serde_json::Value,
    coremark: bool,
    read: &dyn Fn(&str) -> Result<Option<Vec<u8>>>,
) -> Result<Option<Workload>> {
    let str_of = |v: &serde_json::Value| -> Result<String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("expected a string, got {v}"))
    };
    let Some(mut wasm) = read(path)? else {
        return Ok(None);
    };
    let file = Path::new(path)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(path);
    let mut spec = WasiSpec {
        args: vec![file.to_string()],
        ..WasiSpec::default()
    };
    for a in run["args"].as_array().into_iter().flatten() {
        spec.args.push(str_of(a)?);
    }
    if let Some(env) = run["env"].as_object() {
        for (k, v) in env {
            spec.env.push((k.clone(), str_of(v)?));
        }
    }
    if let Some(pre) = run["preopen"].as_object() {
        for (guest, host) in pre {
            spec.preopens.push((dir.join(str_of(host)?), guest.clone()));
        }
    }
    if let Some(stdin) = run["stdin"].as_str() {
        match read(stdin)? {
            Some(b) => spec.stdin = Some(b),
            None => return Ok(None),
        }
    }
    let expect = &run["expect"];
    ensure!(
        expect["exit_code"] == 0,
        "only exit code 0 is supported, the manifest says {}",
        expect["exit_code"]
    );
    let file_or_none = |key: &str| -> Result<Option<Option<Vec<u8>>>> {
        match expect[key].as_str() {
            Some(rel) => Ok(read(rel)?.map(Some)),
            None => Ok(Some(None)),
        }
    };
    let (Some(stdout), Some(stderr)) = (file_or_none("stdout_file")?, file_or_none("stderr_file")?)
    else {
        return Ok(None);
    };
    let stdout_glob = expect["stdout_glob"].as_str().map(str::to_string);
    if coremark {
        // wasi-common (both wasmi_wasi versions) has no process CPU-time
        // clock; every engine gets the same `clock_time_get` shim instead.
        wasm = rename_import(
            &wasm,
            "wasi_snapshot_preview1",
            "clock_time_get",
            CLOCK_SHIM_MODULE,
        )?;
    }
    let name = if coremark {
        "coremark (WASI)".to_string()
    } else {
        // `sightglass/bz2/benchmark.wasm` -> bz2,
        // `sightglass/shootout/shootout-fib2.wasm` -> shootout-fib2.
        let p = Path::new(path);
        match p.file_stem().and_then(|s| s.to_str()) {
            Some("benchmark") | None => p
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|d| d.to_str())
                .unwrap_or(path)
                .to_string(),
            Some(stem) => stem.to_string(),
        }
    };
    Ok(Some(Workload {
        family: if coremark {
            Family::CoreMark
        } else {
            Family::Sightglass
        },
        heavy: HEAVY.contains(&name.as_str()),
        name,
        path: path.to_string(),
        wasm,
        host: Host::Wasi(Arc::new(spec)),
        recipe: Recipe::Wasi(WasiCase {
            stdout,
            stderr,
            stdout_glob,
            score: coremark,
        }),
    }))
}

/// Renames the module of import `module.name` in place; `new_module` must
/// have the same length, so no size changes. The encoded pair (module name,
/// field name, each with its length byte) must occur exactly once.
fn rename_import(wasm: &[u8], module: &str, name: &str, new_module: &str) -> Result<Vec<u8>> {
    ensure!(module.len() == new_module.len() && module.len() < 128 && name.len() < 128);
    let mut needle = vec![module.len() as u8];
    needle.extend_from_slice(module.as_bytes());
    needle.push(name.len() as u8);
    needle.extend_from_slice(name.as_bytes());
    let hits: Vec<usize> = wasm
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == &needle[..])
        .map(|(i, _)| i)
        .collect();
    let [at] = hits[..] else {
        bail!("import {module}.{name} found {} times", hits.len());
    };
    let mut out = wasm.to_vec();
    out[at + 1..at + 1 + module.len()].copy_from_slice(new_module.as_bytes());
    Ok(out)
}

/// `*`-only glob match over bytes (`*` matches any run, newlines included).
fn glob_match(pattern: &str, text: &[u8]) -> bool {
    let parts: Vec<&[u8]> = pattern.split('*').map(str::as_bytes).collect();
    let (first, rest) = parts.split_first().expect("split yields one part");
    let Some(mut text) = text.strip_prefix(*first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return text.is_empty();
    };
    for part in middle {
        match text.windows(part.len()).position(|w| w == *part) {
            Some(i) => text = &text[i + part.len()..],
            None => return false,
        }
    }
    text.len() >= last.len() && text.ends_with(last)
}

fn trimmed(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// FNV-1a of a byte string, to compare unpinned outputs between engines.
fn fnv(b: &[u8]) -> i64 {
    b.iter().fold(0xcbf29ce484222325u64, |h, c| {
        (h ^ u64::from(*c)).wrapping_mul(0x100000001b3)
    }) as i64
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
        self.instance(self.compile(rt)?.as_ref())
    }

    /// Compiles the module (lazy translation: each engine's default).
    pub fn compile(&self, rt: &dyn Runtime) -> Result<Box<dyn Compiled>> {
        rt.compile(&self.wasm, Translation::Lazy)
    }

    /// A new instance of a module from [`Workload::compile`].
    pub fn instance(&self, module: &dyn Compiled) -> Result<Box<dyn Instance>> {
        module.instantiate(&self.host)
    }

    /// Whether each run needs a fresh instance (WASI commands run `_start`
    /// once; CoreMark keeps state).
    pub fn one_shot(&self) -> bool {
        matches!(self.recipe, Recipe::Wasi(_) | Recipe::CoreMark)
    }

    /// Whether the result is a score (higher is better) instead of a time.
    pub fn is_score(&self) -> bool {
        match &self.recipe {
            Recipe::CoreMark => true,
            Recipe::Wasi(case) => case.score,
            _ => false,
        }
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
            Recipe::Wasi(case) => run_wasi(case, inst),
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

/// Runs `_start` and checks exit status and output. The time is the sum of
/// the `bench.start`..`bench.end` regions if there are any (sightglass),
/// else all of `_start`.
fn run_wasi(case: &WasiCase, inst: &mut dyn Instance) -> Result<Run> {
    let t = Instant::now();
    let status = inst.run_command().context("running `_start`")?;
    let total = t.elapsed();
    let (stdout, stderr) = inst.take_output()?;
    let show = |b: &[u8]| {
        let s = String::from_utf8_lossy(trimmed(b));
        let tail: String = s
            .chars()
            .rev()
            .take(300)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        tail
    };
    ensure!(
        status == 0,
        "exit status {status}; stderr ends: {}",
        show(&stderr)
    );
    let mut observed = Vec::new();
    for (what, actual, expected) in [
        ("stdout", &stdout, &case.stdout),
        ("stderr", &stderr, &case.stderr),
    ] {
        match expected {
            Some(e) => ensure!(
                trimmed(actual) == trimmed(e),
                "{what} differs from the expected file; it ends: {}",
                show(actual)
            ),
            // Not pinned down by the manifest: the engines must agree, with
            // numbers masked (hashset and sqlite3 print their own timings).
            None if case.stdout_glob.is_none() => {
                let masked: Vec<u8> = trimmed(actual)
                    .iter()
                    .map(|c| if c.is_ascii_digit() { b'#' } else { *c })
                    .collect();
                observed.push(V::I64(fnv(&masked)))
            }
            None => {}
        }
    }
    if let Some(glob) = &case.stdout_glob {
        ensure!(
            glob_match(glob, &stdout),
            "stdout does not match `{glob}`: {}",
            show(&stdout)
        );
    }
    let score = if case.score {
        let text = String::from_utf8_lossy(&stdout);
        let score: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("Iterations/Sec"))
            .and_then(|l| l.trim().trim_start_matches(':').trim().parse().ok())
            .ok_or_else(|| anyhow!("no `Iterations/Sec : X` line in stdout"))?;
        ensure!(score > 0.0, "CoreMark score {score} is not positive");
        Some(score)
    } else {
        None
    };
    let state = inst.state();
    let elapsed = if state.bench_regions > 0 {
        state.bench_time
    } else {
        total
    };
    Ok(Run {
        elapsed,
        score,
        observed,
    })
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
