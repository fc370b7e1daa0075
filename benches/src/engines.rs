//! One small interface over every engine the benchmarks compare.
//!
//! Each engine implements [`Runtime`] (compile a module), [`Compiled`]
//! (instantiate it with the host imports a workload needs) and [`Instance`]
//! (look up exports, call them with plain values, touch linear memory). The
//! trait objects cost a virtual call per Wasm call, the same for every engine,
//! and nothing inside the guest.

use anyhow::{anyhow, bail, Context, Result};
use std::time::Instant;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// No imports.
    None,
    /// `env.clock_ms: () -> i64`, milliseconds since the instance was made
    /// (CoreMark's clock).
    ClockMs,
    /// Every imported function defined as a no-op of the right type (for
    /// translation benchmarks: the module is instantiated, never run).
    Stubs,
}

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
    /// Display name, e.g. `regwasm (tail-call)`.
    fn name(&self) -> String;
    /// Whether [`Translation::Lazy`] means anything for this engine.
    fn supports_lazy(&self) -> bool;
    /// `Module::new` on a binary module.
    fn compile(&self, wasm: &[u8], mode: Translation) -> Result<Box<dyn Compiled>>;
}

/// A compiled module.
pub trait Compiled {
    /// Instantiates the module (and runs its start function) with `host`.
    fn instantiate(&self, host: Host) -> Result<Box<dyn Instance>>;
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

    /// Looks up and calls `name` in one go.
    fn invoke(&mut self, name: &str, args: &[V]) -> Result<Vec<V>> {
        let f = self.func(name)?;
        self.call(f, args)
            .with_context(|| format!("calling `{name}`"))
    }
}

/// Every engine this build can run, in report order.
pub fn all() -> Vec<Box<dyn Runtime>> {
    vec![Box::new(Regwasm), Box::new(Wasmi2), Box::new(Wasmi031)]
}

/// Stack and recursion limits generous enough for every workload
/// (`is_even(50000)` recurses 50,000 frames deep), the same for all engines.
const MAX_DEPTH: usize = 1 << 20;
const MAX_STACK_SLOTS: usize = 1 << 24;

// ---------------------------------------------------------------- regwasm

pub struct Regwasm;

struct RegwasmModule(regwasm::Module);

struct RegwasmInstance {
    store: regwasm::Store<Instant>,
    instance: regwasm::Instance,
    funcs: Vec<(regwasm::Func, usize)>,
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
        let module = regwasm::Module::new(&engine, wasm).map_err(|e| anyhow!("{e}"))?;
        Ok(Box::new(RegwasmModule(module)))
    }
}

impl Compiled for RegwasmModule {
    fn instantiate(&self, host: Host) -> Result<Box<dyn Instance>> {
        let engine = self.0.engine();
        let mut store = regwasm::Store::new(engine, Instant::now());
        let mut linker = regwasm::Linker::new(engine);
        if host == Host::ClockMs {
            linker
                .func_wrap("env", "clock_ms", |c: regwasm::Caller<'_, Instant>| {
                    c.data().elapsed().as_millis() as i64
                })
                .map_err(|e| anyhow!("{e}"))?;
        }
        if host == Host::Stubs {
            for (module, name, ty) in self.0.imports() {
                if let regwasm::ExternType::Func(ty) = ty {
                    linker
                        .func_new(module, name, ty, |_, _, _| Ok(()))
                        .map_err(|e| anyhow!("{e}"))?;
                }
            }
        }
        let instance = linker
            .instantiate(&mut store, &self.0)
            .map_err(|e| anyhow!("{e}"))?;
        Ok(Box::new(RegwasmInstance {
            store,
            instance,
            funcs: Vec::new(),
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
        f.call(&mut self.store, &args, &mut results)
            .map_err(|e| anyhow!("{e}"))?;
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
        m.grow(&mut self.store, pages).map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}

// ---------------------------------------------------------------- wasmi 2.x

pub struct Wasmi2;

struct Wasmi2Module(wasmi::Module);

struct Wasmi2Instance {
    store: wasmi::Store<Instant>,
    instance: wasmi::Instance,
    funcs: Vec<(wasmi::Func, Vec<wasmi::ValType>)>,
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

impl Compiled for Wasmi2Module {
    fn instantiate(&self, host: Host) -> Result<Box<dyn Instance>> {
        let engine = self.0.engine();
        let mut store = wasmi::Store::new(engine, Instant::now());
        let mut linker = wasmi::Linker::new(engine);
        if host == Host::ClockMs {
            linker.func_wrap("env", "clock_ms", |c: wasmi::Caller<'_, Instant>| {
                c.data().elapsed().as_millis() as i64
            })?;
        }
        if host == Host::Stubs {
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
        let instance = linker.instantiate_and_start(&mut store, &self.0)?;
        Ok(Box::new(Wasmi2Instance {
            store,
            instance,
            funcs: Vec::new(),
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
}

// ---------------------------------------------------------------- wasmi 0.31

pub struct Wasmi031;

struct Wasmi031Module(wasmi_031::Module);

struct Wasmi031Instance {
    store: wasmi_031::Store<Instant>,
    instance: wasmi_031::Instance,
    funcs: Vec<(wasmi_031::Func, Vec<wasmi_031::core::ValueType>)>,
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
                wasmi_031::StackLimits::new(1 << 16, MAX_STACK_SLOTS, MAX_DEPTH)
                    .map_err(|e| anyhow!("{e}"))?,
            )
            .wasm_tail_call(true);
        let engine = wasmi_031::Engine::new(&config);
        let module = wasmi_031::Module::new(&engine, wasm)?;
        Ok(Box::new(Wasmi031Module(module)))
    }
}

impl Compiled for Wasmi031Module {
    fn instantiate(&self, host: Host) -> Result<Box<dyn Instance>> {
        let engine = self.0.engine();
        let mut store = wasmi_031::Store::new(engine, Instant::now());
        let mut linker = wasmi_031::Linker::new(engine);
        if host == Host::ClockMs {
            linker.func_wrap("env", "clock_ms", |c: wasmi_031::Caller<'_, Instant>| {
                c.data().elapsed().as_millis() as i64
            })?;
        }
        if host == Host::Stubs {
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
        let instance = linker.instantiate(&mut store, &self.0)?.start(&mut store)?;
        Ok(Box::new(Wasmi031Instance {
            store,
            instance,
            funcs: Vec::new(),
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
        m.grow(&mut self.store, pages).map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}
