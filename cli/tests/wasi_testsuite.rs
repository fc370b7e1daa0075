//! The WASI preview 1 conformance suite (`../shared/wasi-testsuite`, or
//! `$REGWASM_WASI_TESTSUITE`), run through `regwasm run` as its upstream
//! runners do: each `X.wasm` with the arguments, environment, preopened root
//! and expected exit code and stdout of `X.json`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SUITES: &[&str] = &["assemblyscript", "c", "rust"];

fn suite_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("REGWASM_WASI_TESTSUITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasi-testsuite")
        });
    if dir.join("tests").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("the WASI test suite is missing at {}", dir.display());
    }
    println!(
        "SKIPPED: no WASI test suite at {}; set REGWASM_WASI_TESTSUITE to a copy of shared/wasi-testsuite",
        dir.display()
    );
    None
}

/// Copies `from` into `to` recursively, leaving out `*.cleanup` leftovers.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".cleanup") {
            continue;
        }
        let target = to.join(&name);
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if ty.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs one test; `Err` says why it failed.
fn run_test(wasm: &Path, scratch: &Path) -> Result<(), String> {
    let spec: Value = match std::fs::read_to_string(wasm.with_extension("json")) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("bad json: {e}"))?,
        Err(_) => Value::Object(Default::default()),
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regwasm"));
    cmd.arg("run");
    if let Some(root) = spec.get("root").and_then(Value::as_str) {
        let copy = scratch.join(root);
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&wasm.parent().unwrap().join(root), &copy);
        cmd.arg("--dir").arg(format!("{}::/", copy.display()));
    }
    if let Some(env) = spec.get("env").and_then(Value::as_object) {
        for (key, value) in env {
            cmd.arg("--env")
                .arg(format!("{key}={}", value.as_str().unwrap_or_default()));
        }
    }
    cmd.arg(wasm).arg("--");
    if let Some(args) = spec.get("args").and_then(Value::as_array) {
        cmd.args(args.iter().map(|a| a.as_str().unwrap_or_default()));
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run regwasm: {e}"))?;
    let expected_code = spec.get("exit_code").and_then(Value::as_i64).unwrap_or(0);
    let code = out.status.code().map(i64::from);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if code != Some(expected_code) {
        return Err(format!(
            "exit code {code:?}, expected {expected_code}; stderr: {}",
            stderr.trim()
        ));
    }
    if let Some(expected) = spec.get("stdout").and_then(Value::as_str) {
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout != expected {
            return Err(format!("stdout {stdout:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

#[test]
fn wasi_testsuite_preview1() {
    let Some(dir) = suite_dir() else {
        return;
    };
    let scratch =
        std::env::temp_dir().join(format!("regwasm-wasi-testsuite-{}", std::process::id()));
    let (mut passed, mut failed) = (0, Vec::new());
    for suite in SUITES {
        let tests = dir
            .join("tests")
            .join(suite)
            .join("testsuite/wasm32-wasip1");
        let mut wasms: Vec<PathBuf> = std::fs::read_dir(&tests)
            .unwrap_or_else(|e| panic!("{}: {e}", tests.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        wasms.sort();
        let (mut suite_passed, mut suite_failed) = (0, 0);
        for wasm in wasms {
            let name = format!("{suite}/{}", wasm.file_stem().unwrap().to_string_lossy());
            let work = scratch.join(suite);
            std::fs::create_dir_all(&work).unwrap();
            match run_test(&wasm, &work) {
                Ok(()) => {
                    suite_passed += 1;
                    println!("ok   {name}");
                }
                Err(why) => {
                    suite_failed += 1;
                    println!("FAIL {name}: {why}");
                    failed.push(format!("{name}: {why}"));
                }
            }
        }
        println!("{suite}: {suite_passed} passed, {suite_failed} failed");
        passed += suite_passed;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!("skipped: tests/proposals/wasi-threads (needs the threads proposal and wasi-threads, not preview 1)");
    println!("wasi-testsuite: {passed} passed, {} failed", failed.len());
    assert!(
        failed.is_empty(),
        "failing WASI tests:\n{}",
        failed.join("\n")
    );
}
