//! Parallel validation and eager translation (`Config::parallel_compilation`)
//! must be indistinguishable from doing it on one thread: the same bytecode,
//! the same error for the same first invalid function.

use regwasm::{Config, Engine, Module};

/// A module with `n` functions, each a long chain of additions (big enough
/// together to go to the thread pool); the functions in `invalid` add an
/// `i64` to an `i32`.
fn module(n: usize, invalid: &[usize]) -> String {
    let mut wat = String::from("(module\n");
    for f in 0..n {
        wat.push_str(&format!(
            "(func (export \"f{f}\") (param i32) (result i32)\n  local.get 0\n"
        ));
        for k in 0..700 {
            wat.push_str(&format!("  i32.const {k}\n  i32.add\n"));
        }
        if invalid.contains(&f) {
            wat.push_str("  i64.const 1\n  i32.add\n");
        }
        wat.push_str(")\n");
    }
    wat.push(')');
    wat
}

fn engine(parallel: bool, eager: bool) -> Engine {
    let mut config = Config::new();
    config
        .parallel_compilation(parallel)
        .eager_translation(eager);
    Engine::new(&config)
}

#[test]
fn parallel_eager_translation_matches_sequential() {
    let wasm = wat::parse_str(module(48, &[])).unwrap();
    assert!(wasm.len() > 64 * 1024, "the module must be worth the pool");
    let par = Module::new(&engine(true, true), &wasm).unwrap();
    let seq = Module::new(&engine(false, true), &wasm).unwrap();
    for f in 0..par.func_count() {
        assert_eq!(
            par.disassemble(f).unwrap(),
            seq.disassemble(f).unwrap(),
            "function {f}"
        );
    }
}

#[test]
fn parallel_validation_reports_the_first_invalid_function() {
    let wasm = wat::parse_str(module(48, &[])).unwrap();
    // Built from text with the invalid operators (wat does not validate).
    let bad = wat::parse_str(module(48, &[13, 40])).unwrap();
    assert!(Module::new(&engine(true, false), &wasm).is_ok());
    let par = Module::new(&engine(true, false), &bad)
        .err()
        .expect("invalid module")
        .to_string();
    let seq = Module::new(&engine(false, false), &bad)
        .err()
        .expect("invalid module")
        .to_string();
    assert_eq!(par, seq);
    assert!(par.contains("type mismatch"), "{par}");
    for _ in 0..5 {
        let again = Module::new(&engine(true, true), &bad)
            .err()
            .expect("invalid module")
            .to_string();
        assert_eq!(again, seq);
    }
}
