//! `filestat` records from host metadata, and file types.

use crate::abi::{filetype, FILESTAT_SIZE};
use crate::errno::WasiResult;
use crate::memory::GuestMemory;
use cap_fs_ext::{FileTypeExt, OsMetadataExt};

/// A `filestat` record.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Filestat {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
}

/// Nanoseconds since the epoch; times before it clamp to 0.
fn nanos(sec: i64, nsec: i64) -> u64 {
    (sec as i128 * 1_000_000_000 + nsec as i128).clamp(0, u64::MAX as i128) as u64
}

/// The WASI file type of an `fstat` result.
#[allow(clippy::unnecessary_cast)] // `st_mode`'s type differs between targets
pub(crate) fn filetype_of_stat(st: &rustix::fs::Stat) -> u8 {
    use rustix::fs::FileType as T;
    match T::from_raw_mode(st.st_mode as rustix::fs::RawMode) {
        T::RegularFile => filetype::REGULAR_FILE,
        T::Directory => filetype::DIRECTORY,
        T::Symlink => filetype::SYMBOLIC_LINK,
        T::CharacterDevice => filetype::CHARACTER_DEVICE,
        T::BlockDevice => filetype::BLOCK_DEVICE,
        T::Socket => filetype::SOCKET_STREAM,
        _ => filetype::UNKNOWN,
    }
}

/// The WASI file type of a cap-std file type (directory listings, path
/// metadata).
pub(crate) fn filetype_of(ft: cap_std::fs::FileType) -> u8 {
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

impl Filestat {
    /// From `fstat` of an open descriptor.
    #[allow(clippy::unnecessary_cast)] // field types differ between targets
    pub(crate) fn from_stat(st: &rustix::fs::Stat) -> Filestat {
        Filestat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            filetype: filetype_of_stat(st),
            nlink: st.st_nlink as u64,
            size: st.st_size as u64,
            atim: nanos(st.st_atime as i64, st.st_atime_nsec as i64),
            mtim: nanos(st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctim: nanos(st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }

    /// From the metadata of a path resolved inside a directory.
    pub(crate) fn from_metadata(m: &cap_std::fs::Metadata) -> Filestat {
        Filestat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: filetype_of(m.file_type()),
            nlink: m.nlink(),
            size: m.size(),
            atim: nanos(m.atime(), m.atime_nsec()),
            mtim: nanos(m.mtime(), m.mtime_nsec()),
            ctim: nanos(m.ctime(), m.ctime_nsec()),
        }
    }

    pub(crate) fn write(&self, mem: &mut GuestMemory<'_>, ptr: u32) -> WasiResult {
        let mut b = [0u8; FILESTAT_SIZE];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        mem.write(ptr, &b)
    }
}
