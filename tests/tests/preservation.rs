//! Regression tests for local preservation across divergent control flow.
//!
//! A lazy `local.get` left on the operand stack must keep the value the local
//! had when it was read, even when a nested block writes the local on only
//! some paths. Each test asserts the result of every branch outcome and
//! snapshots the bytecode, where the preservation copy must stand before the
//! block that writes the local.

use regwasm::{Config, Engine, Linker, Module, Store, WasmParams, WasmResults};

fn setup(wat: &str) -> (Module, Store<()>, regwasm::Instance) {
    let mut config = Config::default();
    config
        .eager_translation(true)
        .verify(true)
        .symbolic_check(true);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("module instantiates");
    (module, store, instance)
}

fn listing(module: &Module, name: &str) -> String {
    let idx = module.func_index_by_name(name).expect("export exists");
    module.disassemble(idx).expect("disassembles")
}

fn call<P: WasmParams, R: WasmResults>(
    store: &mut Store<()>,
    inst: &regwasm::Instance,
    name: &str,
    p: P,
) -> R {
    inst.get_typed_func::<P, R>(&*store, name)
        .expect("typed export")
        .call(&mut *store, p)
        .expect("call succeeds")
}

/// The reproducer from DESIGN.md: the write is skipped when `br_if` jumps.
#[test]
fn br_if_skips_the_write() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            block
              local.get 1
              br_if 0
              i32.const 9
              local.set 0
            end))"#,
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (1, 1)),
        1
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (1, 0)),
        1
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (-7, 0)),
        -7
    );
    insta::assert_snapshot!("br_if_skips_the_write", listing(&module, "test"));
}

/// The lazy operand is the first `select` operand; the condition comes from
/// a block that writes the local on one path only.
#[test]
fn select_operand_survives_write() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            i32.const 100
            block (result i32)
              i32.const 0
              local.get 1
              br_if 0
              drop
              i32.const 9
              local.tee 0
            end
            select))"#,
    );
    // p1 != 0: condition 0 selects 100; p1 == 0: condition 9 selects the old p0.
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (5, 1)),
        100
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (5, 0)),
        5
    );
    insta::assert_snapshot!("select_operand_survives_write", listing(&module, "test"));
}

/// Only the `then` arm writes the local.
#[test]
fn if_else_one_arm_writes() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            local.get 1
            if
              i32.const 9
              local.set 0
            else
              nop
            end
            local.get 0
            i32.const 1000
            i32.mul
            i32.add))"#,
    );
    // Result: old p0 + 1000 * (p0 after the if).
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (3, 1)),
        3 + 9000
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (3, 0)),
        3 + 3000
    );
    insta::assert_snapshot!("if_else_one_arm_writes", listing(&module, "test"));
}

/// An `if` with a result whose `else` arm writes the local.
#[test]
fn if_result_else_writes() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            local.get 1
            if (result i32)
              i32.const 1
            else
              i32.const 50
              local.tee 0
            end
            i32.sub))"#,
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (10, 1)),
        9
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (10, 0)),
        -40
    );
    insta::assert_snapshot!("if_result_else_writes", listing(&module, "test"));
}

/// `br_table` jumps past the write for one index and into it for another.
#[test]
fn br_table_paths() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            block
              block
                local.get 1
                br_table 0 1 1
              end
              i32.const 9
              local.set 0
            end
            local.get 0
            i32.const 100
            i32.mul
            i32.add))"#,
    );
    // Index 0 reaches the write; 1 and the default skip it.
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (2, 0)),
        2 + 900
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (2, 1)),
        2 + 200
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (2, 7)),
        2 + 200
    );
    insta::assert_snapshot!("br_table_paths", listing(&module, "test"));
}

/// The loop body writes the local on every iteration; the copy must stand
/// before the loop header, not inside the body.
#[test]
fn loop_writes_local() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            loop
              local.get 0
              i32.const 1
              i32.add
              local.set 0
              local.get 0
              local.get 1
              i32.lt_s
              br_if 0
            end
            local.get 0
            i32.const 1000
            i32.mul
            i32.add))"#,
    );
    // Old p0 plus 1000 * max(p0 + 1, p1).
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (0, 5)),
        5000
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (7, 0)),
        7 + 8000
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (2, 4)),
        2 + 4000
    );
    insta::assert_snapshot!("loop_writes_local", listing(&module, "test"));
}

/// A lazy operand that becomes a call argument after a conditional write.
#[test]
fn call_argument_survives_write() {
    let (module, mut store, inst) = setup(
        r#"(module
            (func $sub (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub)
            (func (export "test") (param i32 i32) (result i32)
              local.get 0
              block (result i32)
                i32.const 1
                local.get 1
                br_if 0
                drop
                i32.const 9
                local.tee 0
              end
              call $sub))"#,
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (100, 1)),
        99
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (100, 0)),
        91
    );
    insta::assert_snapshot!("call_argument_survives_write", listing(&module, "test"));
}

/// A multi-value block whose fallthrough path writes the local.
#[test]
fn multi_value_block_results() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            block (result i32 i32)
              local.get 1
              i32.const 3
              local.get 1
              br_if 0
              drop
              drop
              i32.const 9
              local.set 0
              local.get 0
              i32.const 2
            end
            i32.mul
            i32.add))"#,
    );
    // p1 != 0: old p0 + p1 * 3; p1 == 0: old p0 + 9 * 2.
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (1, 4)),
        13
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (1, 0)),
        19
    );
    insta::assert_snapshot!("multi_value_block_results", listing(&module, "test"));
}

/// A function returning two values, one a lazy local written on one path.
#[test]
fn multi_value_return() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32 i32)
            local.get 0
            local.get 1
            block
              local.get 1
              br_if 0
              i32.const 9
              local.set 0
              i32.const 8
              local.set 1
            end))"#,
    );
    assert_eq!(
        call::<(i32, i32), (i32, i32)>(&mut store, &inst, "test", (1, 2)),
        (1, 2)
    );
    assert_eq!(
        call::<(i32, i32), (i32, i32)>(&mut store, &inst, "test", (1, 0)),
        (1, 0)
    );
    insta::assert_snapshot!("multi_value_return", listing(&module, "test"));
}

/// Nested blocks each write a different local; branches leave at each level.
#[test]
fn nested_blocks_write_different_locals() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32 i32 i32) (result i32)
            local.get 0
            local.get 1
            local.get 2
            block
              local.get 3
              i32.eqz
              br_if 0
              i32.const 7
              local.set 0
              block
                local.get 3
                i32.const 1
                i32.eq
                br_if 1
                i32.const 8
                local.set 1
                block
                  local.get 3
                  i32.const 2
                  i32.eq
                  br_if 2
                  i32.const 9
                  local.set 2
                end
              end
            end
            ;; old values, weighted, plus the current locals
            i32.const 10
            i32.mul
            i32.add
            i32.const 10
            i32.mul
            i32.add
            local.get 0
            i32.const 1000
            i32.mul
            i32.add
            local.get 1
            i32.const 10000
            i32.mul
            i32.add
            local.get 2
            i32.const 100000
            i32.mul
            i32.add))"#,
    );
    // Old (p0, p1, p2) = (1, 2, 3) always gives (3 * 10 + 2) * 10 + 1 = 321;
    // then the current locals.
    let run = |store: &mut Store<()>, p3| {
        call::<(i32, i32, i32, i32), i32>(store, &inst, "test", (1, 2, 3, p3))
    };
    assert_eq!(run(&mut store, 0), 321 + 1_000 + 20_000 + 300_000);
    assert_eq!(run(&mut store, 1), 321 + 7_000 + 20_000 + 300_000);
    assert_eq!(run(&mut store, 2), 321 + 7_000 + 80_000 + 300_000);
    assert_eq!(run(&mut store, 3), 321 + 7_000 + 80_000 + 900_000);
    insta::assert_snapshot!(
        "nested_blocks_write_different_locals",
        listing(&module, "test")
    );
}

/// Chains of `local.tee` over locals that are still referenced lazily.
#[test]
fn local_tee_chain() {
    let (module, mut store, inst) = setup(
        r#"(module (func (export "test") (param i32 i32) (result i32)
            local.get 0
            local.get 1
            local.get 0
            local.tee 1
            local.tee 0
            i32.const 1
            i32.add
            local.tee 1
            i32.add
            i32.add
            local.get 0
            i32.const 1000
            i32.mul
            i32.add
            local.get 1
            i32.const 100000
            i32.mul
            i32.add))"#,
    );
    // Stack: old0, old1, then old0 (teed into 1 and 0) plus 1 (teed into 1).
    // Sum: old0 + old1 + old0 + 1; then locals: p0 = old0, p1 = old0 + 1.
    let expect = |a: i32, b: i32| a + b + a + 1 + a * 1000 + (a + 1) * 100_000;
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (2, 5)),
        expect(2, 5)
    );
    assert_eq!(
        call::<(i32, i32), i32>(&mut store, &inst, "test", (-3, 4)),
        expect(-3, 4)
    );
    insta::assert_snapshot!("local_tee_chain", listing(&module, "test"));
}
