//! Errors and traps.

use std::fmt;

pub use regwasm_ir::TrapCode;

/// A guest fault: execution stopped with one of the spec's traps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    code: TrapCode,
}

impl Trap {
    pub fn new(code: TrapCode) -> Trap {
        Trap { code }
    }

    pub fn code(&self) -> TrapCode {
        self.code
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.message())
    }
}

impl std::error::Error for Trap {}

/// Everything that can go wrong loading, linking or running a module.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The module is malformed or invalid (or uses an unsupported feature).
    #[error("invalid module: {0}")]
    Module(String),
    /// Translation of a function body failed.
    #[error("translation failed: {0}")]
    Translate(String),
    /// An import could not be satisfied, or a definition clashes.
    #[error("link error: {0}")]
    Link(String),
    /// A resource limit of the store (see [`crate::StoreLimits`]) or of
    /// the host was exceeded.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// Execution trapped.
    #[error("{0}")]
    Trap(Trap),
    /// A host function returned an error.
    #[error("host error: {0}")]
    Host(Box<dyn std::error::Error + Send + Sync>),
    /// The embedder used the API incorrectly (wrong types, arity, store).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    /// The host error of type `E`, if this is one (for example a WASI
    /// `proc_exit` status).
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::Host(e) => e.downcast_ref::<E>(),
            _ => None,
        }
    }

    /// A host error from anything printable.
    pub fn host(msg: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Host(msg.into())
    }

    pub(crate) fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Error {
        Error::Trap(t)
    }
}

impl From<TrapCode> for Error {
    fn from(code: TrapCode) -> Error {
        Error::Trap(Trap::new(code))
    }
}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Error {
        Error::Module(e.to_string())
    }
}
