//! The WASI context (what a guest may see and touch) and its builder.

use crate::abi::rights;
use crate::fdtable::{DirState, FdEntry, FdTable, Kind};
use crate::stdio::{Stdio, Stream};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Errors configuring a [`WasiCtx`].
#[derive(Debug, thiserror::Error)]
pub enum WasiError {
    /// A preopened directory could not be opened on the host.
    #[error("cannot open directory {path:?} to preopen: {source}")]
    Preopen {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The exit status a guest asked for with `proc_exit`.
///
/// `proc_exit(n)` stops the guest with `Err(regwasm::Error::Host(..))`
/// holding this value; get it back with `error.downcast_ref::<I32Exit>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl std::fmt::Display for I32Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest exited with status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// A shared, growable buffer that receives a captured stdout or stderr.
/// Clones share the same bytes, so the embedder keeps one clone and reads it
/// after the guest has run.
#[derive(Clone, Debug, Default)]
pub struct OutputBuffer(Arc<Mutex<Vec<u8>>>);

impl OutputBuffer {
    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().clone()
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A panic while holding the lock cannot leave the bytes invalid.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The NUL-terminated strings of `argv` or `environ`, laid out once as the
/// guest will receive them.
#[derive(Default)]
pub(crate) struct StringList {
    /// Every string followed by a NUL, back to back.
    pub(crate) buf: Vec<u8>,
    /// Where each string starts in `buf`.
    pub(crate) starts: Vec<u32>,
}

impl StringList {
    fn push(&mut self, parts: &[&str]) {
        self.starts.push(self.buf.len() as u32);
        for p in parts {
            self.buf.extend_from_slice(p.as_bytes());
        }
        self.buf.push(0);
    }
}

/// Configures a [`WasiCtx`]: arguments, environment, preopened directories
/// and standard streams.
///
/// By default stdin, stdout and stderr are the host's, and the guest gets
/// no arguments, no environment variables and no directories.
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<(cap_std::fs::Dir, String)>,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    pub fn new() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            stdin: Stdio::Inherit(Stream::In),
            stdout: Stdio::Inherit(Stream::Out),
            stderr: Stdio::Inherit(Stream::Err),
        }
    }

    /// Appends one argument; the embedder passes the program name first.
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// Appends arguments in order.
    pub fn args(&mut self, args: impl IntoIterator<Item = impl AsRef<str>>) -> &mut Self {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Adds an environment variable (a later one with the same key wins).
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        let key = key.as_ref();
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.as_ref().to_string()));
        self
    }

    /// Adds every variable of the host's environment that is valid UTF-8.
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
                self.env(k, v);
            }
        }
        self
    }

    /// Gives the guest the host directory `host` under the name `guest`.
    /// Preopens get descriptors 3, 4, ... in the order they are added. The
    /// guest can reach nothing outside them.
    pub fn preopened_dir(
        &mut self,
        host: impl AsRef<Path>,
        guest: impl AsRef<str>,
    ) -> Result<&mut Self, WasiError> {
        use std::os::unix::fs::OpenOptionsExt;
        let host = host.as_ref();
        // A readable descriptor (cap-std's ambient opener makes an `O_PATH`
        // one), so the guest can also sync the directory and set its times.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::DIRECTORY.bits() as i32)
            .open(host)
            .map_err(|source| WasiError::Preopen {
                path: host.to_path_buf(),
                source,
            })?;
        let dir = cap_std::fs::Dir::from_std_file(file);
        self.preopens.push((dir, guest.as_ref().to_string()));
        Ok(self)
    }

    /// Uses the host's stdin, stdout and stderr (the default).
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.stdin = Stdio::Inherit(Stream::In);
        self.stdout = Stdio::Inherit(Stream::Out);
        self.stderr = Stdio::Inherit(Stream::Err);
        self
    }

    /// Makes stdin read these bytes, then end of file.
    pub fn stdin_bytes(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = Stdio::Bytes(Cursor::new(bytes.into()));
        self
    }

    /// Captures stdout into the returned buffer.
    pub fn stdout_capture(&mut self) -> OutputBuffer {
        let buf = OutputBuffer::default();
        self.stdout = Stdio::Capture(buf.clone());
        buf
    }

    /// Captures stderr into the returned buffer.
    pub fn stderr_capture(&mut self) -> OutputBuffer {
        let buf = OutputBuffer::default();
        self.stderr = Stdio::Capture(buf.clone());
        buf
    }

    /// Builds the context. The preopened directories and stdio settings move
    /// into it, so the builder is left with none (arguments and environment
    /// stay and can be reused).
    pub fn build(&mut self) -> WasiCtx {
        let mut args = StringList::default();
        for a in &self.args {
            args.push(&[a]);
        }
        let mut env = StringList::default();
        for (k, v) in &self.env {
            env.push(&[k, "=", v]);
        }
        let mut fds = FdTable::default();
        let stdio = [
            std::mem::replace(&mut self.stdin, Stdio::Inherit(Stream::In)),
            std::mem::replace(&mut self.stdout, Stdio::Inherit(Stream::Out)),
            std::mem::replace(&mut self.stderr, Stdio::Inherit(Stream::Err)),
        ];
        for (fd, s) in stdio.into_iter().enumerate() {
            let base = s.rights();
            fds.insert_at(fd as u32, FdEntry::new(Kind::Stdio(s), base, 0));
        }
        for (dir, name) in self.preopens.drain(..) {
            let state = DirState::new(dir, Some(name));
            let entry = FdEntry::new(
                Kind::Dir(state),
                rights::DIRECTORY,
                rights::DIRECTORY | rights::FILE,
            );
            fds.insert(entry)
                .expect("a fresh descriptor table has room for the preopens");
        }
        WasiCtx { args, env, fds }
    }
}

/// The state of one WASI guest: arguments, environment and open
/// descriptors. Keep it in the store's host data and hand
/// [`crate::add_to_linker`] a function that finds it there.
pub struct WasiCtx {
    pub(crate) args: StringList,
    pub(crate) env: StringList,
    pub(crate) fds: FdTable,
}

impl WasiCtx {
    /// A context with the builder's defaults: inherited stdio, nothing else.
    pub fn new() -> WasiCtx {
        WasiCtxBuilder::new().build()
    }
}

impl Default for WasiCtx {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args.starts.len())
            .field("env", &self.env.starts.len())
            .field("open_fds", &self.fds.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn ctx_is_send() {
        assert_send::<WasiCtx>();
        assert_send::<WasiCtxBuilder>();
    }

    #[test]
    fn string_lists_are_nul_terminated() {
        let ctx = WasiCtxBuilder::new()
            .args(["prog", "a b"])
            .env("K", "v")
            .env("K", "w")
            .build();
        assert_eq!(ctx.args.buf, b"prog\0a b\0");
        assert_eq!(ctx.args.starts, [0, 5]);
        assert_eq!(ctx.env.buf, b"K=w\0");
    }
}
