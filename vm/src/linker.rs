//! The linker: named definitions, import resolution and instantiation.

use crate::func::{host_from_closure, host_from_untyped, Caller, Func, HostFn, IntoFunc};
use crate::global::Global;
use crate::instance::{Extern, Instance};
use crate::memory::Memory;
use crate::module::{ConstExpr, ImportKind, Module, SegmentMode};
use crate::store::{AsContextMut, FuncEntity, GlobalEntity, InstanceEntity, Store};
use crate::table::Table;
use crate::types::{limits_match, FuncType};
use crate::values::Val;
use crate::{exec, Engine, Error, TrapCode};
use std::collections::HashMap;
use std::sync::Arc;

enum Definition<T> {
    Extern(Extern),
    /// A host function not yet placed in a store.
    Host(FuncType, Arc<HostFn<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::Host(t, f) => Definition::Host(t.clone(), f.clone()),
        }
    }
}

/// Named definitions that satisfy module imports. A later definition of the
/// same name replaces the earlier one.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
}

impl<T> Linker<T> {
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) {
        self.defs
            .insert((module.to_string(), name.to_string()), def);
    }

    /// Defines a host function from a typed closure (optionally taking a
    /// [`Caller`] first). Through the caller it reads and writes the calling
    /// instance's memory and the store's host data.
    ///
    /// ```
    /// use regwasm::{Caller, Engine, Extern, Linker, Module, Store};
    ///
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (import "env" "sum_bytes" (func $sum (param i32 i32) (result i32)))
    ///     (memory (export "memory") 1)
    ///     (data (i32.const 16) "\01\02\03")
    ///     (func (export "run") (result i32) i32.const 16 i32.const 3 call $sum))"#)?;
    /// let mut store = Store::new(&engine, 0u32);
    /// let mut linker = Linker::new(&engine);
    /// linker.func_wrap("env", "sum_bytes", |mut caller: Caller<'_, u32>, ptr: i32, len: i32| {
    ///     let Some(Extern::Memory(mem)) = caller.get_export("memory") else {
    ///         return Err(regwasm::Error::host("no memory"));
    ///     };
    ///     let mut buf = vec![0u8; len as usize];
    ///     mem.read(&caller, ptr as usize, &mut buf)?;
    ///     *caller.data_mut() += 1;
    ///     Ok(buf.iter().map(|&b| b as i32).sum::<i32>())
    /// })?;
    /// let instance = linker.instantiate(&mut store, &module)?;
    /// let run = instance.get_typed_func::<(), i32>(&store, "run")?;
    /// assert_eq!(run.call(&mut store, ())?, 6);
    /// assert_eq!(*store.data(), 1);
    /// # Ok::<(), regwasm::Error>(())
    /// ```
    pub fn func_wrap<P, R>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, P, R>,
    ) -> Result<&mut Self, Error> {
        let (ty, host) = host_from_closure(f);
        self.insert(module, name, Definition::Host(ty, host));
        Ok(self)
    }

    /// Defines a host function working on [`Val`]s.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error>
    where
        T: 'static,
    {
        let host = host_from_untyped(ty.clone(), f);
        self.insert(module, name, Definition::Host(ty, host));
        Ok(self)
    }

    /// Defines a store item (function, memory, table or global).
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Extern(item.into()));
        Ok(self)
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self, Error> {
        for (name, ext) in instance.exports(store.as_context_mut()) {
            self.insert(module, &name, Definition::Extern(ext));
        }
        Ok(self)
    }

    /// Looks up a definition as a store item.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let def = self
            .defs
            .get(&(module.to_string(), name.to_string()))?
            .clone();
        Some(self.materialize(store.as_context_mut(), def))
    }

    fn materialize(&self, store: &mut Store<T>, def: Definition<T>) -> Extern {
        match def {
            Definition::Extern(e) => e,
            Definition::Host(ty, f) => Extern::Func(Func(store.add_host(ty, f))),
        }
    }

    /// Instantiates `module`: resolves imports, initializes globals, tables,
    /// memories and segments, then runs the start function.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut();
        if !module.engine().same(store.engine()) || !self.engine.same(store.engine()) {
            return Err(Error::usage(
                "module, linker and store must share one engine",
            ));
        }
        let m = module.inner.clone();
        let mut funcs = Vec::with_capacity(m.funcs.len());
        let mut tables = Vec::new();
        let mut memories = Vec::new();
        let mut globals = Vec::new();
        for imp in &m.imports {
            let def = self
                .defs
                .get(&(imp.module.clone(), imp.name.clone()))
                .cloned()
                .ok_or_else(|| {
                    Error::Link(format!("unknown import: `{}::{}`", imp.module, imp.name))
                })?;
            let ext = self.materialize(store, def);
            let incompatible = || {
                Error::Link(format!(
                    "incompatible import type for `{}::{}`",
                    imp.module, imp.name
                ))
            };
            let inner = &store.inner;
            match (&imp.kind, ext) {
                (ImportKind::Func(t), Extern::Func(f)) => {
                    if inner.func_type(f.0) != m.types[*t as usize] {
                        return Err(incompatible());
                    }
                    funcs.push(f.0);
                }
                (ImportKind::Table(ty), Extern::Table(t)) => {
                    let actual = &inner.tables[t.0 as usize];
                    let ok = actual.ty.element == ty.element
                        && limits_match(
                            (actual.elems.len() as u64, actual.ty.max.map(u64::from)),
                            (ty.min as u64, ty.max.map(u64::from)),
                        );
                    if !ok {
                        return Err(incompatible());
                    }
                    tables.push(t.0);
                }
                (ImportKind::Memory(ty), Extern::Memory(mem)) => {
                    let actual = &inner.memories[mem.0 as usize];
                    if !limits_match(
                        (actual.pages() as u64, actual.ty.max.map(u64::from)),
                        (ty.min as u64, ty.max.map(u64::from)),
                    ) {
                        return Err(incompatible());
                    }
                    memories.push(mem.0);
                }
                (ImportKind::Global(ty), Extern::Global(g)) => {
                    if inner.globals[g.0 as usize].ty != *ty {
                        return Err(incompatible());
                    }
                    globals.push(g.0);
                }
                _ => return Err(incompatible()),
            }
        }

        let limits = &store.inner.limits;
        if store.inner.instances.len() >= limits.instances
            || store.inner.memories.len() + m.memories.len() > limits.memories
            || store.inner.tables.len() + m.tables.len() > limits.tables
        {
            return Err(Error::Limit(format!(
                "instantiation would exceed the store's limits ({} instances, {} memories, {} tables)",
                limits.instances, limits.memories, limits.tables
            )));
        }
        let inst_idx = store.inner.instances.len() as u32;
        let eager = store.engine().config().eager_translation;
        for def in 0..(m.funcs.len() as u32 - m.num_imported_funcs) {
            let index = m.num_imported_funcs + def;
            let type_id = m.type_ids[m.funcs[index as usize] as usize];
            let compiled = if eager {
                Some(m.compiled(index)?)
            } else {
                None
            };
            let f = store.inner.push_func(FuncEntity::Wasm {
                instance: inst_idx,
                module: module.clone(),
                index,
                type_id,
                compiled,
            });
            funcs.push(f);
        }

        fn eval(
            e: &ConstExpr,
            funcs: &[u32],
            globals: &[u32],
            inner: &crate::store::StoreInner,
        ) -> u64 {
            match *e {
                ConstExpr::Value(v) => v,
                ConstExpr::Global(g) => inner.globals[globals[g as usize] as usize].value,
                ConstExpr::RefFunc(f) => funcs[f as usize] as u64 + 1,
            }
        }
        for (ty, init) in &m.globals {
            let value = eval(init, &funcs, &globals, &store.inner);
            store.inner.globals.push(GlobalEntity { value, ty: *ty });
            globals.push(store.inner.globals.len() as u32 - 1);
        }
        for (ty, init) in &m.tables {
            let value = eval(init, &funcs, &globals, &store.inner);
            tables.push(store.inner.new_table(*ty, value)?);
        }
        for ty in &m.memories {
            memories.push(store.inner.new_memory(*ty)?);
        }
        let elems: Vec<Vec<u64>> = m
            .elems
            .iter()
            .map(|seg| {
                seg.items
                    .iter()
                    .map(|e| eval(e, &funcs, &globals, &store.inner))
                    .collect()
            })
            .collect();
        let datas = m.datas.iter().map(|d| d.bytes.clone()).collect();
        store.inner.instances.push(InstanceEntity {
            module: module.clone(),
            funcs,
            tables,
            memories,
            globals,
            datas,
            elems,
        });
        let instance = Instance(inst_idx);

        // Active and declared segments: apply in order, then drop. A trap
        // leaves earlier writes in place, as the specification requires.
        for (i, seg) in m.elems.iter().enumerate() {
            if let SegmentMode::Active { index, offset } = &seg.mode {
                let inst = &store.inner.instances[inst_idx as usize];
                let off = eval(offset, &inst.funcs, &inst.globals, &store.inner) as u32 as usize;
                let table = inst.tables[*index as usize] as usize;
                let items = std::mem::take(&mut store.inner.instances[inst_idx as usize].elems[i]);
                let elems = &mut store.inner.tables[table].elems;
                match off
                    .checked_add(items.len())
                    .filter(|&end| end <= elems.len())
                {
                    Some(end) => elems[off..end].copy_from_slice(&items),
                    None => return Err(TrapCode::TableOutOfBounds.into()),
                }
            } else if let SegmentMode::Declared = seg.mode {
                store.inner.instances[inst_idx as usize].elems[i].clear();
            }
        }
        for (i, seg) in m.datas.iter().enumerate() {
            if let SegmentMode::Active { index, offset } = &seg.mode {
                let inst = &store.inner.instances[inst_idx as usize];
                let off = eval(offset, &inst.funcs, &inst.globals, &store.inner) as u32 as usize;
                let mem = inst.memories[*index as usize] as usize;
                store.inner.instances[inst_idx as usize].datas[i] = Arc::from([]);
                let data = &mut store.inner.memories[mem].data;
                match off
                    .checked_add(seg.bytes.len())
                    .filter(|&end| end <= data.len())
                {
                    Some(end) => data[off..end].copy_from_slice(&seg.bytes),
                    None => return Err(TrapCode::MemoryOutOfBounds.into()),
                }
            }
        }
        if let Some(start) = m.start {
            let f = store.inner.instances[inst_idx as usize].funcs[start as usize];
            exec::invoke(store, f, &mut [])?;
        }
        Ok(instance)
    }
}

// Handles need no store to be compared; these keep the prelude together.
#[allow(unused_imports)]
use {Global as _, Memory as _, Table as _};
