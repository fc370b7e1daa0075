//! End-to-end tests of the `regwasm` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn regwasm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regwasm"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run the regwasm binary")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes `text` to a file in the test scratch directory; returns its path.
fn scratch_file(name: &str, text: &str) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write scratch file");
    path.to_str().expect("utf-8 path").to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that the command failed with exit code 1 and exactly one
/// `error: ...` line on stderr containing `needle`.
fn assert_clean_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in stderr: {err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
}

#[test]
fn run_fib() {
    let out = regwasm(&["run", "examples/fib.wat", "--invoke", "fib", "10"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "55\n");
}

#[test]
fn run_sum_i64() {
    let out = regwasm(&["run", "examples/sum.wat", "--invoke", "sum", "100000"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "5000050000\n");
}

#[test]
fn run_arguments_and_results() {
    let file = scratch_file(
        "args.wat",
        r#"(module
          (func (export "mix") (param i32 i64 f32 f64) (result f64 i32 i64 f32)
            (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))
            (local.get 0)
            (local.get 1)
            (local.get 2)))"#,
    );
    let out = regwasm(&[
        "run", &file, "--invoke", "mix", "-5", "0x10", "1.5", "-0.25",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "1.25\n-5\n16\n1.5\n");
}

#[test]
fn run_binary_module() {
    // (module (func (export "ans") (result i32) (i32.const 42)))
    let bytes: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
        0x03, 0x02, 0x01, 0x00, // function section
        0x07, 0x07, 0x01, 0x03, b'a', b'n', b's', 0x00, 0x00, // export "ans"
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // code: i32.const 42
    ];
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ans.wasm");
    std::fs::write(&path, bytes).expect("write scratch file");
    let out = regwasm(&["run", path.to_str().unwrap(), "--invoke", "ans"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "42\n");
}

#[test]
fn run_start_by_default() {
    let file = scratch_file("start.wat", r#"(module (func (export "_start")))"#);
    let out = regwasm(&["run", &file]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn run_errors_are_one_line() {
    assert_clean_error(&regwasm(&["run", "examples/fib.wat"]), "_start");
    assert_clean_error(&regwasm(&["run", "no/such/file.wasm"]), "cannot read");
    assert_clean_error(
        &regwasm(&["run", "examples/fib.wat", "--invoke", "nope"]),
        "nope",
    );
    assert_clean_error(
        &regwasm(&["run", "examples/fib.wat", "--invoke", "fib"]),
        "argument",
    );
    assert_clean_error(
        &regwasm(&["run", "examples/fib.wat", "--invoke", "fib", "x1"]),
        "x1",
    );
    let bad = scratch_file("bad.wat", "(module (func (result i32)))");
    assert_clean_error(&regwasm(&["run", &bad, "--invoke", "f"]), "cannot compile");
    let trap = scratch_file("trap.wat", r#"(module (func (export "boom") unreachable))"#);
    assert_clean_error(&regwasm(&["run", &trap, "--invoke", "boom"]), "unreachable");
    let import = scratch_file(
        "import.wat",
        r#"(module (import "env" "f" (func)) (func (export "g")))"#,
    );
    assert_clean_error(
        &regwasm(&["run", &import, "--invoke", "g"]),
        "cannot instantiate",
    );
}

#[test]
fn inspect_all_and_one() {
    let out = regwasm(&["inspect", "examples/fib.wat"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(";; func 0 (export \"fib\")\n"), "{text}");
    assert!(text.lines().count() > 2, "{text}");

    let by_name = regwasm(&["inspect", "examples/fib.wat", "--func", "fib"]);
    assert!(by_name.status.success(), "stderr: {}", stderr(&by_name));
    let by_index = regwasm(&["inspect", "examples/fib.wat", "--func", "0"]);
    assert_eq!(stdout(&by_name), stdout(&by_index));

    assert_clean_error(
        &regwasm(&["inspect", "examples/fib.wat", "--func", "nope"]),
        "nope",
    );
    assert_clean_error(
        &regwasm(&["inspect", "examples/fib.wat", "--func", "7"]),
        "out of range",
    );
    let import = scratch_file(
        "inspect_import.wat",
        r#"(module (import "env" "f" (func)) (func (export "g") call 0))"#,
    );
    let out = regwasm(&["inspect", &import]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).starts_with(";; func 1 (export \"g\")\n"),
        "{}",
        stdout(&out)
    );
    assert_clean_error(&regwasm(&["inspect", &import, "--func", "0"]), "imported");
}

#[test]
fn wast_pass_and_fail() {
    let good = scratch_file(
        "good.wast",
        r#"(module (func (export "f") (result i32) (i32.const 7)))
           (assert_return (invoke "f") (i32.const 7))"#,
    );
    let out = regwasm(&["wast", &good]);
    assert!(out.status.success(), "stdout: {}", stdout(&out));
    assert!(
        stdout(&out).contains("2 passed, 0 failed"),
        "{}",
        stdout(&out)
    );

    let bad = scratch_file(
        "bad.wast",
        r#"(module (func (export "f") (result i32) (i32.const 7)))
           (assert_return (invoke "f") (i32.const 8))"#,
    );
    let out = regwasm(&["wast", &good, &bad]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("1 passed, 1 failed"), "{text}");
    assert!(text.contains("bad.wast:2:"), "{text}");
    assert!(text.contains("total: 3 passed, 1 failed"), "{text}");
}
