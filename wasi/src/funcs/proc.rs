//! Process control: `proc_raise` and `sched_yield` (`proc_exit` is bound
//! in `crate::linker`, since it ends the call with a host error).

use crate::errno::{Errno, WasiResult};

/// Signals are not part of the sandbox.
pub(crate) fn proc_raise(_sig: u32) -> WasiResult {
    Err(Errno::NOSYS)
}

pub(crate) fn sched_yield() -> WasiResult {
    std::thread::yield_now();
    Ok(())
}
