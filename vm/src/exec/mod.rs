//! The executor: frames on one contiguous value stack, calls without
//! argument copying, and the driver that services host calls.

mod dispatch;
mod handlers;
#[cfg(feature = "pair-profile")]
pub mod pairs;

pub use dispatch::TAIL_CALL_DISPATCH;

use crate::func::{Caller, HostFn};
use crate::store::{CallTarget, FuncEntity, GlobalEntity, Store, StoreInner, NO_INSTANCE};
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
    /// A call needs the store first (its callee is untranslated or a host
    /// function, or the frame stack is full); `Cx::host_func` and
    /// `Cx::host_fp` say what to call with which arguments, and the driver
    /// makes the call.
    Call,
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
    /// Fuel left; written back to the store whenever the dispatcher exits.
    fuel: u64,
    /// The current instance's global index space (store global indices) and
    /// the store's globals, refreshed by `enter_instance`.
    inst_globals: *const u32,
    globals: *mut GlobalEntity,
    /// The current instance's function index space (store function
    /// indices) and the store's call targets, refreshed likewise.
    inst_funcs: *const u32,
    targets: *const CallTarget,
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
    /// globals and functions into the context (after a switch of instance, a
    /// host call or `memory.grow`). It makes no calls (no bounds-check
    /// panics either), so the call and return handlers that inline it need
    /// no register saves.
    #[inline(always)]
    fn enter_instance(&mut self, s: &mut St) {
        let store = self.store();
        // SAFETY: `inst` is always an instance of this store once a call has
        // entered it, and an instance's memory indices are store memories.
        let inst = unsafe { store.instances.get_unchecked(self.inst as usize) };
        self.inst_globals = inst.globals.as_ptr();
        self.globals = store.globals.as_mut_ptr();
        self.inst_funcs = inst.funcs.as_ptr();
        self.targets = store.targets.as_ptr();
        match inst.memories.first() {
            Some(&m) => {
                // SAFETY: as above.
                let data = unsafe { &mut store.memories.get_unchecked_mut(m as usize).data };
                s.mem = data.as_mut_ptr();
                s.mem_len = data.len();
            }
            None => {
                s.mem = std::ptr::NonNull::dangling().as_ptr();
                s.mem_len = 0;
            }
        }
    }

    /// The hot state saved at the last exit, to go on after the driver has
    /// served it. A call (host or not) clobbers the accumulator, as the
    /// verifier and the checker assume.
    fn resume(&mut self) -> St {
        let mut s = St {
            ip: self.ip,
            fp: self.fp,
            mem: std::ptr::null_mut(),
            mem_len: 0,
            acc: 0,
        };
        self.enter_instance(&mut s);
        s
    }

    /// Store function `index` of the current instance's function space.
    ///
    /// # Safety
    /// `index` must be a function index of the current instance's module
    /// (validation checks every `call`).
    #[inline(always)]
    pub(super) unsafe fn inst_func(&self, index: u32) -> u32 {
        *self.inst_funcs.add(index as usize)
    }

    /// The call target of store function `func`, for `call_indirect`'s type
    /// check.
    ///
    /// # Safety
    /// `func` must be a store function index.
    #[inline(always)]
    pub(super) unsafe fn target(&self, func: u32) -> &CallTarget {
        &*self.targets.add(func as usize)
    }

    /// Calls store function `func` with arguments at `fp + base`.
    ///
    /// This path makes no calls of its own (no `memset`, no `Vec` growth, no
    /// translation), so the handler needs no register saves; a call that
    /// needs any of those leaves the dispatcher with [`Exit::Call`].
    #[inline(always)]
    unsafe fn call(&mut self, s: &mut St, func: u32, base: Reg) -> Res {
        // SAFETY: `base` lies inside the caller's frame (verifier), which
        // lies inside the stack.
        self.call_at(s, func, s.fp.add(base.0 as usize))
    }

    /// [`Cx::call`] with the callee's frame at `new_fp`.
    #[inline(always)]
    unsafe fn call_at(&mut self, s: &mut St, func: u32, new_fp: *mut u64) -> Res {
        // SAFETY: `func` is a store function index (from the instance's
        // function space or a table), and `targets` is refreshed whenever the
        // store's functions may have grown (host calls).
        let t = &*self.targets.add(func as usize);
        let len = self.frames.len();
        if t.code.is_null() || len == self.frames.capacity() {
            self.host_func = func;
            self.host_fp = new_fp;
            return Err(Exit::Call);
        }
        let avail = (self.stack_end as usize - new_fp as usize) / 8;
        if len >= self.max_depth || avail < t.frame_size as usize {
            return Err(Exit::Trap(TrapCode::StackOverflow));
        }
        // SAFETY: the callee frame was just checked to fit; declared locals
        // come after the parameters and the pooled constants after the
        // locals, all below `frame_size`. Volatile stores keep LLVM from
        // turning these short loops into `memset`/`memcpy` calls.
        let mut p = new_fp.add(t.num_params as usize);
        let locals_end = new_fp.add(t.num_locals as usize);
        while p < locals_end {
            p.write_volatile(0);
            p = p.add(1);
        }
        for k in 0..t.num_consts as usize {
            locals_end.add(k).write_volatile(*t.consts.add(k));
        }
        // SAFETY: `len < capacity` was checked above.
        self.frames.as_mut_ptr().add(len).write(Frame {
            ret_ip: s.ip,
            fp: s.fp,
            inst: self.inst,
        });
        self.frames.set_len(len + 1);
        s.ip = t.code;
        s.fp = new_fp;
        if t.instance != self.inst {
            self.inst = t.instance;
            self.enter_instance(s);
        }
        Ok(())
    }

    /// Readies the call that left with [`Exit::Call`]: translates the
    /// callee and makes room for its frame. Returns false for a host
    /// function, which the driver calls itself.
    fn prepare_call(&mut self) -> Result<bool, Error> {
        let store = self.store();
        if let FuncEntity::Host { .. } = store.funcs[self.host_func as usize] {
            return Ok(false);
        }
        store.ensure_compiled(self.host_func)?;
        if self.frames.len() == self.frames.capacity() {
            self.frames.reserve(self.frames.len().max(16));
        }
        Ok(true)
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
        inst: NO_INSTANCE,
        frames,
        stack_end: stack.end,
        max_depth: store.inner.engine.config().max_call_depth,
        ip: std::ptr::null(),
        fp: std::ptr::null_mut(),
        host_func: 0,
        host_fp: std::ptr::null_mut(),
        fuel: store.inner.fuel,
        inst_globals: std::ptr::null(),
        globals: std::ptr::null_mut(),
        inst_funcs: std::ptr::null(),
        targets: store.inner.targets.as_ptr(),
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
    // frame stack stays empty, so its return ends the run. The callee is
    // translated (above) and the frame stack has room, so the entry call
    // cannot leave for the driver.
    if cx.frames.capacity() == 0 {
        cx.frames.reserve(16);
    }
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
            Exit::Call => match cx.prepare_call() {
                Err(e) => break Err(e),
                Ok(false) => exit = Exit::Host,
                Ok(true) => {
                    let mut s = cx.resume();
                    // SAFETY: resuming the call that left: `host_fp` is the
                    // callee frame it computed, and the saved state is the
                    // caller's after the call instruction.
                    exit = match unsafe { cx.call_at(&mut s, cx.host_func, cx.host_fp) } {
                        // SAFETY: `s` now describes the callee's frame.
                        Ok(()) => unsafe { dispatch::run(&mut s, &mut cx) },
                        Err(e) => e,
                    };
                }
            },
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
                let mut s = cx.resume();
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
    // No `Arc` clone (two atomic operations per call): `hosts` only ever
    // grows, so the closure stays where it is while it runs, even if it adds
    // host functions (the vector then moves its `Arc`s, not what they own).
    let f: *const HostFn<T> = &*store.hosts[host as usize];
    // SAFETY: `f` points into an `Arc` the store keeps until it is dropped,
    // which cannot happen while `Caller` borrows it.
    let run = std::panic::AssertUnwindSafe(|| unsafe { (*f)(Caller::new(store, instance), slots) });
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
