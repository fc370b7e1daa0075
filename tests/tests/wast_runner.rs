//! Tests of the `.wast` runner itself: every directive kind passes when it
//! should, and a wrong expectation is reported as a failure (so a green spec
//! run means something).

use regwasm_cli::wast_runner::{run_wast_source, Report};

fn run(text: &str) -> Report {
    run_wast_source("inline.wast", text)
}

const MODULE_A: &str = r#"
(module $A
  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "f64") (result f64) (f64.const -0x1.8p0))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $loop (export "loop") (call $loop))
  (func (export "id_ext") (param externref) (result externref) (local.get 0))
  (func (export "null_func") (result funcref) (ref.null func))
  (func (export "a_func") (result funcref) (ref.func $add))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const -2))
  (global (export "g") i32 (i32.const 42))
)
"#;

#[test]
fn every_directive_kind_passes() {
    let script = format!(
        r#"{MODULE_A}
(register "A" $A)
(module
  (import "A" "add" (func $add (param i32 i32) (result i32)))
  (func (export "add2") (result i32) (call $add (i32.const 1) (i32.const 2))))
(assert_return (invoke "add2") (i32.const 3))
(invoke "add2")
(assert_return (invoke $A "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke $A "add" (i32.const -1) (i32.const 0x7fffffff)) (i32.const 0x7ffffffe))
(assert_return (get $A "g") (i32.const 42))
(assert_return (invoke $A "nan") (f32.const nan:canonical))
(assert_return (invoke $A "nan") (f32.const nan:arithmetic))
(assert_return (invoke $A "f64") (f64.const -1.5))
(assert_return (invoke $A "two") (i32.const 1) (i64.const -2))
(assert_trap (invoke $A "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke $A "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_exhaustion (invoke $A "loop") "call stack exhausted")
(assert_return (invoke $A "id_ext" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke $A "id_ext" (ref.extern 8)) (ref.extern))
(assert_return (invoke $A "id_ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke $A "null_func") (ref.null func))
(assert_return (invoke $A "a_func") (ref.func))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func (i32.const))") "unexpected token")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_unlinkable (module (import "A" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "A" "add" (func (param i64)))) "incompatible import type")
(assert_trap (module (func $f unreachable) (start $f)) "unreachable")
(module binary "\00asm\01\00\00\00")
(module quote "(func (export \"q\") (result i32) (i32.const 5))")
(assert_return (invoke "q") (i32.const 5))
(module
  (import "spectest" "print_i32" (func (param i32)))
  (import "spectest" "print" (func))
  (import "spectest" "print_f64_f64" (func (param f64 f64)))
  (import "spectest" "global_i32" (global i32))
  (import "spectest" "global_f64" (global f64))
  (import "spectest" "table" (table 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (func (export "g") (result i32) (call 0 (i32.const 1)) (global.get 0))
  (func (export "gf") (result f64) (global.get 1))
  (func (export "pages") (result i32) (memory.size)))
(assert_return (invoke "g") (i32.const 666))
(assert_return (invoke "gf") (f64.const 666.6))
(assert_return (invoke "pages") (i32.const 1))
(module definition $D (func (export "x") (result i32) (i32.const 9)))
(module instance $I $D)
(assert_return (invoke $I "x") (i32.const 9))
"#
    );
    let report = run(&script);
    assert!(report.is_ok(), "{:#?}", report.failures);
    assert_eq!(report.passed, 36, "{:#?}", report.by_kind);
}

#[test]
fn wrong_expectations_fail() {
    let cases = [
        r#"(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))"#,
        r#"(assert_return (invoke "add" (i32.const 1) (i32.const 2)))"#,
        r#"(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i64.const 3))"#,
        r#"(assert_return (invoke "f64") (f64.const 1.5))"#,
        r#"(assert_return (invoke "f64") (f64.const nan:canonical))"#,
        r#"(assert_return (invoke "nan") (f32.const 0))"#,
        r#"(assert_return (invoke "id_ext" (ref.extern 7)) (ref.extern 8))"#,
        r#"(assert_return (invoke "id_ext" (ref.extern 7)) (ref.null extern))"#,
        r#"(assert_return (invoke "null_func") (ref.func))"#,
        r#"(assert_return (invoke "a_func") (ref.null func))"#,
        r#"(assert_return (get "g") (i32.const 41))"#,
        r#"(assert_trap (invoke "add" (i32.const 1) (i32.const 0)) "integer divide by zero")"#,
        r#"(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow")"#,
        r#"(assert_exhaustion (invoke "add" (i32.const 1) (i32.const 0)) "call stack exhausted")"#,
        r#"(assert_invalid (module (func (result i32) (i32.const 1))) "type mismatch")"#,
        r#"(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end")"#,
        r#"(assert_unlinkable (module (import "spectest" "print" (func))) "unknown import")"#,
        r#"(assert_trap (module (func)) "unreachable")"#,
        r#"(invoke "no_such_export")"#,
        r#"(invoke "div" (i32.const 1) (i32.const 0))"#,
        r#"(invoke "add" (i32.const 1))"#,
        r#"(assert_return (invoke "add" (i64.const 1) (i32.const 1)) (i32.const 2))"#,
        r#"(invoke $Nope "add")"#,
        r#"(module (import "nowhere" "f" (func)))"#,
        r#"(module (func (result i32)))"#,
    ];
    for case in cases {
        let script = format!("{MODULE_A}\n{case}\n");
        let report = run(&script);
        assert_eq!(
            (report.passed, report.failed),
            (1, 1),
            "{case}\n{:#?}",
            report.failures
        );
        assert!(
            report.failures[0].starts_with("inline.wast:"),
            "{:?}",
            report.failures
        );
    }
}

#[test]
fn a_failed_module_is_not_current() {
    let script = format!(
        "{MODULE_A}\n(module (func (result i32)))\n(assert_return (invoke \"add\" (i32.const 1) (i32.const 2)) (i32.const 3))\n"
    );
    let report = run(&script);
    assert_eq!(
        (report.passed, report.failed),
        (1, 2),
        "{:#?}",
        report.failures
    );
    assert!(
        report.failures[1].contains("no current module"),
        "{:?}",
        report.failures
    );
}

#[test]
fn failure_messages_carry_line_numbers() {
    let report = run("(module (func (export \"f\") (result i32) (i32.const 1)))\n\n(assert_return (invoke \"f\") (i32.const 2))\n");
    assert_eq!(report.failed, 1);
    assert!(
        report.failures[0].starts_with("inline.wast:3:"),
        "{:?}",
        report.failures
    );
    assert!(
        report.failures[0].contains("assert_return"),
        "{:?}",
        report.failures
    );
}
