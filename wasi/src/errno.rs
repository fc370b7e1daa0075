//! WASI error numbers (`errno`, a u16) and the translation of host errors.

use std::io;

/// A WASI error number, as returned to the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Errno(pub u16);

macro_rules! errnos {
    ($($name:ident = $value:literal,)*) => {
        impl Errno {
            $(pub const $name: Errno = Errno($value);)*
        }
    };
}

errnos! {
    SUCCESS = 0, TOOBIG = 1, ACCES = 2, ADDRINUSE = 3, ADDRNOTAVAIL = 4, AFNOSUPPORT = 5,
    AGAIN = 6, ALREADY = 7, BADF = 8, BADMSG = 9, BUSY = 10, CANCELED = 11,
    CHILD = 12, CONNABORTED = 13, CONNREFUSED = 14, CONNRESET = 15, DEADLK = 16,
    DESTADDRREQ = 17, DOM = 18, DQUOT = 19, EXIST = 20, FAULT = 21, FBIG = 22,
    HOSTUNREACH = 23, IDRM = 24, ILSEQ = 25, INPROGRESS = 26, INTR = 27,
    INVAL = 28, IO = 29, ISCONN = 30, ISDIR = 31, LOOP = 32, MFILE = 33,
    MLINK = 34, MSGSIZE = 35, MULTIHOP = 36, NAMETOOLONG = 37, NETDOWN = 38,
    NETRESET = 39, NETUNREACH = 40, NFILE = 41, NOBUFS = 42, NODEV = 43,
    NOENT = 44, NOEXEC = 45, NOLCK = 46, NOLINK = 47, NOMEM = 48, NOMSG = 49,
    NOPROTOOPT = 50, NOSPC = 51, NOSYS = 52, NOTCONN = 53, NOTDIR = 54,
    NOTEMPTY = 55, NOTRECOVERABLE = 56, NOTSOCK = 57, NOTSUP = 58, NOTTY = 59,
    NXIO = 60, OVERFLOW = 61, OWNERDEAD = 62, PERM = 63, PIPE = 64, PROTO = 65,
    PROTONOSUPPORT = 66, PROTOTYPE = 67, RANGE = 68, ROFS = 69, SPIPE = 70,
    SRCH = 71, STALE = 72, TIMEDOUT = 73, TXTBSY = 74, XDEV = 75,
    NOTCAPABLE = 76,
}

/// What every WASI host function computes: success or an errno.
pub(crate) type WasiResult<T = ()> = Result<T, Errno>;

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Errno {
        use rustix::io::Errno as E;
        match e {
            E::TOOBIG => Errno::TOOBIG,
            E::ACCESS => Errno::ACCES,
            E::ADDRINUSE => Errno::ADDRINUSE,
            E::ADDRNOTAVAIL => Errno::ADDRNOTAVAIL,
            E::AFNOSUPPORT => Errno::AFNOSUPPORT,
            E::AGAIN => Errno::AGAIN,
            E::ALREADY => Errno::ALREADY,
            E::BADF => Errno::BADF,
            E::BADMSG => Errno::BADMSG,
            E::BUSY => Errno::BUSY,
            E::CANCELED => Errno::CANCELED,
            E::CHILD => Errno::CHILD,
            E::CONNABORTED => Errno::CONNABORTED,
            E::CONNREFUSED => Errno::CONNREFUSED,
            E::CONNRESET => Errno::CONNRESET,
            E::DEADLK => Errno::DEADLK,
            E::DESTADDRREQ => Errno::DESTADDRREQ,
            E::DOM => Errno::DOM,
            E::DQUOT => Errno::DQUOT,
            E::EXIST => Errno::EXIST,
            E::FAULT => Errno::FAULT,
            E::FBIG => Errno::FBIG,
            E::HOSTUNREACH => Errno::HOSTUNREACH,
            E::IDRM => Errno::IDRM,
            E::ILSEQ => Errno::ILSEQ,
            E::INPROGRESS => Errno::INPROGRESS,
            E::INTR => Errno::INTR,
            E::INVAL => Errno::INVAL,
            E::IO => Errno::IO,
            E::ISCONN => Errno::ISCONN,
            E::ISDIR => Errno::ISDIR,
            E::LOOP => Errno::LOOP,
            E::MFILE => Errno::MFILE,
            E::MLINK => Errno::MLINK,
            E::MSGSIZE => Errno::MSGSIZE,
            E::MULTIHOP => Errno::MULTIHOP,
            E::NAMETOOLONG => Errno::NAMETOOLONG,
            E::NETDOWN => Errno::NETDOWN,
            E::NETRESET => Errno::NETRESET,
            E::NETUNREACH => Errno::NETUNREACH,
            E::NFILE => Errno::NFILE,
            E::NOBUFS => Errno::NOBUFS,
            E::NODEV => Errno::NODEV,
            E::NOENT => Errno::NOENT,
            E::NOEXEC => Errno::NOEXEC,
            E::NOLCK => Errno::NOLCK,
            E::NOLINK => Errno::NOLINK,
            E::NOMEM => Errno::NOMEM,
            E::NOMSG => Errno::NOMSG,
            E::NOPROTOOPT => Errno::NOPROTOOPT,
            E::NOSPC => Errno::NOSPC,
            E::NOSYS => Errno::NOSYS,
            E::NOTCONN => Errno::NOTCONN,
            E::NOTDIR => Errno::NOTDIR,
            E::NOTEMPTY => Errno::NOTEMPTY,
            E::NOTRECOVERABLE => Errno::NOTRECOVERABLE,
            E::NOTSOCK => Errno::NOTSOCK,
            E::NOTSUP => Errno::NOTSUP,
            E::NOTTY => Errno::NOTTY,
            E::NXIO => Errno::NXIO,
            E::OVERFLOW => Errno::OVERFLOW,
            E::OWNERDEAD => Errno::OWNERDEAD,
            E::PERM => Errno::PERM,
            E::PIPE => Errno::PIPE,
            E::PROTO => Errno::PROTO,
            E::PROTONOSUPPORT => Errno::PROTONOSUPPORT,
            E::PROTOTYPE => Errno::PROTOTYPE,
            E::RANGE => Errno::RANGE,
            E::ROFS => Errno::ROFS,
            E::SPIPE => Errno::SPIPE,
            E::SRCH => Errno::SRCH,
            E::STALE => Errno::STALE,
            E::TIMEDOUT => Errno::TIMEDOUT,
            E::TXTBSY => Errno::TXTBSY,
            E::XDEV => Errno::XDEV,
            _ => Errno::IO,
        }
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(raw) = e.raw_os_error() {
            return rustix::io::Errno::from_raw_os_error(raw).into();
        }
        match e.kind() {
            // cap-std reports a path that would leave the sandbox (`..`
            // past the root, an absolute symlink) as a PermissionDenied
            // error without an OS code: the guest lacks the capability.
            io::ErrorKind::PermissionDenied => Errno::NOTCAPABLE,
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::Interrupted => Errno::INTR,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            io::ErrorKind::NotADirectory => Errno::NOTDIR,
            io::ErrorKind::IsADirectory => Errno::ISDIR,
            io::ErrorKind::DirectoryNotEmpty => Errno::NOTEMPTY,
            _ => Errno::IO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_translate() {
        let e = io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error());
        assert_eq!(Errno::from(e), Errno::NOENT);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
        assert_eq!(Errno::from(escape), Errno::NOTCAPABLE);
        assert_eq!(Errno::from(rustix::io::Errno::XDEV), Errno::XDEV);
    }
}
