//! Tables of references.

use crate::store::{AsContext, AsContextMut};
use crate::types::TableType;
use crate::values::Val;
use crate::Error;

/// Table elements the engine accepts, whatever the store's limits.
const MAX_ELEMS: u64 = 10_000_000;

pub(crate) struct TableEntity {
    /// Reference slots: 0 is null, otherwise store index + 1.
    pub elems: Vec<u64>,
    pub ty: TableType,
    /// The store's limit on this table's size.
    limit: u32,
}

impl TableEntity {
    pub(crate) fn new(ty: TableType, init: u64, limit: u32) -> Result<TableEntity, Error> {
        let max = MAX_ELEMS.min(limit as u64);
        if ty.min as u64 > max {
            return Err(Error::Limit(format!(
                "table of {} elements exceeds the limit of {max} elements",
                ty.min
            )));
        }
        Ok(TableEntity {
            elems: vec![init; ty.min as usize],
            ty,
            limit,
        })
    }

    /// Grows by `delta` elements set to `init`; the old size or `None`.
    pub(crate) fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.elems.len() as u64;
        let new = old + delta as u64;
        let max = self
            .ty
            .max
            .map_or(u32::MAX as u64, |m| m as u64)
            .min(MAX_ELEMS)
            .min(self.limit as u64);
        if new > max {
            return None;
        }
        self.elems.try_reserve_exact(delta as usize).ok()?;
        self.elems.resize(new as usize, init);
        Some(old as u32)
    }
}

/// A table handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table(pub(crate) u32);

impl Table {
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table, Error> {
        let inner = &mut store.as_context_mut().inner;
        let slot = init.to_slot(inner)?;
        Ok(Table(inner.new_table(ty, slot)?))
    }

    pub fn ty(&self, store: impl AsContext) -> TableType {
        let t = &store.as_context().inner.tables[self.0 as usize];
        TableType::new(t.ty.element, t.elems.len() as u32, t.ty.max)
    }

    pub fn size(&self, store: impl AsContext) -> u32 {
        store.as_context().inner.tables[self.0 as usize].elems.len() as u32
    }

    pub fn get(&self, store: impl AsContext, index: u32) -> Option<Val> {
        let inner = &store.as_context().inner;
        let t = &inner.tables[self.0 as usize];
        let slot = *t.elems.get(index as usize)?;
        Some(Val::from_slot(slot, t.ty.element.into()))
    }

    pub fn set(&self, mut store: impl AsContextMut, index: u32, val: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().inner;
        let slot = val.to_slot(inner)?;
        let e = inner.tables[self.0 as usize]
            .elems
            .get_mut(index as usize)
            .ok_or(Error::Trap(crate::Trap::new(
                crate::TrapCode::TableOutOfBounds,
            )))?;
        *e = slot;
        Ok(())
    }

    pub fn grow(&self, mut store: impl AsContextMut, delta: u32, init: Val) -> Result<u32, Error> {
        let inner = &mut store.as_context_mut().inner;
        let slot = init.to_slot(inner)?;
        inner.tables[self.0 as usize]
            .grow(delta, slot)
            .ok_or_else(|| Error::usage("table.grow failed"))
    }
}
