//! `poll_oneoff`: wait for clocks and descriptor readiness.
//!
//! Regular files and in-memory streams are always ready; the host's own
//! stdio is polled with `poll(2)`; clocks become a timeout. All deadlines
//! are kept on the monotonic clock, so changing the wall clock cannot make
//! a relative sleep longer.

use super::clock::now;
use crate::abi::{clockid, poll::*, rights};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Kind;
use crate::memory::GuestMemory;
use rustix::event::{PollFd, PollFlags};
use std::os::fd::BorrowedFd;

/// One event to report.
struct Event {
    userdata: u64,
    error: Errno,
    ty: u8,
    nbytes: u64,
    flags: u16,
}

enum Pending {
    /// Fires when the monotonic clock reaches this time.
    Clock { deadline: u64 },
    /// The host decides, through `poll(2)`.
    Host {
        fd: BorrowedFd<'static>,
        write: bool,
    },
}

pub(crate) fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    subs: u32,
    events: u32,
    nsubs: u32,
    nevents: u32,
) -> WasiResult {
    if nsubs == 0 {
        return Err(Errno::INVAL);
    }
    mem.check(subs, nsubs as u64 * SUBSCRIPTION_SIZE as u64)?;
    mem.check(events, nsubs as u64 * EVENT_SIZE as u64)?;
    mem.check(nevents, 4)?;

    let start = now(clockid::MONOTONIC)?;
    let mut ready: Vec<Event> = Vec::new();
    let mut pending: Vec<(u64, u8, Pending)> = Vec::new();
    for i in 0..nsubs {
        let at = subs + i * SUBSCRIPTION_SIZE;
        let userdata = mem.read_u64(at)?;
        let ty = mem.read_u8(at + 8)?;
        let event = |error: Errno, nbytes: u64| Event {
            userdata,
            error,
            ty,
            nbytes,
            flags: 0,
        };
        match ty {
            EVENTTYPE_CLOCK => {
                let id = mem.read_u32(at + 16)?;
                let timeout = mem.read_u64(at + 24)?;
                let flags = mem.read_u16(at + 40)?;
                match clock_deadline(id, timeout, flags, start) {
                    Ok(deadline) => pending.push((userdata, ty, Pending::Clock { deadline })),
                    Err(e) => ready.push(event(e, 0)),
                }
            }
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                let fd = mem.read_u32(at + 16)?;
                let write = ty == EVENTTYPE_FD_WRITE;
                match fd_readiness(ctx, fd, write) {
                    Ok(Readiness::Now(nbytes)) => ready.push(event(Errno::SUCCESS, nbytes)),
                    Ok(Readiness::Host(fd)) => {
                        pending.push((userdata, ty, Pending::Host { fd, write }))
                    }
                    Err(e) => ready.push(event(e, 0)),
                }
            }
            _ => return Err(Errno::INVAL),
        }
    }

    loop {
        // With something already ready, only look; otherwise wait for the
        // earliest clock (or indefinitely, for descriptors alone).
        let now_ns = now(clockid::MONOTONIC)?;
        let wait = if ready.is_empty() {
            pending
                .iter()
                .filter_map(|(_, _, p)| match p {
                    Pending::Clock { deadline } => Some(deadline.saturating_sub(now_ns)),
                    Pending::Host { .. } => None,
                })
                .min()
        } else {
            Some(0)
        };
        let mut fds: Vec<PollFd<'_>> = pending
            .iter()
            .filter_map(|(_, _, p)| match p {
                Pending::Host { fd, write } => Some(PollFd::from_borrowed_fd(
                    *fd,
                    if *write {
                        PollFlags::OUT
                    } else {
                        PollFlags::IN
                    },
                )),
                Pending::Clock { .. } => None,
            })
            .collect();
        if fds.is_empty() {
            if let Some(ns) = wait.filter(|&ns| ns > 0) {
                std::thread::sleep(std::time::Duration::from_nanos(ns));
            }
        } else {
            let timeout = wait.map(|ns| rustix::time::Timespec {
                tv_sec: (ns / 1_000_000_000) as i64,
                tv_nsec: (ns % 1_000_000_000) as _,
            });
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let revents: Vec<PollFlags> = fds.iter().map(PollFd::revents).collect();
        let now_ns = now(clockid::MONOTONIC)?;
        let mut host = revents.into_iter();
        for (userdata, ty, p) in &pending {
            let fired = match p {
                Pending::Clock { deadline } => (*deadline <= now_ns).then_some((Errno::SUCCESS, 0)),
                Pending::Host { .. } => {
                    let r = host.next().unwrap_or(PollFlags::empty());
                    if r.contains(PollFlags::NVAL) {
                        Some((Errno::BADF, 0))
                    } else if r.contains(PollFlags::HUP) {
                        Some((Errno::SUCCESS, EVENT_FD_READWRITE_HANGUP))
                    } else if r.contains(PollFlags::ERR) {
                        Some((Errno::IO, 0))
                    } else if r.intersects(PollFlags::IN | PollFlags::OUT) {
                        Some((Errno::SUCCESS, 0))
                    } else {
                        None
                    }
                }
            };
            if let Some((error, flags)) = fired {
                ready.push(Event {
                    userdata: *userdata,
                    error,
                    ty: *ty,
                    nbytes: 0,
                    flags,
                });
            }
        }
        if !ready.is_empty() {
            break;
        }
    }

    for (i, ev) in ready.iter().enumerate() {
        let mut b = [0u8; EVENT_SIZE as usize];
        b[0..8].copy_from_slice(&ev.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&ev.error.0.to_le_bytes());
        b[10] = ev.ty;
        if ev.ty != EVENTTYPE_CLOCK {
            b[16..24].copy_from_slice(&ev.nbytes.to_le_bytes());
            b[24..26].copy_from_slice(&ev.flags.to_le_bytes());
        }
        mem.write(events + i as u32 * EVENT_SIZE, &b)?;
    }
    mem.write_u32(nevents, ready.len() as u32)
}

/// The monotonic time at which a clock subscription fires.
fn clock_deadline(id: u32, timeout: u64, flags: u16, start: u64) -> WasiResult<u64> {
    let absolute = flags & SUBSCRIPTION_CLOCK_ABSTIME != 0;
    match id {
        clockid::MONOTONIC if absolute => Ok(timeout),
        clockid::REALTIME if absolute => {
            let remaining = timeout.saturating_sub(now(clockid::REALTIME)?);
            Ok(start.saturating_add(remaining))
        }
        clockid::MONOTONIC | clockid::REALTIME => Ok(start.saturating_add(timeout)),
        // CPU-time clocks cannot be waited on.
        clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => Err(Errno::NOTSUP),
        _ => Err(Errno::INVAL),
    }
}

enum Readiness {
    /// Ready now, with this many bytes available to read.
    Now(u64),
    /// Ask the host.
    Host(BorrowedFd<'static>),
}

fn fd_readiness(ctx: &WasiCtx, fd: u32, write: bool) -> WasiResult<Readiness> {
    let e = ctx.fds.get(fd)?;
    e.require(rights::POLL_FD_READWRITE)?;
    let needed = if write {
        rights::FD_WRITE
    } else {
        rights::FD_READ
    };
    match &e.kind {
        Kind::Dir(_) => Err(Errno::BADF),
        _ if e.base & needed == 0 => Err(Errno::BADF),
        Kind::File(f) => {
            if write {
                return Ok(Readiness::Now(0));
            }
            let size = rustix::fs::fstat(f)?.st_size as u64;
            let pos = rustix::fs::tell(f)?;
            Ok(Readiness::Now(size.saturating_sub(pos)))
        }
        Kind::Stdio(s) => match (s.host_fd(), s.ready_bytes()) {
            (Some(fd), _) => Ok(Readiness::Host(fd)),
            (None, Some(n)) => Ok(Readiness::Now(n)),
            (None, None) => Ok(Readiness::Now(0)),
        },
    }
}
