//! `args_*` and `environ_*`: the guest's command line and environment.

use crate::ctx::{StringList, WasiCtx};
use crate::errno::WasiResult;
use crate::memory::GuestMemory;

fn sizes(
    list: &StringList,
    mem: &mut GuestMemory<'_>,
    count_ptr: u32,
    size_ptr: u32,
) -> WasiResult {
    mem.write_u32(count_ptr, list.starts.len() as u32)?;
    mem.write_u32(size_ptr, list.buf.len() as u32)
}

/// Writes the pointer array at `ptrs` and the NUL-terminated strings at
/// `buf`, checking both ranges before writing anything.
fn get(list: &StringList, mem: &mut GuestMemory<'_>, ptrs: u32, buf: u32) -> WasiResult {
    mem.check(ptrs, list.starts.len() as u64 * 4)?;
    mem.check(buf, list.buf.len() as u64)?;
    for (i, start) in list.starts.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, buf.wrapping_add(*start))?;
    }
    mem.write(buf, &list.buf)
}

pub(crate) fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argc: u32,
    size: u32,
) -> WasiResult {
    sizes(&ctx.args, mem, argc, size)
}

pub(crate) fn args_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argv: u32,
    buf: u32,
) -> WasiResult {
    get(&ctx.args, mem, argv, buf)
}

pub(crate) fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    count: u32,
    size: u32,
) -> WasiResult {
    sizes(&ctx.env, mem, count, size)
}

pub(crate) fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    environ: u32,
    buf: u32,
) -> WasiResult {
    get(&ctx.env, mem, environ, buf)
}
