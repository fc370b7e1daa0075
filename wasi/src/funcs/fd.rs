//! Descriptor-level calls that do not move data: close/renumber, flags and
//! rights, stat and times, sync, advise/allocate, and the preopen queries.

use crate::abi::{fdflags, fstflags, rights, FDSTAT_SIZE, PREOPENTYPE_DIR};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Kind;
use crate::filestat::Filestat;
use crate::memory::GuestMemory;
use rustix::fs::{OFlags, Timespec, Timestamps};
use std::num::NonZeroU64;

pub(crate) fn fd_close(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    ctx.fds.remove(fd).map(drop)
}

pub(crate) fn fd_renumber(ctx: &mut WasiCtx, from: u32, to: u32) -> WasiResult {
    ctx.fds.renumber(from, to)
}

fn filetype(kind: &Kind) -> WasiResult<u8> {
    Ok(match kind {
        Kind::Stdio(s) => s.filetype(),
        Kind::Dir(_) => crate::abi::filetype::DIRECTORY,
        Kind::File(f) => Filestat::from_stat(&rustix::fs::fstat(f)?).filetype,
    })
}

pub(crate) fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> WasiResult {
    let e = ctx.fds.get(fd)?;
    let mut b = [0u8; FDSTAT_SIZE];
    b[0] = filetype(&e.kind)?;
    b[2..4].copy_from_slice(&e.flags.to_le_bytes());
    b[8..16].copy_from_slice(&e.base.to_le_bytes());
    b[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
    mem.write(out, &b)
}

pub(crate) fn fd_fdstat_set_flags(ctx: &mut WasiCtx, fd: u32, flags: u32) -> WasiResult {
    let e = ctx.fds.get_mut(fd)?;
    e.require(rights::FD_FDSTAT_SET_FLAGS)?;
    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    // Linux cannot change the synchronous-I/O flags of an open file.
    let sync = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    if (flags ^ e.flags) & sync != 0 {
        return Err(Errno::NOTSUP);
    }
    let host = match &e.kind {
        Kind::File(f) => Some(std::os::fd::AsFd::as_fd(f)),
        Kind::Dir(d) => Some(std::os::fd::AsFd::as_fd(&d.dir)),
        // The host's own stdio stays as the host set it up.
        Kind::Stdio(_) => None,
    };
    if let Some(fd) = host {
        let mut fl = rustix::fs::fcntl_getfl(fd)? & !(OFlags::APPEND | OFlags::NONBLOCK);
        if flags & fdflags::APPEND != 0 {
            fl |= OFlags::APPEND;
        }
        if flags & fdflags::NONBLOCK != 0 {
            fl |= OFlags::NONBLOCK;
        }
        rustix::fs::fcntl_setfl(fd, fl)?;
    }
    e.flags = flags;
    Ok(())
}

/// Rights can only shrink.
pub(crate) fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult {
    let e = ctx.fds.get_mut(fd)?;
    if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    e.base = base;
    e.inheriting = inheriting;
    Ok(())
}

pub(crate) fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> WasiResult {
    let e = ctx.fds.get(fd)?;
    e.require(rights::FD_FILESTAT_GET)?;
    let stat = match e.host_fd() {
        Some(host) => Filestat::from_stat(&rustix::fs::fstat(host)?),
        // An in-memory stream: nothing but its type.
        None => Filestat {
            filetype: filetype(&e.kind)?,
            ..Filestat::default()
        },
    };
    stat.write(mem, out)
}

pub(crate) fn fd_filestat_set_size(ctx: &mut WasiCtx, fd: u32, size: u64) -> WasiResult {
    let file = ctx.fds.get(fd)?.file(rights::FD_FILESTAT_SET_SIZE)?;
    if size > i64::MAX as u64 {
        return Err(Errno::INVAL);
    }
    Ok(rustix::fs::ftruncate(file, size)?)
}

/// Splits a WASI nanosecond timestamp into a `timespec`.
fn timespec(ns: u64) -> Timespec {
    Timespec {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_nsec: (ns % 1_000_000_000) as _,
    }
}

/// The `fstflags` → (atime, mtime) choice shared with
/// `path_filestat_set_times`: `None` leaves a time alone, `Some(None)` means
/// "now", `Some(Some(t))` an explicit time. Setting a time both to a value
/// and to "now" is `EINVAL`.
pub(crate) type TimeChoice = Option<Option<u64>>;

pub(crate) fn time_choices(
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<(TimeChoice, TimeChoice)> {
    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
    if flags & !fstflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    let pick = |set: u16, now: u16, t: u64| -> WasiResult<TimeChoice> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(Errno::INVAL),
            (true, false) => Ok(Some(Some(t))),
            (false, true) => Ok(Some(None)),
            (false, false) => Ok(None),
        }
    };
    Ok((
        pick(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        pick(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

fn host_timespec(choice: TimeChoice) -> Timespec {
    match choice {
        None => Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
        Some(None) => Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        },
        Some(Some(t)) => timespec(t),
    }
}

pub(crate) fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult {
    let e = ctx.fds.get(fd)?;
    e.require(rights::FD_FILESTAT_SET_TIMES)?;
    let (a, m) = time_choices(atim, mtim, flags)?;
    let host = e.host_fd().ok_or(Errno::BADF)?;
    let times = Timestamps {
        last_access: host_timespec(a),
        last_modification: host_timespec(m),
    };
    Ok(rustix::fs::futimens(host, &times)?)
}

pub(crate) fn fd_sync(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    let e = ctx.fds.get(fd)?;
    e.require(rights::FD_SYNC)?;
    match &e.kind {
        Kind::File(f) => Ok(rustix::fs::fsync(f)?),
        Kind::Dir(d) => Ok(rustix::fs::fsync(&d.dir)?),
        // Nothing of the guest's is buffered in a stream.
        Kind::Stdio(_) => Ok(()),
    }
}

pub(crate) fn fd_datasync(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    let e = ctx.fds.get(fd)?;
    e.require(rights::FD_DATASYNC)?;
    match &e.kind {
        Kind::File(f) => Ok(rustix::fs::fdatasync(f)?),
        Kind::Dir(d) => Ok(rustix::fs::fdatasync(&d.dir)?),
        Kind::Stdio(_) => Ok(()),
    }
}

pub(crate) fn fd_advise(
    ctx: &mut WasiCtx,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult {
    use rustix::fs::Advice;
    let e = ctx.fds.get(fd)?;
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(Errno::INVAL),
    };
    let file = match &e.kind {
        Kind::Dir(_) => return Err(Errno::BADF),
        _ => e.file(rights::FD_ADVISE)?,
    };
    Ok(rustix::fs::fadvise(
        file,
        offset,
        NonZeroU64::new(len),
        advice,
    )?)
}

pub(crate) fn fd_allocate(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64) -> WasiResult {
    let file = ctx.fds.get(fd)?.file(rights::FD_ALLOCATE)?;
    let end = offset
        .checked_add(len)
        .filter(|&e| e <= i64::MAX as u64)
        .ok_or(Errno::INVAL)?;
    if len == 0 {
        return Err(Errno::INVAL);
    }
    match rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), offset, len) {
        Ok(()) => Ok(()),
        // Some file systems cannot preallocate; growing the file gives the
        // guest the same observable result (the range reads as zeros).
        Err(rustix::io::Errno::OPNOTSUPP) => {
            let size = rustix::fs::fstat(file)?.st_size as u64;
            if end > size {
                rustix::fs::ftruncate(file, end)?;
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> WasiResult {
    let name = preopen_name(ctx, fd)?;
    let mut b = [0u8; 8];
    b[0] = PREOPENTYPE_DIR;
    b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
    mem.write(out, &b)
}

pub(crate) fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let name = preopen_name(ctx, fd)?;
    if (len as usize) < name.len() {
        return Err(Errno::NAMETOOLONG);
    }
    mem.write(path, name.as_bytes())
}

fn preopen_name(ctx: &WasiCtx, fd: u32) -> WasiResult<&str> {
    match &ctx.fds.get(fd)?.kind {
        Kind::Dir(d) => d.preopen.as_deref().ok_or(Errno::BADF),
        _ => Err(Errno::BADF),
    }
}
