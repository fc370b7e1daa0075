//! Translation of Wasm function bodies into regwasm register bytecode.
//!
//! Two passes over each body:
//! 1. [`analysis`] reads the operators once and builds the control tree;
//!    for every control node, the set of locals written inside it (nested
//!    nodes included), stored so that "does node N write local L" is a
//!    binary search and the whole structure is linear in the body's size;
//!    and a small value IR that resolves every stack operand to the value
//!    id of its producer, so pass 2 sees producer/consumer pairs.
//! 2. [`emit`] allocates registers and emits bytecode. Lazy `local.get`
//!    operands whose local a node may write are preserved at the node's
//!    entry, before its first instruction; nothing is inserted behind code
//!    that was already emitted.

pub mod analysis;
mod cmp;
mod emit;
mod labels;
mod notes;
mod scratch;

use regwasm_ir::FuncBody;
use thiserror::Error;
use wasmparser::{CompositeInnerType, FuncType, FunctionBody, SubType};

pub use emit::translate_with;

/// What the translator needs to know about the module around a function.
pub trait ModuleEnv {
    /// The type index of function `func` (imports included).
    fn func_type_index(&self, func: u32) -> Option<u32>;
    /// The type at index `ty`.
    fn sub_type(&self, ty: u32) -> Option<&SubType>;

    /// The signature at type index `ty`.
    fn type_at(&self, ty: u32) -> Option<&FuncType> {
        match &self.sub_type(ty)?.composite_type.inner {
            CompositeInnerType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The signature of function `func`.
    fn func_type(&self, func: u32) -> Option<&FuncType> {
        self.type_at(self.func_type_index(func)?)
    }
}

#[derive(Debug, Error)]
pub enum TranslateError {
    #[error("malformed function body: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),
    #[error("function needs {0} registers; at most 65535 are supported")]
    TooManyRegisters(u64),
    #[error("unsupported operator at offset {offset:#x}: {what}")]
    Unsupported { offset: usize, what: String },
    #[error("inconsistent module information: {0}")]
    Env(&'static str),
}

/// Options for one translation.
#[derive(Clone, Copy, Debug, Default)]
pub struct TranslateOptions {
    /// Fuse compare+branch, compare+select, immediates and result retargeting.
    /// Off only for tests that compare fused and unfused code.
    pub no_fusion: bool,
    /// Meter execution: charge fuel (one unit per Wasm operator) at the
    /// function entry and every loop header for the operators up to the next
    /// such point.
    pub fuel: bool,
    /// Check the store's interrupt flag at the same points as fuel, so a
    /// running guest can be stopped from another thread.
    pub interruptible: bool,
    /// Record, per instruction, which value each register read must hold,
    /// for the symbolic checker (`regwasm_ir::check`).
    pub check: bool,
}

/// Translates the body of function `func_index` with the default options.
pub fn translate(
    env: &dyn ModuleEnv,
    func_index: u32,
    body: &FunctionBody<'_>,
) -> Result<FuncBody, TranslateError> {
    translate_with(env, func_index, body, TranslateOptions::default())
}
