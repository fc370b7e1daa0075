//! The accumulator: a value one instruction hands the next in a machine
//! register of the dispatcher instead of a frame slot (`dst=acc`, `a=acc`).
//!
//! Every module here is translated eagerly with the verifier and the
//! symbolic checker on, so a value routed through the accumulator that some
//! later instruction still expects in its frame slot fails translation. The
//! tests then run the hazards the design must survive, with results worked
//! out by hand: a value next to a `local.set`, a block entry, a `br_if`
//! carrying values, a call, a trap, and a host call that re-enters Wasm.
//!
//! Accept changed listings with
//! `INSTA_UPDATE=always cargo test -p regwasm-tests --test accumulator`.

use regwasm::Caller;
use regwasm_tests::Fixture;

/// Lines of `listing` that use the accumulator.
fn acc_lines(listing: &str) -> Vec<&str> {
    listing.lines().filter(|l| l.contains("acc")).collect()
}

#[test]
fn an_expression_chain_runs_through_the_accumulator() {
    let mut f = Fixture::new(
        r#"(module
          (func (export "chain") (param i32 i32 i32 i32) (result i32)
            ;; ((a << 2) + b) * c - d: every intermediate feeds the next.
            (i32.sub
              (i32.mul
                (i32.add (i32.shl (local.get 0) (i32.const 2)) (local.get 1))
                (local.get 2))
              (local.get 3)))
          (func (export "float") (param f64 f64) (result f64)
            (f64.sqrt (f64.div (local.get 0) (local.get 1))))
          (func (export "load_store") (param i32) (result i32)
            ;; The address computed for the load, the loaded value stored.
            (i32.store offset=8 (local.get 0)
              (i32.load (i32.shl (local.get 0) (i32.const 2))))
            (i32.load offset=8 (local.get 0)))
          (memory 1)
          (data (i32.const 12) "\2a\00\00\00"))"#,
    );
    let listing = f.listing("chain");
    insta::assert_snapshot!("chain", listing);
    // shl+add (one integer pair) -> mul -> sub -> return: every value
    // handed on.
    assert_eq!(acc_lines(&listing).len(), 4, "{listing}");
    assert!(listing.contains("i32_add_shl_imm dst=acc"), "{listing}");
    assert!(listing.contains("ret_reg src=acc"), "{listing}");
    assert!(listing.contains("i32_mul dst=acc, a=acc"), "{listing}");
    for (a, b, c, d) in [(1, 2, 3, 4), (-5, 7, -3, 100), (i32::MAX, 1, 2, 0)] {
        let want = a
            .wrapping_shl(2)
            .wrapping_add(b)
            .wrapping_mul(c)
            .wrapping_sub(d);
        assert_eq!(f.call::<_, i32>("chain", (a, b, c, d)), want);
    }
    let listing = f.listing("float");
    assert!(listing.contains("f64_div dst=acc"), "{listing}");
    assert!(listing.contains("f64_sqrt dst=acc, src=acc"), "{listing}");
    assert_eq!(f.call::<_, f64>("float", (32.0, 2.0)), 4.0);
    assert!(f.call::<_, f64>("float", (-1.0, 1.0)).is_nan());
    let listing = f.listing("load_store");
    insta::assert_snapshot!("load_store", listing);
    assert!(listing.contains("addr=acc"), "{listing}");
    assert_eq!(f.call::<_, i32>("load_store", 3), 42);
}

#[test]
fn a_local_set_between_producer_and_consumer() {
    let mut f = Fixture::new(
        r#"(module
          (func (export "f") (param i32 i32) (result i32)
            ;; The sum is computed, then local 0 (still referenced lazily
            ;; below it) is overwritten: its old value must be preserved and
            ;; the sum must still reach the multiply.
            (local.get 0)
            (i32.add (local.get 0) (local.get 1))
            (local.set 0 (i32.const 100))
            (i32.mul (local.get 0))
            (i32.add))
          (func (export "g") (param i32) (result i32) (local i32)
            ;; A result retargeted into a local, then read twice.
            (local.set 1 (i32.mul (local.get 0) (local.get 0)))
            (i32.add (local.get 1) (local.get 1))))"#,
    );
    // x + (x + y) * 100
    for (x, y) in [(1, 2), (7, -3), (0, 0)] {
        assert_eq!(f.call::<_, i32>("f", (x, y)), x + (x + y) * 100);
    }
    assert_eq!(f.call::<_, i32>("g", 5), 50);
}

#[test]
fn a_block_entry_and_an_if_with_parameters() {
    let mut f = Fixture::new(
        r#"(module
          (func (export "block") (param i32 i32) (result i32)
            (i32.add (local.get 0) (local.get 1))
            (block (param i32) (result i32)
              (i32.mul (i32.const 3))))
          (func (export "if") (param i32 i32) (result i32)
            ;; The `if` parameter is read by both arms.
            (i32.add (local.get 0) (local.get 1))
            (local.get 0)
            (if (param i32) (result i32)
              (then (i32.mul (i32.const 3)))
              (else (i32.sub (i32.const 1000)))))
          (func (export "loop") (param i32) (result i32) (local i32)
            ;; A value entering a loop as its parameter, each iteration
            ;; computing the next one.
            (i32.add (local.get 0) (i32.const 1))
            (loop (param i32) (result i32)
              i32.const 2
              i32.mul
              local.tee 1
              local.get 1
              i32.const 1000
              i32.lt_u
              br_if 0)))"#,
    );
    assert_eq!(f.call::<_, i32>("block", (2, 5)), 21);
    assert_eq!(f.call::<_, i32>("if", (2, 5)), 21);
    assert_eq!(f.call::<_, i32>("if", (0, 5)), 5 - 1000);
    // (0+1) doubled until >= 1000: 1024.
    assert_eq!(f.call::<_, i32>("loop", 0), 1024);
    assert_eq!(f.call::<_, i32>("loop", 999), 2000);
}

#[test]
fn a_br_if_carrying_a_value_that_stays_on_the_stack() {
    let mut f = Fixture::new(
        r#"(module
          (func (export "f") (param i32 i32 i32) (result i32)
            (block (result i32)
              (i32.add (local.get 0) (local.get 1))
              ;; Taken: the sum leaves the block. Not taken: the sum stays
              ;; on the stack and is read again.
              (br_if 0 (local.get 2))
              (i32.mul (i32.const 10)))))"#,
    );
    assert_eq!(f.call::<_, i32>("f", (2, 3, 1)), 5);
    assert_eq!(f.call::<_, i32>("f", (2, 3, 0)), 50);
}

#[test]
fn calls_clobber_the_accumulator() {
    let mut f = Fixture::new(
        r#"(module
          (func $inner (param i32) (result i32)
            ;; Its own chains run through the accumulator too.
            (i32.add (i32.mul (local.get 0) (i32.const 7)) (i32.const 1)))
          (func (export "f") (param i32 i32) (result i32)
            ;; The product is live across the call; the call's argument is
            ;; computed right before it.
            (i32.mul (local.get 0) (local.get 1))
            (call $inner (i32.add (local.get 0) (local.get 1)))
            (i32.sub))
          (func (export "g") (param i32) (result i32)
            ;; The call's result feeds the next instruction.
            (i32.xor (call $inner (local.get 0)) (i32.const 0xff))))"#,
    );
    // a*b - ((a+b)*7 + 1)
    assert_eq!(f.call::<_, i32>("f", (3, 4)), 12 - 50);
    assert_eq!(f.call::<_, i32>("g", 2), 15 ^ 0xff);
}

#[test]
fn a_trap_on_a_value_from_the_accumulator() {
    let mut f = Fixture::new(
        r#"(module
          (func (export "div") (param i32 i32 i32) (result i32)
            (i32.div_u (local.get 0) (i32.add (local.get 1) (local.get 2))))
          (func (export "load") (param i32) (result i32)
            (i32.load (i32.add (local.get 0) (i32.const 65532))))
          (func (export "trunc") (param f64) (result i32)
            (i32.trunc_f64_s (f64.mul (local.get 0) (f64.const 1e10))))
          (memory 1))"#,
    );
    assert!(f.listing("div").contains("b=acc"), "{}", f.listing("div"));
    assert_eq!(f.call::<_, i32>("div", (100, 3, 2)), 20);
    assert_eq!(
        f.trap::<_, i32>("div", (100, 3, -3)),
        "integer divide by zero"
    );
    assert_eq!(f.call::<_, i32>("load", 0), 0);
    assert_eq!(f.trap::<_, i32>("load", 1), "out of bounds memory access");
    assert_eq!(f.call::<_, i32>("trunc", 1e-9), 10);
    assert_eq!(f.trap::<_, i32>("trunc", 1.0), "integer overflow");
    // The store is usable after a trap: the next call starts clean.
    assert_eq!(f.call::<_, i32>("div", (9, 1, 2)), 3);
}

#[test]
fn a_host_call_that_re_enters_wasm() {
    let mut f = Fixture::with_linker(
        r#"(module
          (import "env" "host" (func $host (param i32) (result i32)))
          (func (export "inner") (param i32) (result i32)
            (i32.sub (i32.mul (local.get 0) (local.get 0)) (i32.const 1)))
          (func (export "outer") (param i32 i32) (result i32)
            ;; a*b is live across the host call, which calls `inner`; the
            ;; host's result feeds the add directly.
            (i32.mul (local.get 0) (local.get 1))
            (i32.add (call $host (i32.add (local.get 0) (i32.const 1))) (i32.const 10))
            (i32.add)))"#,
        0u32,
        |linker| {
            linker
                .func_wrap(
                    "env",
                    "host",
                    |mut caller: Caller<'_, u32>, x: i32| -> i32 {
                        *caller.data_mut() += 1;
                        let inner = caller
                            .get_export("inner")
                            .and_then(|e| e.into_func())
                            .expect("inner is exported");
                        let inner = inner.typed::<i32, i32>(&caller).expect("inner's type");
                        inner.call(&mut caller, x * 2).expect("inner runs")
                    },
                )
                .expect("define host");
        },
    );
    // a*b + ((2(a+1))^2 - 1 + 10)
    for (a, b) in [(1, 1), (3, 5), (-4, 6)] {
        let x = 2 * (a + 1);
        assert_eq!(f.call::<_, i32>("outer", (a, b)), a * b + (x * x - 1 + 10));
    }
    assert_eq!(*f.store.data(), 3);
}
