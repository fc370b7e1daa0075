//! WASI preview 1 (`wasi_snapshot_preview1`) for regwasm.
//!
//! A [`WasiCtx`] holds what a guest may see: its arguments, environment,
//! standard streams and preopened directories. [`add_to_linker`] defines
//! every preview 1 import on a [`regwasm::Linker`]. The file system is
//! sandboxed with cap-std: paths are resolved beneath the preopened
//! directories only, so `..`, absolute paths and symlinks cannot reach
//! anything else on the host.
//!
//! Errors the guest can handle come back to it as WASI errno values.
//! `proc_exit(n)` ends the run with a host error carrying [`I32Exit`]`(n)`.
//!
//! # Behaviour worth knowing
//!
//! - **Sandbox.** A path that would leave its directory (`..` past it, an
//!   absolute path, a symlink pointing out) is `ENOTCAPABLE`. Symlinks with
//!   an absolute target cannot be created. Relative to a directory opened
//!   inside a preopen, `..` cannot climb above that directory either.
//! - **Rights** are tracked as in the original preview 1 design. A preopen
//!   gets every directory right, and every right to pass on. A descriptor
//!   from `path_open` gets the rights it asked for, limited to what its
//!   directory passes on and what a file or directory can do. Asking for
//!   more than that is not an error. An operation without its right is
//!   `ENOTCAPABLE`. `fd_fdstat_set_rights` can only remove rights. The
//!   rights also pick the host access mode: write rights on a directory are
//!   `EISDIR`.
//! - **Standard streams** that are inherited use the host's descriptors
//!   0-2 directly, without going through Rust's buffered `Stdout`.
//!   Captured or in-memory streams are always ready in `poll_oneoff`.
//! - **Descriptors** are numbered from 3 up, lowest free first, with the
//!   preopens first in the order they were added.
//! - `fd_readdir` lists `.` and `..` first. Cookie 0 takes a fresh
//!   snapshot of the directory, and other cookies page through it.
//! - There are no sockets: socket calls are `ENOTSOCK` on an open
//!   descriptor and `EBADF` otherwise. `proc_raise` is `ENOSYS`.

mod abi;
mod ctx;
mod errno;
mod fdtable;
mod filestat;
mod funcs;
mod linker;
mod memory;
mod stdio;

pub use ctx::{I32Exit, OutputBuffer, WasiCtx, WasiCtxBuilder, WasiError};

/// Defines all `wasi_snapshot_preview1` functions on `linker`. `get` finds
/// the [`WasiCtx`] inside the store's host data.
///
/// The guest must export its linear memory as `memory`; a WASI call from a
/// module without one stops with a host error.
///
/// ```
/// use regwasm::{Engine, Linker, Module, Store};
/// use regwasm_wasi::{add_to_linker, I32Exit, WasiCtx, WasiCtxBuilder};
///
/// struct Host {
///     wasi: WasiCtx,
/// }
///
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "wasi_snapshot_preview1" "fd_write"
///       (func $fd_write (param i32 i32 i32 i32) (result i32)))
///     (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
///     (memory (export "memory") 1)
///     ;; one iovec at 0: "hello" at 16, 5 bytes
///     (data (i32.const 0) "\10\00\00\00\05\00\00\00")
///     (data (i32.const 16) "hello")
///     (func (export "_start")
///       (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
///       (call $proc_exit (i32.const 3))))"#)?;
///
/// let mut builder = WasiCtxBuilder::new();
/// builder.arg("hello.wasm");
/// let stdout = builder.stdout_capture();
/// let mut store = Store::new(&engine, Host { wasi: builder.build() });
/// let mut linker = Linker::new(&engine);
/// add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
///
/// let instance = linker.instantiate(&mut store, &module)?;
/// let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
/// let err = start.call(&mut store, ()).unwrap_err();
/// assert_eq!(err.downcast_ref::<I32Exit>(), Some(&I32Exit(3)));
/// assert_eq!(stdout.contents(), b"hello");
/// # Ok::<(), regwasm::Error>(())
/// ```
pub fn add_to_linker<T: 'static>(
    linker: &mut regwasm::Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<(), regwasm::Error> {
    linker::add(linker, get)
}
