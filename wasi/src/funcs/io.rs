//! Moving data: `fd_read`/`fd_write` (and their positioned forms),
//! `fd_seek` and `fd_tell`. These are the hot host calls, so they read the
//! iovecs straight out of guest memory and allocate nothing.

use crate::abi::{rights, whence};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Kind;
use crate::memory::GuestMemory;
use std::io::{Read, Write};

pub(crate) fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> WasiResult {
    mem.check(nread, 4)?;
    let e = ctx.fds.get_mut(fd)?;
    let base = e.base;
    let n = match &mut e.kind {
        Kind::Dir(_) => return Err(Errno::ISDIR),
        _ if base & rights::FD_READ == 0 => return Err(Errno::NOTCAPABLE),
        Kind::File(f) => mem.read_into_iovecs(iovs, iovs_len, |bufs| (&*f).read_vectored(bufs))?,
        Kind::Stdio(s) => mem.read_into_iovecs(iovs, iovs_len, |bufs| s.read(bufs))?,
    };
    mem.write_u32(nread, n as u32)
}

pub(crate) fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult {
    mem.check(nwritten, 4)?;
    let e = ctx.fds.get_mut(fd)?;
    let base = e.base;
    let n = match &mut e.kind {
        Kind::Dir(_) => return Err(Errno::ISDIR),
        _ if base & rights::FD_WRITE == 0 => return Err(Errno::NOTCAPABLE),
        // A file opened with (or switched to) APPEND has O_APPEND on the
        // host, so the kernel appends.
        Kind::File(f) => {
            mem.write_from_iovecs(iovs, iovs_len, |bufs| (&*f).write_vectored(bufs))?
        }
        Kind::Stdio(s) => mem.write_from_iovecs(iovs, iovs_len, |bufs| s.write(bufs))?,
    };
    mem.write_u32(nwritten, n as u32)
}

fn check_offset(offset: u64) -> WasiResult {
    if offset > i64::MAX as u64 {
        Err(Errno::INVAL)
    } else {
        Ok(())
    }
}

pub(crate) fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult {
    mem.check(nread, 4)?;
    let file = ctx.fds.get(fd)?.file(rights::FD_READ | rights::FD_SEEK)?;
    check_offset(offset)?;
    // When the buffers are filled one at a time, each starts where the
    // previous one ended.
    let mut at = offset;
    let n = mem.read_into_iovecs(iovs, iovs_len, |bufs| {
        let n = rustix::io::preadv(file, bufs, at)?;
        at += n as u64;
        Ok(n)
    })?;
    mem.write_u32(nread, n as u32)
}

pub(crate) fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult {
    mem.check(nwritten, 4)?;
    let file = ctx.fds.get(fd)?.file(rights::FD_WRITE | rights::FD_SEEK)?;
    check_offset(offset)?;
    let mut at = offset;
    let n = mem.write_from_iovecs(iovs, iovs_len, |bufs| {
        let n = rustix::io::pwritev(file, bufs, at)?;
        at += n as u64;
        Ok(n)
    })?;
    mem.write_u32(nwritten, n as u32)
}

pub(crate) fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult {
    mem.check(newoffset, 8)?;
    let e = ctx.fds.get(fd)?;
    // Asking for the position only needs the right to tell it.
    let needed = if offset == 0 && whence == whence::CUR as u32 {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let file = match &e.kind {
        Kind::Dir(_) => return Err(Errno::BADF),
        _ => e.file(needed)?,
    };
    let pos = match whence {
        w if w == whence::SET as u32 => {
            rustix::fs::SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?)
        }
        w if w == whence::CUR as u32 => rustix::fs::SeekFrom::Current(offset),
        w if w == whence::END as u32 => rustix::fs::SeekFrom::End(offset),
        _ => return Err(Errno::INVAL),
    };
    let new = rustix::fs::seek(file, pos)?;
    mem.write_u64(newoffset, new)
}

pub(crate) fn fd_tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> WasiResult {
    mem.check(out, 8)?;
    let e = ctx.fds.get(fd)?;
    let file = match &e.kind {
        Kind::Dir(_) => return Err(Errno::BADF),
        _ => e.file(rights::FD_TELL)?,
    };
    let pos = rustix::fs::tell(file)?;
    mem.write_u64(out, pos)
}
