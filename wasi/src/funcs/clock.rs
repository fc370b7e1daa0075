//! `clock_res_get` and `clock_time_get`, and the clock `poll_oneoff` waits on.

use crate::abi::clockid;
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::memory::GuestMemory;
use rustix::time::{ClockId, Timespec};

fn host_clock(id: u32) -> WasiResult<ClockId> {
    Ok(match id {
        clockid::REALTIME => ClockId::Realtime,
        clockid::MONOTONIC => ClockId::Monotonic,
        clockid::PROCESS_CPUTIME => ClockId::ProcessCPUTime,
        clockid::THREAD_CPUTIME => ClockId::ThreadCPUTime,
        _ => return Err(Errno::INVAL),
    })
}

fn to_nanos(t: Timespec) -> u64 {
    (t.tv_sec as i128 * 1_000_000_000 + t.tv_nsec as i128).clamp(0, u64::MAX as i128) as u64
}

/// The current time of a WASI clock, in nanoseconds.
pub(crate) fn now(id: u32) -> WasiResult<u64> {
    Ok(to_nanos(rustix::time::clock_gettime(host_clock(id)?)))
}

pub(crate) fn clock_res_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    res: u32,
) -> WasiResult {
    let r = to_nanos(rustix::time::clock_getres(host_clock(id)?));
    // A resolution of 0 would make guests divide by zero; 1ns is the floor.
    mem.write_u64(res, r.max(1))
}

pub(crate) fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    time: u32,
) -> WasiResult {
    let t = now(id)?;
    mem.write_u64(time, t)
}
