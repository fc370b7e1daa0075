//! Values and references.

use crate::func::Func;
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::ValType;
use crate::Error;
use std::any::Any;

/// An opaque host reference (`externref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) u32);

impl ExternRef {
    pub fn new(mut store: impl AsContextMut, value: impl Any + Send + Sync) -> ExternRef {
        let inner = &mut store.as_context_mut().inner;
        inner.externs.push(Box::new(value));
        ExternRef(inner.externs.len() as u32 - 1)
    }

    pub fn data<'a, C: AsContext + 'a>(&self, store: &'a C) -> &'a (dyn Any + Send + Sync) {
        &*store.as_context().inner.externs[self.0 as usize]
    }
}

/// A WebAssembly value. Floats are carried as their bit patterns so NaN
/// payloads survive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The default (zero or null) value of `ty`.
    pub fn default_for(ty: ValType) -> Val {
        Val::from_slot(0, ty)
    }

    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }

    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }

    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }

    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }

    /// The 64-bit register encoding: 32-bit values zero-extended, references
    /// as store index + 1 (0 is null).
    pub(crate) fn to_slot(self, inner: &StoreInner) -> Result<u64, Error> {
        Ok(match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(v) => v as u64,
            Val::F64(v) => v,
            Val::FuncRef(None) | Val::ExternRef(None) => 0,
            Val::FuncRef(Some(f)) => {
                if f.0 as usize >= inner.funcs.len() {
                    return Err(Error::usage("function reference from another store"));
                }
                f.0 as u64 + 1
            }
            Val::ExternRef(Some(e)) => {
                if e.0 as usize >= inner.externs.len() {
                    return Err(Error::usage("extern reference from another store"));
                }
                e.0 as u64 + 1
            }
        })
    }

    pub(crate) fn from_slot(slot: u64, ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(slot as u32 as i32),
            ValType::I64 => Val::I64(slot as i64),
            ValType::F32 => Val::F32(slot as u32),
            ValType::F64 | ValType::V128 => Val::F64(slot),
            ValType::FuncRef => Val::FuncRef(slot.checked_sub(1).map(|i| Func(i as u32))),
            ValType::ExternRef => Val::ExternRef(slot.checked_sub(1).map(|i| ExternRef(i as u32))),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
