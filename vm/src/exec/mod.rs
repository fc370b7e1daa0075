//! The executor: frames on one contiguous value stack, calls without
//! argument copying, and the driver that services host calls.

mod dispatch;
mod handlers;
#[cfg(feature = "pair-profile")]
pub mod pairs;

pub use dispatch::TAIL_CALL_DISPATCH;

use crate::func::Caller;
use crate::store::{FuncEntity, GlobalEntity, Store, StoreInner};
use crate::{Error, TrapCode};
use regwasm_ir::Reg;

/// The hot state every handler works on.
pub(crate) struct St {
    pub ip: *const u8,
    pub fp: *mut u64,
    pub mem: *mut u8,
    pub mem_len: usize,
    /// The accumulator ([`regwasm_ir::Reg::ACC`]): the value one instruction
    /// hands the next outside the frame.
    pub acc: u64,
}

/// Why execution left the dispatcher.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Exit {
    /// The entry function returned.
    Done,
    Trap(TrapCode),
    /// A host function must run; see `Cx::host_func`.
    Host,
    /// An error is waiting in `Cx::error`.
    Error,
}

pub(crate) type Res = Result<(), Exit>;

pub(crate) struct Frame {
    ret_ip: *const u8,
    fp: *mut u64,
    inst: u32,
}

/// Execution context of one invocation.
pub(crate) struct Cx {
    store: *mut StoreInner,
    inst: u32,
    frames: Vec<Frame>,
    stack_end: *mut u64,
    max_depth: usize,
    /// State saved at an exit, to resume after a host call.
    ip: *const u8,
    fp: *mut u64,
    host_func: u32,
    host_fp: *mut u64,
    error: Option<Error>,
    /// Fuel left; written back to the store whenever the dispatcher exits.
    fuel: u64,
    /// The current instance's global index space (store global indices) and
    /// the store's globals, refreshed by `enter_instance`.
    inst_globals: *const u32,
    globals: *mut GlobalEntity,
}

impl Cx {
    /// The store this invocation runs in.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    fn store<'a>(&self) -> &'a mut StoreInner {
        // SAFETY: `store` was taken from the `&mut StoreInner` that `invoke`
        // holds for the whole run and is refreshed after every host call;
        // handlers use the returned reference only within their own body.
        unsafe { &mut *self.store }
    }

    #[inline(always)]
    fn save(&mut self, s: &St) {
        self.ip = s.ip;
        self.fp = s.fp;
    }

    /// Loads the current instance's memory into the hot state and its
    /// globals into the context (after a switch of instance, a host call or
    /// `memory.grow`).
    #[inline(always)]
    fn enter_instance(&mut self, s: &mut St) {
        let store = self.store();
        let inst = &store.instances[self.inst as usize];
        self.inst_globals = inst.globals.as_ptr();
        self.globals = store.globals.as_mut_ptr();
        match inst.memories.first() {
            Some(&m) => {
                let data = &mut store.memories[m as usize].data;
                s.mem = data.as_mut_ptr();
                s.mem_len = data.len();
            }
            None => {
                s.mem = std::ptr::NonNull::dangling().as_ptr();
                s.mem_len = 0;
            }
        }
    }

    /// Calls store function `func` with arguments at `fp + base`.
    #[inline(always)]
    unsafe fn call(&mut self, s: &mut St, func: u32, base: Reg) -> Res {
        let store = self.store();
        match &store.funcs[func as usize] {
            FuncEntity::Wasm {
                instance,
                compiled: Some(body),
                ..
            } => {
                // SAFETY: `base` lies inside the caller's frame (verifier),
                // which lies inside the stack.
                let new_fp = s.fp.add(base.0 as usize);
                let avail = (self.stack_end as usize - new_fp as usize) / 8;
                if self.frames.len() >= self.max_depth || avail < body.frame_size as usize {
                    return Err(Exit::Trap(TrapCode::StackOverflow));
                }
                let params = body.num_params as usize;
                // SAFETY: the callee frame was just checked to fit.
                std::ptr::write_bytes(new_fp.add(params), 0, body.num_locals as usize - params);
                if !body.consts.is_empty() {
                    // SAFETY: the pooled constants' registers lie below the
                    // temporaries, inside the frame checked above.
                    std::ptr::copy_nonoverlapping(
                        body.consts.as_ptr(),
                        new_fp.add(body.num_locals as usize),
                        body.consts.len(),
                    );
                }
                self.frames.push(Frame {
                    ret_ip: s.ip,
                    fp: s.fp,
                    inst: self.inst,
                });
                s.ip = body.code.as_ptr();
                s.fp = new_fp;
                if *instance != self.inst {
                    self.inst = *instance;
                    self.enter_instance(s);
                }
                Ok(())
            }
            FuncEntity::Wasm { compiled: None, .. } => {
                if let Err(e) = store.ensure_compiled(func) {
                    self.error = Some(e);
                    return Err(Exit::Error);
                }
                self.call(s, func, base)
            }
            FuncEntity::Host { .. } => {
                self.host_func = func;
                self.host_fp = s.fp.add(base.0 as usize);
                Err(Exit::Host)
            }
        }
    }

    #[inline(always)]
    unsafe fn return_from(&mut self, s: &mut St) -> Res {
        match self.frames.pop() {
            Some(f) => {
                s.ip = f.ret_ip;
                s.fp = f.fp;
                if f.inst != self.inst {
                    self.inst = f.inst;
                    self.enter_instance(s);
                }
                Ok(())
            }
            None => Err(Exit::Done),
        }
    }
}

/// Calls store function `func`. `slots` holds the arguments on entry and
/// the results on success; its length is at least max(params, results).
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, slots: &mut [u64]) -> Result<(), Error> {
    if let FuncEntity::Host { host, .. } = store.inner.funcs[func as usize] {
        return call_host(store, host, slots, None);
    }
    store.inner.ensure_compiled(func)?;
    store.inner.ensure_stack();
    let base = store.inner.stack_top;
    let n = slots.len();
    if base + n > store.inner.stack.len() {
        return Err(TrapCode::StackOverflow.into());
    }
    store.inner.stack[base..base + n].copy_from_slice(slots);

    let inner: *mut StoreInner = &mut store.inner;
    let frames = std::mem::take(&mut store.inner.frames_pool);
    let stack = store.inner.stack.as_mut_ptr_range();
    let mut cx = Cx {
        store: inner,
        // No instance yet: the entry call below switches to the callee's.
        inst: u32::MAX,
        frames,
        stack_end: stack.end,
        max_depth: store.inner.engine.config().max_call_depth,
        ip: std::ptr::null(),
        fp: std::ptr::null_mut(),
        host_func: 0,
        host_fp: std::ptr::null_mut(),
        error: None,
        fuel: store.inner.fuel,
        inst_globals: std::ptr::null(),
        globals: std::ptr::null_mut(),
    };
    // SAFETY: `base + n` slots fit the stack (checked above).
    let entry_fp = unsafe { stack.start.add(base) };
    let mut s = St {
        ip: std::ptr::null(),
        fp: entry_fp,
        mem: std::ptr::null_mut(),
        mem_len: 0,
        acc: 0,
    };
    // Enter the function as if called from a frame at `entry_fp`; the
    // frame stack stays empty, so its return ends the run.
    // SAFETY: `base` 0 relative to `entry_fp`, inside the stack.
    let mut exit = match unsafe { cx.call(&mut s, func, Reg(0)) } {
        Ok(()) => {
            cx.frames.clear();
            // SAFETY: `s` now describes the entry function's frame.
            unsafe { dispatch::run(&mut s, &mut cx) }
        }
        Err(e) => e,
    };
    let result = loop {
        store.inner.fuel = cx.fuel;
        match exit {
            Exit::Done => break Ok(()),
            Exit::Trap(code) => break Err(Error::from(code)),
            Exit::Error => {
                break Err(cx
                    .error
                    .take()
                    .unwrap_or_else(|| Error::usage("internal error: missing error")))
            }
            Exit::Host => {
                let hf = cx.host_func;
                let offset = (cx.host_fp as usize - stack.start as usize) / 8;
                let FuncEntity::Host { host, arity, .. } = store.inner.funcs[hf as usize] else {
                    break Err(Error::usage(
                        "internal error: host exit for a wasm function",
                    ));
                };
                let (p, r) = arity;
                let m = p.max(r) as usize;
                let mut small = [0u64; 16];
                let mut large = Vec::new();
                let buf: &mut [u64] = if m <= small.len() {
                    &mut small[..m]
                } else {
                    large.resize(m, 0);
                    &mut large
                };
                buf.copy_from_slice(&store.inner.stack[offset..offset + m]);
                let saved_top = store.inner.stack_top;
                store.inner.stack_top = offset + m;
                let res = call_host(store, host, buf, Some(cx.inst));
                store.inner.stack_top = saved_top;
                if let Err(e) = res {
                    break Err(e);
                }
                store.inner.stack[offset..offset + r as usize].copy_from_slice(&buf[..r as usize]);
                cx.store = &mut store.inner;
                cx.fuel = store.inner.fuel;
                let mut s = St {
                    ip: cx.ip,
                    fp: cx.fp,
                    mem: std::ptr::null_mut(),
                    mem_len: 0,
                    // A host call clobbers the accumulator (the verifier
                    // and the checker treat every call so).
                    acc: 0,
                };
                cx.enter_instance(&mut s);
                // SAFETY: resuming the saved state after the call instruction.
                exit = unsafe { dispatch::run(&mut s, &mut cx) };
            }
        }
    };
    cx.frames.clear();
    store.inner.frames_pool = std::mem::take(&mut cx.frames);
    result?;
    slots.copy_from_slice(&store.inner.stack[base..base + n]);
    Ok(())
}

/// Runs a host function. A panic inside it becomes an error from the call,
/// so the store stays consistent and usable.
fn call_host<T>(
    store: &mut Store<T>,
    host: u32,
    slots: &mut [u64],
    instance: Option<u32>,
) -> Result<(), Error> {
    let f = store.hosts[host as usize].clone();
    let run = std::panic::AssertUnwindSafe(|| f(Caller::new(store, instance), slots));
    match std::panic::catch_unwind(run) {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Error::host(format!("host function panicked: {msg}")))
        }
    }
}

// SAFETY: a `Frame` is only meaningful while its invocation runs, which holds
// the store exclusively; frames kept in the store's pool between
// invocations are always cleared, so no pointer crosses threads in use.
unsafe impl Send for Frame {}
unsafe impl Sync for Frame {}
