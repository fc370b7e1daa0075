//! Globals.

use crate::store::{AsContext, AsContextMut, GlobalEntity};
use crate::types::{GlobalType, Mutability};
use crate::values::Val;
use crate::Error;

/// A global handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global(pub(crate) u32);

impl Global {
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global, Error> {
        let inner = &mut store.as_context_mut().inner;
        if val.ty() != ty.content {
            return Err(Error::usage(format!(
                "global of type {} initialized with {}",
                ty.content,
                val.ty()
            )));
        }
        let value = val.to_slot(inner)?;
        inner.globals.push(GlobalEntity { value, ty });
        Ok(Global(inner.globals.len() as u32 - 1))
    }

    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        store.as_context().inner.globals[self.0 as usize].ty
    }

    pub fn get(&self, store: impl AsContext) -> Val {
        let g = &store.as_context().inner.globals[self.0 as usize];
        Val::from_slot(g.value, g.ty.content)
    }

    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().inner;
        let ty = inner.globals[self.0 as usize].ty;
        if ty.mutability != Mutability::Var {
            return Err(Error::usage("cannot set an immutable global"));
        }
        if val.ty() != ty.content {
            return Err(Error::usage("global value type mismatch"));
        }
        let slot = val.to_slot(inner)?;
        inner.globals[self.0 as usize].value = slot;
        Ok(())
    }
}
