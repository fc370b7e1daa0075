//! A wasm-smith module (mostly WebAssembly 2.0 without SIMD, sometimes with
//! proposals regwasm must reject) instantiated with host imports and every
//! export called with fuel, on an engine with eager or lazy translation and
//! default or tiny stack limits: results, errors and traps are all fine,
//! a panic is not.

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use regwasm_fuzz::harness;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(variant) = u.int_in_range(0u64..=5) else {
        return;
    };
    let Ok(generated) = harness::generate(&mut u, harness::Features::Any) else {
        return;
    };
    let engine = harness::regwasm_engine_variant(variant);
    let mut stats = harness::RunStats::default();
    harness::run_regwasm(&engine, &generated.wasm, 100_000, &mut stats);
});
