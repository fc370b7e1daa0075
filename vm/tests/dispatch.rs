//! The dispatchers keep no native stack per executed instruction or per
//! Wasm call: long loops and deep recursion run on a 256 KiB thread.

use regwasm::{Config, Engine, Linker, Module, Store};
use std::thread;

const SMALL_STACK: usize = 256 * 1024;

fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("thread starts")
        .join()
        .expect("no panic and no native stack overflow")
}

const COUNTER: &str = r#"(module
  (func (export "count") (param i64) (result i64) (local i64)
    loop
      local.get 1
      i64.const 1
      i64.add
      local.set 1
      local.get 1
      local.get 0
      i64.lt_u
      br_if 0
    end
    local.get 1))"#;

/// In optimised builds on x86_64/aarch64 this runs 10^8 iterations through
/// the tail-call dispatcher: if any handler's call to the next handler were
/// not a jump, the 256 KiB stack would overflow within a few thousand
/// instructions and abort the test. Other builds use the loop dispatcher.
#[test]
fn long_loop_on_small_native_stack() {
    let n: i64 = if regwasm::TAIL_CALL_DISPATCH {
        100_000_000
    } else {
        1_000_000
    };
    println!(
        "dispatcher: {}, iterations: {n}",
        if regwasm::TAIL_CALL_DISPATCH {
            "tail-call"
        } else {
            "loop"
        }
    );
    let result = on_small_stack(move || {
        let engine = Engine::default();
        let module = Module::new(&engine, COUNTER).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let count = instance
            .get_typed_func::<i64, i64>(&store, "count")
            .unwrap();
        count.call(&mut store, n).unwrap()
    });
    assert_eq!(result, n);
}

/// Wasm-to-Wasm calls use the value stack and a frame list, not native
/// recursion, so 9,000 nested calls fit a 256 KiB thread.
#[test]
fn deep_recursion_on_small_native_stack() {
    let result = on_small_stack(|| {
        let engine = Engine::default();
        let module = Module::new(
            &engine,
            r#"(module (func $f (export "depth") (param i32) (result i32)
                local.get 0
                i32.eqz
                if (result i32)
                  i32.const 0
                else
                  local.get 0
                  i32.const 1
                  i32.sub
                  call $f
                  i32.const 1
                  i32.add
                end))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let depth = instance
            .get_typed_func::<i32, i32>(&store, "depth")
            .unwrap();
        depth.call(&mut store, 9_000).unwrap()
    });
    assert_eq!(result, 9_000);
}

/// Unbounded recursion traps with the spec's message instead of crashing,
/// both at the call-depth limit and at the value-stack limit.
#[test]
fn unbounded_recursion_traps() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        local.get 0 i32.const 1 i32.add call $f))"#;
    for config in [Config::default(), {
        let mut c = Config::default();
        c.max_call_depth(1_000_000).max_value_stack(4096);
        c
    }] {
        let err = on_small_stack(move || {
            let engine = Engine::new(&config);
            let module = Module::new(&engine, wat).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine)
                .instantiate(&mut store, &module)
                .unwrap();
            let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
            f.call(&mut store, 0).unwrap_err().to_string()
        });
        assert_eq!(err, "call stack exhausted");
    }
}
