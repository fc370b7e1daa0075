//! The WebAssembly 2.0 spec test suite.
//!
//! Runs every `.wast` file under `$REGWASM_TESTSUITE/core` (default:
//! `../shared/testsuite` next to the repository), except the `simd_*` files,
//! and fails if any directive fails.
//!
//! - `REGWASM_TESTSUITE=DIR`: the test-suite root (the folder holding `core/`)
//! - `REGWASM_WAST_FILTER=SUBSTRING`: only files whose name contains it
//! - `REGWASM_WAST_TIMEOUT=SECONDS`: time limit per file (default 300)
//! - `REGWASM_WAST_JOBS=N`: files run in parallel (default: available cores)
//!
//! Run one file with its output:
//! `REGWASM_WAST_FILTER=i32.wast cargo test -p regwasm-tests --test spec -- --nocapture`

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use regwasm_cli::wast_runner::{run_wast_file, Report};

/// Failure messages printed per file.
const SHOWN_FAILURES: usize = 30;

fn suite_root() -> PathBuf {
    match std::env::var_os("REGWASM_TESTSUITE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testsuite"),
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn wast_files(dir: &Path, filter: Option<&str>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            path.extension().is_some_and(|ext| ext == "wast")
                && !name.starts_with("simd_")
                && filter.is_none_or(|f| name.contains(f))
        })
        .collect();
    files.sort();
    files
}

enum Outcome {
    Finished(Report),
    TimedOut(Duration),
    Crashed(String),
}

/// Runs the files on up to `jobs` threads, each file with a time limit. A
/// file that runs over its limit is reported and abandoned (its thread is
/// left running until the test process exits).
fn run_all(files: &[PathBuf], jobs: usize, timeout: Duration) -> Vec<(PathBuf, Outcome)> {
    let mut pending = files.iter().cloned().enumerate();
    let mut outcomes: Vec<Option<Outcome>> = files.iter().map(|_| None).collect();
    let mut running: Vec<(usize, Instant, mpsc::Receiver<Report>)> = Vec::new();
    loop {
        while running.len() < jobs {
            let Some((index, path)) = pending.next() else {
                break;
            };
            let (tx, rx) = mpsc::channel();
            let spawned = thread::Builder::new()
                .name(format!("wast {}", path.display()))
                .stack_size(16 << 20)
                .spawn(move || {
                    let _ = tx.send(run_wast_file(&path));
                });
            match spawned {
                Ok(_) => running.push((index, Instant::now(), rx)),
                Err(e) => outcomes[index] = Some(Outcome::Crashed(format!("cannot spawn: {e}"))),
            }
        }
        if running.is_empty() {
            break;
        }
        running.retain(|(index, started, rx)| match rx.try_recv() {
            Ok(report) => {
                outcomes[*index] = Some(Outcome::Finished(report));
                false
            }
            Err(mpsc::TryRecvError::Disconnected) => {
                // The runner catches panics per directive, so this means the
                // thread died some other way.
                outcomes[*index] = Some(Outcome::Crashed("runner thread died".to_string()));
                false
            }
            Err(mpsc::TryRecvError::Empty) if started.elapsed() > timeout => {
                outcomes[*index] = Some(Outcome::TimedOut(started.elapsed()));
                false
            }
            Err(mpsc::TryRecvError::Empty) => true,
        });
        thread::sleep(Duration::from_millis(5));
    }
    files
        .iter()
        .cloned()
        .zip(outcomes)
        .map(|(path, outcome)| (path, outcome.expect("every file has an outcome")))
        .collect()
}

#[test]
fn spec_core() {
    let root = suite_root();
    let core = root.join("core");
    if !core.is_dir() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "spec test suite not found at {} (CI is set, so this is an error); \
                 set REGWASM_TESTSUITE to the folder holding core/",
                core.display()
            );
        }
        println!(
            "SKIPPED spec_core: no spec test suite at {}. \
             Set REGWASM_TESTSUITE to the test-suite folder (the one holding core/) to run it.",
            core.display()
        );
        return;
    }
    let filter = std::env::var("REGWASM_WAST_FILTER").ok();
    let files = wast_files(&core, filter.as_deref());
    assert!(
        !files.is_empty(),
        "no .wast files in {} match filter {filter:?}",
        core.display()
    );
    let jobs = env_number(
        "REGWASM_WAST_JOBS",
        thread::available_parallelism().map_or(1, |n| n.get() as u64),
    )
    .max(1) as usize;
    let timeout = Duration::from_secs(env_number("REGWASM_WAST_TIMEOUT", 300));

    let started = Instant::now();
    let outcomes = run_all(&files, jobs, timeout);

    let (mut passed, mut failed, mut bad_files) = (0usize, 0usize, Vec::new());
    for (path, outcome) in &outcomes {
        let name = path.file_name().unwrap().to_string_lossy();
        match outcome {
            Outcome::Finished(report) => {
                println!("{name}: {}", report.summary());
                for failure in report.failures.iter().take(SHOWN_FAILURES) {
                    println!("    {failure}");
                }
                if report.failures.len() > SHOWN_FAILURES {
                    println!(
                        "    ... and {} more failures",
                        report.failures.len() - SHOWN_FAILURES
                    );
                }
                passed += report.passed;
                failed += report.failed;
                if report.failed > 0 {
                    bad_files.push(name.to_string());
                }
            }
            Outcome::TimedOut(after) => {
                println!("{name}: TIMED OUT after {:.0?}", after);
                failed += 1;
                bad_files.push(format!("{name} (timed out)"));
            }
            Outcome::Crashed(why) => {
                println!("{name}: CRASHED: {why}");
                failed += 1;
                bad_files.push(format!("{name} (crashed)"));
            }
        }
    }
    println!(
        "spec total: {passed} passed, {failed} failed in {} files ({:.1?})",
        outcomes.len(),
        started.elapsed()
    );
    assert!(
        failed == 0,
        "{failed} spec directives failed, in {}: {}",
        bad_files.len(),
        bad_files.join(", ")
    );
}
