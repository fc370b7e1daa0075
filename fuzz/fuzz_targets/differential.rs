//! A wasm-smith module for exactly the proposals regwasm supports, run on
//! regwasm and on wasmi with the same host imports, arguments and fuel:
//! any difference in validity, instantiation, results, traps, memories,
//! globals or tables is a crash (see `harness::differential`).

#![no_main]

use std::sync::OnceLock;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use regwasm_fuzz::harness;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(generated) = harness::generate(&mut u, harness::Features::Supported) else {
        return;
    };
    static ENGINES: OnceLock<harness::Engines> = OnceLock::new();
    let engines = ENGINES.get_or_init(harness::Engines::default);
    let mut stats = harness::Stats::default();
    if let Err(d) = harness::differential(engines, &generated.wasm, &mut stats) {
        panic!(
            "regwasm and wasmi disagree: {d}\n{}",
            harness::to_wat(&generated.wasm)
        );
    }
});
