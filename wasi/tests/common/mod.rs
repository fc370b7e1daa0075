//! A test guest: a tiny module that imports WASI functions and exports a
//! Wasm wrapper for each (so the host functions run with a real calling
//! instance), plus its memory. Tests poke the WASI host directly with any
//! arguments and inspect guest memory.

#![allow(dead_code)] // each test file uses a different subset

use regwasm::{Engine, Error, Instance, Linker, Memory, Module, Store, Val};
use regwasm_wasi::{add_to_linker, WasiCtx};
use std::path::{Path, PathBuf};

/// (name, parameter types, has an errno result)
const FUNCS: &[(&str, &str, bool)] = &[
    ("args_get", "i32 i32", true),
    ("args_sizes_get", "i32 i32", true),
    ("environ_get", "i32 i32", true),
    ("environ_sizes_get", "i32 i32", true),
    ("clock_res_get", "i32 i32", true),
    ("clock_time_get", "i32 i64 i32", true),
    ("fd_advise", "i32 i64 i64 i32", true),
    ("fd_allocate", "i32 i64 i64", true),
    ("fd_close", "i32", true),
    ("fd_datasync", "i32", true),
    ("fd_fdstat_get", "i32 i32", true),
    ("fd_fdstat_set_flags", "i32 i32", true),
    ("fd_fdstat_set_rights", "i32 i64 i64", true),
    ("fd_filestat_get", "i32 i32", true),
    ("fd_filestat_set_size", "i32 i64", true),
    ("fd_filestat_set_times", "i32 i64 i64 i32", true),
    ("fd_pread", "i32 i32 i32 i64 i32", true),
    ("fd_prestat_get", "i32 i32", true),
    ("fd_prestat_dir_name", "i32 i32 i32", true),
    ("fd_pwrite", "i32 i32 i32 i64 i32", true),
    ("fd_read", "i32 i32 i32 i32", true),
    ("fd_readdir", "i32 i32 i32 i64 i32", true),
    ("fd_renumber", "i32 i32", true),
    ("fd_seek", "i32 i64 i32 i32", true),
    ("fd_sync", "i32", true),
    ("fd_tell", "i32 i32", true),
    ("fd_write", "i32 i32 i32 i32", true),
    ("path_create_directory", "i32 i32 i32", true),
    ("path_filestat_get", "i32 i32 i32 i32 i32", true),
    (
        "path_filestat_set_times",
        "i32 i32 i32 i32 i64 i64 i32",
        true,
    ),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32", true),
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", true),
    ("path_readlink", "i32 i32 i32 i32 i32 i32", true),
    ("path_remove_directory", "i32 i32 i32", true),
    ("path_rename", "i32 i32 i32 i32 i32 i32", true),
    ("path_symlink", "i32 i32 i32 i32 i32", true),
    ("path_unlink_file", "i32 i32 i32", true),
    ("poll_oneoff", "i32 i32 i32 i32", true),
    ("proc_exit", "i32", false),
    ("proc_raise", "i32", true),
    ("random_get", "i32 i32", true),
    ("sched_yield", "", true),
    ("sock_accept", "i32 i32 i32", true),
    ("sock_recv", "i32 i32 i32 i32 i32 i32", true),
    ("sock_send", "i32 i32 i32 i32 i32", true),
    ("sock_shutdown", "i32 i32", true),
];

// errno values the tests check.
pub const SUCCESS: i32 = 0;
pub const EBADF: i32 = 8;
pub const EEXIST: i32 = 20;
pub const EFAULT: i32 = 21;
pub const EINVAL: i32 = 28;
pub const EISDIR: i32 = 31;
pub const ELOOP: i32 = 32;
pub const ENOENT: i32 = 44;
pub const ENOTDIR: i32 = 54;
pub const ENOTSOCK: i32 = 57;
pub const ENOTCAPABLE: i32 = 76;
pub const ESPIPE: i32 = 70;

pub const LOOKUP_FOLLOW: i32 = 1;
pub const OFLAGS_CREAT: i32 = 1;
pub const OFLAGS_DIRECTORY: i32 = 2;
pub const OFLAGS_EXCL: i32 = 4;
pub const FDFLAGS_APPEND: i32 = 1;
pub const ALL_RIGHTS: i64 = (1 << 30) - 1;
/// fd_write, fd_datasync, fd_allocate, fd_filestat_set_size.
pub const WRITE_RIGHTS: i64 = 1 << 6 | 1 | 1 << 8 | 1 << 22;

/// Scratch space in guest memory the helpers use for strings and results.
pub const SCRATCH: u32 = 0x1000;
pub const OUT: u32 = 0x100;

fn shim_wat() -> String {
    let mut wat = String::from("(module\n");
    for (name, params, errno) in FUNCS {
        let result = if *errno { "(result i32)" } else { "" };
        wat += &format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func $w_{name} (param {params}) {result}))\n"
        );
    }
    wat += "  (memory (export \"memory\") 4)\n";
    for (name, params, errno) in FUNCS {
        let result = if *errno { "(result i32)" } else { "" };
        let gets: String = (0..params.split_whitespace().count())
            .map(|i| format!("local.get {i} "))
            .collect();
        wat += &format!(
            "  (func (export \"{name}\") (param {params}) {result} {gets} call $w_{name})\n"
        );
    }
    wat + ")"
}

pub struct Guest {
    pub store: Store<WasiCtx>,
    pub instance: Instance,
    pub memory: Memory,
}

impl Guest {
    pub fn new(ctx: WasiCtx) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, shim_wat()).expect("shim module");
        let mut store = Store::new(&engine, ctx);
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance
            .get_export(&store, "memory")
            .and_then(|e| e.into_memory())
            .unwrap();
        Guest {
            store,
            instance,
            memory,
        }
    }

    /// Calls a WASI function through its Wasm wrapper.
    pub fn try_call(&mut self, name: &str, args: &[Val]) -> Result<i32, Error> {
        let f = self.instance.get_func(&self.store, name).expect(name);
        let mut results = [Val::I32(0)];
        let n = usize::from(FUNCS.iter().find(|f| f.0 == name).unwrap().2);
        f.call(&mut self.store, args, &mut results[..n])?;
        Ok(results[0].i32().unwrap())
    }

    /// Calls a WASI function and returns its errno.
    pub fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        self.try_call(name, args).unwrap()
    }

    pub fn write(&mut self, ptr: u32, bytes: &[u8]) {
        self.memory
            .write(&mut self.store, ptr as usize, bytes)
            .unwrap();
    }

    pub fn read(&self, ptr: u32, len: u32) -> Vec<u8> {
        let mut buf = vec![0; len as usize];
        self.memory
            .read(&self.store, ptr as usize, &mut buf)
            .unwrap();
        buf
    }

    pub fn u32_at(&self, ptr: u32) -> u32 {
        u32::from_le_bytes(self.read(ptr, 4).try_into().unwrap())
    }

    pub fn u64_at(&self, ptr: u32) -> u64 {
        u64::from_le_bytes(self.read(ptr, 8).try_into().unwrap())
    }

    /// Writes `s` at `ptr` and returns (ptr, len) as call arguments.
    pub fn string(&mut self, ptr: u32, s: &str) -> [Val; 2] {
        self.write(ptr, s.as_bytes());
        [i(ptr), i(s.len() as u32)]
    }

    /// `path_open` with all rights (all but the writing ones for a
    /// directory, as wasi-libc asks); the new descriptor or the errno.
    pub fn open(
        &mut self,
        dirfd: u32,
        lookup: i32,
        path: &str,
        oflags: i32,
        fdflags: i32,
    ) -> Result<u32, i32> {
        let [p, len] = self.string(SCRATCH, path);
        let rights = if oflags & OFLAGS_DIRECTORY != 0 {
            ALL_RIGHTS & !WRITE_RIGHTS
        } else {
            ALL_RIGHTS
        };
        let errno = self.call(
            "path_open",
            &[
                i(dirfd),
                Val::I32(lookup),
                p,
                len,
                Val::I32(oflags),
                Val::I64(rights),
                Val::I64(ALL_RIGHTS),
                Val::I32(fdflags),
                i(OUT),
            ],
        );
        if errno == SUCCESS {
            Ok(self.u32_at(OUT))
        } else {
            Err(errno)
        }
    }

    /// Calls a path function of the shape `(fd, path, path_len)`.
    pub fn path_call(&mut self, name: &str, dirfd: u32, path: &str) -> i32 {
        let [p, len] = self.string(SCRATCH, path);
        self.call(name, &[i(dirfd), p, len])
    }

    /// Writes `data` through `fd_write` with one iovec; the errno.
    pub fn write_fd(&mut self, fd: u32, data: &[u8]) -> i32 {
        self.write(SCRATCH + 64, data);
        self.write(SCRATCH, &iovec(SCRATCH + 64, data.len() as u32));
        self.call("fd_write", &[i(fd), i(SCRATCH), i(1), i(OUT)])
    }

    /// Reads up to `len` bytes through `fd_read`.
    pub fn read_fd(&mut self, fd: u32, len: u32) -> Result<Vec<u8>, i32> {
        self.write(SCRATCH, &iovec(SCRATCH + 64, len));
        match self.call("fd_read", &[i(fd), i(SCRATCH), i(1), i(OUT)]) {
            SUCCESS => {
                let n = self.u32_at(OUT);
                Ok(self.read(SCRATCH + 64, n))
            }
            e => Err(e),
        }
    }
}

/// An i32 argument.
pub fn i(v: u32) -> Val {
    Val::I32(v as i32)
}

/// The 8 bytes of one iovec.
pub fn iovec(ptr: u32, len: u32) -> [u8; 8] {
    let mut b = [0; 8];
    b[..4].copy_from_slice(&ptr.to_le_bytes());
    b[4..].copy_from_slice(&len.to_le_bytes());
    b
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "regwasm-wasi-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
