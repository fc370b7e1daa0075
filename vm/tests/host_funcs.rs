//! Typed host functions take up to 16 parameters and return up to 16
//! results, as wasmi's do.

use regwasm::{Caller, Engine, Linker, Module, Store};

#[test]
fn a_typed_host_function_takes_sixteen_parameters_and_returns_sixteen_results() {
    let engine = Engine::default();
    // One hashing step per result, from the last one.
    let hash = "local.set $t (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31)) (local.get $t)))\n".repeat(16);
    let wat = r#"(module
  (import "host" "rev16" (func $rev16
    (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)))
  ;; Hashes the results from the last to the first: acc = acc * 31 + r.
  (func (export "run") (result i64)
    (local $acc i64) (local $t i64)
    (call $rev16 (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)
                 (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
                 (i64.const 9) (i64.const 10) (i64.const 11) (i64.const 12)
                 (i64.const 13) (i64.const 14) (i64.const 15) (i64.const 16))
    {HASH}
    local.get $acc))"#
        .replace("{HASH}", &hash);
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "rev16",
            |mut c: Caller<'_, u32>,
             a: i64,
             b: i64,
             d: i64,
             e: i64,
             f: i64,
             g: i64,
             h: i64,
             i: i64,
             j: i64,
             k: i64,
             l: i64,
             m: i64,
             n: i64,
             o: i64,
             p: u64,
             q: i64| {
                *c.data_mut() += 1;
                (q, p, o, n, m, l, k, j, i, h, g, f, e, d, b, a)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i64>(&store, "run").unwrap();
    // Results reversed (16, 15, ..., 1), hashed from the last one.
    let results: Vec<i64> = (1..=16).rev().collect();
    let want = results
        .iter()
        .rev()
        .fold(0i64, |acc, r| acc.wrapping_mul(31).wrapping_add(*r));
    assert_eq!(run.call(&mut store, ()).unwrap(), want);
    assert_eq!(*store.data(), 1);
}

/// `call_host` runs the closure through a pointer into the store's list of
/// host functions. A closure that adds host functions while it runs grows
/// (and moves) that list; it must keep running, with its captures intact.
#[test]
fn a_host_function_that_defines_host_functions_keeps_running() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
  (import "host" "grow" (func $grow (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (call $grow (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, Vec::<regwasm::Func>::new());
    let mut linker = Linker::new(&engine);
    let captured = vec![7i32; 64];
    linker
        .func_wrap(
            "host",
            "grow",
            move |mut c: Caller<'_, Vec<regwasm::Func>>, n: i32| -> i32 {
                for k in 0..n {
                    let f = regwasm::Func::wrap(&mut c, move || k);
                    c.data_mut().push(f);
                }
                // Read after the list has grown many times.
                captured.iter().sum::<i32>() + n
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 1000).unwrap(), 7 * 64 + 1000);
    assert_eq!(run.call(&mut store, 3).unwrap(), 7 * 64 + 3);
    // The functions it defined work.
    let made = store.data()[999];
    let f = made.typed::<(), i32>(&store).unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 999);
}
