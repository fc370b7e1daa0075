//! The descriptor table: what each guest file descriptor refers to, with
//! its rights and flags.

use crate::abi::rights;
use crate::errno::{Errno, WasiResult};
use crate::stdio::Stdio;
use cap_std::fs::{Dir, File};

/// What a descriptor refers to.
pub(crate) enum Kind {
    Stdio(Stdio),
    File(File),
    Dir(DirState),
}

/// An open directory: a cap-std handle (every path operation is resolved
/// beneath it), its preopen name, and the listing `fd_readdir` pages
/// through.
pub(crate) struct DirState {
    pub(crate) dir: Dir,
    pub(crate) preopen: Option<String>,
    /// The entries of the last `fd_readdir` from cookie 0: later calls with
    /// a non-zero cookie continue in this snapshot, as a POSIX directory
    /// stream would.
    pub(crate) listing: Option<Vec<DirListEntry>>,
}

impl DirState {
    pub(crate) fn new(dir: Dir, preopen: Option<String>) -> DirState {
        DirState {
            dir,
            preopen,
            listing: None,
        }
    }
}

pub(crate) struct DirListEntry {
    pub(crate) name: Vec<u8>,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
}

pub(crate) struct FdEntry {
    pub(crate) kind: Kind,
    /// Rights on this descriptor.
    pub(crate) base: u64,
    /// Rights that descriptors opened through this one may have.
    pub(crate) inheriting: u64,
    /// `fdflags` as last set by the guest.
    pub(crate) flags: u16,
}

impl FdEntry {
    pub(crate) fn new(kind: Kind, base: u64, inheriting: u64) -> FdEntry {
        FdEntry {
            kind,
            base,
            inheriting,
            flags: 0,
        }
    }

    /// `ENOTCAPABLE` unless the descriptor has all of `needed`.
    pub(crate) fn require(&self, needed: u64) -> WasiResult {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::NOTCAPABLE)
        }
    }

    /// The directory behind a descriptor used as the base of a path
    /// operation, after checking `needed` rights.
    pub(crate) fn dir(&self, needed: u64) -> WasiResult<&Dir> {
        match &self.kind {
            Kind::Dir(d) => {
                self.require(needed)?;
                Ok(&d.dir)
            }
            _ => Err(Errno::NOTDIR),
        }
    }

    /// The file behind a descriptor used for file I/O, after checking
    /// `needed` rights. Directories are `EISDIR`; the standard streams,
    /// which are not seekable files, are `ESPIPE`.
    pub(crate) fn file(&self, needed: u64) -> WasiResult<&File> {
        match &self.kind {
            Kind::File(f) => {
                self.require(needed)?;
                Ok(f)
            }
            Kind::Dir(_) => Err(Errno::ISDIR),
            Kind::Stdio(_) => Err(Errno::SPIPE),
        }
    }

    /// The host descriptor for `fstat`-like calls, if there is one.
    pub(crate) fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        match &self.kind {
            Kind::File(f) => Some(f.as_fd()),
            Kind::Dir(d) => Some(d.dir.as_fd()),
            Kind::Stdio(s) => s.host_fd(),
        }
    }

    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }
}

/// The most descriptors a guest may hold at once.
const MAX_FDS: usize = 1 << 20;

/// Descriptors by number. New descriptors take the lowest free number from
/// 3 up, so a guest's own files never land on 0-2 by accident.
#[derive(Default)]
pub(crate) struct FdTable {
    slots: Vec<Option<FdEntry>>,
    /// No slot from 3 up to here is free.
    free_hint: usize,
}

impl FdTable {
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    pub(crate) fn get(&self, fd: u32) -> WasiResult<&FdEntry> {
        self.slots
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::BADF)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut FdEntry> {
        self.slots
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BADF)
    }

    /// Places `entry` at `fd`, replacing (closing) what was there.
    pub(crate) fn insert_at(&mut self, fd: u32, entry: FdEntry) {
        let i = fd as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(entry);
    }

    /// Places `entry` at the lowest free number from 3 up.
    pub(crate) fn insert(&mut self, entry: FdEntry) -> WasiResult<u32> {
        let mut i = self.free_hint.max(3);
        while i < self.slots.len() && self.slots[i].is_some() {
            i += 1;
        }
        if i >= MAX_FDS {
            return Err(Errno::MFILE);
        }
        self.free_hint = i + 1;
        self.insert_at(i as u32, entry);
        Ok(i as u32)
    }

    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<FdEntry> {
        let entry = self
            .slots
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::BADF)?;
        self.free_hint = self.free_hint.min(fd as usize);
        Ok(entry)
    }

    /// Moves `from` to `to`, closing what `to` held. Both must be open.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let entry = self.remove(from)?;
            self.insert_at(to, entry);
        }
        Ok(())
    }
}

/// The rights a newly opened descriptor gets: what was asked for, limited
/// by what the directory passes on and by what its kind can do at all.
/// Asking for more is not an error, as wasi-libc and Rust's std expect.
pub(crate) fn opened_rights(
    parent: &FdEntry,
    base: u64,
    inheriting: u64,
    is_dir: bool,
) -> (u64, u64) {
    let kind_rights = if is_dir {
        rights::DIRECTORY
    } else {
        rights::FILE
    };
    (
        base & parent.inheriting & kind_rights,
        inheriting & parent.inheriting,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdio::Stream;

    fn entry() -> FdEntry {
        FdEntry::new(Kind::Stdio(Stdio::Inherit(Stream::Out)), 0, 0)
    }

    #[test]
    fn allocation_takes_lowest_free_from_three() {
        let mut t = FdTable::default();
        t.insert_at(0, entry());
        assert_eq!(t.insert(entry()), Ok(3));
        assert_eq!(t.insert(entry()), Ok(4));
        assert_eq!(t.insert(entry()), Ok(5));
        t.remove(4).unwrap();
        assert_eq!(t.insert(entry()), Ok(4));
        assert_eq!(t.insert(entry()), Ok(6));
        assert_eq!(t.remove(4).map(|_| ()), Ok(()));
        assert_eq!(t.remove(4).map(|_| ()), Err(Errno::BADF));
    }

    #[test]
    fn renumber_needs_both_open() {
        let mut t = FdTable::default();
        let a = t.insert(entry()).unwrap();
        let b = t.insert(entry()).unwrap();
        assert_eq!(t.renumber(a, 99), Err(Errno::BADF));
        assert_eq!(t.renumber(a, b), Ok(()));
        assert!(t.get(a).is_err());
        assert!(t.get(b).is_ok());
        assert_eq!(t.renumber(b, b), Ok(()));
    }
}
