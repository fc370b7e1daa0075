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
}

fn parse_args() -> Result<Opts> {
    let mut o = Opts {
        runs: 5,
        coremark_runs: 1,
        wasi_runs: 3,
        translation_runs: 3,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md"),
        filter: String::new(),
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
            other => anyhow::bail!(
                "unknown argument {other}; usage: report [--runs K] [--coremark-runs K] [--wasi-runs K] \
                 [--translation-runs K] [--out PATH] [--filter S]"
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

fn machine() -> String {
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
        if regwasm::TAIL_CALL_DISPATCH {
            "tail-call (threaded)"
        } else {
            "portable loop"
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

fn main() -> Result<()> {
    let o = parse_args()?;
    let dir = workloads::bench_dir();
    let all = workloads::load(&dir)?;
    let engines = engines::all();
    let names: Vec<String> = engines.iter().map(|e| e.name()).collect();

    let mut md = String::new();
    writeln!(md, "# regwasm benchmark results\n")?;
    writeln!(
        md,
        "Generated by `cargo run --release -j2 -p regwasm-benches --bin report` \
         (see `benches/README.md`); do not edit by hand, edit `benches/FINDINGS.md`.\n"
    )?;
    md.push_str(&machine());
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
        for w in ws {
            let runs = if w.is_score() {
                o.coremark_runs
            } else if w.heavy {
                1
            } else if family == Family::Sightglass {
                o.wasi_runs
            } else {
                o.runs
            };
            let cells: Vec<Cell> = engines
                .iter()
                .map(|rt| {
                    let c = measure(w, rt.as_ref(), runs);
                    eprintln!("{:<24} {:<20} {c:?}", w.name, rt.name());
                    c
                })
                .collect();
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
                    row += &match (base, c) {
                        (Some(b), Ok(v)) if w.is_score() => {
                            format!(" {:.2} |", b / v)
                        }
                        (Some(b), Ok(v)) => format!(" {:.2} |", v / b),
                        _ => " – |".into(),
                    };
                }
            }
            writeln!(md, "{row}")?;
        }
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
