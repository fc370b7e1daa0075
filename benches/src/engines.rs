//! One small interface over every engine the benchmarks compare.
//!
//! Each engine implements [`Runtime`] (compile a module), [`Compiled`]
//! (instantiate it with the host imports a workload needs) and [`Instance`]
//! (look up exports, call them with plain values, touch linear memory, run a
//! WASI command). The trait objects cost a virtual call per Wasm call, the
//! same for every engine, and nothing inside the guest.
//!
//! Host functions are the same for every engine: the same closures over the
//! same [`State`], registered with each engine's own typed `func_wrap`
//! (all of them take 16 parameters).

use anyhow::{anyhow, bail, Context, Result};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A Wasm value, floats as bit patterns (so results compare exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
}

impl V {
    pub fn f32(x: f32) -> V {
        V::F32(x.to_bits())
    }
    pub fn f64(x: f64) -> V {
        V::F64(x.to_bits())
    }
}

/// Host imports a workload needs; every engine provides them identically.
#[derive(Clone, Debug)]
pub enum Host {
    /// No imports.
    None,
    /// `env.clock_ms: () -> i64`, milliseconds since the instance was made
    /// (CoreMark's clock).
    ClockMs,
    /// Every imported function defined as a no-op of the right type (for
    /// translation benchmarks: the module is instantiated, never run).
    Stubs,
    /// `benchmark.host/{0,1,8,16}`: identity functions over 0, 1, 8 and 16
    /// `i64`s that count their calls ([`Instance::host_calls`]).
    HostCalls,
    /// `provider.*`: the exports of this (binary) module, instantiated first
    /// in the same store.
    Provider(Arc<Vec<u8>>),
    /// WASI preview 1 plus no-op-like `bench.start`/`bench.end` (they record
    /// the time between them, see [`Instance::bench_time`]) and
    /// [`CLOCK_SHIM_MODULE`]`.clock_time_get`.
    Wasi(Arc<WasiSpec>),
}

/// How a WASI command is run.
#[derive(Clone, Debug, Default)]
pub struct WasiSpec {
    /// `argv`, including `argv[0]`.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// `(host directory, guest path)`.
    pub preopens: Vec<(PathBuf, String)>,
    /// Bytes on stdin (empty if `None`).
    pub stdin: Option<Vec<u8>>,
}

/// Module name of the `clock_time_get` shim every engine defines for WASI
/// hosts. It has the length of `wasi_snapshot_preview1`, so a module's import
/// can be renamed in place (see `workloads`): wasi-common, under both
/// wasmi_wasi versions, has no process CPU-time clock, which CoreMark needs.
pub const CLOCK_SHIM_MODULE: &str = "regwasm_benches_clock1";

/// How function bodies are translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Translation {
    /// Everything at `Module::new`.
    Eager,
    /// Validated at `Module::new`, translated on first call (regwasm's and
    /// wasmi 2's default).
    Lazy,
}

/// An engine under test.
pub trait Runtime {
    /// Display name, e.g. `regwasm (portable)`.
    fn name(&self) -> String;
    /// Whether [`Translation::Lazy`] means anything for this engine.
    fn supports_lazy(&self) -> bool;
    /// `Module::new` on a binary module.
    fn compile(&self, wasm: &[u8], mode: Translation) -> Result<Box<dyn Compiled>>;
}

/// A compiled module.
pub trait Compiled {
    /// Instantiates the module (and runs its start function) with `host`.
    fn instantiate(&self, host: &Host) -> Result<Box<dyn Instance>>;
}

/// An instance, with the store it lives in.
pub trait Instance {
    /// Resolves an exported function to a handle for [`Instance::call`].
    fn func(&mut self, name: &str) -> Result<usize>;
    /// Calls a function found with [`Instance::func`].
    fn call(&mut self, func: usize, args: &[V]) -> Result<Vec<V>>;
    /// The bytes of the exported memory `name`.
    fn memory(&mut self, name: &str) -> Result<&mut [u8]>;
    /// Grows the exported memory `name` by `pages`.
    fn grow(&mut self, name: &str, pages: u32) -> Result<()>;
    /// Runs a WASI command's `_start`: its exit status (0 if `_start`
    /// returns), or the trap.
    fn run_command(&mut self) -> Result<i32>;
    /// What the host functions saw so far (host calls, bench regions).
    fn state(&self) -> State;
    /// The captured stdout and stderr of a WASI instance (call once, after
    /// [`Instance::run_command`]).
    fn take_output(&mut self) -> Result<(Vec<u8>, Vec<u8>)>;

    /// Looks up and calls `name` in one go.
    fn invoke(&mut self, name: &str, args: &[V]) -> Result<Vec<V>> {
        let f = self.func(name)?;
        self.call(f, args)
            .with_context(|| format!("calling `{name}`"))
    }
}

/// Every engine this build can run, in report order.
pub fn all() -> Vec<Box<dyn Runtime>> {
    #[allow(unused_mut)]
    let mut v: Vec<Box<dyn Runtime>> =
        vec![Box::new(Regwasm), Box::new(Wasmi2), Box::new(Wasmi031)];
    #[cfg(feature = "stitch")]
    v.push(Box::new(Stitch));
    #[cfg(feature = "wasmtime")]
    v.push(Box::new(Wasmtime));
    v
}

/// Stack and recursion limits generous enough for every workload
/// (`is_even(50000)` recurses 50,000 frames deep), the same for all engines.
const MAX_DEPTH: usize = 1 << 20;
const MAX_STACK_SLOTS: usize = 1 << 24;

// ---------------------------------------------------------------- host state

/// What host functions record, the same for every engine.
#[derive(Clone, Debug)]
pub struct State {
    /// When the instance was made (`env.clock_ms`).
    pub created: Instant,
    /// Calls of `benchmark.host/*`.
    pub host_calls: u64,
    /// Open `bench.start`, if any.
    bench_started: Option<Instant>,
    /// Total time between `bench.start` and `bench.end`.
    pub bench_time: Duration,
    /// Number of closed `bench.start`/`bench.end` regions.
    pub bench_regions: u32,
}

impl Default for State {
    fn default() -> Self {
        State {
            created: Instant::now(),
            host_calls: 0,
            bench_started: None,
            bench_time: Duration::ZERO,
            bench_regions: 0,
        }
    }
}

impl State {
    fn clock_ms(&self) -> i64 {
        self.created.elapsed().as_millis() as i64
    }
    fn bench_start(&mut self) {
        self.bench_started = Some(Instant::now());
    }
    fn bench_end(&mut self) {
        if let Some(t) = self.bench_started.take() {
            self.bench_time += t.elapsed();
            self.bench_regions += 1;
        }
    }
}

/// The store data of every engine: the shared [`State`] and the engine's
/// own WASI context, if the workload uses WASI.
pub struct Data<W> {
    state: State,
    wasi: Option<W>,
}

impl<W> Data<W> {
    fn new(wasi: Option<W>) -> Self {
        Data {
            state: State::default(),
            wasi,
        }
    }
    fn wasi(&mut self) -> &mut W {
        self.wasi
            .as_mut()
            .expect("WASI functions are only linked when a WASI context exists")
    }
}

/// `clock_time_get` for the shim: nanoseconds of clock `id` (0 realtime,
/// 1 monotonic, 2 process CPU time, 3 thread CPU time), or a WASI errno.
fn clock_nanos(id: i32) -> Result<u64, i32> {
    use rustix::time::{clock_gettime, ClockId};
    const EINVAL: i32 = 28;
    let clock = match id {
        0 => ClockId::Realtime,
        1 => ClockId::Monotonic,
        2 => ClockId::ProcessCPUTime,
        3 => ClockId::ThreadCPUTime,
        _ => return Err(EINVAL),
    };
    let t = clock_gettime(clock);
    Ok(t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
}

const EFAULT: i32 = 21;

/// `Ok(status)` for a `proc_exit` error, else the error itself.
fn exit_status<E>(r: Result<(), E>, status: impl Fn(&E) -> Option<i32>) -> Result<i32, E> {
    match r {
        Ok(()) => Ok(0),
        Err(e) => status(&e).ok_or(e),
    }
}

/// Defines `benchmark.host/{0,1,8,16}` on a linker whose `func_wrap` takes
/// closures over a `Caller` with `data_mut()` and returns `Result<&mut
/// Linker, E>` (wasmi 2, wasmi 0.31, wasmtime): identity functions that
/// count their calls in [`State::host_calls`].
macro_rules! define_host_calls {
    ($linker:expr, $C:ty) => {
        $linker
            .func_wrap("benchmark", "host/0", |mut c: $C| {
                c.data_mut().state.host_calls += 1;
            })?
            .func_wrap("benchmark", "host/1", |mut c: $C, a: i64| {
                c.data_mut().state.host_calls += 1;
                a
            })?
            .func_wrap(
                "benchmark",
                "host/8",
                |mut c: $C, a: i64, b: i64, d: i64, e: i64, f: i64, g: i64, h: i64, i: i64| {
                    c.data_mut().state.host_calls += 1;
                    (a, b, d, e, f, g, h, i)
                },
            )?
            .func_wrap(
                "benchmark",
                "host/16",
                |mut c: $C,
                 a0: i64,
                 a1: i64,
                 a2: i64,
                 a3: i64,
                 a4: i64,
                 a5: i64,
                 a6: i64,
                 a7: i64,
                 a8: i64,
                 a9: i64,
                 a10: i64,
                 a11: i64,
                 a12: i64,
                 a13: i64,
                 a14: i64,
                 a15: i64| {
                    c.data_mut().state.host_calls += 1;
                    (
                        a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15,
                    )
                },
            )?
    };
}

/// Defines `bench.start`, `bench.end` and [`CLOCK_SHIM_MODULE`]`
/// .clock_time_get` on the same kind of linker as [`define_host_calls`]
/// (the `Caller` also needs `get_export(..).and_then(into_memory)`).
macro_rules! define_wasi_extras {
    ($linker:expr, $C:ty) => {
        $linker
            .func_wrap("bench", "start", |mut c: $C| {
                c.data_mut().state.bench_start()
            })?
            .func_wrap("bench", "end", |mut c: $C| c.data_mut().state.bench_end())?
            .func_wrap(
                CLOCK_SHIM_MODULE,
                "clock_time_get",
                |mut c: $C, id: i32, _precision: i64, out: i32| -> i32 {
                    let t = match clock_nanos(id) {
                        Ok(t) => t,
                        Err(errno) => return errno,
                    };
                    let Some(m) = c.get_export("memory").and_then(|e| e.into_memory()) else {
                        return EFAULT;
                    };
                    match m.write(&mut c, out as u32 as usize, &t.to_le_bytes()) {
                        Ok(()) => 0,
                        Err(_) => EFAULT,
                    }
                },
            )?
    };
}

// ---------------------------------------------------------------- regwasm

pub struct Regwasm;

struct RegwasmModule(regwasm::Module);

type RegwasmData = Data<regwasm_wasi::WasiCtx>;

struct RegwasmInstance {
    store: regwasm::Store<RegwasmData>,
    instance: regwasm::Instance,
    funcs: Vec<(regwasm::Func, usize)>,
    output: Option<(regwasm_wasi::OutputBuffer, regwasm_wasi::OutputBuffer)>,
}

fn rerr(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

impl Runtime for Regwasm {
    fn name(&self) -> String {
        if regwasm::TAIL_CALL_DISPATCH {
            "regwasm".into()
        } else {
            "regwasm (portable)".into()
        }
    }
    fn supports_lazy(&self) -> bool {
        true
    }
    fn compile(&self, wasm: &[u8], mode: Translation) -> Result<Box<dyn Compiled>> {
        let mut config = regwasm::Config::new();
        config
            .eager_translation(mode == Translation::Eager)
            .max_call_depth(MAX_DEPTH)
            .max_value_stack(MAX_STACK_SLOTS);
        let engine = regwasm::Engine::new(&config);
        let module = regwasm::Module::new(&engine, wasm).map_err(rerr)?;
        Ok(Box::new(RegwasmModule(module)))
    }
}

impl Compiled for RegwasmModule {
    fn instantiate(&self, host: &Host) -> Result<Box<dyn Instance>> {
        use regwasm::Caller;
        type C<'a> = Caller<'a, RegwasmData>;
        let engine = self.0.engine();
        let mut linker = regwasm::Linker::<RegwasmData>::new(engine);
        let mut output = None;
        let mut wasi = None;
        match host {
            Host::None => {}
            Host::ClockMs => {
                linker
                    .func_wrap("env", "clock_ms", |c: C| c.data().state.clock_ms())
                    .map_err(rerr)?;
            }
            Host::Stubs => {
                for (module, name, ty) in self.0.imports() {
                    if let regwasm::ExternType::Func(ty) = ty {
                        linker
                            .func_new(module, name, ty, |_, _, _| Ok(()))
                            .map_err(rerr)?;
                    }
                }
            }
            Host::HostCalls => {
                let define = |linker: &mut regwasm::Linker<RegwasmData>| {
                    define_host_calls!(linker, C);
                    Ok::<_, regwasm::Error>(())
                };
                define(&mut linker).map_err(rerr)?;
            }
            Host::Provider(_) => {}
            Host::Wasi(spec) => {
                let mut b = regwasm_wasi::WasiCtxBuilder::new();
                b.args(&spec.args);
                for (k, v) in &spec.env {
                    b.env(k, v);
                }
                for (dir, guest) in &spec.preopens {
                    b.preopened_dir(dir, guest)?;
                }
                b.stdin_bytes(spec.stdin.clone().unwrap_or_default());
                output = Some((b.stdout_capture(), b.stderr_capture()));
                wasi = Some(b.build());
                regwasm_wasi::add_to_linker(&mut linker, RegwasmData::wasi).map_err(rerr)?;
                linker
                    .func_wrap("bench", "start", |mut c: C| {
                        c.data_mut().state.bench_start()
                    })
                    .map_err(rerr)?
                    .func_wrap("bench", "end", |mut c: C| c.data_mut().state.bench_end())
                    .map_err(rerr)?
                    .func_wrap(
                        CLOCK_SHIM_MODULE,
                        "clock_time_get",
                        |mut c: C, id: i32, _precision: i64, out: i32| -> i32 {
                            let t = match clock_nanos(id) {
                                Ok(t) => t,
                                Err(errno) => return errno,
                            };
                            let Some(regwasm::Extern::Memory(m)) = c.get_export("memory") else {
                                return EFAULT;
                            };
                            match m.write(&mut c, out as u32 as usize, &t.to_le_bytes()) {
                                Ok(()) => 0,
                                Err(_) => EFAULT,
                            }
                        },
                    )
                    .map_err(rerr)?;
            }
        }
        let mut store = regwasm::Store::new(engine, Data::new(wasi));
        if let Host::Provider(wasm) = host {
            let provider = regwasm::Module::new(engine, &wasm[..]).map_err(rerr)?;
            let inst = linker.instantiate(&mut store, &provider).map_err(rerr)?;
            linker
                .instance(&mut store, "provider", inst)
                .map_err(rerr)?;
        }
        let instance = linker.instantiate(&mut store, &self.0).map_err(rerr)?;
        Ok(Box::new(RegwasmInstance {
            store,
            instance,
            funcs: Vec::new(),
            output,
        }))
    }
}

impl Instance for RegwasmInstance {
    fn func(&mut self, name: &str) -> Result<usize> {
        let f = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| anyhow!("no exported function `{name}`"))?;
        let results = f.ty(&self.store).results().len();
        self.funcs.push((f, results));
        Ok(self.funcs.len() - 1)
    }
    fn call(&mut self, func: usize, args: &[V]) -> Result<Vec<V>> {
        use regwasm::Val;
        let (f, n) = self.funcs[func];
        let args: Vec<Val> = args
            .iter()
            .map(|v| match *v {
                V::I32(x) => Val::I32(x),
                V::I64(x) => Val::I64(x),
                V::F32(x) => Val::F32(x),
                V::F64(x) => Val::F64(x),
            })
            .collect();
        let mut results = vec![Val::I32(0); n];
        f.call(&mut self.store, &args, &mut results).map_err(rerr)?;
        results
            .into_iter()
            .map(|v| match v {
                Val::I32(x) => Ok(V::I32(x)),
                Val::I64(x) => Ok(V::I64(x)),
                Val::F32(x) => Ok(V::F32(x)),
                Val::F64(x) => Ok(V::F64(x)),
                other => bail!("unsupported result {other:?}"),
            })
            .collect()
    }
    fn memory(&mut self, name: &str) -> Result<&mut [u8]> {
        let m = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
        Ok(m.data_mut(&mut self.store))
    }
    fn grow(&mut self, name: &str, pages: u32) -> Result<()> {
        let m = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
        m.grow(&mut self.store, pages).map_err(rerr)?;
        Ok(())
    }
    fn run_command(&mut self) -> Result<i32> {
        let start = self
            .instance
            .get_func(&self.store, "_start")
            .ok_or_else(|| anyhow!("no exported function `_start`"))?;
        let r = start.call(&mut self.store, &[], &mut []);
        exit_status(r, |e| {
            e.downcast_ref::<regwasm_wasi::I32Exit>().map(|x| x.0)
        })
        .map_err(rerr)
    }
    fn state(&self) -> State {
        self.store.data().state.clone()
    }
    fn take_output(&mut self) -> Result<(Vec<u8>, Vec<u8>)> {
        let (out, err) = self.output.take().context("not a WASI instance")?;
        Ok((out.contents(), err.contents()))
    }
}

// ---------------------------------------------------------------- wasmi 2.x

pub struct Wasmi2;

struct Wasmi2Module(wasmi::Module);

type Wasmi2Data = Data<wasmi_wasi::WasiCtx>;
type Wasmi2Pipe = wasmi_wasi::wasi_common::pipe::WritePipe<std::io::Cursor<Vec<u8>>>;

struct Wasmi2Instance {
    store: wasmi::Store<Wasmi2Data>,
    instance: wasmi::Instance,
    funcs: Vec<(wasmi::Func, Vec<wasmi::ValType>)>,
    output: Option<(Wasmi2Pipe, Wasmi2Pipe)>,
}

impl Runtime for Wasmi2 {
    fn name(&self) -> String {
        "wasmi 2".into()
    }
    fn supports_lazy(&self) -> bool {
        true
    }
    fn compile(&self, wasm: &[u8], mode: Translation) -> Result<Box<dyn Compiled>> {
        let mut config = wasmi::Config::default();
        config
            .compilation_mode(match mode {
                Translation::Eager => wasmi::CompilationMode::Eager,
                Translation::Lazy => wasmi::CompilationMode::LazyTranslation,
            })
            .set_max_recursion_depth(MAX_DEPTH)
            .set_max_stack_height(MAX_STACK_SLOTS)
            .wasm_tail_call(true);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm)?;
        Ok(Box::new(Wasmi2Module(module)))
    }
}

/// A wasi-common 36 context (wasmi_wasi 2's, and wasmtime's in this
/// harness) for `spec`, with stdout and stderr captured.
fn wasi_common_36_ctx(spec: &WasiSpec) -> Result<(wasmi_wasi::WasiCtx, (Wasmi2Pipe, Wasmi2Pipe))> {
    use wasmi_wasi::wasi_common::pipe::{ReadPipe, WritePipe};
    let mut b = wasmi_wasi::WasiCtxBuilder::new();
    b.args(&spec.args)?.envs(&spec.env)?;
    for (dir, guest) in &spec.preopens {
        let d = wasmi_wasi::Dir::open_ambient_dir(dir, wasmi_wasi::ambient_authority())
            .with_context(|| format!("preopen {}", dir.display()))?;
        b.preopened_dir(d, guest)?;
    }
    let (out, err) = (WritePipe::new_in_memory(), WritePipe::new_in_memory());
    b.stdin(Box::new(ReadPipe::from(
        spec.stdin.clone().unwrap_or_default(),
    )))
    .stdout(Box::new(out.clone()))
    .stderr(Box::new(err.clone()));
    Ok((b.build(), (out, err)))
}

/// The bytes of in-memory pipes whose other clones have been dropped.
fn pipe_bytes<W>(
    pipes: (
        wasmi_wasi::wasi_common::pipe::WritePipe<W>,
        wasmi_wasi::wasi_common::pipe::WritePipe<W>,
    ),
    inner: impl Fn(W) -> Vec<u8>,
) -> Result<(Vec<u8>, Vec<u8>)>
where
    W: std::io::Write,
{
    let get = |p: wasmi_wasi::wasi_common::pipe::WritePipe<W>| {
        p.try_into_inner()
            .map(&inner)
            .map_err(|_| anyhow!("pipe still shared"))
    };
    Ok((get(pipes.0)?, get(pipes.1)?))
}

impl Compiled for Wasmi2Module {
    fn instantiate(&self, host: &Host) -> Result<Box<dyn Instance>> {
        use wasmi::Caller;
        type C<'a> = Caller<'a, Wasmi2Data>;
        let engine = self.0.engine();
        let mut linker = wasmi::Linker::<Wasmi2Data>::new(engine);
        let mut output = None;
        let mut wasi = None;
        match host {
            Host::None => {}
            Host::ClockMs => {
                linker.func_wrap("env", "clock_ms", |c: C| c.data().state.clock_ms())?;
            }
            Host::Stubs => {
                for import in self.0.imports() {
                    if let Some(ty) = import.ty().func() {
                        linker.func_new(
                            import.module(),
                            import.name(),
                            ty.clone(),
                            |_, _, _| Ok(()),
                        )?;
                    }
                }
            }
            Host::HostCalls => {
                define_host_calls!(linker, C);
            }
            Host::Provider(_) => {}
            Host::Wasi(spec) => {
                let (ctx, pipes) = wasi_common_36_ctx(spec)?;
                output = Some(pipes);
                wasi = Some(ctx);
                wasmi_wasi::add_to_linker(&mut linker, Wasmi2Data::wasi)?;
                define_wasi_extras!(linker, C);
            }
        }
        let mut store = wasmi::Store::new(engine, Data::new(wasi));
        if let Host::Provider(wasm) = host {
            let provider = wasmi::Module::new(engine, &wasm[..])?;
            let inst = linker.instantiate_and_start(&mut store, &provider)?;
            linker.instance(&mut store, "provider", inst)?;
        }
        let instance = linker.instantiate_and_start(&mut store, &self.0)?;
        Ok(Box::new(Wasmi2Instance {
            store,
            instance,
            funcs: Vec::new(),
            output,
        }))
    }
}

impl Instance for Wasmi2Instance {
    fn func(&mut self, name: &str) -> Result<usize> {
        let f = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| anyhow!("no exported function `{name}`"))?;
        let results = f.ty(&self.store).results().to_vec();
        self.funcs.push((f, results));
        Ok(self.funcs.len() - 1)
    }
    fn call(&mut self, func: usize, args: &[V]) -> Result<Vec<V>> {
        use wasmi::{Val, F32, F64};
        let (f, tys) = &self.funcs[func];
        let args: Vec<Val> = args
            .iter()
            .map(|v| match *v {
                V::I32(x) => Val::I32(x),
                V::I64(x) => Val::I64(x),
                V::F32(x) => Val::F32(F32::from_bits(x)),
                V::F64(x) => Val::F64(F64::from_bits(x)),
            })
            .collect();
        let mut results: Vec<Val> = tys.iter().map(|t| Val::default_for_ty(*t)).collect();
        f.call(&mut self.store, &args, &mut results)?;
        results
            .into_iter()
            .map(|v| match v {
                Val::I32(x) => Ok(V::I32(x)),
                Val::I64(x) => Ok(V::I64(x)),
                Val::F32(x) => Ok(V::F32(x.to_bits())),
                Val::F64(x) => Ok(V::F64(x.to_bits())),
                other => bail!("unsupported result {other:?}"),
            })
            .collect()
    }
    fn memory(&mut self, name: &str) -> Result<&mut [u8]> {
        let m = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
        Ok(m.data_mut(&mut self.store))
    }
    fn grow(&mut self, name: &str, pages: u32) -> Result<()> {
        let m = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
        m.grow(&mut self.store, u64::from(pages))?;
        Ok(())
    }
    fn run_command(&mut self) -> Result<i32> {
        let start = self
            .instance
            .get_func(&self.store, "_start")
            .ok_or_else(|| anyhow!("no exported function `_start`"))?;
        let r = start.call(&mut self.store, &[], &mut []);
        Ok(exit_status(r, |e| e.i32_exit_status())?)
    }
    fn state(&self) -> State {
        self.store.data().state.clone()
    }
    fn take_output(&mut self) -> Result<(Vec<u8>, Vec<u8>)> {
        let pipes = self.output.take().context("not a WASI instance")?;
        // The context holds the other clone of each pipe.
        self.store.data_mut().wasi = None;
        pipe_bytes(pipes, |c| c.into_inner())
    }
}

// ---------------------------------------------------------------- wasmi 0.31

pub struct Wasmi031;

struct Wasmi031Module(wasmi_031::Module);

type Wasmi031Data = Data<wasmi_wasi_031::WasiCtx>;
type Wasmi031Pipe = wasi_common_2::pipe::WritePipe<std::io::Cursor<Vec<u8>>>;

struct Wasmi031Instance {
    store: wasmi_031::Store<Wasmi031Data>,
    instance: wasmi_031::Instance,
    funcs: Vec<(wasmi_031::Func, Vec<wasmi_031::core::ValueType>)>,
    output: Option<(Wasmi031Pipe, Wasmi031Pipe)>,
}

impl Runtime for Wasmi031 {
    fn name(&self) -> String {
        "wasmi 0.31".into()
    }
    fn supports_lazy(&self) -> bool {
        false
    }
    fn compile(&self, wasm: &[u8], _mode: Translation) -> Result<Box<dyn Compiled>> {
        let mut config = wasmi_031::Config::default();
        config
            .set_stack_limits(
                wasmi_031::StackLimits::new(1 << 16, MAX_STACK_SLOTS, MAX_DEPTH).map_err(rerr)?,
            )
            .wasm_tail_call(true);
        let engine = wasmi_031::Engine::new(&config);
        let module = wasmi_031::Module::new(&engine, wasm)?;
        Ok(Box::new(Wasmi031Module(module)))
    }
}

impl Compiled for Wasmi031Module {
    fn instantiate(&self, host: &Host) -> Result<Box<dyn Instance>> {
        use wasmi_031::Caller;
        type C<'a> = Caller<'a, Wasmi031Data>;
        let engine = self.0.engine();
        let mut linker = wasmi_031::Linker::<Wasmi031Data>::new(engine);
        let mut output = None;
        let mut wasi = None;
        match host {
            Host::None => {}
            Host::ClockMs => {
                linker.func_wrap("env", "clock_ms", |c: C| c.data().state.clock_ms())?;
            }
            Host::Stubs => {
                for import in self.0.imports() {
                    if let Some(ty) = import.ty().func() {
                        linker.func_new(
                            import.module(),
                            import.name(),
                            ty.clone(),
                            |_, _, _| Ok(()),
                        )?;
                    }
                }
            }
            Host::HostCalls => {
                define_host_calls!(linker, C);
            }
            Host::Provider(_) => {}
            Host::Wasi(spec) => {
                use wasi_common_2::pipe::{ReadPipe, WritePipe};
                let mut b = wasmi_wasi_031::WasiCtxBuilder::new()
                    .args(&spec.args)?
                    .envs(&spec.env)?;
                for (dir, guest) in &spec.preopens {
                    let d = wasmi_wasi_031::Dir::open_ambient_dir(
                        dir,
                        wasmi_wasi_031::ambient_authority(),
                    )
                    .with_context(|| format!("preopen {}", dir.display()))?;
                    b = b.preopened_dir(d, guest)?;
                }
                let (out, err) = (WritePipe::new_in_memory(), WritePipe::new_in_memory());
                let b = b
                    .stdin(Box::new(ReadPipe::from(
                        spec.stdin.clone().unwrap_or_default(),
                    )))
                    .stdout(Box::new(out.clone()))
                    .stderr(Box::new(err.clone()));
                output = Some((out, err));
                wasi = Some(b.build());
                wasmi_wasi_031::add_to_linker(&mut linker, Wasmi031Data::wasi)?;
                define_wasi_extras!(linker, C);
            }
        }
        let mut store = wasmi_031::Store::new(engine, Data::new(wasi));
        if let Host::Provider(wasm) = host {
            let provider = wasmi_031::Module::new(engine, &wasm[..])?;
            let inst = linker
                .instantiate(&mut store, &provider)?
                .start(&mut store)?;
            for export in inst.exports(&store).collect::<Vec<_>>() {
                let (name, item) = (export.name().to_string(), export.into_extern());
                linker.define("provider", &name, item)?;
            }
        }
        let instance = linker.instantiate(&mut store, &self.0)?.start(&mut store)?;
        Ok(Box::new(Wasmi031Instance {
            store,
            instance,
            funcs: Vec::new(),
            output,
        }))
    }
}

impl Instance for Wasmi031Instance {
    fn func(&mut self, name: &str) -> Result<usize> {
        let f = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| anyhow!("no exported function `{name}`"))?;
        let results = f.ty(&self.store).results().to_vec();
        self.funcs.push((f, results));
        Ok(self.funcs.len() - 1)
    }
    fn call(&mut self, func: usize, args: &[V]) -> Result<Vec<V>> {
        use wasmi_031::core::{F32, F64};
        use wasmi_031::Value;
        let (f, tys) = &self.funcs[func];
        let args: Vec<Value> = args
            .iter()
            .map(|v| match *v {
                V::I32(x) => Value::I32(x),
                V::I64(x) => Value::I64(x),
                V::F32(x) => Value::F32(F32::from_bits(x)),
                V::F64(x) => Value::F64(F64::from_bits(x)),
            })
            .collect();
        let mut results: Vec<Value> = tys.iter().map(|t| Value::default(*t)).collect();
        f.call(&mut self.store, &args, &mut results)?;
        results
            .into_iter()
            .map(|v| match v {
                Value::I32(x) => Ok(V::I32(x)),
                Value::I64(x) => Ok(V::I64(x)),
                Value::F32(x) => Ok(V::F32(x.to_bits())),
                Value::F64(x) => Ok(V::F64(x.to_bits())),
                other => bail!("unsupported result {other:?}"),
            })
            .collect()
    }
    fn memory(&mut self, name: &str) -> Result<&mut [u8]> {
        let m = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
        Ok(m.data_mut(&mut self.store))
    }
    fn grow(&mut self, name: &str, pages: u32) -> Result<()> {
        let m = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
        let pages = wasmi_031::core::Pages::new(pages).ok_or_else(|| anyhow!("bad pages"))?;
        m.grow(&mut self.store, pages).map_err(rerr)?;
        Ok(())
    }
    fn run_command(&mut self) -> Result<i32> {
        let start = self
            .instance
            .get_func(&self.store, "_start")
            .ok_or_else(|| anyhow!("no exported function `_start`"))?;
        let r = start.call(&mut self.store, &[], &mut []);
        Ok(exit_status(r, |e| match e {
            wasmi_031::Error::Trap(t) => t.i32_exit_status(),
            _ => None,
        })?)
    }
    fn state(&self) -> State {
        self.store.data().state.clone()
    }
    fn take_output(&mut self) -> Result<(Vec<u8>, Vec<u8>)> {
        let (out, err) = self.output.take().context("not a WASI instance")?;
        self.store.data_mut().wasi = None;
        let inner = |p: Wasmi031Pipe| {
            p.try_into_inner()
                .map(|c| c.into_inner())
                .map_err(|_| anyhow!("pipe still shared"))
        };
        Ok((inner(out)?, inner(err)?))
    }
}

// ---------------------------------------------------------------- wasmtime

/// wasmtime (Cranelift JIT), the ceiling; `--features wasmtime`. Its WASI is
/// wasi-common 36, the very crate wasmi_wasi 2 wraps.
#[cfg(feature = "wasmtime")]
pub struct Wasmtime;

#[cfg(feature = "wasmtime")]
mod wasmtime_engine {
    use super::*;
    use wasmtime::{Caller, Val, ValType};

    type D = Data<wasmi_wasi::WasiCtx>;
    type C<'a> = Caller<'a, D>;

    pub(super) struct WasmtimeModule(wasmtime::Module);

    struct WasmtimeInstance {
        store: wasmtime::Store<D>,
        instance: wasmtime::Instance,
        funcs: Vec<(wasmtime::Func, Vec<ValType>)>,
        output: Option<(Wasmi2Pipe, Wasmi2Pipe)>,
    }

    impl Runtime for Wasmtime {
        fn name(&self) -> String {
            "wasmtime".into()
        }
        fn supports_lazy(&self) -> bool {
            false
        }
        fn compile(&self, wasm: &[u8], _mode: Translation) -> Result<Box<dyn Compiled>> {
            let mut config = wasmtime::Config::new();
            // `is_even(50000)` recurses 50,000 frames deep on the host stack.
            config.max_wasm_stack(8 << 20);
            let engine = wasmtime::Engine::new(&config)?;
            let module = wasmtime::Module::new(&engine, wasm)?;
            Ok(Box::new(WasmtimeModule(module)))
        }
    }

    impl Compiled for WasmtimeModule {
        fn instantiate(&self, host: &Host) -> Result<Box<dyn Instance>> {
            let engine = self.0.engine();
            let mut linker = wasmtime::Linker::<D>::new(engine);
            let mut output = None;
            let mut wasi = None;
            match host {
                Host::None | Host::Provider(_) => {}
                Host::ClockMs => {
                    linker.func_wrap("env", "clock_ms", |c: C| c.data().state.clock_ms())?;
                }
                Host::Stubs => {
                    for import in self.0.imports() {
                        if let wasmtime::ExternType::Func(ty) = import.ty() {
                            linker.func_new(
                                import.module(),
                                import.name(),
                                ty,
                                |_, _, _| Ok(()),
                            )?;
                        }
                    }
                }
                Host::HostCalls => {
                    define_host_calls!(linker, C);
                }
                Host::Wasi(spec) => {
                    let (ctx, pipes) = wasi_common_36_ctx(spec)?;
                    output = Some(pipes);
                    wasi = Some(ctx);
                    wasi_common_36::sync::add_to_linker(&mut linker, D::wasi)?;
                    define_wasi_extras!(linker, C);
                }
            }
            let mut store = wasmtime::Store::new(engine, Data::new(wasi));
            if let Host::Provider(wasm) = host {
                let provider = wasmtime::Module::new(engine, &wasm[..])?;
                let inst = linker.instantiate(&mut store, &provider)?;
                linker.instance(&mut store, "provider", inst)?;
            }
            let instance = linker.instantiate(&mut store, &self.0)?;
            Ok(Box::new(WasmtimeInstance {
                store,
                instance,
                funcs: Vec::new(),
                output,
            }))
        }
    }

    impl Instance for WasmtimeInstance {
        fn func(&mut self, name: &str) -> Result<usize> {
            let f = self
                .instance
                .get_func(&mut self.store, name)
                .ok_or_else(|| anyhow!("no exported function `{name}`"))?;
            let results = f.ty(&self.store).results().collect();
            self.funcs.push((f, results));
            Ok(self.funcs.len() - 1)
        }
        fn call(&mut self, func: usize, args: &[V]) -> Result<Vec<V>> {
            let (f, tys) = &self.funcs[func];
            let args: Vec<Val> = args
                .iter()
                .map(|v| match *v {
                    V::I32(x) => Val::I32(x),
                    V::I64(x) => Val::I64(x),
                    V::F32(x) => Val::F32(x),
                    V::F64(x) => Val::F64(x),
                })
                .collect();
            let mut results: Vec<Val> = tys.iter().map(|_| Val::I32(0)).collect();
            f.call(&mut self.store, &args, &mut results)?;
            results
                .into_iter()
                .map(|v| match v {
                    Val::I32(x) => Ok(V::I32(x)),
                    Val::I64(x) => Ok(V::I64(x)),
                    Val::F32(x) => Ok(V::F32(x)),
                    Val::F64(x) => Ok(V::F64(x)),
                    other => bail!("unsupported result {other:?}"),
                })
                .collect()
        }
        fn memory(&mut self, name: &str) -> Result<&mut [u8]> {
            let m = self
                .instance
                .get_memory(&mut self.store, name)
                .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
            Ok(m.data_mut(&mut self.store))
        }
        fn grow(&mut self, name: &str, pages: u32) -> Result<()> {
            let m = self
                .instance
                .get_memory(&mut self.store, name)
                .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
            m.grow(&mut self.store, u64::from(pages))?;
            Ok(())
        }
        fn run_command(&mut self) -> Result<i32> {
            let start = self
                .instance
                .get_func(&mut self.store, "_start")
                .ok_or_else(|| anyhow!("no exported function `_start`"))?;
            let r = start.call(&mut self.store, &[], &mut []);
            exit_status(r, |e| {
                e.downcast_ref::<wasi_common_36::I32Exit>().map(|x| x.0)
            })
        }
        fn state(&self) -> State {
            self.store.data().state.clone()
        }
        fn take_output(&mut self) -> Result<(Vec<u8>, Vec<u8>)> {
            let pipes = self.output.take().context("not a WASI instance")?;
            self.store.data_mut().wasi = None;
            pipe_bytes(pipes, |c| c.into_inner())
        }
    }
}

// ---------------------------------------------------------------- makepad-stitch

/// makepad-stitch 0.1 (threaded-code interpreter relying on sibling-call
/// optimization); `--features stitch`. It has no WASI, and its host
/// functions see no store data, so they count calls through an atomic.
#[cfg(feature = "stitch")]
pub struct Stitch;

#[cfg(feature = "stitch")]
mod stitch_engine {
    use super::*;
    use makepad_stitch as ms;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    pub(super) struct StitchModule(ms::Module, ms::Engine);

    struct StitchInstance {
        store: ms::Store,
        instance: ms::Instance,
        funcs: Vec<(ms::Func, Vec<ms::ValType>)>,
        created: Instant,
        host_calls: Arc<AtomicU64>,
    }

    fn serr(e: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{e}")
    }

    /// stitch 0.1 panics on some modules it accepts (e.g. an index out of
    /// bounds while compiling regex-redux); report that as an error.
    fn guard<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(anyhow!("makepad-stitch panicked: {msg}"))
        })
    }

    impl Runtime for Stitch {
        fn name(&self) -> String {
            "stitch".into()
        }
        fn supports_lazy(&self) -> bool {
            false
        }
        fn compile(&self, wasm: &[u8], _mode: Translation) -> Result<Box<dyn Compiled>> {
            let engine = ms::Engine::new();
            let module = guard(|| ms::Module::new(&engine, wasm).map_err(serr))?;
            Ok(Box::new(StitchModule(module, engine)))
        }
    }

    impl Compiled for StitchModule {
        fn instantiate(&self, host: &Host) -> Result<Box<dyn Instance>> {
            let mut store = ms::Store::new(self.1.clone());
            let mut linker = ms::Linker::new();
            let created = Instant::now();
            let host_calls = Arc::new(AtomicU64::new(0));
            match host {
                Host::None => {}
                Host::ClockMs => {
                    let f =
                        ms::Func::wrap(&mut store, move || created.elapsed().as_millis() as i64);
                    linker.define("env", "clock_ms", f);
                }
                Host::Stubs => {
                    for ((module, name), ty) in self.0.imports() {
                        if let ms::ExternType::Func(ty) = ty {
                            bail!(
                                "stitch: no untyped host functions to stub {module}.{name}: {ty:?}"
                            );
                        }
                    }
                }
                Host::HostCalls => {
                    let n = host_calls.clone();
                    let f = ms::Func::wrap(&mut store, move || {
                        n.fetch_add(1, Relaxed);
                    });
                    linker.define("benchmark", "host/0", f);
                    let n = host_calls.clone();
                    let f = ms::Func::wrap(&mut store, move |a: i64| {
                        n.fetch_add(1, Relaxed);
                        a
                    });
                    linker.define("benchmark", "host/1", f);
                    let n = host_calls.clone();
                    let f = ms::Func::wrap(
                        &mut store,
                        move |a: i64, b: i64, d: i64, e: i64, f: i64, g: i64, h: i64, i: i64| {
                            n.fetch_add(1, Relaxed);
                            (a, b, d, e, f, g, h, i)
                        },
                    );
                    linker.define("benchmark", "host/8", f);
                    let n = host_calls.clone();
                    let f = ms::Func::wrap(
                        &mut store,
                        move |a0: i64,
                              a1: i64,
                              a2: i64,
                              a3: i64,
                              a4: i64,
                              a5: i64,
                              a6: i64,
                              a7: i64,
                              a8: i64,
                              a9: i64,
                              a10: i64,
                              a11: i64,
                              a12: i64,
                              a13: i64,
                              a14: i64,
                              a15: i64| {
                            n.fetch_add(1, Relaxed);
                            (
                                a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14,
                                a15,
                            )
                        },
                    );
                    linker.define("benchmark", "host/16", f);
                }
                Host::Provider(wasm) => {
                    let provider = ms::Module::new(&self.1, &wasm[..]).map_err(serr)?;
                    let inst = linker.instantiate(&mut store, &provider).map_err(serr)?;
                    let exports: Vec<(String, ms::ExternVal)> = inst
                        .exports()
                        .map(|(name, val)| (name.to_string(), val))
                        .collect();
                    for (name, val) in exports {
                        linker.define("provider", &name, val);
                    }
                }
                Host::Wasi(_) => bail!("makepad-stitch has no WASI"),
            }
            let instance = guard(|| linker.instantiate(&mut store, &self.0).map_err(serr))?;
            Ok(Box::new(StitchInstance {
                store,
                instance,
                funcs: Vec::new(),
                created,
                host_calls,
            }))
        }
    }

    impl Instance for StitchInstance {
        fn func(&mut self, name: &str) -> Result<usize> {
            let f = self
                .instance
                .exported_func(name)
                .ok_or_else(|| anyhow!("no exported function `{name}`"))?;
            let results = f.type_(&self.store).results().to_vec();
            self.funcs.push((f, results));
            Ok(self.funcs.len() - 1)
        }
        fn call(&mut self, func: usize, args: &[V]) -> Result<Vec<V>> {
            use ms::Val;
            let (f, tys) = &self.funcs[func];
            let args: Vec<Val> = args
                .iter()
                .map(|v| match *v {
                    V::I32(x) => Val::I32(x),
                    V::I64(x) => Val::I64(x),
                    V::F32(x) => Val::F32(f32::from_bits(x)),
                    V::F64(x) => Val::F64(f64::from_bits(x)),
                })
                .collect();
            let mut results: Vec<Val> = tys.iter().map(|t| Val::default(*t)).collect();
            let store = &mut self.store;
            guard(|| f.call(store, &args, &mut results).map_err(serr))?;
            results
                .into_iter()
                .map(|v| match v {
                    Val::I32(x) => Ok(V::I32(x)),
                    Val::I64(x) => Ok(V::I64(x)),
                    Val::F32(x) => Ok(V::F32(x.to_bits())),
                    Val::F64(x) => Ok(V::F64(x.to_bits())),
                    other => bail!("unsupported result {other:?}"),
                })
                .collect()
        }
        fn memory(&mut self, name: &str) -> Result<&mut [u8]> {
            let m = self
                .instance
                .exported_mem(name)
                .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
            Ok(m.bytes_mut(&mut self.store))
        }
        fn grow(&mut self, name: &str, pages: u32) -> Result<()> {
            let m = self
                .instance
                .exported_mem(name)
                .ok_or_else(|| anyhow!("no exported memory `{name}`"))?;
            m.grow(&mut self.store, pages).map_err(serr)?;
            Ok(())
        }
        fn run_command(&mut self) -> Result<i32> {
            bail!("makepad-stitch has no WASI")
        }
        fn state(&self) -> State {
            State {
                created: self.created,
                host_calls: self.host_calls.load(Relaxed),
                ..State::default()
            }
        }
        fn take_output(&mut self) -> Result<(Vec<u8>, Vec<u8>)> {
            bail!("makepad-stitch has no WASI")
        }
    }
}
