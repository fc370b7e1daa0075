//! Library side of the `regwasm` command line.
//!
//! - [`wast_runner`] runs `.wast` scripts (the WebAssembly spec test format)
//!   against the regwasm engine and reports per-directive results.
//! - [`panic_guard`] turns panics into error values without printing a
//!   backtrace, so one engine bug never aborts a whole run.
//! - [`settings`] reads the `-W` and `-S` option lists of `regwasm run`.
//! - [`values`] parses command-line arguments into Wasm values and formats
//!   results.

pub mod panic_guard;
pub mod settings;
pub mod values;
pub mod wast_runner;
