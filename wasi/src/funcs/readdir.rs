//! `fd_readdir`: directory listings with cookies.
//!
//! A cookie is the index of the next entry in the listing. Cookie 0 takes a
//! fresh snapshot of the directory (`.` and `..` first, as wasmtime and
//! POSIX `readdir` report them); later cookies page through that snapshot,
//! so entries neither repeat nor go missing while the guest reads.

use crate::abi::{filetype, rights, DIRENT_HEADER_SIZE};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::{DirListEntry, Kind};
use crate::filestat::filetype_of;
use crate::memory::GuestMemory;
use cap_fs_ext::OsMetadataExt;
use cap_std::fs::Dir;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirEntryExt;

fn snapshot(dir: &Dir) -> WasiResult<Vec<DirListEntry>> {
    let self_ino = rustix::fs::fstat(dir)?.st_ino as u64;
    // A preopen's parent is outside the sandbox; there `..` is the
    // directory itself, as `/..` is `/`.
    let parent_ino = dir.metadata("..").map(|m| m.ino()).unwrap_or(self_ino);
    let mut list = vec![
        DirListEntry {
            name: b".".to_vec(),
            ino: self_ino,
            filetype: filetype::DIRECTORY,
        },
        DirListEntry {
            name: b"..".to_vec(),
            ino: parent_ino,
            filetype: filetype::DIRECTORY,
        },
    ];
    for entry in dir.entries()? {
        let entry = entry?;
        list.push(DirListEntry {
            name: entry.file_name().as_bytes().to_vec(),
            ino: entry.ino(),
            filetype: entry.file_type().map_or(filetype::UNKNOWN, filetype_of),
        });
    }
    Ok(list)
}

pub(crate) fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult {
    mem.check(bufused, 4)?;
    mem.check(buf, buf_len as u64)?;
    let e = ctx.fds.get_mut(fd)?;
    if !e.is_dir() {
        return Err(Errno::NOTDIR);
    }
    e.require(rights::FD_READDIR)?;
    let Kind::Dir(d) = &mut e.kind else {
        unreachable!("checked above")
    };
    if cookie == 0 || d.listing.is_none() {
        d.listing = Some(snapshot(&d.dir)?);
    }
    let listing = d.listing.as_deref().unwrap_or_default();
    let out = mem.slice_mut(buf, buf_len)?;
    let mut used = 0usize;
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, entry) in listing.iter().enumerate().skip(start) {
        let mut header = [0u8; DIRENT_HEADER_SIZE];
        header[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        header[8..16].copy_from_slice(&entry.ino.to_le_bytes());
        header[16..20].copy_from_slice(&(entry.name.len() as u32).to_le_bytes());
        header[20] = entry.filetype;
        // The last entry may be cut off: a full buffer tells the guest to
        // call again (with a larger buffer) from the same cookie.
        for part in [&header[..], &entry.name[..]] {
            let n = part.len().min(out.len() - used);
            out[used..used + n].copy_from_slice(&part[..n]);
            used += n;
        }
        if used == out.len() {
            break;
        }
    }
    mem.write_u32(bufused, used as u32)
}
