//! Runs every workload K times per engine and writes `benches/RESULTS.md`.
//!
//! ```sh
//! cargo run --release -j2 -p regwasm-benches --bin report -- [--runs K] [--out PATH] [--filter S]
//! ```
//!
//! Each engine instantiates each workload once, does one untimed warm-up
//! run (which also pays for lazy translation), then K timed runs; every run
//! is checked against the manifest. A run that fails is reported as FAIL
//! with its error and the report goes on. `benches/FINDINGS.md`, written by
//! hand from profiles, is copied in at the end.

use anyhow::{Context, Result};
use regwasm_benches::engines::{self, Runtime, Translation};
use regwasm_benches::translation;
use regwasm_benches::workloads::{self, Family, Workload};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Opts {
    runs: usize,
    coremark_runs: usize,
    wasi_runs: usize,
    translation_runs: usize,
    out: PathBuf,
    filter: String,
    /// Also measure regwasm's portable dispatcher (a second build of this
    /// binary) and show it as an extra column.
    with_portable: bool,
    /// Leave out the heavy WASI workloads (listed in the report).
    skip_heavy: bool,
    /// Internal (the child of `--with-portable`): measure regwasm only, skip
    /// translation and write the cells as JSON to this path.
    cells_json: Option<PathBuf>,
}

fn parse_args() -> Result<Opts> {
    let mut o = Opts {
        runs: 5,
        coremark_runs: 1,
        wasi_runs: 3,
        translation_runs: 3,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md"),
        filter: String::new(),
        with_portable: false,
        skip_heavy: false,
        cells_json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--runs" => o.runs = val()?.parse()?,
            "--coremark-runs" => o.coremark_runs = val()?.parse()?,
            "--wasi-runs" => o.wasi_runs = val()?.parse()?,
            "--translation-runs" => o.translation_runs = val()?.parse()?,
            "--out" => o.out = val()?.into(),
            "--filter" => o.filter = val()?,
            "--with-portable" => o.with_portable = true,
            "--skip-heavy" => o.skip_heavy = true,
            "--cells-json" => o.cells_json = Some(val()?.into()),
            other => anyhow::bail!(
                "unknown argument {other}; usage: report [--runs K] [--coremark-runs K] [--wasi-runs K] \
                 [--translation-runs K] [--out PATH] [--filter S] [--with-portable] [--skip-heavy]"
            ),
        }
    }
    Ok(o)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn sh(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into())
}

fn machine(with_portable: bool) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "- machine: {cpu}, {nproc} CPUs (load average at start: {})\n- {}\n- date: {}\n- regwasm dispatcher: {}\n",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        sh("rustc", &["-V"]),
        sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        match (regwasm::TAIL_CALL_DISPATCH, with_portable) {
            (true, true) => {
                "tail-call (threaded) in the `regwasm` column; the portable loop \
                 (`--features portable-dispatch`, a second build) in `regwasm (portable)`"
            }
            (true, false) => "tail-call (threaded)",
            (false, _) => "portable loop",
        },
    )
}

/// One engine's result on one workload: median value (ms, or score) or an error.
type Cell = Result<f64, String>;

fn measure(w: &Workload, rt: &dyn Runtime, runs: usize) -> Cell {
    let go = || -> Result<f64> {
        let module = w.compile(rt)?;
        let mut inst = w.instance(module.as_ref())?;
        // CoreMark calibrates itself for 10+ s, heavy workloads take
        // seconds to minutes: a warm-up would double that.
        let mut fresh = true;
        if !w.is_score() && !w.heavy {
            w.run(inst.as_mut()).context("warm-up run")?;
            fresh = false;
        }
        let mut xs = Vec::new();
        for _ in 0..runs {
            if !fresh && w.one_shot() {
                inst = w.instance(module.as_ref())?;
            }
            fresh = false;
            let r = w.run(inst.as_mut())?;
            xs.push(match r.score {
                Some(s) => s,
                None => r.elapsed.as_secs_f64() * 1e3,
            });
        }
        Ok(median(xs))
    };
    go().map_err(|e| format!("{e:#}"))
}

fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

/// Builds this binary with `--features portable-dispatch` and returns a
/// private copy of it (cargo puts it at `target/release/report`, over this
/// running binary's path; the next plain `cargo run` puts the tail-call
/// build back without recompiling).
fn build_portable() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--release",
            "-j2",
            "-p",
            "regwasm-benches",
            "--features",
            "portable-dispatch",
            "--bin",
            "report",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running cargo build for the portable dispatcher")?;
    anyhow::ensure!(
        out.status.success(),
        "cargo build --features portable-dispatch failed"
    );
    let mut exe = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "report" {
            exe = msg["executable"].as_str().map(PathBuf::from);
        }
    }
    let exe = exe.context("cargo did not report the portable `report` executable")?;
    let copy = std::env::temp_dir().join(format!("regwasm-report-portable-{}", std::process::id()));
    std::fs::copy(&exe, &copy).with_context(|| format!("copying {}", exe.display()))?;
    Ok(copy)
}

/// Runs the portable build on the same workloads; returns its engine name
/// and its cells by workload name.
fn portable_cells(o: &Opts) -> Result<(String, HashMap<String, Cell>)> {
    let exe = build_portable()?;
    let json = std::env::temp_dir().join(format!("regwasm-portable-{}.json", std::process::id()));
    eprintln!("running {} for the portable dispatcher", exe.display());
    let status = std::process::Command::new(&exe)
        .args([
            "--runs",
            &o.runs.to_string(),
            "--wasi-runs",
            &o.wasi_runs.to_string(),
            "--coremark-runs",
            &o.coremark_runs.to_string(),
            "--filter",
            &o.filter,
        ])
        .args(o.skip_heavy.then_some("--skip-heavy"))
        .arg("--cells-json")
        .arg(&json)
        .status()
        .context("running the portable report")?;
    anyhow::ensure!(status.success(), "the portable report failed: {status}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    let _ = std::fs::remove_file(&json);
    let _ = std::fs::remove_file(&exe);
    let name = v["engine"]
        .as_str()
        .context("no engine in JSON")?
        .to_string();
    let mut cells = HashMap::new();
    for (w, c) in v["cells"].as_object().context("no cells in JSON")? {
        let cell = match (c["ok"].as_f64(), c["err"].as_str()) {
            (Some(x), _) => Ok(x),
            (None, Some(e)) => Err(e.to_string()),
            _ => Err(format!("bad cell {c}")),
        };
        cells.insert(w.clone(), cell);
    }
    Ok((name, cells))
}

/// The child side of `--with-portable`: regwasm only, cells as JSON.
fn write_cells(o: &Opts, all: &[Workload], path: &Path) -> Result<()> {
    let rt = engines::Regwasm;
    let mut cells = serde_json::Map::new();
    for w in all.iter().filter(|w| w.name.contains(&o.filter)) {
        let c = measure(w, &rt, runs_for(o, w));
        eprintln!("{:<24} {:<20} {c:?}", w.name, rt.name());
        cells.insert(
            w.name.clone(),
            match c {
                Ok(x) => serde_json::json!({ "ok": x }),
                Err(e) => serde_json::json!({ "err": e }),
            },
        );
    }
    let v = serde_json::json!({ "engine": rt.name(), "cells": cells });
    std::fs::write(path, serde_json::to_vec(&v)?).with_context(|| path.display().to_string())
}

fn runs_for(o: &Opts, w: &Workload) -> usize {
    if w.is_score() {
        o.coremark_runs
    } else if w.heavy {
        1
    } else if w.family == Family::Sightglass {
        o.wasi_runs
    } else {
        o.runs
    }
}

fn main() -> Result<()> {
    let o = parse_args()?;
    let dir = workloads::bench_dir();
    let mut all = workloads::load(&dir)?;
    // Heavy WASI workloads take most of a full report's time (tens of
    // minutes on wasmi 0.31); --skip-heavy leaves them out, and says so.
    let mut skipped_heavy = Vec::new();
    if o.skip_heavy {
        all.retain(|w| {
            if w.heavy {
                skipped_heavy.push(w.name.clone());
            }
            !w.heavy
        });
    }
    if let Some(path) = &o.cells_json {
        return write_cells(&o, &all, path);
    }
    let engines = engines::all();
    let mut names: Vec<String> = engines.iter().map(|e| e.name()).collect();
    // The portable dispatcher's column goes right after regwasm's.
    let portable = if o.with_portable {
        anyhow::ensure!(
            regwasm::TAIL_CALL_DISPATCH,
            "--with-portable needs a tail-call build (drop --features portable-dispatch)"
        );
        let (name, cells) = portable_cells(&o)?;
        names.insert(1, name);
        Some(cells)
    } else {
        None
    };

    let mut md = String::new();
    writeln!(md, "# regwasm benchmark results\n")?;
    writeln!(
        md,
        "Generated by `cargo run --release -j2 -p regwasm-benches{} --bin report{}` \
         (see `benches/README.md`); do not edit by hand, edit `benches/FINDINGS.md`.\n",
        match (cfg!(feature = "wasmtime"), cfg!(feature = "stitch")) {
            (true, true) => " --features wasmtime,stitch",
            (true, false) => " --features wasmtime",
            (false, true) => " --features stitch",
            (false, false) => "",
        },
        {
            // The arguments, without `--out PATH`.
            let mut args: Vec<String> = Vec::new();
            let mut it = std::env::args().skip(1);
            while let Some(a) = it.next() {
                if a == "--out" {
                    it.next();
                } else {
                    args.push(a);
                }
            }
            if args.is_empty() {
                String::new()
            } else {
                format!(" -- {}", args.join(" "))
            }
        }
    )?;
    md.push_str(&machine(o.with_portable));
    if !skipped_heavy.is_empty() {
        writeln!(
            md,
            "- not run in this report (`--skip-heavy`; each takes seconds to minutes per run): {}",
            skipped_heavy.join(", ")
        )?;
    }
    writeln!(
        md,
        "- method: per engine and workload, one compiled module and one untimed warm-up run \
         (pays lazy translation; none for CoreMark, which calibrates itself, nor for heavy WASI workloads), \
         then the median of {} timed runs ({} for sightglass, 1 for heavy WASI workloads, {} for CoreMark); \
         WASI commands get a fresh instance per run. \
         Every run's output checked against `shared/bench/manifest.json`. Times in ms \
         (lower is better); CoreMark in CoreMark/s (higher is better). \
         \"×\" columns: the engine's time divided by regwasm's (above 1: regwasm is faster).\n\
         - WASI: each engine's own WASI (regwasm-wasi, wasmi_wasi 2.0.0, wasmi_wasi 0.31.2 = wasi-common), \
         preopens, args, env and expected output from the manifest. Sightglass times are the sum of the \
         `bench.start`..`bench.end` regions (host functions that only read the clock); \
         CoreMark (WASI) times all of `_start` and reports its own Iterations/Sec. \
         wasi-common has no process CPU-time clock, which CoreMark needs, so CoreMark's \
         `clock_time_get` import is renamed to a shim module every engine defines identically.\n",
        o.runs, o.wasi_runs, o.coremark_runs
    )?;
    let mut failures = Vec::new();

    for family in [
        Family::Rust,
        Family::Wat,
        Family::Sightglass,
        Family::CoreMark,
    ] {
        let ws: Vec<&Workload> = all
            .iter()
            .filter(|w| w.family == family && w.name.contains(&o.filter))
            .collect();
        if ws.is_empty() {
            continue;
        }
        writeln!(md, "## {}\n", family.title())?;
        let mut header = String::from("| workload |");
        let mut rule = String::from("|---|");
        for (i, n) in names.iter().enumerate() {
            header += &format!(" {n} |");
            rule += "---:|";
            if i > 0 {
                header += &format!(" × {n} |");
                rule += "---:|";
            }
        }
        writeln!(md, "{header}\n{rule}")?;
        // Per peer column: log of each ratio, for the family's geomean.
        let mut logs: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for w in ws {
            let runs = runs_for(&o, w);
            let mut cells: Vec<Cell> = engines
                .iter()
                .map(|rt| {
                    let c = measure(w, rt.as_ref(), runs);
                    eprintln!("{:<24} {:<20} {c:?}", w.name, rt.name());
                    c
                })
                .collect();
            if let Some(p) = &portable {
                let c = p
                    .get(&w.name)
                    .cloned()
                    .unwrap_or_else(|| Err("not measured".into()));
                cells.insert(1, c);
            }
            let mut row = format!("| {} |", w.name);
            let base = cells[0].as_ref().ok().copied();
            for (i, c) in cells.iter().enumerate() {
                match c {
                    Ok(v) if w.is_score() => row += &format!(" {v:.1} |"),
                    Ok(v) => row += &format!(" {} |", fmt_ms(*v)),
                    Err(e) => {
                        let short = if e.contains("tail call") {
                            "unsupported (tail calls)"
                        } else {
                            "FAIL"
                        };
                        row += &format!(" {short} |");
                        failures.push(format!("{} on {}: {e}", w.name, names[i]));
                    }
                }
                if i > 0 {
                    let ratio = match (base, c) {
                        (Some(b), Ok(v)) if w.is_score() => Some(b / v),
                        (Some(b), Ok(v)) => Some(v / b),
                        _ => None,
                    };
                    row += &match ratio {
                        Some(r) => {
                            logs[i].push(r.ln());
                            format!(" {r:.2} |")
                        }
                        None => " – |".into(),
                    };
                }
            }
            writeln!(md, "{row}")?;
        }
        let mut geo = String::from("| **geomean** |");
        for (i, l) in logs.iter().enumerate() {
            geo += " |";
            if i > 0 {
                geo += &match l.len() {
                    0 => " – |".to_string(),
                    n => format!(" **{:.2}** |", (l.iter().sum::<f64>() / n as f64).exp()),
                };
            }
        }
        writeln!(md, "{geo}")?;
        writeln!(md)?;
    }

    // Translation.
    let inputs = translation::inputs(&dir, &workloads::fixtures_dir());
    if !inputs.is_empty() && (o.filter.is_empty() || o.filter == "translation") {
        writeln!(md, "## Translation: `Module::new` + first instantiation\n")?;
        writeln!(
            md,
            "Imports are stubbed; median of {} runs; MB/s of code section (higher is better). \
             Lazy = validated at `Module::new`, bodies translated on first call \
             (wasmi 2: `CompilationMode::LazyTranslation`); wasmi 0.31 has eager only.\n",
            o.translation_runs
        )?;
        writeln!(
            md,
            "| module (code section) | engine | mode | ms | MB/s | × regwasm same mode |"
        )?;
        writeln!(md, "|---|---|---|---:|---:|---:|")?;
        for input in &inputs {
            let mut base = [None, None];
            for rt in &engines {
                for (mi, mode) in [Translation::Eager, Translation::Lazy]
                    .into_iter()
                    .enumerate()
                {
                    if mode == Translation::Lazy && !rt.supports_lazy() {
                        continue;
                    }
                    let mut xs = Vec::new();
                    let mut err = None;
                    for _ in 0..o.translation_runs {
                        match translation::measure(rt.as_ref(), input, mode) {
                            Ok(d) => xs.push(d.as_secs_f64() * 1e3),
                            Err(e) => {
                                err = Some(format!("{e:#}"));
                                break;
                            }
                        }
                    }
                    let label = format!(
                        "| {} ({:.2} MB) | {} | {mode:?} |",
                        input.name,
                        input.code_bytes as f64 / 1e6,
                        rt.name()
                    );
                    match err {
                        Some(e) => {
                            writeln!(md, "{label} FAIL | – | – |")?;
                            failures.push(format!(
                                "translate {} on {}: {e}",
                                input.name,
                                rt.name()
                            ));
                        }
                        None => {
                            let ms = median(xs);
                            if base[mi].is_none() {
                                base[mi] = Some(ms);
                            }
                            let mbs = input.code_bytes as f64 / 1e6 / (ms / 1e3);
                            writeln!(
                                md,
                                "{label} {} | {mbs:.1} | {:.2} |",
                                fmt_ms(ms),
                                ms / base[mi].unwrap()
                            )?;
                            eprintln!(
                                "translate {:<16} {:<20} {mode:?} {:?}",
                                input.name,
                                rt.name(),
                                Duration::from_secs_f64(ms / 1e3)
                            );
                        }
                    }
                }
            }
        }
        writeln!(md)?;
    }

    writeln!(md, "## Engines not in this report\n")?;
    if !cfg!(feature = "wasmtime") {
        writeln!(
            md,
            "- wasmtime 36 (Cranelift JIT, the ceiling): only with `--features wasmtime` \
             (a long build, so not in the default one)."
        )?;
    }
    if !cfg!(feature = "stitch") {
        writeln!(
            md,
            "- makepad-stitch 0.1: only with `--features stitch`. It has no WASI (sightglass, \
             CoreMark WASI), traps in `setup` of every rust-benchmark but tiny-keccak, panics \
             compiling regex-redux, rejects hashset (\"function body too large\") and \
             `return_call`; it runs the `.wat` micro-benchmarks and coremark-minimal."
        )?;
    }
    writeln!(
        md,
        "- wasm3 (the `wasm3` crate 0.3.1): does not build here. `wasm3-sys` 0.3.0's build \
         script runs the `bindgen` executable (or, with `build-bindgen`, needs libclang), \
         and neither is installed: `Unable to generate bindings: Os {{ code: 2, kind: NotFound, \
         message: \"No such file or directory\" }}`.\n"
    )?;

    if !failures.is_empty() {
        writeln!(md, "## Failures and unsupported workloads\n")?;
        for f in &failures {
            writeln!(md, "- {}", f.replace('\n', " "))?;
        }
        writeln!(md)?;
    }
    let findings = Path::new(env!("CARGO_MANIFEST_DIR")).join("FINDINGS.md");
    if let Ok(text) = std::fs::read_to_string(&findings) {
        md.push_str(&text);
    }
    std::fs::write(&o.out, md).with_context(|| o.out.display().to_string())?;
    eprintln!("wrote {}", o.out.display());
    Ok(())
}
