//! The fuzzing harness of regwasm: see `harness`. The same file is
//! compiled into the stable tests `tests/tests/differential.rs` and
//! `tests/tests/never_panic.rs` with `#[path]`.

pub mod harness;
