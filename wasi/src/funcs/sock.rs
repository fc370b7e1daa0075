//! Sockets. None are ever granted, so every socket call on an open
//! descriptor is `ENOTSOCK` (and `EBADF` on a closed one).

use crate::abi::SDFLAGS_ALL;
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};

/// The error for a socket call on `fd`: `EBADF` if it is not open.
fn not_a_socket(ctx: &WasiCtx, fd: u32) -> WasiResult {
    ctx.fds.get(fd)?;
    Err(Errno::NOTSOCK)
}

pub(crate) fn sock_accept(ctx: &mut WasiCtx, fd: u32, _flags: u32) -> WasiResult {
    not_a_socket(ctx, fd)
}

pub(crate) fn sock_recv(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    not_a_socket(ctx, fd)
}

pub(crate) fn sock_send(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    not_a_socket(ctx, fd)
}

pub(crate) fn sock_shutdown(ctx: &mut WasiCtx, fd: u32, how: u32) -> WasiResult {
    not_a_socket(ctx, fd)?;
    if how & !(SDFLAGS_ALL as u32) != 0 {
        return Err(Errno::INVAL);
    }
    Ok(())
}
