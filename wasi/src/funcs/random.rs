//! `random_get`: the host's cryptographic random source.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::memory::GuestMemory;

pub(crate) fn random_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    buf: u32,
    len: u32,
) -> WasiResult {
    let dst = mem.slice_mut(buf, len)?;
    getrandom::fill(dst).map_err(|_| Errno::IO)
}
