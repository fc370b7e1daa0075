//! Linear memories.

use crate::store::{AsContext, AsContextMut};
use crate::types::MemoryType;
use crate::Error;

/// Bytes per Wasm page.
pub const PAGE: usize = 65536;
/// Pages addressable by a 32-bit memory.
const MAX_PAGES: u64 = 65536;

pub(crate) struct MemoryEntity {
    pub data: Vec<u8>,
    pub ty: MemoryType,
    /// The store's limit on this memory's size, in pages.
    limit: u32,
}

impl MemoryEntity {
    pub(crate) fn new(ty: MemoryType, limit: u32) -> Result<MemoryEntity, Error> {
        if ty.min > limit {
            return Err(Error::Limit(format!(
                "memory of {} pages exceeds the store's limit of {limit} pages",
                ty.min
            )));
        }
        let mut m = MemoryEntity {
            data: Vec::new(),
            ty,
            limit,
        };
        if m.grow(ty.min).is_none() {
            return Err(Error::Limit(format!(
                "cannot allocate memory of {} pages",
                ty.min
            )));
        }
        Ok(m)
    }

    pub(crate) fn pages(&self) -> u32 {
        (self.data.len() / PAGE) as u32
    }

    /// Grows by `delta` pages; the old size, or `None` past the maximum or
    /// when the host cannot allocate.
    pub(crate) fn grow(&mut self, delta: u32) -> Option<u32> {
        let old = self.pages();
        let new = old as u64 + delta as u64;
        let max = self
            .ty
            .max
            .map_or(MAX_PAGES, |m| (m as u64).min(MAX_PAGES))
            .min(self.limit as u64);
        if new > max {
            return None;
        }
        let bytes = new as usize * PAGE;
        if bytes > self.data.len() {
            self.data.try_reserve_exact(bytes - self.data.len()).ok()?;
            self.data.resize(bytes, 0);
        }
        Some(old)
    }
}

/// A linear memory handle.
///
/// ```
/// use regwasm::{Engine, Linker, Memory, MemoryType, Module, Store};
///
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let memory = Memory::new(&mut store, MemoryType::new(1, Some(2)))?;
/// memory.write(&mut store, 8, &42u32.to_le_bytes())?;
/// let module = Module::new(&engine, r#"(module
///     (import "env" "mem" (memory 1))
///     (func (export "load") (param i32) (result i32) local.get 0 i32.load))"#)?;
/// let mut linker = Linker::new(&engine);
/// linker.define("env", "mem", memory)?;
/// let instance = linker.instantiate(&mut store, &module)?;
/// let load = instance.get_typed_func::<i32, i32>(&store, "load")?;
/// assert_eq!(load.call(&mut store, 8)?, 42);
/// assert_eq!(memory.grow(&mut store, 1)?, 1);
/// assert!(memory.grow(&mut store, 1).is_err()); // the maximum is 2 pages
/// # Ok::<(), regwasm::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory(pub(crate) u32);

impl Memory {
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        Ok(Memory(store.as_context_mut().inner.new_memory(ty)?))
    }

    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let m = &store.as_context().inner.memories[self.0 as usize];
        MemoryType::new(m.pages(), m.ty.max)
    }

    pub fn data<'a, C: AsContext + 'a>(&self, store: &'a C) -> &'a [u8] {
        &store.as_context().inner.memories[self.0 as usize].data
    }

    pub fn data_mut<'a, C: AsContextMut + 'a>(&self, store: &'a mut C) -> &'a mut [u8] {
        &mut store.as_context_mut().inner.memories[self.0 as usize].data
    }

    /// The memory's bytes and the store's host data at once, so a host
    /// function can read guest buffers while updating its own state.
    pub fn data_and_store_mut<'a, C: AsContextMut + 'a>(
        &self,
        store: &'a mut C,
    ) -> (&'a mut [u8], &'a mut C::Data) {
        let store = store.as_context_mut();
        let (inner, data) = store.split_mut();
        (&mut inner.memories[self.0 as usize].data, data)
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u32 {
        store.as_context().inner.memories[self.0 as usize].pages()
    }

    /// Grows by `delta` pages and returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u32) -> Result<u32, Error> {
        store.as_context_mut().inner.memories[self.0 as usize]
            .grow(delta)
            .ok_or_else(|| Error::usage("memory.grow failed"))
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<(), Error> {
        let data = &store.as_context().inner.memories[self.0 as usize].data;
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or(Error::Trap(crate::Trap::new(
                crate::TrapCode::MemoryOutOfBounds,
            )))?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buf` into memory at `offset`.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buf: &[u8],
    ) -> Result<(), Error> {
        let data = &mut store.as_context_mut().inner.memories[self.0 as usize].data;
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or(Error::Trap(crate::Trap::new(
                crate::TrapCode::MemoryOutOfBounds,
            )))?;
        dst.copy_from_slice(buf);
        Ok(())
    }
}
