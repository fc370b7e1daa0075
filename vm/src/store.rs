//! The store: owns every runtime entity and the host data.

use crate::func::HostFn;
use crate::memory::MemoryEntity;
use crate::module::Module;
use crate::table::TableEntity;
use crate::types::{FuncType, GlobalType};
use crate::{Engine, Error};
use regwasm_ir::FuncBody;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub(crate) enum FuncEntity {
    Wasm {
        instance: u32,
        module: Module,
        /// Function index within the module.
        index: u32,
        type_id: u32,
        /// Set on first call (or at instantiation with eager translation).
        compiled: Option<Arc<FuncBody>>,
    },
    Host {
        type_id: u32,
        ty: FuncType,
        /// Index into `Store::hosts`.
        host: u32,
        /// (params, results)
        arity: (u32, u32),
    },
}

/// What a call needs of a store function, flat, so the call instruction
/// reaches it with one indexed load instead of a walk through the entity.
/// `code` is null until the function is translated, and always for host
/// functions: the executor's slow path handles both.
#[derive(Clone, Copy)]
pub(crate) struct CallTarget {
    pub code: *const u8,
    pub consts: *const u64,
    pub num_consts: u32,
    pub num_params: u32,
    pub num_locals: u32,
    pub frame_size: u32,
    pub instance: u32,
    pub type_id: u32,
}

/// The `instance` of a call target, or of the executor before its entry
/// call, that belongs to no instance (a host function).
pub(crate) const NO_INSTANCE: u32 = u32::MAX;

impl CallTarget {
    fn pending(instance: u32, type_id: u32) -> CallTarget {
        CallTarget {
            code: std::ptr::null(),
            consts: std::ptr::null(),
            num_consts: 0,
            num_params: 0,
            num_locals: 0,
            frame_size: 0,
            instance,
            type_id,
        }
    }

    fn ready(instance: u32, type_id: u32, body: &FuncBody) -> CallTarget {
        CallTarget {
            code: body.code.as_ptr(),
            consts: body.consts.as_ptr(),
            num_consts: body.consts.len() as u32,
            num_params: u32::from(body.num_params),
            num_locals: body.num_locals,
            frame_size: body.frame_size,
            instance,
            type_id,
        }
    }
}

// SAFETY: the pointers of a `CallTarget` point into the `Arc<FuncBody>` of
// the same store's `FuncEntity`, which is immutable once set and lives as
// long as the store; they are only read.
unsafe impl Send for CallTarget {}
unsafe impl Sync for CallTarget {}

pub(crate) struct GlobalEntity {
    pub value: u64,
    pub ty: GlobalType,
}

/// One instance's index spaces, resolved to store entities.
pub(crate) struct InstanceEntity {
    pub module: Module,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Data segments; a dropped segment is empty.
    pub datas: Vec<Arc<[u8]>>,
    /// Element segments as reference slots; a dropped segment is empty.
    pub elems: Vec<Vec<u64>>,
}

/// The part of a store that does not depend on the host data type.
pub(crate) struct StoreInner {
    pub engine: Engine,
    pub funcs: Vec<FuncEntity>,
    /// One per entry of `funcs`, kept in step by `push_func` and
    /// `ensure_compiled`.
    pub targets: Vec<CallTarget>,
    pub memories: Vec<MemoryEntity>,
    pub tables: Vec<TableEntity>,
    pub globals: Vec<GlobalEntity>,
    pub instances: Vec<InstanceEntity>,
    pub externs: Vec<Box<dyn Any + Send + Sync>>,
    /// The value stack, allocated on first call.
    pub stack: Vec<u64>,
    /// Slots in use by invocations that are waiting on a host call.
    pub stack_top: usize,
    pub frames_pool: Vec<crate::exec::Frame>,
    /// Fuel left, when the engine meters execution.
    pub fuel: u64,
    /// Set by an [`InterruptHandle`]; cleared by the trap it causes.
    pub interrupt: Arc<AtomicBool>,
    pub limits: StoreLimits,
}

/// Resource limits of one store. A memory or table that would start above
/// its limit fails to be created; `memory.grow` and `table.grow` past it
/// return -1 to the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    /// Pages per memory.
    pub memory_pages: u32,
    /// Elements per table.
    pub table_elements: u32,
    pub instances: usize,
    pub memories: usize,
    pub tables: usize,
}

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits {
            memory_pages: 65536,
            table_elements: u32::MAX,
            instances: 10_000,
            memories: 10_000,
            tables: 10_000,
        }
    }
}

/// Stops the guest running in a store, from any thread: the guest traps
/// with "interrupted" at its next function entry or loop header. Needs
/// [`crate::Config::interruptible`].
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    flag: Arc<AtomicBool>,
}

impl InterruptHandle {
    pub fn interrupt(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

impl StoreInner {
    pub(crate) fn ensure_stack(&mut self) {
        if self.stack.is_empty() {
            self.stack = vec![0; self.engine.config().max_value_stack];
        }
    }

    /// Translates store function `func` if it is a Wasm function not yet
    /// translated.
    pub(crate) fn ensure_compiled(&mut self, func: u32) -> Result<(), Error> {
        if let FuncEntity::Wasm {
            module,
            index,
            compiled,
            instance,
            type_id,
        } = &mut self.funcs[func as usize]
        {
            if compiled.is_none() {
                let body = module.inner.compiled(*index)?;
                self.targets[func as usize] = CallTarget::ready(*instance, *type_id, &body);
                *compiled = Some(body);
            }
        }
        Ok(())
    }

    /// Adds a store function and its call target; returns its index.
    pub(crate) fn push_func(&mut self, f: FuncEntity) -> u32 {
        let target = match &f {
            FuncEntity::Wasm {
                instance,
                type_id,
                compiled: Some(body),
                ..
            } => CallTarget::ready(*instance, *type_id, body),
            FuncEntity::Wasm {
                instance, type_id, ..
            } => CallTarget::pending(*instance, *type_id),
            FuncEntity::Host { type_id, .. } => CallTarget::pending(NO_INSTANCE, *type_id),
        };
        self.funcs.push(f);
        self.targets.push(target);
        self.funcs.len() as u32 - 1
    }

    pub(crate) fn new_memory(&mut self, ty: crate::MemoryType) -> Result<u32, Error> {
        if self.memories.len() >= self.limits.memories {
            return Err(Error::Limit(format!(
                "more than {} memories",
                self.limits.memories
            )));
        }
        self.memories
            .push(MemoryEntity::new(ty, self.limits.memory_pages)?);
        Ok(self.memories.len() as u32 - 1)
    }

    pub(crate) fn new_table(&mut self, ty: crate::TableType, init: u64) -> Result<u32, Error> {
        if self.tables.len() >= self.limits.tables {
            return Err(Error::Limit(format!(
                "more than {} tables",
                self.limits.tables
            )));
        }
        self.tables
            .push(TableEntity::new(ty, init, self.limits.table_elements)?);
        Ok(self.tables.len() as u32 - 1)
    }

    pub(crate) fn func_type(&self, func: u32) -> FuncType {
        match &self.funcs[func as usize] {
            FuncEntity::Wasm { module, index, .. } => module.inner.func_type(*index).clone(),
            FuncEntity::Host { ty, .. } => ty.clone(),
        }
    }
}

/// All runtime state of a group of instances, plus the embedder's data `T`.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) hosts: Vec<Arc<HostFn<T>>>,
    data: T,
}

impl<T> Store<T> {
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: StoreInner {
                engine: engine.clone(),
                funcs: Vec::new(),
                targets: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                instances: Vec::new(),
                externs: Vec::new(),
                stack: Vec::new(),
                stack_top: 0,
                frames_pool: Vec::new(),
                fuel: 0,
                interrupt: Arc::default(),
                limits: StoreLimits::default(),
            },
            hosts: Vec::new(),
            data,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn data(&self) -> &T {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Sets the store's resource limits; they apply to memories, tables and
    /// instances created (and grown) from now on.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// A handle that interrupts this store's running guest from another
    /// thread (effective when the engine is [`crate::Config::interruptible`]).
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            flag: self.inner.interrupt.clone(),
        }
    }

    /// Sets the fuel left for execution; an error unless the engine was
    /// configured with [`crate::Config::consume_fuel`].
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        if !self.inner.engine.config().consume_fuel {
            return Err(Error::usage("fuel is not enabled in this engine's Config"));
        }
        self.inner.fuel = fuel;
        Ok(())
    }

    /// The fuel left; an error unless the engine meters execution.
    pub fn get_fuel(&self) -> Result<u64, Error> {
        if !self.inner.engine.config().consume_fuel {
            return Err(Error::usage("fuel is not enabled in this engine's Config"));
        }
        Ok(self.inner.fuel)
    }

    pub(crate) fn split_mut(&mut self) -> (&mut StoreInner, &mut T) {
        (&mut self.inner, &mut self.data)
    }

    pub fn into_data(self) -> T {
        self.data
    }

    pub(crate) fn add_host(&mut self, ty: FuncType, f: Arc<HostFn<T>>) -> u32 {
        let host = self.hosts.len() as u32;
        self.hosts.push(f);
        let arity = (ty.params().len() as u32, ty.results().len() as u32);
        let type_id = self.inner.engine.intern(&ty);
        self.inner.push_func(FuncEntity::Host {
            type_id,
            ty,
            host,
            arity,
        })
    }
}

/// Access to a store, by value or through a [`crate::Caller`].
pub trait AsContext {
    type Data;
    fn as_context(&self) -> &Store<Self::Data>;
}

/// Mutable access to a store, by value or through a [`crate::Caller`].
pub trait AsContextMut: AsContext {
    fn as_context_mut(&mut self) -> &mut Store<Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> &Store<C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> &Store<C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> &mut Store<C::Data> {
        (**self).as_context_mut()
    }
}
