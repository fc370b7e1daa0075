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
    let out = regwasm(&["run", "--invoke", "fib", "examples/fib.wat", "10"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "55\n");
}

#[test]
fn run_sum_i64() {
    let out = regwasm(&["run", "--invoke", "sum", "examples/sum.wat", "100000"]);
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
        "run", "--invoke", "mix", &file, "-5", "0x10", "1.5", "-0.25",
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
    let out = regwasm(&["run", "--invoke", "ans", path.to_str().unwrap()]);
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
        &regwasm(&["run", "--invoke", "nope", "examples/fib.wat"]),
        "nope",
    );
    assert_clean_error(
        &regwasm(&["run", "--invoke", "fib", "examples/fib.wat"]),
        "argument",
    );
    assert_clean_error(
        &regwasm(&["run", "--invoke", "fib", "examples/fib.wat", "x1"]),
        "x1",
    );
    let bad = scratch_file("bad.wat", "(module (func (result i32)))");
    assert_clean_error(&regwasm(&["run", "--invoke", "f", &bad]), "cannot compile");
    // A trap is one line too, with the exit status `wasmtime run` uses.
    let trap = scratch_file("trap.wat", r#"(module (func (export "boom") unreachable))"#);
    let out = regwasm(&["run", "--invoke", "boom", &trap]);
    assert_eq!(out.status.code(), Some(134));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("wasm trap: unreachable"));
    let import = scratch_file(
        "import.wat",
        r#"(module (import "env" "f" (func)) (func (export "g")))"#,
    );
    assert_clean_error(
        &regwasm(&["run", "--invoke", "g", &import]),
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
fn inspect_check_proves_every_function() {
    let out = regwasm(&["inspect", "--check", "examples/fib.wat"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(";; symbolic check: 1 functions proven ("),
        "{text}"
    );
    assert!(text.contains("0 failed"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with(";; symbolic check: ") && l.ends_with("register reads proven"))
        .unwrap_or_else(|| panic!("no per-function line in {text}"));
    let reads: usize = line
        .split_whitespace()
        .nth(3)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line}"));
    assert!(reads > 0, "{line}");
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

#[test]
fn run_wasi_command_with_args_and_exit_status() {
    let out = regwasm(&["run", "examples/greet.wat", "--", "Ada"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Hello, Ada!\n");
    let out = regwasm(&["run", "examples/greet.wat"]);
    assert_eq!(stdout(&out), "Hello, world!\n");
    // proc_exit(3) becomes the exit status, with nothing printed.
    let out = regwasm(&["run", "examples/greet.wat", "a", "b"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out), "");
    // Options go before FILE; argv[0] can be chosen.
    let out = regwasm(&[
        "run",
        "--argv0",
        "x",
        "--invoke",
        "fib",
        "examples/fib.wat",
        "10",
    ]);
    assert_eq!(stdout(&out), "55\n");
}

#[test]
fn run_wasi_env_and_dirs_are_granted_explicitly() {
    // Prints the environment and the first preopened directory's name.
    let wat = scratch_file(
        "env.wat",
        r#"(module
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start") (local $n i32)
            (drop (call $sizes (i32.const 0) (i32.const 4)))
            (drop (call $get (i32.const 16) (i32.const 256)))
            ;; print the environment buffer, NULs and all
            (i32.store (i32.const 8) (i32.const 256))
            (i32.store (i32.const 12) (i32.load (i32.const 4)))
            (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 1000)))
            ;; errno of fd_prestat_dir_name(3) and the name
            (local.set $n (call $name (i32.const 3) (i32.const 512) (i32.const 3)))
            (i32.store8 (i32.const 600) (i32.add (i32.const 48) (local.get $n)))
            (i32.store (i32.const 8) (i32.const 600))
            (i32.store (i32.const 12) (i32.const 1))
            (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 1000)))
            (i32.store (i32.const 8) (i32.const 512))
            (i32.store (i32.const 12) (i32.const 3))
            (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 1000)))))"#,
    );
    // Nothing granted: no environment, and fd 3 is not a preopen (EBADF = 8).
    let out = regwasm(&["run", &wat]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with('8'), "{:?}", stdout(&out));
    let dir = std::env::temp_dir();
    let out = regwasm(&[
        "run",
        "--env",
        "A=1",
        "--env",
        "B=two",
        "--dir",
        &format!("{}::abc", dir.display()),
        &wat,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "A=1\x00B=two\x000abc");
}

/// A WASI command that never ends.
const SPIN: &str = r#"(module (func (export "_start") (loop br 0)))"#;

#[test]
fn run_fuel_stops_an_infinite_loop() {
    let wat = scratch_file("spin.wat", SPIN);
    let out = regwasm(&["run", "--fuel", "100000", &wat]);
    assert_eq!(out.status.code(), Some(134));
    assert!(
        stderr(&out).contains("all fuel consumed"),
        "{}",
        stderr(&out)
    );
}

/// A WASI command that calls `proc_exit(status)`.
fn exit_module(name: &str, status: i32) -> String {
    scratch_file(
        name,
        &format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") (call $exit (i32.const {status}))))"#
        ),
    )
}

#[test]
fn proc_exit_statuses_from_126_up_are_errors() {
    // Below 126 the status is the guest's own.
    let out = regwasm(&["run", &exit_module("exit125.wat", 125)]);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    // 256 would truncate to 0 (success) and 1000 to 232: as wasmtime, both
    // are an error with exit 1, and so is a negative status.
    for (name, status) in [
        ("exit126.wat", 126),
        ("exit256.wat", 256),
        ("exit1000.wat", 1000),
        ("exitneg.wat", -1),
    ] {
        let out = regwasm(&["run", &exit_module(name, status)]);
        assert_clean_error(&out, &format!("invalid exit status {status}"));
    }
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    // `regwasm inspect … | head -1`: the reader goes away after one line.
    let module = scratch_file(
        "many_funcs.wat",
        &format!(
            "(module {})",
            "(func (result i32) (i32.const 7))".repeat(20_000)
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_regwasm"))
        .args(["inspect", &module])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the regwasm binary");
    let mut first = [0u8; 8];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "stderr: {err}"
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
}

/// A WASI command that prints the buffer that `{list}_sizes_get` and
/// `{list}_get` fill (`args` or `environ`), NULs and all.
fn buffer_printer(list: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "{list}_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "{list}_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 16) (i32.const 1024)))
    (i32.store (i32.const 8) (i32.const 1024))
    (i32.store (i32.const 12) (i32.load (i32.const 4)))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 2000)))))"#
    )
}

#[test]
fn run_passes_everything_after_file_to_the_guest_as_wasmtime_does() {
    let file = scratch_file("args.wat", &buffer_printer("args"));
    // Options after FILE are the guest's; argv[0] is FILE's name.
    let out = regwasm(&["run", &file, "--help", "-x", "--invoke", "f"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "args.wat\0--help\0-x\0--invoke\0f\0");
    // A `--` right after FILE separates, as before.
    let out = regwasm(&["run", &file, "--", "--fuel"]);
    assert_eq!(stdout(&out), "args.wat\0--fuel\0");
    // `run` may be left out, before FILE or before an option.
    let out = regwasm(&[&file, "a", "b"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "args.wat\0a\0b\0");
    let out = regwasm(&["--argv0", "z", &file, "a"]);
    assert_eq!(stdout(&out), "z\0a\0");
    // The top-level options and subcommands keep their meaning.
    let out = regwasm(&["--version"]);
    assert!(out.status.success() && stdout(&out).starts_with("regwasm "));
    let out = regwasm(&["inspect", "examples/fib.wat", "--func", "fib"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn run_reads_the_module_from_standard_input_given_a_dash() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_regwasm"))
        .args(["run", "-", "a"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the regwasm binary");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(buffer_printer("args").as_bytes())
        .expect("write the module");
    drop(stdin);
    let out = child.wait_with_output().expect("wait for regwasm");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "-\0a\0");
}

#[test]
fn run_env_name_without_a_host_value_leaves_it_unset() {
    let file = scratch_file("env-print.wat", &buffer_printer("environ"));
    let out = Command::new(env!("CARGO_BIN_EXE_regwasm"))
        .args([
            "run",
            "--env",
            "REGWASM_TEST_NEVER_SET",
            "--env",
            "REGWASM_TEST_SET",
            "--env",
            "A=1",
            &file,
        ])
        .env_remove("REGWASM_TEST_NEVER_SET")
        .env("REGWASM_TEST_SET", "yes")
        .output()
        .expect("run the regwasm binary");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "REGWASM_TEST_SET=yes\0A=1\0");
}

#[test]
fn run_takes_wasmtime_style_wasm_and_wasi_option_lists() {
    let spin = scratch_file("spin-w.wat", SPIN);
    // -W fuel=N is --fuel N.
    let out = regwasm(&["run", "-W", "fuel=100000", &spin]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("all fuel consumed"),
        "{}",
        stderr(&out)
    );
    // -W timeout stops an endless guest by the wall clock.
    let start = std::time::Instant::now();
    let out = regwasm(&["run", "-W", "timeout=200ms", &spin]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(start.elapsed() >= std::time::Duration::from_millis(200));
    // A guest that finishes in time is not disturbed.
    let out = regwasm(&["run", "-W", "timeout=60s", "examples/greet.wat", "Ada"]);
    assert_eq!(stdout(&out), "Hello, Ada!\n");
    // -S inherit-env passes the host's environment.
    let env = scratch_file("env-inherit.wat", &buffer_printer("environ"));
    let out = Command::new(env!("CARGO_BIN_EXE_regwasm"))
        .args(["run", "-S", "inherit-env", &env])
        .env("REGWASM_TEST_INHERITED", "1")
        .output()
        .expect("run the regwasm binary");
    assert!(
        stdout(&out).contains("REGWASM_TEST_INHERITED=1\0"),
        "{:?}",
        stdout(&out)
    );
    // An option regwasm does not have is one clean error.
    assert_clean_error(
        &regwasm(&["run", "-W", "max-instances=3", &spin]),
        "-W max-instances",
    );
}
