//! regwasm: a WebAssembly interpreter that translates each function into
//! register bytecode in two passes and runs it with a threaded-dispatch VM.
//!
//! ```
//! use regwasm::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(
//!     &engine,
//!     r#"(module
//!          (import "host" "double" (func $double (param i32) (result i32)))
//!          (func (export "run") (param i32) (result i32)
//!            local.get 0
//!            call $double
//!            i32.const 1
//!            i32.add))"#,
//! )?;
//! let mut store = Store::new(&engine, 0u32);
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("host", "double", |mut caller: regwasm::Caller<'_, u32>, x: i32| {
//!     *caller.data_mut() += 1;
//!     x * 2
//! })?;
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&store, "run")?;
//! assert_eq!(run.call(&mut store, 20)?, 41);
//! assert_eq!(*store.data(), 1);
//! # Ok::<(), regwasm::Error>(())
//! ```

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

mod config;
mod engine;
mod error;
mod exec;
mod func;
mod global;
mod instance;
mod linker;
mod memory;
mod module;
mod store;
mod table;
mod types;
mod values;

pub use config::Config;
pub use engine::Engine;
pub use error::{Error, Trap, TrapCode};
/// Executed-instruction and instruction-pair counts (feature `pair-profile`).
#[cfg(feature = "pair-profile")]
pub use exec::pairs::take_counts as take_pair_counts;
pub use exec::TAIL_CALL_DISPATCH;
pub use func::{
    Caller, Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmTy, WasmTyList, WithCaller,
};
pub use global::Global;
pub use instance::{Extern, Instance};
pub use linker::Linker;
pub use memory::{Memory, PAGE};
pub use module::Module;
pub use store::{AsContext, AsContextMut, InterruptHandle, Store, StoreLimits};
pub use table::Table;
pub use types::{
    ExternType, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType,
};
pub use values::{ExternRef, Val};
