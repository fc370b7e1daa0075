//! Value, function, memory, table and global types.

use std::fmt;

/// The type of a WebAssembly value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    /// Reserved for the SIMD proposal (two registers); not executable yet.
    V128,
    FuncRef,
    ExternRef,
}

impl ValType {
    pub(crate) fn from_wasm(ty: wasmparser::ValType) -> Option<ValType> {
        use wasmparser::ValType as W;
        Some(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => RefType::from_wasm(r)?.into(),
        })
    }

    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        };
        f.write_str(s)
    }
}

/// The type of a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefType {
    Func,
    Extern,
}

impl RefType {
    pub(crate) fn from_wasm(r: wasmparser::RefType) -> Option<RefType> {
        if r.is_func_ref() {
            Some(RefType::Func)
        } else if r.is_extern_ref() {
            Some(RefType::Extern)
        } else {
            None
        }
    }
}

impl From<RefType> for ValType {
    fn from(r: RefType) -> ValType {
        match r {
            RefType::Func => ValType::FuncRef,
            RefType::Extern => ValType::ExternRef,
        }
    }
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// Parameters then results, in one allocation.
    types: Box<[ValType]>,
    num_params: usize,
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        let mut types: Vec<ValType> = params.into_iter().collect();
        let num_params = types.len();
        types.extend(results);
        FuncType {
            types: types.into(),
            num_params,
        }
    }

    pub fn params(&self) -> &[ValType] {
        &self.types[..self.num_params]
    }

    pub fn results(&self) -> &[ValType] {
        &self.types[self.num_params..]
    }

    pub(crate) fn from_wasm(ft: &wasmparser::FuncType) -> Option<FuncType> {
        let params: Option<Vec<_>> = ft.params().iter().map(|&t| ValType::from_wasm(t)).collect();
        let results: Option<Vec<_>> = ft
            .results()
            .iter()
            .map(|&t| ValType::from_wasm(t))
            .collect();
        Some(FuncType::new(params?, results?))
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |ts: &[ValType]| {
            ts.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(
            f,
            "(func (param {}) (result {}))",
            list(self.params()),
            list(self.results())
        )
    }
}

/// A linear memory's limits in 64 KiB pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryType {
    pub min: u32,
    pub max: Option<u32>,
}

impl MemoryType {
    pub fn new(min: u32, max: Option<u32>) -> MemoryType {
        MemoryType { min, max }
    }
}

/// A table's element type and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableType {
    pub element: RefType,
    pub min: u32,
    pub max: Option<u32>,
}

impl TableType {
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> TableType {
        TableType { element, min, max }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    Const,
    Var,
}

/// A global's content type and mutability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    pub content: ValType,
    pub mutability: Mutability,
}

impl GlobalType {
    pub fn new(content: ValType, mutability: Mutability) -> GlobalType {
        GlobalType {
            content,
            mutability,
        }
    }
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    Func(FuncType),
    Memory(MemoryType),
    Table(TableType),
    Global(GlobalType),
}

/// Whether limits `(min, max)` of an actual import satisfy the declared ones.
pub(crate) fn limits_match(actual: (u64, Option<u64>), declared: (u64, Option<u64>)) -> bool {
    actual.0 >= declared.0
        && match (actual.1, declared.1) {
            (_, None) => true,
            (Some(a), Some(d)) => a <= d,
            (None, Some(_)) => false,
        }
}
