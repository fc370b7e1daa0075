//! Compiled modules: parsing, eager validation, and lazily translated code.

use crate::types::{
    ExternType, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType,
};
use crate::{Engine, Error};
use regwasm_ir::FuncBody;
use regwasm_translator::{ModuleEnv, TranslateError, TranslateOptions};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use wasmparser::{
    BinaryReader, DataKind, ElementItems, ElementKind, FunctionBody, Operator, Parser, Payload,
    TableInit, TypeRef, ValidPayload, Validator, WasmFeatures,
};

/// A validated module, ready to instantiate. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

/// A constant expression (Wasm 2.0: a single constant, `global.get`,
/// `ref.null` or `ref.func`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ConstExpr {
    Value(u64),
    Global(u32),
    RefFunc(u32),
}

#[derive(Clone, Debug)]
pub(crate) enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

#[derive(Clone, Debug)]
pub(crate) struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
}

#[derive(Clone, Debug)]
pub(crate) enum SegmentMode {
    Passive,
    Declared,
    Active { index: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub(crate) struct ElemSegment {
    pub mode: SegmentMode,
    pub items: Vec<ConstExpr>,
}

#[derive(Clone, Debug)]
pub(crate) struct DataSegment {
    pub mode: SegmentMode,
    pub bytes: Arc<[u8]>,
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    bytes: Vec<u8>,
    /// Types by index, as wasmparser's (for the translator) and ours.
    sub_types: Vec<wasmparser::SubType>,
    pub types: Vec<FuncType>,
    /// Engine-interned id per type index.
    pub type_ids: Vec<u32>,
    /// Type index of every function, imports first.
    pub funcs: Vec<u32>,
    pub imports: Vec<Import>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub tables: Vec<(TableType, ConstExpr)>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<(GlobalType, ConstExpr)>,
    pub exports: Vec<(String, ExportKind, u32)>,
    export_index: HashMap<String, usize>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// Byte ranges of the defined functions' bodies within `bytes`.
    bodies: Vec<Range<usize>>,
    compiled: Vec<OnceLock<Result<Arc<FuncBody>, String>>>,
}

fn features() -> WasmFeatures {
    WasmFeatures::WASM2 & !WasmFeatures::SIMD
}

impl Module {
    /// Compiles `bytes`, a binary module or its text format. The module is
    /// validated completely here; function bodies are translated on first
    /// call unless [`crate::Config::eager_translation`] is set.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        let binary = wat::parse_bytes(bytes).map_err(|e| Error::Module(e.to_string()))?;
        let module = parse(engine, binary.into_owned())?;
        let module = Module {
            inner: Arc::new(module),
        };
        if engine.config().eager_translation {
            module.inner.translate_all()?;
        }
        Ok(module)
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Number of functions, imported ones included.
    pub fn func_count(&self) -> u32 {
        self.inner.funcs.len() as u32
    }

    /// The function index of the function exported as `name`.
    pub fn func_index_by_name(&self, name: &str) -> Option<u32> {
        match self.inner.export(name) {
            Some((ExportKind::Func, idx)) => Some(idx),
            _ => None,
        }
    }

    /// The exports with their types.
    pub fn exports(&self) -> impl Iterator<Item = (&str, ExternType)> + '_ {
        self.inner
            .exports
            .iter()
            .map(|(name, kind, idx)| (name.as_str(), self.inner.extern_type(*kind, *idx)))
    }

    /// The imports as `(module, name, type)`.
    pub fn imports(&self) -> impl Iterator<Item = (&str, &str, ExternType)> + '_ {
        self.inner.imports.iter().map(|imp| {
            let ty = match &imp.kind {
                ImportKind::Func(t) => ExternType::Func(self.inner.types[*t as usize].clone()),
                ImportKind::Table(t) => ExternType::Table(*t),
                ImportKind::Memory(m) => ExternType::Memory(*m),
                ImportKind::Global(g) => ExternType::Global(*g),
            };
            (imp.module.as_str(), imp.name.as_str(), ty)
        })
    }

    /// The translated bytecode of function `func_index` as text (see
    /// [`regwasm_ir::disassemble`]).
    pub fn disassemble(&self, func_index: u32) -> Result<String, Error> {
        if func_index < self.inner.num_imported_funcs {
            return Err(Error::usage(format!("function {func_index} is imported")));
        }
        let body = self.inner.compiled(func_index)?;
        Ok(regwasm_ir::disassemble(&body))
    }

    /// The translated body of function `func_index`.
    pub fn translated(&self, func_index: u32) -> Result<Arc<FuncBody>, Error> {
        self.inner.compiled(func_index)
    }

    /// Translates function `func_index` afresh, with the notes the symbolic
    /// checker reads (see `regwasm_ir::check`), without caching it.
    pub fn translated_with_notes(&self, func_index: u32) -> Result<FuncBody, Error> {
        let def = self.inner.def_index(func_index)?;
        self.inner.translate_noted(func_index, def, true)
    }

    /// Translates function `func_index` afresh with checker notes and runs
    /// the symbolic translation checker on it (whatever the configuration).
    pub fn check_translation(&self, func_index: u32) -> Result<regwasm_ir::CheckStats, Error> {
        let out = self.translated_with_notes(func_index)?;
        regwasm_ir::check(&out, self).map_err(|e| {
            Error::Translate(format!(
                "bytecode of function {func_index} fails the symbolic check: {e}"
            ))
        })
    }
}

impl ModuleInner {
    pub(crate) fn export(&self, name: &str) -> Option<(ExportKind, u32)> {
        self.export_index
            .get(name)
            .map(|&i| (self.exports[i].1, self.exports[i].2))
    }

    fn extern_type(&self, kind: ExportKind, idx: u32) -> ExternType {
        match kind {
            ExportKind::Func => ExternType::Func(self.func_type(idx).clone()),
            ExportKind::Table => ExternType::Table(self.table_type(idx)),
            ExportKind::Memory => ExternType::Memory(self.memory_type(idx)),
            ExportKind::Global => ExternType::Global(self.global_type(idx)),
        }
    }

    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }

    fn imported<T>(&self, pick: impl Fn(&ImportKind) -> Option<T>) -> Vec<T> {
        self.imports.iter().filter_map(|i| pick(&i.kind)).collect()
    }

    fn table_type(&self, idx: u32) -> TableType {
        let imported = self.imported(|k| match k {
            ImportKind::Table(t) => Some(*t),
            _ => None,
        });
        match imported.get(idx as usize) {
            Some(t) => *t,
            None => self.tables[idx as usize - imported.len()].0,
        }
    }

    fn memory_type(&self, idx: u32) -> MemoryType {
        let imported = self.imported(|k| match k {
            ImportKind::Memory(m) => Some(*m),
            _ => None,
        });
        match imported.get(idx as usize) {
            Some(m) => *m,
            None => self.memories[idx as usize - imported.len()],
        }
    }

    fn global_type(&self, idx: u32) -> GlobalType {
        let imported = self.imported(|k| match k {
            ImportKind::Global(g) => Some(*g),
            _ => None,
        });
        match imported.get(idx as usize) {
            Some(g) => *g,
            None => self.globals[idx as usize - imported.len()].0,
        }
    }

    /// The translated body of defined function `func` (translating it now if
    /// this is its first use).
    pub(crate) fn compiled(&self, func: u32) -> Result<Arc<FuncBody>, Error> {
        let def = self.def_index(func)?;
        self.compiled[def as usize]
            .get_or_init(|| self.translate(func, def).map(Arc::new))
            .clone()
            .map_err(Error::Translate)
    }

    /// Translates every defined function (on every core when the engine's
    /// `parallel_compilation` is on); reports the first function's error.
    fn translate_all(&self) -> Result<(), Error> {
        let first = self.num_imported_funcs;
        let n = self.bodies.len() as u32;
        let bytes = self.bodies.iter().map(|b| b.len()).sum();
        if self.engine.config().parallel_compilation && worth_parallel(n as usize, bytes) {
            use rayon::prelude::*;
            let results: Vec<_> = (first..first + n)
                .into_par_iter()
                .map(|f| self.compiled(f).map(drop))
                .collect();
            results.into_iter().collect()
        } else {
            (first..first + n).try_for_each(|f| self.compiled(f).map(drop))
        }
    }

    /// The index among defined functions of function `func`.
    fn def_index(&self, func: u32) -> Result<u32, Error> {
        func.checked_sub(self.num_imported_funcs)
            .filter(|&d| (d as usize) < self.bodies.len())
            .ok_or_else(|| Error::usage(format!("function {func} has no body")))
    }

    fn translate(&self, func: u32, def: u32) -> Result<FuncBody, String> {
        let config = self.engine.config();
        let mut out = self
            .translate_noted(func, def, config.symbolic_check)
            .map_err(|e| e.to_string())?;
        if config.verify {
            regwasm_ir::verify(&out, self).map_err(|e| {
                format!("internal error: bytecode of function {func} fails verification: {e}")
            })?;
        }
        if config.symbolic_check {
            regwasm_ir::check(&out, self).map_err(|e| {
                format!("internal error: bytecode of function {func} fails the symbolic check: {e}")
            })?;
            // The notes served their purpose; the VM never reads them.
            out.notes = None;
        }
        Ok(out)
    }

    /// Translates `func` with the engine's options, recording checker notes
    /// if `check`.
    fn translate_noted(&self, func: u32, def: u32, check: bool) -> Result<FuncBody, Error> {
        let range = self.bodies[def as usize].clone();
        let reader = BinaryReader::new(&self.bytes[range.clone()], range.start as u64);
        let body = FunctionBody::new(reader);
        let options = TranslateOptions {
            fuel: self.engine.config().consume_fuel,
            interruptible: self.engine.config().interruptible,
            check,
            ..TranslateOptions::default()
        };
        regwasm_translator::translate_with(self, func, &body, options)
            .map_err(|e: TranslateError| Error::Translate(e.to_string()))
    }
}

impl ModuleEnv for ModuleInner {
    fn func_type_index(&self, func: u32) -> Option<u32> {
        self.funcs.get(func as usize).copied()
    }

    fn sub_type(&self, ty: u32) -> Option<&wasmparser::SubType> {
        self.sub_types.get(ty as usize)
    }
}

/// Call arities as the bytecode checkers need them.
impl regwasm_ir::CallArity for Module {
    fn func(&self, func: u32) -> Option<(u32, u32)> {
        regwasm_ir::CallArity::func(&*self.inner, func)
    }

    fn ty(&self, ty: u32) -> Option<(u32, u32)> {
        regwasm_ir::CallArity::ty(&*self.inner, ty)
    }
}

impl regwasm_ir::CallArity for ModuleInner {
    fn func(&self, func: u32) -> Option<(u32, u32)> {
        let t = ModuleEnv::func_type(self, func)?;
        Some((t.params().len() as u32, t.results().len() as u32))
    }

    fn ty(&self, ty: u32) -> Option<(u32, u32)> {
        let t = self.type_at(ty)?;
        Some((t.params().len() as u32, t.results().len() as u32))
    }
}

fn unsupported(what: &str) -> Error {
    Error::Module(format!("unsupported: {what}"))
}

fn val_type(t: wasmparser::ValType) -> Result<ValType, Error> {
    ValType::from_wasm(t).ok_or_else(|| unsupported("reference type"))
}

fn ref_type(t: wasmparser::RefType) -> Result<RefType, Error> {
    RefType::from_wasm(t).ok_or_else(|| unsupported("reference type"))
}

fn limit32(v: u64) -> Result<u32, Error> {
    u32::try_from(v).map_err(|_| unsupported("64-bit limits"))
}

fn table_type(t: &wasmparser::TableType) -> Result<TableType, Error> {
    Ok(TableType::new(
        ref_type(t.element_type)?,
        limit32(t.initial)?,
        t.maximum.map(limit32).transpose()?,
    ))
}

fn memory_type(m: &wasmparser::MemoryType) -> Result<MemoryType, Error> {
    if m.memory64 || m.shared {
        return Err(unsupported("memory64 or shared memory"));
    }
    Ok(MemoryType::new(
        limit32(m.initial)?,
        m.maximum.map(limit32).transpose()?,
    ))
}

fn global_type(g: &wasmparser::GlobalType) -> Result<GlobalType, Error> {
    Ok(GlobalType::new(
        val_type(g.content_type)?,
        if g.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
    ))
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, Error> {
    let mut reader = expr.get_operators_reader();
    let value = match reader.read()? {
        Operator::I32Const { value } => ConstExpr::Value(value as u32 as u64),
        Operator::I64Const { value } => ConstExpr::Value(value as u64),
        Operator::F32Const { value } => ConstExpr::Value(value.bits() as u64),
        Operator::F64Const { value } => ConstExpr::Value(value.bits()),
        Operator::RefNull { .. } => ConstExpr::Value(0),
        Operator::RefFunc { function_index } => ConstExpr::RefFunc(function_index),
        Operator::GlobalGet { global_index } => ConstExpr::Global(global_index),
        other => return Err(unsupported(&format!("constant expression {other:?}"))),
    };
    match reader.read()? {
        Operator::End => Ok(value),
        _ => Err(unsupported("extended constant expressions")),
    }
}

fn parse(engine: &Engine, bytes: Vec<u8>) -> Result<ModuleInner, Error> {
    let mut validator = Validator::new_with_features(features());
    let mut m = ModuleInner {
        engine: engine.clone(),
        bytes: Vec::new(),
        sub_types: Vec::new(),
        types: Vec::new(),
        type_ids: Vec::new(),
        funcs: Vec::new(),
        imports: Vec::new(),
        num_imported_funcs: 0,
        num_imported_tables: 0,
        num_imported_memories: 0,
        num_imported_globals: 0,
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        exports: Vec::new(),
        export_index: HashMap::new(),
        start: None,
        elems: Vec::new(),
        datas: Vec::new(),
        bodies: Vec::new(),
        compiled: Vec::new(),
    };
    let parallel = engine.config().parallel_compilation;
    let mut pending = Vec::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        let payload = payload?;
        // Function bodies are validated together once the code section has
        // been read, before anything after it, so errors come in the order
        // a sequential validation would report them.
        if !pending.is_empty() && !matches!(payload, Payload::CodeSectionEntry(_)) {
            validate_bodies(std::mem::take(&mut pending), parallel)?;
        }
        if let ValidPayload::Func(to_validate, body) = validator.payload(&payload)? {
            let range = body.range();
            m.bodies.push(range.start as usize..range.end as usize);
            pending.push((to_validate, body));
        }
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.into_iter() {
                    for sub in group?.types() {
                        let wasmparser::CompositeInnerType::Func(ft) = &sub.composite_type.inner
                        else {
                            return Err(unsupported("non-function types"));
                        };
                        let ours =
                            FuncType::from_wasm(ft).ok_or_else(|| unsupported("reference type"))?;
                        m.type_ids.push(engine.intern(&ours));
                        m.types.push(ours);
                        m.sub_types.push(sub.clone());
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            m.funcs.push(t);
                            m.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        TypeRef::Table(t) => {
                            m.num_imported_tables += 1;
                            ImportKind::Table(table_type(&t)?)
                        }
                        TypeRef::Memory(mt) => {
                            m.num_imported_memories += 1;
                            ImportKind::Memory(memory_type(&mt)?)
                        }
                        TypeRef::Global(g) => {
                            m.num_imported_globals += 1;
                            ImportKind::Global(global_type(&g)?)
                        }
                        TypeRef::Tag(_) => return Err(unsupported("exception tags")),
                    };
                    m.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    m.funcs.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    let init = match &table.init {
                        TableInit::RefNull => ConstExpr::Value(0),
                        TableInit::Expr(e) => const_expr(e)?,
                    };
                    m.tables.push((table_type(&table.ty)?, init));
                }
            }
            Payload::MemorySection(reader) => {
                let r = reader.range();
                check_memory_limits(&bytes[r.start as usize..r.end as usize], r.start as usize)?;
                for mem in reader {
                    m.memories.push(memory_type(&mem?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    m.globals
                        .push((global_type(&g.ty)?, const_expr(&g.init_expr)?));
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            ExportKind::Func
                        }
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        wasmparser::ExternalKind::Tag => return Err(unsupported("exception tags")),
                    };
                    m.export_index.insert(e.name.to_string(), m.exports.len());
                    m.exports.push((e.name.to_string(), kind, e.index));
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    let mode = match elem.kind {
                        ElementKind::Passive => SegmentMode::Passive,
                        ElementKind::Declared => SegmentMode::Declared,
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: table_index.unwrap_or(0),
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    let mut items = Vec::new();
                    match elem.items {
                        ElementItems::Functions(funcs) => {
                            for f in funcs {
                                items.push(ConstExpr::RefFunc(f?));
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for e in exprs {
                                items.push(const_expr(&e?)?);
                            }
                        }
                    }
                    m.elems.push(ElemSegment { mode, items });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        DataKind::Passive => SegmentMode::Passive,
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: memory_index,
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    m.datas.push(DataSegment {
                        mode,
                        bytes: data.data.into(),
                    });
                }
            }
            _ => {}
        }
    }
    validate_bodies(pending, parallel)?;
    m.compiled = (0..m.bodies.len()).map(|_| OnceLock::new()).collect();
    m.bytes = bytes;
    Ok(m)
}

type FuncToValidate = wasmparser::FuncToValidate<wasmparser::ValidatorResources>;

/// Validates function bodies, on every core when `parallel` and the bodies
/// are worth it; reports the error of the first invalid body.
fn validate_bodies(
    funcs: Vec<(FuncToValidate, FunctionBody<'_>)>,
    parallel: bool,
) -> Result<(), Error> {
    let validate = |allocs: &mut wasmparser::FuncValidatorAllocations,
                    (to_validate, body): (FuncToValidate, FunctionBody<'_>)| {
        let mut fv = to_validate.into_validator(std::mem::take(allocs));
        let result = fv.validate(&body);
        *allocs = fv.into_allocations();
        result
    };
    let bytes: usize = funcs
        .iter()
        .map(|(_, b)| (b.range().end - b.range().start) as usize)
        .sum();
    if parallel && worth_parallel(funcs.len(), bytes) {
        use rayon::prelude::*;
        let results: Vec<_> = funcs
            .into_par_iter()
            .map_init(wasmparser::FuncValidatorAllocations::default, validate)
            .collect();
        results.into_iter().collect::<Result<(), _>>()?;
    } else {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        for f in funcs {
            validate(&mut allocs, f)?;
        }
    }
    Ok(())
}

/// Whether `n` function bodies of `bytes` bytes in all are enough work to
/// pay for handing them to the thread pool.
fn worth_parallel(n: usize, bytes: usize) -> bool {
    n >= 8 && bytes >= 64 * 1024
}

/// wasmparser reads memory limits as 64-bit LEB128 even for 32-bit memories,
/// accepting encodings longer than the 5 bytes a `u32` may take; the
/// specification rejects those as malformed.
fn check_memory_limits(section: &[u8], offset: usize) -> Result<(), Error> {
    let malformed = |at: usize| {
        Error::Module(format!(
            "integer representation too long (at offset {at:#x})"
        ))
    };
    let mut pos = 0;
    let leb = |pos: &mut usize| -> Result<(), Error> {
        let start = *pos;
        loop {
            let Some(&b) = section.get(*pos) else {
                return Ok(()); // truncation is reported by wasmparser
            };
            *pos += 1;
            if *pos - start > 5 {
                return Err(malformed(offset + start));
            }
            if b & 0x80 == 0 {
                return Ok(());
            }
        }
    };
    let count_start = pos;
    leb(&mut pos)?;
    let mut count = 0u64;
    for (i, &b) in section[count_start..pos].iter().enumerate() {
        count |= u64::from(b & 0x7f) << (7 * i);
    }
    for _ in 0..count {
        let Some(&flags) = section.get(pos) else {
            return Ok(());
        };
        pos += 1;
        if flags & 0x04 != 0 {
            return Ok(()); // memory64: wasmparser rejects it (feature off)
        }
        leb(&mut pos)?;
        if flags & 0x01 != 0 {
            leb(&mut pos)?;
        }
    }
    Ok(())
}
