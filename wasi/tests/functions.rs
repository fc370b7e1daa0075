//! WASI functions one by one, called through a small Wasm module.

mod common;

use common::*;
use regwasm::{Engine, Linker, Module, Store, Val};
use regwasm_wasi::{add_to_linker, I32Exit, WasiCtx, WasiCtxBuilder};

fn guest(configure: impl FnOnce(&mut WasiCtxBuilder)) -> Guest {
    let mut b = WasiCtxBuilder::new();
    configure(&mut b);
    Guest::new(b.build())
}

/// Reads the NUL-terminated strings a `*_get` call wrote through its
/// pointer array.
fn strings(g: &Guest, ptrs: u32, count: u32) -> Vec<String> {
    (0..count)
        .map(|k| {
            let mut p = g.u32_at(ptrs + 4 * k);
            let mut s = Vec::new();
            loop {
                let b = g.read(p, 1)[0];
                if b == 0 {
                    break;
                }
                s.push(b);
                p += 1;
            }
            String::from_utf8(s).unwrap()
        })
        .collect()
}

#[test]
fn args_sizes_and_contents() {
    let mut g = guest(|b| {
        b.arg("prog.wasm").args(["first", "the \"second\" arg", ""]);
    });
    assert_eq!(g.call("args_sizes_get", &[i(0), i(4)]), SUCCESS);
    assert_eq!(g.u32_at(0), 4);
    assert_eq!(g.u32_at(4), (10 + 6 + 17 + 1) as u32);
    assert_eq!(g.call("args_get", &[i(0x200), i(0x400)]), SUCCESS);
    assert_eq!(g.u32_at(0x200), 0x400, "argv[0] starts the buffer");
    assert_eq!(
        strings(&g, 0x200, 4),
        ["prog.wasm", "first", "the \"second\" arg", ""]
    );
    // A buffer running off the end of memory faults before writing.
    let end = 4 * 65536 - 8;
    assert_eq!(g.call("args_get", &[i(0x200), i(end)]), EFAULT);
}

#[test]
fn environ_sizes_and_contents() {
    let mut g = guest(|b| {
        b.env("a", "text").env("c", "new\nline").env("a", "again");
    });
    assert_eq!(g.call("environ_sizes_get", &[i(0), i(4)]), SUCCESS);
    assert_eq!(g.u32_at(0), 2);
    assert_eq!(
        g.u32_at(4),
        ("c=new\nline\0".len() + "a=again\0".len()) as u32
    );
    assert_eq!(g.call("environ_get", &[i(0x200), i(0x400)]), SUCCESS);
    assert_eq!(strings(&g, 0x200, 2), ["c=new\nline", "a=again"]);

    let mut empty = guest(|_| {});
    assert_eq!(empty.call("environ_sizes_get", &[i(0), i(4)]), SUCCESS);
    assert_eq!((empty.u32_at(0), empty.u32_at(4)), (0, 0));
}

#[test]
fn fd_write_gathers_iovecs_into_captured_stdout() {
    let mut out = None;
    let mut err = None;
    let mut g = guest(|b| {
        out = Some(b.stdout_capture());
        err = Some(b.stderr_capture());
    });
    g.write(0x300, b"hello, world!");
    let mut list = Vec::new();
    list.extend(iovec(0x300, 5)); // "hello"
    list.extend(iovec(0x999, 0)); // empty
    list.extend(iovec(0x305, 2)); // ", "
    list.extend(iovec(0x307, 6)); // "world!"
    g.write(0x100, &list);
    assert_eq!(
        g.call("fd_write", &[i(1), i(0x100), i(4), i(0x50)]),
        SUCCESS
    );
    assert_eq!(g.u32_at(0x50), 13);
    assert_eq!(
        g.call("fd_write", &[i(2), i(0x100), i(1), i(0x50)]),
        SUCCESS
    );
    assert_eq!(out.unwrap().contents(), b"hello, world!");
    assert_eq!(err.unwrap().contents(), b"hello");
    // Faults and bad descriptors.
    g.write(0x100, &iovec(u32::MAX - 2, 8));
    assert_eq!(g.call("fd_write", &[i(1), i(0x100), i(1), i(0x50)]), EFAULT);
    assert_eq!(
        g.call("fd_write", &[i(1), i(0x100), i(1), i(u32::MAX)]),
        EFAULT
    );
    assert_eq!(g.call("fd_write", &[i(99), i(0x100), i(1), i(0x50)]), EBADF);
}

#[test]
fn fd_read_scatters_stdin_bytes() {
    let mut g = guest(|b| {
        b.stdin_bytes(b"abcdefgh".to_vec());
    });
    let mut list = Vec::new();
    list.extend(iovec(0x600, 3));
    list.extend(iovec(0x500, 4)); // lower in memory than the first
    g.write(0x100, &list);
    assert_eq!(g.call("fd_read", &[i(0), i(0x100), i(2), i(0x50)]), SUCCESS);
    assert_eq!(g.u32_at(0x50), 7);
    assert_eq!(g.read(0x600, 3), b"abc");
    assert_eq!(g.read(0x500, 4), b"defg");
    assert_eq!(g.read_fd(0, 10).unwrap(), b"h");
    assert_eq!(g.read_fd(0, 10).unwrap(), b"", "end of input");
    // A bad result pointer faults without consuming input.
    let mut g = guest(|b| {
        b.stdin_bytes(b"xyz".to_vec());
    });
    g.write(0x100, &iovec(0x500, 3));
    assert_eq!(
        g.call("fd_read", &[i(0), i(0x100), i(1), i(u32::MAX)]),
        EFAULT
    );
    assert_eq!(g.read_fd(0, 10).unwrap(), b"xyz");
    // stdout is not readable.
    assert_eq!(g.read_fd(1, 10), Err(ENOTCAPABLE));
}

#[test]
fn fd_seek_and_tell() {
    let dir = TempDir::new("seek");
    std::fs::write(dir.path().join("digits"), b"0123456789").unwrap();
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    let fd = g.open(3, 0, "digits", 0, 0).unwrap();
    let seek = |g: &mut Guest, off: i64, whence: u32| -> Result<u64, i32> {
        match g.call("fd_seek", &[i(fd), Val::I64(off), i(whence), i(0x50)]) {
            SUCCESS => Ok(g.u64_at(0x50)),
            e => Err(e),
        }
    };
    assert_eq!(seek(&mut g, 3, 0), Ok(3));
    assert_eq!(g.call("fd_tell", &[i(fd), i(0x58)]), SUCCESS);
    assert_eq!(g.u64_at(0x58), 3);
    assert_eq!(g.read_fd(fd, 2).unwrap(), b"34");
    assert_eq!(seek(&mut g, -1, 1), Ok(4));
    assert_eq!(seek(&mut g, -2, 2), Ok(8));
    assert_eq!(g.read_fd(fd, 10).unwrap(), b"89");
    assert_eq!(seek(&mut g, -1, 0), Err(EINVAL));
    assert_eq!(seek(&mut g, 0, 3), Err(EINVAL));
    assert_eq!(seek(&mut g, -100, 1), Err(EINVAL));
    // Streams and directories do not seek.
    assert_eq!(
        g.call("fd_seek", &[i(1), Val::I64(0), i(0), i(0x50)]),
        ESPIPE
    );
    assert_eq!(
        g.call("fd_seek", &[i(3), Val::I64(0), i(0), i(0x50)]),
        EBADF
    );
}

#[test]
fn append_mode_writes_at_the_end() {
    let dir = TempDir::new("append");
    std::fs::write(dir.path().join("log"), b"one\n").unwrap();
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    let fd = g.open(3, 0, "log", 0, FDFLAGS_APPEND).unwrap();
    assert_eq!(
        g.call("fd_seek", &[i(fd), Val::I64(0), i(0), i(0x50)]),
        SUCCESS
    );
    assert_eq!(g.write_fd(fd, b"two\n"), SUCCESS);
    assert_eq!(g.call("fd_fdstat_get", &[i(fd), i(0x60)]), SUCCESS);
    assert_eq!(g.read(0x62, 2), [1, 0], "fdflags report append");
    // Turning append off writes at the position again.
    assert_eq!(g.call("fd_fdstat_set_flags", &[i(fd), i(0)]), SUCCESS);
    assert_eq!(
        g.call("fd_seek", &[i(fd), Val::I64(0), i(0), i(0x50)]),
        SUCCESS
    );
    assert_eq!(g.write_fd(fd, b"ONE"), SUCCESS);
    assert_eq!(
        std::fs::read(dir.path().join("log")).unwrap(),
        b"ONE\ntwo\n"
    );
}

#[test]
fn rights_only_shrink() {
    let dir = TempDir::new("rights");
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    let fd = g.open(3, 0, "f", OFLAGS_CREAT, 0).unwrap();
    assert_eq!(g.call("fd_fdstat_get", &[i(fd), i(0x60)]), SUCCESS);
    let base = g.u64_at(0x68);
    let write = 1u64 << 6;
    assert_ne!(base & write, 0);
    let drop_write = Val::I64((base & !write) as i64);
    assert_eq!(
        g.call("fd_fdstat_set_rights", &[i(fd), drop_write, Val::I64(0)]),
        SUCCESS
    );
    assert_eq!(g.write_fd(fd, b"x"), ENOTCAPABLE);
    let all = Val::I64(base as i64);
    assert_eq!(
        g.call("fd_fdstat_set_rights", &[i(fd), all, Val::I64(0)]),
        ENOTCAPABLE
    );
}

/// Parses the dirents of an `fd_readdir` buffer: (d_next, name, d_type).
fn dirents(buf: &[u8]) -> Vec<(u64, String, u8)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 24 <= buf.len() {
        let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
        let len = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
        let ty = buf[at + 20];
        if at + 24 + len > buf.len() {
            break;
        }
        out.push((
            next,
            String::from_utf8(buf[at + 24..at + 24 + len].to_vec()).unwrap(),
            ty,
        ));
        at += 24 + len;
    }
    out
}

#[test]
fn fd_readdir_pages_with_cookies() {
    let dir = TempDir::new("readdir");
    for name in ["a", "bb", "ccc"] {
        std::fs::write(dir.path().join(name), b"").unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    let readdir = |g: &mut Guest, len: u32, cookie: u64| {
        assert_eq!(
            g.call(
                "fd_readdir",
                &[i(3), i(0x1000), i(len), Val::I64(cookie as i64), i(0x50)]
            ),
            SUCCESS
        );
        let used = g.u32_at(0x50);
        assert!(used <= len);
        (g.read(0x1000, used), used)
    };
    let (buf, used) = readdir(&mut g, 4096, 0);
    assert!(used < 4096, "everything fits");
    let all = dirents(&buf);
    let names: Vec<&str> = all.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(&names[..2], [".", ".."]);
    let mut rest: Vec<&str> = names[2..].to_vec();
    rest.sort();
    assert_eq!(rest, ["a", "bb", "ccc", "sub"]);
    assert_eq!(
        all.iter().map(|e| e.0).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert!(all.iter().all(|e| e.2
        == if matches!(e.1.as_str(), "." | ".." | "sub") {
            3
        } else {
            4
        }));
    // Resume after the third entry: the last three come back.
    let (buf, _) = readdir(&mut g, 4096, all[2].0);
    let tail: Vec<String> = dirents(&buf).into_iter().map(|e| e.1).collect();
    assert_eq!(tail, names[3..]);
    // A small buffer is filled to the brim (the last entry cut off), which
    // tells the guest there is more.
    let (buf, used) = readdir(&mut g, 30, 0);
    assert_eq!(used, 30);
    assert_eq!(dirents(&buf).len(), 1);
    // Past the end: nothing.
    assert_eq!(readdir(&mut g, 4096, 99).1, 0);
    // Only directories list.
    let f = g.open(3, 0, "a", 0, 0).unwrap();
    assert_eq!(
        g.call(
            "fd_readdir",
            &[i(f), i(0x1000), i(64), Val::I64(0), i(0x50)]
        ),
        ENOTDIR
    );
}

#[test]
fn clocks() {
    let mut g = guest(|_| {});
    let now = |g: &mut Guest, id: u32| {
        assert_eq!(
            g.call("clock_time_get", &[i(id), Val::I64(1), i(0x50)]),
            SUCCESS
        );
        g.u64_at(0x50)
    };
    let a = now(&mut g, 1);
    std::thread::sleep(std::time::Duration::from_millis(2));
    let b = now(&mut g, 1);
    assert!(b >= a + 2_000_000, "monotonic advances: {a} -> {b}");
    let wall = now(&mut g, 0);
    let host = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(wall.abs_diff(host) < 5_000_000_000);
    assert!(now(&mut g, 2) > 0, "process CPU time");
    assert!(now(&mut g, 3) > 0, "thread CPU time");
    for id in 0..4 {
        assert_eq!(g.call("clock_res_get", &[i(id), i(0x50)]), SUCCESS);
        assert!(g.u64_at(0x50) >= 1);
    }
    assert_eq!(
        g.call("clock_time_get", &[i(4), Val::I64(0), i(0x50)]),
        EINVAL
    );
    assert_eq!(
        g.call("clock_time_get", &[i(1), Val::I64(0), i(u32::MAX - 3)]),
        EFAULT
    );
}

#[test]
fn random_get_fills() {
    let mut g = guest(|_| {});
    assert_eq!(g.call("random_get", &[i(0x100), i(256)]), SUCCESS);
    let a = g.read(0x100, 256);
    assert!(a.iter().any(|&b| b != 0));
    assert_eq!(g.call("random_get", &[i(0x100), i(256)]), SUCCESS);
    assert_ne!(g.read(0x100, 256), a);
    assert_eq!(g.call("random_get", &[i(0x100), i(0)]), SUCCESS);
    assert_eq!(g.call("random_get", &[i(4 * 65536 - 10), i(11)]), EFAULT);
}

#[test]
fn poll_oneoff_clocks_and_streams() {
    let mut g = guest(|b| {
        b.stdin_bytes(b"ready".to_vec());
        b.stdout_capture();
    });
    // subscription: userdata @0, tag @8, clock {id @16, timeout @24,
    // precision @32, flags @40}; fd_readwrite {fd @16}.
    let clock = |userdata: u64, id: u32, timeout: u64, flags: u16| {
        let mut s = [0u8; 48];
        s[0..8].copy_from_slice(&userdata.to_le_bytes());
        s[16..20].copy_from_slice(&id.to_le_bytes());
        s[24..32].copy_from_slice(&timeout.to_le_bytes());
        s[40..42].copy_from_slice(&flags.to_le_bytes());
        s
    };
    let fd_sub = |userdata: u64, tag: u8, fd: u32| {
        let mut s = [0u8; 48];
        s[0..8].copy_from_slice(&userdata.to_le_bytes());
        s[8] = tag;
        s[16..20].copy_from_slice(&fd.to_le_bytes());
        s
    };
    // A relative 20ms timeout.
    g.write(0x1000, &clock(7, 1, 20_000_000, 0));
    let t = std::time::Instant::now();
    assert_eq!(
        g.call("poll_oneoff", &[i(0x1000), i(0x2000), i(1), i(0x50)]),
        SUCCESS
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(20));
    assert_eq!(g.u32_at(0x50), 1);
    assert_eq!(g.u64_at(0x2000), 7);
    assert_eq!(g.read(0x2008, 3), [0, 0, 0], "no error, clock event");
    // An absolute deadline in the past fires at once.
    g.write(0x1000, &clock(8, 1, 1, 1));
    assert_eq!(
        g.call("poll_oneoff", &[i(0x1000), i(0x2000), i(1), i(0x50)]),
        SUCCESS
    );
    assert_eq!(g.u64_at(0x2000), 8);
    // Readable stdin and writable stdout are ready before a long timeout.
    let mut subs = Vec::new();
    subs.extend(clock(1, 1, 60_000_000_000, 0));
    subs.extend(fd_sub(2, 1, 0));
    subs.extend(fd_sub(3, 2, 1));
    subs.extend(fd_sub(4, 1, 42));
    g.write(0x1000, &subs);
    assert_eq!(
        g.call("poll_oneoff", &[i(0x1000), i(0x2000), i(4), i(0x50)]),
        SUCCESS
    );
    assert_eq!(g.u32_at(0x50), 3);
    let events: Vec<(u64, u16, u8, u64)> = (0..3)
        .map(|k| {
            let e = 0x2000 + 32 * k;
            let err = u16::from_le_bytes(g.read(e + 8, 2).try_into().unwrap());
            (g.u64_at(e), err, g.read(e + 10, 1)[0], g.u64_at(e + 16))
        })
        .collect();
    assert!(
        events.contains(&(2, 0, 1, 5)),
        "stdin has 5 bytes: {events:?}"
    );
    assert!(events.contains(&(3, 0, 2, 0)), "{events:?}");
    assert!(events.contains(&(4, EBADF as u16, 1, 0)), "{events:?}");
    assert_eq!(
        g.call("poll_oneoff", &[i(0x1000), i(0x2000), i(0), i(0x50)]),
        EINVAL
    );
}

#[test]
fn sockets_are_not_granted() {
    let mut g = guest(|_| {});
    assert_eq!(g.call("sock_shutdown", &[i(1), i(1)]), ENOTSOCK);
    assert_eq!(g.call("sock_shutdown", &[i(9), i(1)]), EBADF);
    assert_eq!(g.call("sched_yield", &[]), SUCCESS);
}

#[test]
fn path_open_flags() {
    let dir = TempDir::new("open");
    std::fs::write(dir.path().join("file"), b"data").unwrap();
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    assert_eq!(g.open(3, 0, "file", OFLAGS_DIRECTORY, 0), Err(ENOTDIR));
    assert_eq!(
        g.open(3, 0, "file", OFLAGS_CREAT | OFLAGS_EXCL, 0),
        Err(EEXIST)
    );
    assert_eq!(g.open(3, 0, "missing", 0, 0), Err(ENOENT));
    assert_eq!(g.open(3, 0, "file\0", 0, 0), Err(EINVAL));
    assert_eq!(g.open(3, 0, "file", 1 << 4, 0), Err(EINVAL));
    // trunc
    let fd = g.open(3, 0, "file", 8, 0).unwrap();
    assert_eq!(g.call("fd_filestat_get", &[i(fd), i(0x100)]), SUCCESS);
    assert_eq!(g.u64_at(0x100 + 32), 0, "truncated");
    assert_eq!(g.read(0x100 + 16, 1), [4], "regular file");
    // Directories open for reading only.
    let [p, len] = g.string(SCRATCH, ".");
    let write = Val::I64(1 << 6);
    let args = [i(3), i(0), p, len, i(2), write, Val::I64(0), i(0), i(OUT)];
    assert_eq!(g.call("path_open", &args), EISDIR);
    // A file is no base for paths.
    assert_eq!(g.open(fd, 0, "x", 0, 0), Err(ENOTDIR));
    assert_eq!(g.call("fd_close", &[i(fd)]), SUCCESS);
    assert_eq!(g.call("fd_close", &[i(fd)]), EBADF);
}

#[test]
fn proc_exit_yields_i32exit() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (func (export "_start") (call $exit (i32.const 42)) unreachable))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, WasiCtx::new());
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c: &mut WasiCtx| c).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_typed_func::<(), ()>(&store, "_start").unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<I32Exit>(), Some(&I32Exit(42)));
    assert_eq!(
        err.downcast_ref::<I32Exit>().unwrap().to_string(),
        "guest exited with status 42"
    );
}

#[test]
fn a_module_without_memory_gets_a_host_error() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
            (func (export "run") (result i32) (call $r (i32.const 0) (i32.const 1))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, WasiCtx::new());
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c: &mut WasiCtx| c).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert!(err.to_string().contains("memory"), "{err}");
}

#[test]
fn preopens_are_full_directory_descriptors() {
    let dir = TempDir::new("preopen");
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), "/data").unwrap();
    });
    assert_eq!(g.call("fd_fdstat_get", &[i(3), i(0x100)]), SUCCESS);
    assert_eq!(g.read(0x100, 1), [3], "directory");
    assert_eq!(g.call("fd_sync", &[i(3)]), SUCCESS);
    let set_mtim = [i(3), Val::I64(0), Val::I64(1_000_000_000), i(4)];
    assert_eq!(g.call("fd_filestat_set_times", &set_mtim), SUCCESS);
    let meta = std::fs::metadata(dir.path()).unwrap();
    let mtime = meta.modified().unwrap();
    assert_eq!(
        mtime,
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1)
    );
    assert_eq!(
        g.call("fd_fdstat_set_flags", &[i(3), i(4)]),
        SUCCESS,
        "nonblock"
    );
    // Setting a time both explicitly and to now is invalid.
    assert_eq!(
        g.call(
            "fd_filestat_set_times",
            &[i(3), Val::I64(0), Val::I64(0), i(3)]
        ),
        EINVAL
    );
    let missing = std::env::temp_dir().join("regwasm-wasi-no-such-dir");
    let err = WasiCtxBuilder::new()
        .preopened_dir(&missing, "x")
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("regwasm-wasi-no-such-dir"),
        "{err}"
    );
}

#[test]
fn positioned_io_size_and_hints() {
    let dir = TempDir::new("pio");
    let mut g = guest(|b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    let fd = g.open(3, 0, "f", OFLAGS_CREAT, 0).unwrap();
    g.write(0x500, b"abcdef");
    g.write(0x100, &iovec(0x500, 6));
    let pwrite = [i(fd), i(0x100), i(1), Val::I64(10), i(0x50)];
    assert_eq!(g.call("fd_pwrite", &pwrite), SUCCESS);
    assert_eq!(g.u32_at(0x50), 6);
    assert_eq!(g.call("fd_tell", &[i(fd), i(0x58)]), SUCCESS);
    assert_eq!(g.u64_at(0x58), 0, "pwrite leaves the position alone");
    let mut list = Vec::new();
    list.extend(iovec(0x600, 2));
    list.extend(iovec(0x700, 10));
    g.write(0x100, &list);
    let pread = [i(fd), i(0x100), i(2), Val::I64(11), i(0x50)];
    assert_eq!(g.call("fd_pread", &pread), SUCCESS);
    assert_eq!(g.u32_at(0x50), 5);
    assert_eq!(g.read(0x600, 2), b"bc");
    assert_eq!(g.read(0x700, 3), b"def");
    assert_eq!(
        g.call("fd_filestat_set_size", &[i(fd), Val::I64(12)]),
        SUCCESS
    );
    assert_eq!(std::fs::read(dir.path().join("f")).unwrap().len(), 12);
    let allocate = [i(fd), Val::I64(0), Val::I64(100)];
    assert_eq!(g.call("fd_allocate", &allocate), SUCCESS);
    assert_eq!(std::fs::read(dir.path().join("f")).unwrap().len(), 100);
    let advise = [i(fd), Val::I64(0), Val::I64(0), i(1)];
    assert_eq!(g.call("fd_advise", &advise), SUCCESS);
    let bad_advice = [i(fd), Val::I64(0), Val::I64(0), i(6)];
    assert_eq!(g.call("fd_advise", &bad_advice), EINVAL);
    assert_eq!(g.call("fd_datasync", &[i(fd)]), SUCCESS);
    assert_eq!(g.call("fd_sync", &[i(fd)]), SUCCESS);
    // Directories and streams are not files.
    assert_eq!(g.call("fd_filestat_set_size", &[i(3), Val::I64(0)]), EISDIR);
    assert_eq!(
        g.call("fd_pread", &[i(1), i(0x100), i(1), Val::I64(0), i(0x50)]),
        ESPIPE
    );
    assert_eq!(g.call("proc_raise", &[i(9)]), 52, "ENOSYS");
    assert_eq!(g.call("sock_accept", &[i(3), i(0), i(0x50)]), ENOTSOCK);
    assert_eq!(
        g.call("sock_recv", &[i(0), i(0), i(0), i(0), i(0), i(0)]),
        ENOTSOCK
    );
    assert_eq!(g.call("sock_send", &[i(77), i(0), i(0), i(0), i(0)]), EBADF);
}
