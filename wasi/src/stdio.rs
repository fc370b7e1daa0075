//! The standard streams: the host's own (inherited), bytes given up front
//! (stdin), or a capture buffer (stdout/stderr).

use crate::abi::{filetype, rights};
use crate::ctx::OutputBuffer;
use crate::filestat::filetype_of_stat;
use std::io::{self, Cursor, IoSlice, IoSliceMut, Read};
use std::os::fd::BorrowedFd;

/// Which host stream an inherited descriptor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    In,
    Out,
    Err,
}

pub(crate) enum Stdio {
    /// The host's stdin/stdout/stderr. Reads and writes go straight to the
    /// host descriptor (not through Rust's buffered `Stdout`), so the guest
    /// controls its own buffering.
    Inherit(Stream),
    /// Stdin that yields these bytes, then end of file.
    Bytes(Cursor<Vec<u8>>),
    /// Stdout/stderr collected into a buffer.
    Capture(OutputBuffer),
}

impl Stdio {
    /// The rights a guest gets on the stream: no seek/tell, so wasi-libc's
    /// `isatty` recognises a terminal.
    pub(crate) fn rights(&self) -> u64 {
        let common =
            rights::POLL_FD_READWRITE | rights::FD_FDSTAT_SET_FLAGS | rights::FD_FILESTAT_GET;
        match self {
            Stdio::Inherit(Stream::In) | Stdio::Bytes(_) => common | rights::FD_READ,
            Stdio::Inherit(_) | Stdio::Capture(_) => common | rights::FD_WRITE,
        }
    }

    /// The host descriptor behind an inherited stream.
    pub(crate) fn host_fd(&self) -> Option<BorrowedFd<'static>> {
        match self {
            Stdio::Inherit(Stream::In) => Some(rustix::stdio::stdin()),
            Stdio::Inherit(Stream::Out) => Some(rustix::stdio::stdout()),
            Stdio::Inherit(Stream::Err) => Some(rustix::stdio::stderr()),
            _ => None,
        }
    }

    pub(crate) fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        match self {
            Stdio::Inherit(Stream::In) => Ok(rustix::io::readv(rustix::stdio::stdin(), bufs)?),
            Stdio::Bytes(cursor) => cursor.read_vectored(bufs),
            _ => Err(rustix::io::Errno::BADF.into()),
        }
    }

    pub(crate) fn write(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stdio::Inherit(Stream::Out) => Ok(rustix::io::writev(rustix::stdio::stdout(), bufs)?),
            Stdio::Inherit(Stream::Err) => Ok(rustix::io::writev(rustix::stdio::stderr(), bufs)?),
            Stdio::Capture(buf) => {
                let mut buf = buf.lock();
                let mut n = 0;
                for b in bufs {
                    buf.extend_from_slice(b);
                    n += b.len();
                }
                Ok(n)
            }
            Stdio::Inherit(Stream::In) | Stdio::Bytes(_) => Err(rustix::io::Errno::BADF.into()),
        }
    }

    /// What `fd_fdstat_get` and `fd_filestat_get` report as the file type.
    pub(crate) fn filetype(&self) -> u8 {
        match self.host_fd() {
            Some(fd) => match rustix::fs::fstat(fd) {
                Ok(st) => filetype_of_stat(&st),
                Err(_) => filetype::UNKNOWN,
            },
            // In-memory pipes have no WASI file type of their own.
            None => filetype::UNKNOWN,
        }
    }

    /// Bytes readable without blocking, for `poll_oneoff`; `None` when only
    /// the host can tell (an inherited stream).
    pub(crate) fn ready_bytes(&self) -> Option<u64> {
        match self {
            Stdio::Bytes(c) => Some(c.get_ref().len().saturating_sub(c.position() as usize) as u64),
            Stdio::Capture(_) => Some(0),
            Stdio::Inherit(_) => None,
        }
    }
}
