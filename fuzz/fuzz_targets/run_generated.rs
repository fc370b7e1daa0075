//! A wasm-smith module (mostly WebAssembly 2.0 without SIMD, sometimes with
//! proposals regwasm must reject) instantiated with host imports and every
//! export called with fuel, on an engine with eager or lazy translation and
//! default or tiny stack limits: results, errors and traps are all fine,
//! a panic is not.

#![no_main]

use std::sync::OnceLock;

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
    static ENGINES: OnceLock<Vec<regwasm::Engine>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| (0..6).map(harness::regwasm_engine_variant).collect());
    let engine = &engines[variant as usize];
    let mut stats = harness::RunStats::default();
    harness::run_regwasm(engine, &generated.wasm, 100_000, &mut stats);
});
