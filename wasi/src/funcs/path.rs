//! `path_*`: operations on paths relative to a directory descriptor.
//!
//! Every path is resolved by cap-std beneath the directory's handle
//! (`openat2(RESOLVE_BENEATH)` on Linux, a checked component-by-component
//! walk elsewhere), never joined onto a host path, so `..`, absolute paths
//! and symlinks cannot lead out of it, even racing against the guest's own
//! renames. An escape attempt is `ENOTCAPABLE`.

use super::fd::{time_choices, TimeChoice};
use crate::abi::{fdflags, filetype, oflags, rights, LOOKUP_SYMLINK_FOLLOW};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::{opened_rights, DirState, FdEntry, Kind};
use crate::filestat::{filetype_of_stat, Filestat};
use crate::memory::GuestMemory;
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsExt, OpenOptionsFollowExt, OpenOptionsMaybeDirExt,
    OpenOptionsSyncExt, SystemTimeSpec,
};
use cap_std::fs::{Dir, OpenOptions};
use rustix::fs::OFlags;
use std::os::unix::ffi::OsStrExt;

/// Reads a guest path, rejecting what can never name something inside the
/// directory: absolute paths (`ENOTCAPABLE`) and embedded NULs (`EINVAL`).
fn guest_path<'m>(mem: &'m GuestMemory<'_>, ptr: u32, len: u32) -> WasiResult<&'m str> {
    let path = mem.str(ptr, len)?;
    if path.contains('\0') {
        return Err(Errno::INVAL);
    }
    if path.starts_with('/') {
        return Err(Errno::NOTCAPABLE);
    }
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    Ok(path)
}

fn follows(lookupflags: u32) -> bool {
    lookupflags & LOOKUP_SYMLINK_FOLLOW != 0
}

pub(crate) fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    lookupflags: u32,
    path: u32,
    path_len: u32,
    oflags: u32,
    base: u64,
    inheriting: u64,
    fdflags: u32,
    opened: u32,
) -> WasiResult {
    mem.check(opened, 4)?;
    let oflags = u16::try_from(oflags).map_err(|_| Errno::INVAL)?;
    let fdflags = u16::try_from(fdflags).map_err(|_| Errno::INVAL)?;
    if oflags & !oflags::ALL != 0 || fdflags & !fdflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    let creat = oflags & oflags::CREAT != 0;
    let trunc = oflags & oflags::TRUNC != 0;
    let excl = oflags & oflags::EXCL != 0;
    let want_dir = oflags & oflags::DIRECTORY != 0;
    if want_dir && (creat || trunc || excl) {
        return Err(Errno::INVAL);
    }

    let parent = ctx.fds.get(fd)?;
    let mut needed = rights::PATH_OPEN;
    if creat {
        needed |= rights::PATH_CREATE_FILE;
    }
    if trunc {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let dir = parent.dir(needed)?;
    let path = guest_path(mem, path, path_len)?;

    // The host access mode follows the rights the descriptor will have.
    // cap-std (like std) wants write access to create or truncate; the
    // rights still keep the guest from writing if it did not ask to.
    // Asking for write rights on a directory is EISDIR, as in POSIX.
    let granted = base & parent.inheriting;
    let write = granted & rights::NEED_WRITE != 0 || creat || trunc;
    let read = granted & rights::NEED_READ != 0 || !write;
    let mut opts = OpenOptions::new();
    opts.read(read)
        .write(write)
        .create(creat)
        .create_new(creat && excl)
        .truncate(trunc)
        .maybe_dir(true)
        .follow(if follows(lookupflags) {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        })
        .sync(fdflags & fdflags::SYNC != 0)
        .dsync(fdflags & fdflags::DSYNC != 0)
        .rsync(fdflags & fdflags::RSYNC != 0)
        .nonblock(fdflags & fdflags::NONBLOCK != 0);
    if want_dir {
        opts.custom_flags(OFlags::DIRECTORY.bits() as i32);
    }
    let file = dir.open_with(path, &opts)?;
    if fdflags & fdflags::APPEND != 0 {
        // Set after opening: std-style options refuse append with truncate,
        // which POSIX `open` allows.
        let fl = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, fl | OFlags::APPEND)?;
    }
    let is_dir = filetype_of_stat(&rustix::fs::fstat(&file)?) == filetype::DIRECTORY;
    if want_dir && !is_dir {
        return Err(Errno::NOTDIR);
    }
    let (base, inheriting) = opened_rights(parent, base, inheriting, is_dir);
    let kind = if is_dir {
        Kind::Dir(DirState::new(Dir::from_std_file(file.into_std()), None))
    } else {
        Kind::File(file)
    };
    let mut entry = FdEntry::new(kind, base, inheriting);
    entry.flags = fdflags;
    let new_fd = ctx.fds.insert(entry)?;
    mem.write_u32(opened, new_fd)
}

pub(crate) fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_CREATE_DIRECTORY)?;
    Ok(dir.create_dir(guest_path(mem, path, len)?)?)
}

pub(crate) fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_REMOVE_DIRECTORY)?;
    Ok(dir.remove_dir(guest_path(mem, path, len)?)?)
}

pub(crate) fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_UNLINK_FILE)?;
    Ok(dir.remove_file(guest_path(mem, path, len)?)?)
}

pub(crate) fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> WasiResult {
    mem.check(out, crate::abi::FILESTAT_SIZE as u64)?;
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_FILESTAT_GET)?;
    let path = guest_path(mem, path, len)?;
    let meta = if follows(flags) {
        dir.metadata(path)?
    } else {
        dir.symlink_metadata(path)?
    };
    Filestat::from_metadata(&meta).write(mem, out)
}

fn time_spec(choice: TimeChoice) -> Option<SystemTimeSpec> {
    choice.map(|t| match t {
        None => SystemTimeSpec::SymbolicNow,
        Some(ns) => SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(
            std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns),
        )),
    })
}

pub(crate) fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult {
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_FILESTAT_SET_TIMES)?;
    let (a, m) = time_choices(atim, mtim, fst)?;
    let path = guest_path(mem, path, len)?;
    if follows(flags) {
        Ok(dir.set_times(path, time_spec(a), time_spec(m))?)
    } else {
        Ok(dir.set_symlink_times(path, time_spec(a), time_spec(m))?)
    }
}

pub(crate) fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult {
    let old_dir = ctx.fds.get(old_fd)?.dir(rights::PATH_LINK_SOURCE)?;
    let new_dir = ctx.fds.get(new_fd)?.dir(rights::PATH_LINK_TARGET)?;
    // Following a symlink at the source would need `linkat(AT_SYMLINK_
    // FOLLOW)` outside cap-std's checked resolution; like wasmtime, refuse.
    if follows(old_flags) {
        return Err(Errno::INVAL);
    }
    let old = guest_path(mem, old_path, old_len)?;
    let new = guest_path(mem, new_path, new_len)?;
    Ok(old_dir.hard_link(old, new_dir, new)?)
}

pub(crate) fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult {
    mem.check(bufused, 4)?;
    mem.check(buf, buf_len as u64)?;
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_READLINK)?;
    let target = dir.read_link_contents(guest_path(mem, path, len)?)?;
    let bytes = target.as_os_str().as_bytes();
    // A short buffer gets the start of the target, as readlink(2) does.
    let n = bytes.len().min(buf_len as usize);
    mem.write(buf, &bytes[..n])?;
    mem.write_u32(bufused, n as u32)
}

pub(crate) fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult {
    let old_dir = ctx.fds.get(old_fd)?.dir(rights::PATH_RENAME_SOURCE)?;
    let new_dir = ctx.fds.get(new_fd)?.dir(rights::PATH_RENAME_TARGET)?;
    let old = guest_path(mem, old_path, old_len)?;
    let new = guest_path(mem, new_path, new_len)?;
    Ok(old_dir.rename(old, new_dir, new)?)
}

pub(crate) fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult {
    let dir = ctx.fds.get(fd)?.dir(rights::PATH_SYMLINK)?;
    // The link's contents are not resolved here, but an absolute target
    // could only ever point outside the sandbox: cap-std refuses it.
    let target = mem.str(old_path, old_len)?;
    if target.contains('\0') {
        return Err(Errno::INVAL);
    }
    let link = guest_path(mem, new_path, new_len)?;
    Ok(dir.symlink(target, link)?)
}
