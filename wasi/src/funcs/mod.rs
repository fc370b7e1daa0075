//! The host functions, one module per family. Each takes the context and
//! guest memory and returns success or an errno; `crate::linker` binds
//! them to the `wasi_snapshot_preview1` imports.

// The functions mirror the WASI signatures, which are long.
#![allow(clippy::too_many_arguments)]

pub(crate) mod args;
pub(crate) mod clock;
pub(crate) mod fd;
pub(crate) mod io;
pub(crate) mod path;
pub(crate) mod poll;
pub(crate) mod proc;
pub(crate) mod random;
pub(crate) mod readdir;
pub(crate) mod sock;
