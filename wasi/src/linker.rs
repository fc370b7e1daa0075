//! Binds the host functions to the `wasi_snapshot_preview1` imports.
//!
//! Each import is a typed closure: it finds the calling instance's
//! `memory` export once, splits the store into guest memory and host data,
//! and runs the function, whose errno becomes the i32 result.

use crate::ctx::WasiCtx;
use crate::errno::WasiResult;
use crate::funcs::{args, clock, fd, io, path, poll, proc, random, readdir, sock};
use crate::memory::GuestMemory;
use crate::I32Exit;
use regwasm::{Caller, Error, Extern, FuncType, Linker, Memory, Val, ValType};

const MODULE: &str = "wasi_snapshot_preview1";

fn errno(r: WasiResult) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.0 as i32,
    }
}

/// The calling instance's exported memory; WASI commands and reactors must
/// export one named `memory`.
fn guest_memory<T>(caller: &Caller<'_, T>) -> Result<Memory, Error> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::host("WASI: the calling module exports no memory named \"memory\""))
}

/// Defines a function that reads or writes guest memory.
macro_rules! with_memory {
    ($linker:ident, $get:ident, $name:ident => $func:path, ($($arg:ident: $ty:ty),*)) => {
        $linker.func_wrap(
            MODULE,
            stringify!($name),
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<i32, Error> {
                let memory = guest_memory(&caller)?;
                let (bytes, data) = memory.data_and_store_mut(&mut caller);
                let mut mem = GuestMemory::new(bytes);
                Ok(errno($func($get(data), &mut mem, $($arg),*)))
            },
        )?;
    };
}

/// Defines a function that only needs the context.
macro_rules! ctx_only {
    ($linker:ident, $get:ident, $name:ident => $func:path, ($($arg:ident: $ty:ty),*)) => {
        $linker.func_wrap(
            MODULE,
            stringify!($name),
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> i32 {
                errno($func($get(caller.data_mut()), $($arg),*))
            },
        )?;
    };
}

pub(crate) fn add<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<(), Error> {
    with_memory!(linker, get, args_get => args::args_get, (argv: u32, buf: u32));
    with_memory!(linker, get, args_sizes_get => args::args_sizes_get, (argc: u32, size: u32));
    with_memory!(linker, get, environ_get => args::environ_get, (environ: u32, buf: u32));
    with_memory!(linker, get, environ_sizes_get => args::environ_sizes_get, (count: u32, size: u32));
    with_memory!(linker, get, clock_res_get => clock::clock_res_get, (id: u32, res: u32));
    with_memory!(linker, get, clock_time_get => clock::clock_time_get, (id: u32, precision: u64, time: u32));
    with_memory!(linker, get, random_get => random::random_get, (buf: u32, len: u32));

    ctx_only!(linker, get, fd_advise => fd::fd_advise, (fd: u32, offset: u64, len: u64, advice: u32));
    ctx_only!(linker, get, fd_allocate => fd::fd_allocate, (fd: u32, offset: u64, len: u64));
    ctx_only!(linker, get, fd_close => fd::fd_close, (fd: u32));
    ctx_only!(linker, get, fd_datasync => fd::fd_datasync, (fd: u32));
    with_memory!(linker, get, fd_fdstat_get => fd::fd_fdstat_get, (fd: u32, out: u32));
    ctx_only!(linker, get, fd_fdstat_set_flags => fd::fd_fdstat_set_flags, (fd: u32, flags: u32));
    ctx_only!(linker, get, fd_fdstat_set_rights => fd::fd_fdstat_set_rights, (fd: u32, base: u64, inheriting: u64));
    with_memory!(linker, get, fd_filestat_get => fd::fd_filestat_get, (fd: u32, out: u32));
    ctx_only!(linker, get, fd_filestat_set_size => fd::fd_filestat_set_size, (fd: u32, size: u64));
    ctx_only!(linker, get, fd_filestat_set_times => fd::fd_filestat_set_times, (fd: u32, atim: u64, mtim: u64, flags: u32));
    with_memory!(linker, get, fd_pread => io::fd_pread, (fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32));
    with_memory!(linker, get, fd_prestat_get => fd::fd_prestat_get, (fd: u32, out: u32));
    with_memory!(linker, get, fd_prestat_dir_name => fd::fd_prestat_dir_name, (fd: u32, path: u32, len: u32));
    with_memory!(linker, get, fd_pwrite => io::fd_pwrite, (fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32));
    with_memory!(linker, get, fd_read => io::fd_read, (fd: u32, iovs: u32, iovs_len: u32, nread: u32));
    with_memory!(linker, get, fd_readdir => readdir::fd_readdir, (fd: u32, buf: u32, len: u32, cookie: u64, bufused: u32));
    ctx_only!(linker, get, fd_renumber => fd::fd_renumber, (fd: u32, to: u32));
    with_memory!(linker, get, fd_seek => io::fd_seek, (fd: u32, offset: i64, whence: u32, newoffset: u32));
    ctx_only!(linker, get, fd_sync => fd::fd_sync, (fd: u32));
    with_memory!(linker, get, fd_tell => io::fd_tell, (fd: u32, out: u32));
    with_memory!(linker, get, fd_write => io::fd_write, (fd: u32, iovs: u32, iovs_len: u32, nwritten: u32));

    with_memory!(linker, get, path_create_directory => path::path_create_directory, (fd: u32, p: u32, len: u32));
    with_memory!(linker, get, path_filestat_get => path::path_filestat_get, (fd: u32, flags: u32, p: u32, len: u32, out: u32));
    with_memory!(linker, get, path_filestat_set_times => path::path_filestat_set_times,
        (fd: u32, flags: u32, p: u32, len: u32, atim: u64, mtim: u64, fst: u32));
    with_memory!(linker, get, path_link => path::path_link,
        (old_fd: u32, old_flags: u32, old_p: u32, old_len: u32, new_fd: u32, new_p: u32, new_len: u32));
    add_path_open(linker, get)?;
    with_memory!(linker, get, path_readlink => path::path_readlink,
        (fd: u32, p: u32, len: u32, buf: u32, buf_len: u32, bufused: u32));
    with_memory!(linker, get, path_remove_directory => path::path_remove_directory, (fd: u32, p: u32, len: u32));
    with_memory!(linker, get, path_rename => path::path_rename,
        (fd: u32, old_p: u32, old_len: u32, new_fd: u32, new_p: u32, new_len: u32));
    with_memory!(linker, get, path_symlink => path::path_symlink,
        (old_p: u32, old_len: u32, fd: u32, new_p: u32, new_len: u32));
    with_memory!(linker, get, path_unlink_file => path::path_unlink_file, (fd: u32, p: u32, len: u32));

    with_memory!(linker, get, poll_oneoff => poll::poll_oneoff, (subs: u32, events: u32, nsubs: u32, nevents: u32));
    linker.func_wrap(MODULE, "proc_exit", |code: u32| -> Result<(), Error> {
        Err(Error::host(I32Exit(code as i32)))
    })?;
    linker.func_wrap(MODULE, "proc_raise", |sig: u32| {
        errno(proc::proc_raise(sig))
    })?;
    linker.func_wrap(MODULE, "sched_yield", || errno(proc::sched_yield()))?;

    linker.func_wrap(
        MODULE,
        "sock_accept",
        move |mut caller: Caller<'_, T>, fd: u32, flags: u32, _result: u32| {
            errno(sock::sock_accept(get(caller.data_mut()), fd, flags))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "sock_recv",
        move |mut caller: Caller<'_, T>,
              fd: u32,
              _ri: u32,
              _ri_len: u32,
              _flags: u32,
              _ro_len: u32,
              _ro_flags: u32| { errno(sock::sock_recv(get(caller.data_mut()), fd)) },
    )?;
    linker.func_wrap(
        MODULE,
        "sock_send",
        move |mut caller: Caller<'_, T>,
              fd: u32,
              _si: u32,
              _si_len: u32,
              _flags: u32,
              _so_len: u32| { errno(sock::sock_send(get(caller.data_mut()), fd)) },
    )?;
    ctx_only!(linker, get, sock_shutdown => sock::sock_shutdown, (fd: u32, how: u32));
    Ok(())
}

/// `path_open` has nine parameters, one more than `func_wrap` takes, so it
/// is defined over `Val`s; it is not a hot call.
fn add_path_open<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<(), Error> {
    use ValType::{I32, I64};
    let ty = FuncType::new(vec![I32, I32, I32, I32, I32, I64, I64, I32, I32], vec![I32]);
    linker.func_new(
        MODULE,
        "path_open",
        ty,
        move |mut caller, params, results| {
            let u32_at = |i: usize| params[i].i32().unwrap_or(0) as u32;
            let u64_at = |i: usize| params[i].i64().unwrap_or(0) as u64;
            let memory = guest_memory(&caller)?;
            let (bytes, data) = memory.data_and_store_mut(&mut caller);
            let mut mem = GuestMemory::new(bytes);
            let r = path::path_open(
                get(data),
                &mut mem,
                u32_at(0),
                u32_at(1),
                u32_at(2),
                u32_at(3),
                u32_at(4),
                u64_at(5),
                u64_at(6),
                u32_at(7),
                u32_at(8),
            );
            results[0] = Val::I32(errno(r));
            Ok(())
        },
    )?;
    Ok(())
}
