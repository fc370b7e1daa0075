//! Arbitrary bytes through `Module::new` with eager translation and the
//! bytecode verifier: it must return `Ok` or `Err`, never panic.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use regwasm_fuzz::harness;

fuzz_target!(|data: &[u8]| {
    static ENGINE: OnceLock<regwasm::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(harness::regwasm_engine);
    let _ = harness::parse_translate(engine, data);
});
