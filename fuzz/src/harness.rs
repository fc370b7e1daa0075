//! The fuzzing harness shared by the `cargo fuzz` targets (through
//! `regwasm_fuzz::harness`) and by the stable tests in
//! `tests/tests/differential.rs` and `tests/tests/never_panic.rs` (which
//! include this file with `#[path]`): module generation with `wasm-smith`
//! for exactly the proposals regwasm supports, the differential oracle
//! against `wasmi`, deterministic byte mutations, and the never-panic
//! runners.
//!
//! Everything here is deterministic: the same bytes (or seed) give the same
//! module, the same arguments and the same verdict.

use std::collections::BTreeMap;
use std::fmt;

use arbitrary::Unstructured;

// ---------------------------------------------------------------------------
// Pseudo-random numbers
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast and good enough to drive generation and mutation.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

// ---------------------------------------------------------------------------
// Host imports (the same on both engines)
// ---------------------------------------------------------------------------

/// The menu of host functions wasm-smith may import (`available_imports`).
/// Both engines get the same deterministic implementations
/// ([`host_behavior`]).
pub const HOST_IMPORTS_WAT: &str = r#"(module
  (import "host" "nop" (func))
  (import "host" "i32" (func (param i32) (result i32)))
  (import "host" "i64_i32" (func (param i64 i32) (result i64)))
  (import "host" "f32_f64" (func (param f32 f64) (result f64 f32)))
  (import "host" "many" (func (param i32 i64 f32 f64 i32 i64) (result i32 i64 f32 f64)))
  (import "host" "refs" (func (param funcref externref) (result i32 funcref externref)))
  (import "host" "fail_if_odd" (func (param i32)))
)"#;

/// The value types the harness deals in, independent of either engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}

/// The host functions of [`HOST_IMPORTS_WAT`], by name: their parameter and
/// result types.
pub fn host_funcs() -> Vec<(&'static str, Vec<Ty>, Vec<Ty>)> {
    use Ty::*;
    vec![
        ("nop", vec![], vec![]),
        ("i32", vec![I32], vec![I32]),
        ("i64_i32", vec![I64, I32], vec![I64]),
        ("f32_f64", vec![F32, F64], vec![F64, F32]),
        (
            "many",
            vec![I32, I64, F32, F64, I32, I64],
            vec![I32, I64, F32, F64],
        ),
        (
            "refs",
            vec![FuncRef, ExternRef],
            vec![I32, FuncRef, ExternRef],
        ),
        ("fail_if_odd", vec![I32], vec![]),
    ]
}

/// What host function `name` does with its parameters (as raw bits; a
/// reference is 0 when null, 1 otherwise): `Err` is a host error, `Ok`
/// the result bits (references are always returned null).
pub fn host_behavior(name: &str, params: &[u64], results: &[Ty]) -> Result<Vec<u64>, String> {
    if name == "fail_if_odd" && params.first().is_some_and(|p| p & 1 == 1) {
        return Err(format!("host function {name} refused an odd argument"));
    }
    let mut h = 0x0123_4567_89AB_CDEFu64;
    for &p in params {
        h = (h ^ p).wrapping_mul(0x0000_0100_0000_01B3).rotate_left(17);
    }
    Ok(results
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let v = h.rotate_left(13 * i as u32) ^ (i as u64);
            match ty {
                Ty::I32 | Ty::F32 => v & 0xFFFF_FFFF,
                Ty::FuncRef | Ty::ExternRef => 0,
                _ => v,
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Module generation
// ---------------------------------------------------------------------------

/// How the budget of fuel is enforced for one generated module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    /// wasm-smith's `ensure_termination`: a global counter, decremented at
    /// every function entry and loop header, traps (`unreachable`) when it
    /// runs out, identically on both engines. The engines' own fuel is
    /// only a backstop.
    Instrumented,
    /// Only the engines' fuel stops loops (a differential run then skips
    /// the rest of a module once either engine runs out).
    EngineFuel,
}

/// Which module shapes to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Features {
    /// Exactly what regwasm supports: WebAssembly 2.0 without SIMD.
    Supported,
    /// Randomly also switch on proposals regwasm does not support (SIMD,
    /// tail calls, memory64, multi-memory, extended-const, threads,
    /// exceptions, GC, wide arithmetic, custom page sizes): regwasm must
    /// reject those modules with an error, never a panic.
    Any,
}

/// The budget of the instrumented fuel counter ([`Termination::Instrumented`]),
/// for the whole lifetime of one instance.
pub const INSTRUMENTED_FUEL: u32 = 20_000;

/// A generated module.
pub struct Generated {
    pub wasm: Vec<u8>,
    pub termination: Termination,
}

/// A wasm-smith configuration for `features`, its knobs drawn from `u`
/// (swarm testing: each module gets its own mix of limits).
#[allow(clippy::field_reassign_with_default)] // knobs drawn in a fixed order
pub fn smith_config(
    u: &mut Unstructured<'_>,
    features: Features,
) -> arbitrary::Result<wasm_smith::Config> {
    let mut c = wasm_smith::Config::default();
    // The proposals of WebAssembly 2.0 that regwasm implements.
    c.bulk_memory_enabled = true;
    c.reference_types_enabled = true;
    c.multi_value_enabled = true;
    c.saturating_float_to_int_enabled = true;
    c.sign_extension_ops_enabled = true;
    // Everything else off.
    c.simd_enabled = false;
    c.relaxed_simd_enabled = false;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.tail_call_enabled = false;
    c.exceptions_enabled = false;
    c.gc_enabled = false;
    c.memory64_enabled = false;
    c.extended_const_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.custom_descriptors_enabled = false;
    c.compact_imports_enabled = false;
    c.acquire_release_atomics_enabled = false;
    c.multibyte_array_access_enabled = false;
    c.max_memories = 1;

    // Observability and determinism.
    c.export_everything = true;
    c.canonicalize_nans = true;
    c.allow_start_export = true;

    // Small modules, bounded resources.
    c.min_funcs = 1;
    c.max_funcs = u.int_in_range(1..=12)?;
    c.max_instructions = *u.choose(&[10, 30, 60, 100, 200, 400])?;
    c.min_types = 1;
    c.max_types = u.int_in_range(1..=20)?;
    c.max_globals = u.int_in_range(0..=8)?;
    c.max_tables = u.int_in_range(0..=3)?;
    c.max_table_elements = u.int_in_range(0..=64)?;
    c.table_max_size_required = true;
    c.max_memory32_bytes = u64::from(u.int_in_range(1u32..=16)?) * 65536;
    c.memory_max_size_required = true;
    c.max_data_segments = u.int_in_range(0..=6)?;
    c.max_element_segments = u.int_in_range(0..=6)?;
    c.max_elements = u.int_in_range(0..=16)?;
    c.allow_floats = u.ratio(4, 5)?;
    c.disallow_traps = u.ratio(1, 5)?;
    c.generate_custom_sections = u.ratio(1, 10)?;
    if u.ratio(1, 2)? {
        c.max_imports = u.int_in_range(1..=6)?;
        c.available_imports = Some(host_imports_wasm());
    } else {
        c.max_imports = 0;
    }
    // Imported functions count against `max_funcs`: leave room for at
    // least one defined function.
    c.max_funcs += c.max_imports;

    if features == Features::Any && u.ratio(1, 3)? {
        c.simd_enabled = u.ratio(1, 2)?;
        c.relaxed_simd_enabled = c.simd_enabled && u.ratio(1, 2)?;
        c.tail_call_enabled = u.ratio(1, 3)?;
        c.memory64_enabled = u.ratio(1, 3)?;
        c.max_memories = u.int_in_range(1..=3)?;
        c.extended_const_enabled = u.ratio(1, 3)?;
        c.threads_enabled = u.ratio(1, 4)?;
        c.exceptions_enabled = u.ratio(1, 4)?;
        c.gc_enabled = u.ratio(1, 4)?;
        c.wide_arithmetic_enabled = u.ratio(1, 4)?;
        c.custom_page_sizes_enabled = u.ratio(1, 4)?;
    }
    Ok(c)
}

/// [`HOST_IMPORTS_WAT`] in binary form (parsed once).
pub fn host_imports_wasm() -> Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES
        .get_or_init(|| wat::parse_str(HOST_IMPORTS_WAT).expect("the host import menu parses"))
        .clone()
}

/// One module from the DNA in `u`.
pub fn generate(u: &mut Unstructured<'_>, features: Features) -> arbitrary::Result<Generated> {
    let config = smith_config(u, features)?;
    let instrumented = u.ratio(1, 2)?;
    let mut module = wasm_smith::Module::new(config, u)?;
    let termination = if instrumented && module.ensure_termination(INSTRUMENTED_FUEL).is_ok() {
        Termination::Instrumented
    } else {
        Termination::EngineFuel
    };
    Ok(Generated {
        wasm: module.to_bytes(),
        termination,
    })
}

/// One module from a seed: the seed picks the amount of DNA and the DNA
/// itself.
pub fn generate_from_seed(seed: u64, features: Features) -> Result<Generated, arbitrary::Error> {
    let mut rng = Rng::new(seed);
    let len = 64 + rng.below(6 * 1024) as usize;
    let dna = rng.bytes(len);
    generate(&mut Unstructured::new(&dna), features)
}

/// The module as text, for failure messages (truncated if huge).
pub fn to_wat(wasm: &[u8]) -> String {
    match wasmprinter::print_bytes(wasm) {
        Ok(mut text) => {
            const MAX: usize = 60_000;
            if text.len() > MAX {
                let mut cut = MAX;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push_str("\n;; ... (truncated)\n");
            }
            text
        }
        Err(e) => format!(";; wasmprinter failed: {e}"),
    }
}

// ---------------------------------------------------------------------------
// Mutation of valid modules
// ---------------------------------------------------------------------------

/// Bytes that mean something in the binary format: LEB continuation,
/// section and type codes, `end`, prefixes, extremes.
const INTERESTING_BYTES: &[u8] = &[
    0x00, 0x01, 0x02, 0x0b, 0x3f, 0x40, 0x41, 0x60, 0x6f, 0x70, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80,
    0xfc, 0xfd, 0xfe, 0xff,
];

/// A deterministic mutation of `wasm`: one to four byte edits (bit flips,
/// interesting bytes, insertions, deletions, truncation, duplicated
/// chunks, over-long LEBs).
pub fn mutate(rng: &mut Rng, wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let len = out.len() as u64;
        // Edits past the 8-byte header are the interesting ones.
        let pos = |rng: &mut Rng| {
            if len > 8 && rng.below(16) != 0 {
                (8 + rng.below(len - 8)) as usize
            } else {
                rng.below(len.max(1)) as usize
            }
        };
        match rng.below(8) {
            0 | 1 if !out.is_empty() => {
                let p = pos(rng);
                out[p] ^= 1 << rng.below(8);
            }
            2 if !out.is_empty() => {
                let p = pos(rng);
                out[p] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len() as u64) as usize];
            }
            3 => {
                let p = pos(rng).min(out.len());
                let b = if rng.below(2) == 0 {
                    INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len() as u64) as usize]
                } else {
                    rng.next_u64() as u8
                };
                out.insert(p, b);
            }
            4 if !out.is_empty() => {
                let p = pos(rng);
                let n = (1 + rng.below(4) as usize).min(out.len() - p);
                out.drain(p..p + n);
            }
            5 if out.len() > 9 && rng.below(3) == 0 => {
                let p = pos(rng);
                out.truncate(p.max(8));
            }
            6 if !out.is_empty() => {
                let from = pos(rng);
                let n = (1 + rng.below(32) as usize).min(out.len() - from);
                let chunk = out[from..from + n].to_vec();
                let to = pos(rng).min(out.len());
                out.splice(to..to, chunk);
            }
            _ => {
                let p = pos(rng).min(out.len());
                let leb: &[u8] = match rng.below(3) {
                    0 => &[0xff, 0xff, 0xff, 0xff, 0x0f],
                    1 => &[0x80, 0x80, 0x80, 0x80, 0x00],
                    _ => &[0xff, 0xff, 0xff, 0xff, 0x7f],
                };
                let end = (p + leb.len()).min(out.len());
                out.splice(p..end, leb.iter().copied());
            }
        }
    }
    out
}

/// A pseudo-random byte string: half of them start with a valid header so
/// the parser gets past the magic number.
pub fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(512) as usize;
    let mut bytes = Vec::with_capacity(len + 8);
    if rng.below(2) == 0 {
        bytes.extend_from_slice(b"\0asm\x01\0\0\0");
    }
    let mut section_like = rng.below(2) == 0;
    while bytes.len() < len + 8 {
        if section_like {
            // A plausible section: id, small size, payload.
            let id = rng.below(14) as u8;
            let size = rng.below(40) as u8;
            bytes.push(id);
            bytes.push(size);
            bytes.extend(rng.bytes(size as usize));
            section_like = rng.below(4) != 0;
        } else {
            let n = 1 + rng.below(16) as usize;
            bytes.extend(rng.bytes(n));
        }
    }
    bytes
}

// ---------------------------------------------------------------------------
// Engine-independent outcomes
// ---------------------------------------------------------------------------

/// A trap, in the classes both engines can name. regwasm's "undefined
/// element" (a `call_indirect` index past the table) and its "table out of
/// bounds" are one class: wasmi reports both as `TableOutOfBounds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrapKind {
    Unreachable,
    IntegerOverflow,
    IntegerDivideByZero,
    BadConversionToInteger,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    IndirectCallTypeMismatch,
    StackOverflow,
    OutOfFuel,
    Interrupted,
}

/// A value, by bits; a reference by null-ness and, for functions, type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
    V128,
    NullFunc,
    /// A non-null function reference, by its type.
    Func(String),
    NullExtern,
    Extern,
}

impl fmt::Display for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V::I32(v) => write!(f, "i32:{v:#x} ({})", *v as i32),
            V::I64(v) => write!(f, "i64:{v:#x} ({})", *v as i64),
            V::F32(v) => write!(f, "f32:{v:#010x} ({})", f32::from_bits(*v)),
            V::F64(v) => write!(f, "f64:{v:#018x} ({})", f64::from_bits(*v)),
            V::V128 => write!(f, "v128"),
            V::NullFunc => write!(f, "ref.null func"),
            V::Func(ty) => write!(f, "funcref {ty}"),
            V::NullExtern => write!(f, "ref.null extern"),
            V::Extern => write!(f, "externref (non-null)"),
        }
    }
}

/// How an instantiation or a call ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Ok(Vec<V>),
    Trap(TrapKind),
    /// A host function returned an error.
    Host,
    /// Any other error (link, limit, usage...): compared by class only.
    Error(String),
}

impl Outcome {
    /// Whether `self` and `other` agree (errors other than traps agree with
    /// each other whatever their messages say).
    fn agrees(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Ok(a), Outcome::Ok(b)) => a == b,
            (Outcome::Trap(a), Outcome::Trap(b)) => a == b,
            (Outcome::Host, Outcome::Host) => true,
            (Outcome::Error(_), Outcome::Error(_)) => true,
            _ => false,
        }
    }

    /// A reason to skip the comparison: limits the engines count
    /// differently.
    fn skip_reason(&self) -> Option<&'static str> {
        match self {
            Outcome::Trap(TrapKind::OutOfFuel) => Some("out of fuel"),
            Outcome::Trap(TrapKind::StackOverflow) => Some("stack overflow"),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok(vals) => {
                f.write_str("ok [")?;
                for (i, v) in vals.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Outcome::Trap(k) => write!(f, "trap {k:?}"),
            Outcome::Host => write!(f, "host error"),
            Outcome::Error(e) => write!(f, "error: {e}"),
        }
    }
}

fn fmt_args(args: &[V]) -> String {
    args.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The arguments of call number `round` to export number `index`: zeros
/// in round 0, then values drawn from a list of interesting bit patterns.
/// References are always null.
pub fn make_args(params: &[Ty], index: usize, round: u32) -> Vec<V> {
    const I32S: &[u32] = &[
        0,
        1,
        2,
        3,
        7,
        8,
        16,
        31,
        32,
        0xff,
        0x100,
        0xffff,
        0x1_0000,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fffe,
        0xffff_ffff,
        0xdead_beef,
        65535,
        65536 * 16,
    ];
    const I64S: &[u64] = &[
        0,
        1,
        2,
        63,
        64,
        0xffff_ffff,
        0x1_0000_0000,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        u64::MAX,
        u64::MAX - 1,
        0x0123_4567_89ab_cdef,
    ];
    const F32S: &[u32] = &[
        0x0000_0000, // 0.0
        0x8000_0000, // -0.0
        0x3f80_0000, // 1.0
        0xbfc0_0000, // -1.5
        0x4f00_0000, // 2^31
        0x7f80_0000, // inf
        0xff80_0000, // -inf
        0x7fc0_0000, // canonical NaN
        0x0000_0001, // denormal
        0x7f7f_ffff, // max
    ];
    const F64S: &[u64] = &[
        0,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0xbff8_0000_0000_0000,
        0x41e0_0000_0000_0000,
        0x43e0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        1,
        0x7fef_ffff_ffff_ffff,
    ];
    let mut rng = Rng::new(((index as u64) << 32) ^ u64::from(round) ^ 0xA5A5);
    let mut pick = |n: usize| {
        if round == 0 {
            0
        } else {
            rng.below(n as u64) as usize
        }
    };
    params
        .iter()
        .map(|ty| match ty {
            Ty::I32 => V::I32(I32S[pick(I32S.len())]),
            Ty::I64 => V::I64(I64S[pick(I64S.len())]),
            Ty::F32 => V::F32(F32S[pick(F32S.len())]),
            Ty::F64 => V::F64(F64S[pick(F64S.len())]),
            Ty::V128 => V::V128,
            Ty::FuncRef => V::NullFunc,
            Ty::ExternRef => V::NullExtern,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// regwasm side
// ---------------------------------------------------------------------------

pub mod rw {
    use super::*;
    use regwasm::{Error, Extern, Func, FuncType, Linker, Store, TrapCode, Val, ValType};

    pub fn ty(t: ValType) -> Ty {
        match t {
            ValType::I32 => Ty::I32,
            ValType::I64 => Ty::I64,
            ValType::F32 => Ty::F32,
            ValType::F64 => Ty::F64,
            ValType::V128 => Ty::V128,
            ValType::FuncRef => Ty::FuncRef,
            ValType::ExternRef => Ty::ExternRef,
        }
    }

    fn val_type(t: Ty) -> ValType {
        match t {
            Ty::I32 => ValType::I32,
            Ty::I64 => ValType::I64,
            Ty::F32 => ValType::F32,
            Ty::F64 => ValType::F64,
            Ty::V128 => ValType::V128,
            Ty::FuncRef => ValType::FuncRef,
            Ty::ExternRef => ValType::ExternRef,
        }
    }

    pub fn sig(ft: &FuncType) -> String {
        let list = |ts: &[ValType]| {
            ts.iter()
                .map(|t| format!("{:?}", ty(*t)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        format!("[{}] -> [{}]", list(ft.params()), list(ft.results()))
    }

    pub fn val<T>(store: &Store<T>, v: &Val) -> V {
        match v {
            Val::I32(x) => V::I32(*x as u32),
            Val::I64(x) => V::I64(*x as u64),
            Val::F32(x) => V::F32(*x),
            Val::F64(x) => V::F64(*x),
            Val::FuncRef(None) => V::NullFunc,
            Val::FuncRef(Some(f)) => V::Func(sig(&f.ty(store))),
            Val::ExternRef(None) => V::NullExtern,
            Val::ExternRef(Some(_)) => V::Extern,
        }
    }

    pub fn arg(v: &V) -> Val {
        match v {
            V::I32(x) => Val::I32(*x as i32),
            V::I64(x) => Val::I64(*x as i64),
            V::F32(x) => Val::F32(*x),
            V::F64(x) => Val::F64(*x),
            V::NullExtern | V::Extern => Val::ExternRef(None),
            V::NullFunc | V::Func(_) | V::V128 => Val::FuncRef(None),
        }
    }

    pub fn trap_kind(code: TrapCode) -> TrapKind {
        match code {
            TrapCode::Unreachable => TrapKind::Unreachable,
            TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
            TrapCode::IntegerDivideByZero => TrapKind::IntegerDivideByZero,
            TrapCode::InvalidConversionToInteger => TrapKind::BadConversionToInteger,
            TrapCode::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            TrapCode::TableOutOfBounds | TrapCode::UndefinedElement => TrapKind::TableOutOfBounds,
            TrapCode::IndirectCallTypeMismatch => TrapKind::IndirectCallTypeMismatch,
            TrapCode::UninitializedElement => TrapKind::IndirectCallToNull,
            TrapCode::StackOverflow => TrapKind::StackOverflow,
            TrapCode::OutOfFuel => TrapKind::OutOfFuel,
            TrapCode::Interrupted => TrapKind::Interrupted,
        }
    }

    pub fn error(e: &Error) -> Outcome {
        match e {
            Error::Trap(t) => Outcome::Trap(trap_kind(t.code())),
            Error::Host(_) => Outcome::Host,
            other => Outcome::Error(other.to_string()),
        }
    }

    /// A linker with the host functions of [`HOST_IMPORTS_WAT`].
    pub fn linker<T: 'static>(engine: &regwasm::Engine) -> Linker<T> {
        let mut linker = Linker::new(engine);
        for (name, params, results) in host_funcs() {
            let ft = FuncType::new(
                params.iter().map(|t| val_type(*t)),
                results.iter().map(|t| val_type(*t)),
            );
            let results_ty = results.clone();
            linker
                .func_new(
                    "host",
                    name,
                    ft,
                    move |_caller, args: &[Val], out: &mut [Val]| {
                        let bits: Vec<u64> = args.iter().map(bits_of).collect();
                        let res = host_behavior(name, &bits, &results_ty).map_err(Error::host)?;
                        for ((slot, b), t) in out.iter_mut().zip(res).zip(&results_ty) {
                            *slot = from_bits(b, *t);
                        }
                        Ok(())
                    },
                )
                .expect("host function definitions are unique");
        }
        linker
    }

    fn bits_of(v: &Val) -> u64 {
        match v {
            Val::I32(x) => u64::from(*x as u32),
            Val::I64(x) => *x as u64,
            Val::F32(x) => u64::from(*x),
            Val::F64(x) => *x,
            Val::FuncRef(r) => u64::from(r.is_some()),
            Val::ExternRef(r) => u64::from(r.is_some()),
        }
    }

    fn from_bits(b: u64, t: Ty) -> Val {
        match t {
            Ty::I32 => Val::I32(b as u32 as i32),
            Ty::I64 => Val::I64(b as i64),
            Ty::F32 => Val::F32(b as u32),
            Ty::F64 => Val::F64(b),
            Ty::ExternRef => Val::ExternRef(None),
            Ty::FuncRef | Ty::V128 => Val::FuncRef(None),
        }
    }

    /// Exports of an instance, split by kind.
    pub struct Exports {
        pub funcs: Vec<(String, Func)>,
        pub memories: Vec<(String, regwasm::Memory)>,
        pub globals: Vec<(String, regwasm::Global)>,
        pub tables: Vec<(String, regwasm::Table)>,
    }

    pub fn exports<T>(store: &Store<T>, instance: &regwasm::Instance) -> Exports {
        let mut e = Exports {
            funcs: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            tables: Vec::new(),
        };
        for (name, ext) in instance.exports(store) {
            match ext {
                Extern::Func(f) => e.funcs.push((name, f)),
                Extern::Memory(m) => e.memories.push((name, m)),
                Extern::Global(g) => e.globals.push((name, g)),
                Extern::Table(t) => e.tables.push((name, t)),
            }
        }
        e
    }

    pub fn call<T>(store: &mut Store<T>, f: Func, args: &[V]) -> Outcome {
        let ty = f.ty(&*store);
        let args: Vec<Val> = args.iter().map(arg).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        match f.call(&mut *store, &args, &mut results) {
            Ok(()) => Outcome::Ok(results.iter().map(|v| val(store, v)).collect()),
            Err(e) => error(&e),
        }
    }
}

// ---------------------------------------------------------------------------
// wasmi side
// ---------------------------------------------------------------------------

pub mod wi {
    use super::*;
    use wasmi::errors::{ErrorKind, InstantiationError};
    use wasmi::{Error, Func, FuncType, Linker, Store, TrapCode, Val, ValType};

    pub fn ty(t: ValType) -> Ty {
        match t {
            ValType::I32 => Ty::I32,
            ValType::I64 => Ty::I64,
            ValType::F32 => Ty::F32,
            ValType::F64 => Ty::F64,
            ValType::V128 => Ty::V128,
            ValType::FuncRef => Ty::FuncRef,
            ValType::ExternRef => Ty::ExternRef,
        }
    }

    fn val_type(t: Ty) -> ValType {
        match t {
            Ty::I32 => ValType::I32,
            Ty::I64 => ValType::I64,
            Ty::F32 => ValType::F32,
            Ty::F64 => ValType::F64,
            Ty::V128 => ValType::V128,
            Ty::FuncRef => ValType::FuncRef,
            Ty::ExternRef => ValType::ExternRef,
        }
    }

    pub fn sig(ft: &FuncType) -> String {
        let list = |ts: &[ValType]| {
            ts.iter()
                .map(|t| format!("{:?}", ty(*t)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        format!("[{}] -> [{}]", list(ft.params()), list(ft.results()))
    }

    pub fn val<T>(store: &Store<T>, v: &Val) -> V {
        match v {
            Val::I32(x) => V::I32(*x as u32),
            Val::I64(x) => V::I64(*x as u64),
            Val::F32(x) => V::F32(x.to_bits()),
            Val::F64(x) => V::F64(x.to_bits()),
            Val::V128(_) => V::V128,
            Val::FuncRef(r) => match r.val() {
                None => V::NullFunc,
                Some(f) => V::Func(sig(&f.ty(store))),
            },
            Val::ExternRef(r) => match r.val() {
                None => V::NullExtern,
                Some(_) => V::Extern,
            },
        }
    }

    pub fn arg(v: &V) -> Val {
        match v {
            V::I32(x) => Val::I32(*x as i32),
            V::I64(x) => Val::I64(*x as i64),
            V::F32(x) => Val::F32(wasmi::F32::from_bits(*x)),
            V::F64(x) => Val::F64(wasmi::F64::from_bits(*x)),
            V::NullExtern | V::Extern => Val::default_for_ty(ValType::ExternRef),
            V::NullFunc | V::Func(_) | V::V128 => Val::default_for_ty(ValType::FuncRef),
        }
    }

    pub fn error(e: &Error) -> Outcome {
        if let Some(code) = e.as_trap_code() {
            return Outcome::Trap(match code {
                TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
                TrapCode::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
                TrapCode::TableOutOfBounds => TrapKind::TableOutOfBounds,
                TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
                TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivideByZero,
                TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
                TrapCode::BadConversionToInteger => TrapKind::BadConversionToInteger,
                TrapCode::StackOverflow => TrapKind::StackOverflow,
                TrapCode::BadSignature => TrapKind::IndirectCallTypeMismatch,
                TrapCode::OutOfFuel => TrapKind::OutOfFuel,
                other => return Outcome::Error(format!("wasmi trap {other:?}")),
            });
        }
        match e.kind() {
            ErrorKind::Message(_) | ErrorKind::Host(_) => Outcome::Host,
            // An active element segment that does not fit its table: the
            // spec's "out of bounds table access" at instantiation.
            ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
                Outcome::Trap(TrapKind::TableOutOfBounds)
            }
            _ => Outcome::Error(e.to_string()),
        }
    }

    pub fn linker<T: 'static>(engine: &wasmi::Engine) -> Linker<T> {
        let mut linker = Linker::new(engine);
        for (name, params, results) in host_funcs() {
            let ft = FuncType::new(
                params.iter().map(|t| val_type(*t)).collect::<Vec<_>>(),
                results.iter().map(|t| val_type(*t)).collect::<Vec<_>>(),
            );
            let results_ty = results.clone();
            linker
                .func_new(
                    "host",
                    name,
                    ft,
                    move |_caller, args: &[Val], out: &mut [Val]| {
                        let bits: Vec<u64> = args.iter().map(bits_of).collect();
                        let res = host_behavior(name, &bits, &results_ty).map_err(Error::new)?;
                        for ((slot, b), t) in out.iter_mut().zip(res).zip(&results_ty) {
                            *slot = from_bits(b, *t);
                        }
                        Ok(())
                    },
                )
                .expect("host function definitions are unique");
        }
        linker
    }

    fn bits_of(v: &Val) -> u64 {
        match v {
            Val::I32(x) => u64::from(*x as u32),
            Val::I64(x) => *x as u64,
            Val::F32(x) => u64::from(x.to_bits()),
            Val::F64(x) => x.to_bits(),
            Val::V128(_) => 0,
            Val::FuncRef(r) => u64::from(!r.is_null()),
            Val::ExternRef(r) => u64::from(!r.is_null()),
        }
    }

    fn from_bits(b: u64, t: Ty) -> Val {
        match t {
            Ty::I32 => Val::I32(b as u32 as i32),
            Ty::I64 => Val::I64(b as i64),
            Ty::F32 => Val::F32(wasmi::F32::from_bits(b as u32)),
            Ty::F64 => Val::F64(wasmi::F64::from_bits(b)),
            Ty::ExternRef => Val::default_for_ty(ValType::ExternRef),
            Ty::FuncRef | Ty::V128 => Val::default_for_ty(ValType::FuncRef),
        }
    }

    pub fn call<T>(store: &mut Store<T>, f: Func, args: &[V]) -> Outcome {
        let ty = f.ty(&*store);
        let args: Vec<Val> = args.iter().map(arg).collect();
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        match f.call(&mut *store, &args, &mut results) {
            Ok(()) => Outcome::Ok(results.iter().map(|v| val(store, v)).collect()),
            Err(e) => error(&e),
        }
    }
}

// ---------------------------------------------------------------------------
// The differential oracle
// ---------------------------------------------------------------------------

/// The module wasmi runs: `wasm` with semantics-preserving rewrites that
/// steer clear of two wasmi 2.0.0 miscompilations (regwasm always runs the
/// original bytes; modules that do not parse are returned unchanged):
///
/// - wasmi fuses an `i32.eqz` (or `i32.eq`/`i32.ne` with 0) whose operand
///   is a local or stack slot into the `select` that consumes it, and then
///   selects with a stale condition (`wasmi_bug_select_fused_eqz` in
///   `tests/tests/differential.rs`). `i32.const 1 i32.rotl` goes before
///   every `select`: it keeps the condition's truth value (a rotation is
///   zero exactly when its input is) and leaves nothing to fuse.
/// - wasmi leaves `local.get`s lazy on its operand stack and copies them
///   out at loop headers, and gets that wrong around blocks with
///   parameters: below an `if` with parameters whose `then` branch holds a
///   `loop`, the `else` path reads a slot it never wrote, a stale value
///   from an earlier call (`wasmi_bug_if_param_loop_preservation`); and a
///   `local.tee` result below the parameter of a `loop` is replaced by
///   that parameter (`wasmi_bug_loop_param_preservation`). An empty
///   `loop end` goes before every `block`, `loop` and `if`: it does
///   nothing, but wasmi copies out the lazy values there, before the
///   construct, on every path.
pub fn wasmi_equivalent(wasm: &[u8]) -> Vec<u8> {
    use wasm_encoder::reencode::{Error, Reencode};

    struct Workarounds;

    impl Reencode for Workarounds {
        type Error = std::convert::Infallible;

        fn parse_function_body(
            &mut self,
            code: &mut wasm_encoder::CodeSection,
            func: wasmparser::FunctionBody<'_>,
        ) -> Result<(), Error<Self::Error>> {
            let mut f = self.new_function_with_parsed_locals(&func)?;
            let mut reader = func.get_operators_reader()?;
            while !reader.eof() {
                let op = reader.read()?;
                match op {
                    wasmparser::Operator::Select
                    | wasmparser::Operator::TypedSelect { .. }
                    | wasmparser::Operator::TypedSelectMulti { .. } => {
                        f.instruction(&wasm_encoder::Instruction::I32Const(1));
                        f.instruction(&wasm_encoder::Instruction::I32Rotl);
                    }
                    wasmparser::Operator::If { .. }
                    | wasmparser::Operator::Loop { .. }
                    | wasmparser::Operator::Block { .. } => {
                        f.instruction(&wasm_encoder::Instruction::Loop(
                            wasm_encoder::BlockType::Empty,
                        ));
                        f.instruction(&wasm_encoder::Instruction::End);
                    }
                    _ => {}
                }
                f.instruction(&self.instruction(op)?);
            }
            code.function(&f);
            Ok(())
        }
    }

    let mut module = wasm_encoder::Module::new();
    match Workarounds.parse_core_module(&mut module, wasmparser::Parser::new(0), wasm) {
        Ok(()) => module.finish(),
        Err(_) => wasm.to_vec(),
    }
}

/// Fuel each engine gets for an instantiation and for each call.
pub const CALL_FUEL: u64 = 1_000_000;
/// How many times every exported function is called (round 0 with zero
/// arguments, the others with seeded interesting values).
pub const CALL_ROUNDS: u32 = 3;

/// Counters of a differential campaign.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub modules: u64,
    pub valid: u64,
    pub instantiated: u64,
    pub calls: u64,
    /// Outcomes and state snapshots compared (one per instantiation and
    /// per call that neither engine cut short).
    pub comparisons: u64,
    pub traps: u64,
    pub skips: BTreeMap<&'static str, u64>,
}

impl Stats {
    pub fn skip(&mut self, why: &'static str) {
        *self.skips.entry(why).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Stats) {
        self.modules += other.modules;
        self.valid += other.valid;
        self.instantiated += other.instantiated;
        self.calls += other.calls;
        self.comparisons += other.comparisons;
        self.traps += other.traps;
        for (k, v) in &other.skips {
            *self.skips.entry(k).or_default() += v;
        }
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "modules generated: {}, valid: {}, instantiated: {}, functions called: {}, \
             comparisons: {} (of which traps: {}), skips:",
            self.modules, self.valid, self.instantiated, self.calls, self.comparisons, self.traps
        )?;
        if self.skips.is_empty() {
            f.write_str(" none")?;
        }
        for (k, v) in &self.skips {
            write!(f, " [{k}: {v}]")?;
        }
        Ok(())
    }
}

/// A difference between regwasm and wasmi.
#[derive(Clone, Debug)]
pub struct Divergence(pub String);

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn diverge<T>(msg: String) -> Result<T, Divergence> {
    Err(Divergence(msg))
}

/// Runs a wasmi operation; a panic inside wasmi (a wasmi bug: regwasm is
/// the engine under test) becomes `None`.
fn wasmi_guard<R>(f: impl FnOnce() -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// What the oracle counts when wasmi panics.
const WASMI_PANICKED: &str = "wasmi panicked (a wasmi bug; rest of module skipped)";

/// The regwasm engine of the differential and never-panic runs: eager
/// translation, the bytecode verifier, fuel.
pub fn regwasm_engine() -> regwasm::Engine {
    let mut config = regwasm::Config::default();
    config
        .eager_translation(true)
        .verify(true)
        .symbolic_check(true)
        .consume_fuel(true);
    regwasm::Engine::new(&config)
}

/// The wasmi engine: the same proposals as regwasm, fuel.
pub fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(true)
        .wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .wasm_memory64(false)
        .wasm_wide_arithmetic(false);
    wasmi::Engine::new(&config)
}

/// Both engines, created once per campaign.
pub struct Engines {
    pub regwasm: regwasm::Engine,
    pub wasmi: wasmi::Engine,
}

impl Default for Engines {
    fn default() -> Engines {
        Engines {
            regwasm: regwasm_engine(),
            wasmi: wasmi_engine(),
        }
    }
}

/// Runs `wasm` on both engines and compares everything observable:
/// validity; instantiation (success, or trap kind); then, for
/// [`CALL_ROUNDS`] rounds, every exported function called with the same
/// arguments ([`make_args`]): results by bits or trap kinds, and after
/// each call every exported memory (bytes), global (value) and table (size
/// and each element's null-ness and function type).
///
/// When either engine runs out of fuel or call stack, the two may have
/// stopped at different points: that comparison is skipped (counted in
/// `stats.skips`), the function is not called again, and the run goes on
/// with fresh instances on both engines (whose state may otherwise differ
/// legitimately).
#[allow(clippy::needless_range_loop)] // `pair` is replaced inside the loop
pub fn differential(engines: &Engines, wasm: &[u8], stats: &mut Stats) -> Result<(), Divergence> {
    stats.modules += 1;
    let r_module = regwasm::Module::new(&engines.regwasm, wasm);
    let Some(w_module) = wasmi_guard(|| wasmi::Module::new(&engines.wasmi, wasmi_equivalent(wasm)))
    else {
        stats.skip(WASMI_PANICKED);
        return Ok(());
    };
    let (r_module, w_module) = match (r_module, w_module) {
        (Ok(r), Ok(w)) => (r, w),
        (Err(_), Err(_)) => {
            stats.skip("invalid on both engines");
            return Ok(());
        }
        (Ok(_), Err(e)) => {
            return diverge(format!("validation: regwasm accepts, wasmi rejects: {e}"))
        }
        (Err(e), Ok(_)) => {
            return diverge(format!("validation: wasmi accepts, regwasm rejects: {e}"))
        }
    };
    stats.valid += 1;

    // The same export names on both sides.
    let mut r_names: Vec<&str> = r_module.exports().map(|(n, _)| n).collect();
    let mut w_names: Vec<&str> = w_module.exports().map(|e| e.name()).collect();
    r_names.sort_unstable();
    w_names.sort_unstable();
    if r_names != w_names {
        return diverge(format!(
            "export names: regwasm {r_names:?}, wasmi {w_names:?}"
        ));
    }

    let r_linker = rw::linker::<()>(&engines.regwasm);
    let w_linker = wi::linker::<()>(&engines.wasmi);
    let Some(mut pair) =
        Pair::instantiate(engines, &r_linker, &w_linker, &r_module, &w_module, stats)?
    else {
        return Ok(());
    };
    stats.instantiated += 1;
    // Functions that ran out of fuel or stack: not called again.
    let mut unbounded = vec![false; pair.funcs.len()];

    for round in 0..CALL_ROUNDS {
        for index in 0..pair.funcs.len() {
            if unbounded[index] {
                continue;
            }
            let (name, rf, wf, params) = &pair.funcs[index];
            let args = make_args(params, index, round);
            pair.r_store.set_fuel(CALL_FUEL).expect("fuel is enabled");
            pair.w_store.set_fuel(CALL_FUEL).expect("fuel is enabled");
            let r = rw::call(&mut pair.r_store, *rf, &args);
            let Some(w) = wasmi_guard(|| wi::call(&mut pair.w_store, *wf, &args)) else {
                stats.skip(WASMI_PANICKED);
                return Ok(());
            };
            stats.calls += 1;
            if let Some(why) = r.skip_reason().or(w.skip_reason()) {
                stats.skip(match why {
                    "out of fuel" => "call: out of fuel (fresh instances)",
                    _ => "call: stack overflow (fresh instances)",
                });
                unbounded[index] = true;
                match Pair::instantiate(engines, &r_linker, &w_linker, &r_module, &w_module, stats)?
                {
                    Some(p) => pair = p,
                    None => return Ok(()),
                }
                continue;
            }
            let what = format!("call {name:?}({}) in round {round}", fmt_args(&args));
            if !r.agrees(&w) {
                return diverge(format!("{what}: regwasm: {r}; wasmi: {w}"));
            }
            if matches!(r, Outcome::Trap(_)) {
                stats.traps += 1;
            }
            pair.compare_state(&format!("after {what} -> {r}"))?;
            stats.comparisons += 1;
        }
    }
    Ok(())
}

/// One instance of the module on each engine, in stores of their own.
struct Pair {
    r_store: regwasm::Store<()>,
    w_store: wasmi::Store<()>,
    exports: rw::Exports,
    w_inst: wasmi::Instance,
    /// Exported functions: name, both handles, parameter types.
    funcs: Vec<(String, regwasm::Func, wasmi::Func, Vec<Ty>)>,
}

impl Pair {
    /// Instantiates on both engines (running the start function) and
    /// compares the outcomes and the initial state; `None` when both
    /// trapped alike or either ran out of fuel or stack.
    fn instantiate(
        engines: &Engines,
        r_linker: &regwasm::Linker<()>,
        w_linker: &wasmi::Linker<()>,
        r_module: &regwasm::Module,
        w_module: &wasmi::Module,
        stats: &mut Stats,
    ) -> Result<Option<Pair>, Divergence> {
        let mut r_store = regwasm::Store::new(&engines.regwasm, ());
        let mut w_store = wasmi::Store::new(&engines.wasmi, ());
        r_store.set_fuel(CALL_FUEL).expect("fuel is enabled");
        w_store.set_fuel(CALL_FUEL).expect("fuel is enabled");
        let r_inst = r_linker.instantiate(&mut r_store, r_module);
        let Some(w_inst) = wasmi_guard(|| w_linker.instantiate_and_start(&mut w_store, w_module))
        else {
            stats.skip(WASMI_PANICKED);
            return Ok(None);
        };
        let (r_inst, w_inst) = match (r_inst, w_inst) {
            (Ok(r), Ok(w)) => (r, w),
            (r, w) => {
                let r = r
                    .map(|_| Outcome::Ok(vec![]))
                    .unwrap_or_else(|e| rw::error(&e));
                let w = w
                    .map(|_| Outcome::Ok(vec![]))
                    .unwrap_or_else(|e| wi::error(&e));
                if let Some(why) = r.skip_reason().or(w.skip_reason()) {
                    stats.skip(match why {
                        "out of fuel" => "instantiation: out of fuel",
                        _ => "instantiation: stack overflow",
                    });
                    return Ok(None);
                }
                if r.agrees(&w) {
                    stats.comparisons += 1;
                    stats.traps += 1;
                    return Ok(None);
                }
                return diverge(format!("instantiation: regwasm: {r}; wasmi: {w}"));
            }
        };
        stats.comparisons += 1;
        let exports = rw::exports(&r_store, &r_inst);
        let mut funcs = Vec::new();
        for (name, rf) in &exports.funcs {
            let Some(wf) = w_inst.get_func(&w_store, name) else {
                return diverge(format!("export {name:?} is a function on regwasm only"));
            };
            let r_ty = rf.ty(&r_store);
            let (r_sig, w_sig) = (rw::sig(&r_ty), wi::sig(&wf.ty(&w_store)));
            if r_sig != w_sig {
                return diverge(format!(
                    "export {name:?}: type {r_sig} on regwasm, {w_sig} on wasmi"
                ));
            }
            let params: Vec<Ty> = r_ty.params().iter().map(|t| rw::ty(*t)).collect();
            funcs.push((name.clone(), *rf, wf, params));
        }
        let pair = Pair {
            r_store,
            w_store,
            exports,
            w_inst,
            funcs,
        };
        pair.compare_state("after instantiation")?;
        Ok(Some(pair))
    }

    fn compare_state(&self, when: &str) -> Result<(), Divergence> {
        compare_state(
            &self.r_store,
            &self.w_store,
            &self.exports,
            &self.w_inst,
            when,
        )
    }
}

/// Compares every exported memory, global and table of the two instances.
fn compare_state(
    r_store: &regwasm::Store<()>,
    w_store: &wasmi::Store<()>,
    exports: &rw::Exports,
    w_inst: &wasmi::Instance,
    when: &str,
) -> Result<(), Divergence> {
    for (name, rm) in &exports.memories {
        let Some(wm) = w_inst.get_memory(w_store, name) else {
            return diverge(format!(
                "{when}: export {name:?} is a memory on regwasm only"
            ));
        };
        let (a, b) = (rm.data(r_store), wm.data(w_store));
        if a.len() != b.len() {
            return diverge(format!(
                "{when}: memory {name:?} has {} bytes on regwasm, {} on wasmi",
                a.len(),
                b.len()
            ));
        }
        if a != b {
            let first = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
            let end = (first + 16).min(a.len());
            return diverge(format!(
                "{when}: memory {name:?} differs from byte {first:#x}: regwasm {:02x?}, wasmi {:02x?}",
                &a[first..end],
                &b[first..end]
            ));
        }
    }
    for (name, rg) in &exports.globals {
        let Some(wg) = w_inst.get_global(w_store, name) else {
            return diverge(format!(
                "{when}: export {name:?} is a global on regwasm only"
            ));
        };
        let (a, b) = (
            rw::val(r_store, &rg.get(r_store)),
            wi::val(w_store, &wg.get(w_store)),
        );
        if a != b {
            return diverge(format!(
                "{when}: global {name:?} is {a} on regwasm, {b} on wasmi"
            ));
        }
    }
    for (name, rt) in &exports.tables {
        let Some(wt) = w_inst.get_table(w_store, name) else {
            return diverge(format!(
                "{when}: export {name:?} is a table on regwasm only"
            ));
        };
        let (a, b) = (u64::from(rt.size(r_store)), wt.size(w_store));
        if a != b {
            return diverge(format!(
                "{when}: table {name:?} has {a} elements on regwasm, {b} on wasmi"
            ));
        }
        for i in 0..a.min(4096) {
            let ra = rt.get(r_store, i as u32).map(|v| rw::val(r_store, &v));
            let wb = wt.get(w_store, i).map(|r| match r {
                wasmi::Ref::Func(f) => wi::val(w_store, &wasmi::Val::FuncRef(f)),
                wasmi::Ref::Extern(e) => wi::val(w_store, &wasmi::Val::ExternRef(e)),
            });
            if ra != wb {
                let show = |v: Option<V>| v.map_or("none".to_string(), |v| v.to_string());
                return diverge(format!(
                    "{when}: table {name:?}[{i}] is {} on regwasm, {} on wasmi",
                    show(ra),
                    show(wb)
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Never-panic runners (regwasm only)
// ---------------------------------------------------------------------------

/// Parse, validate, translate every function and verify the bytecode:
/// `true` when the module is valid. Must return, never panic.
pub fn parse_translate(engine: &regwasm::Engine, bytes: &[u8]) -> bool {
    regwasm::Module::new(engine, bytes).is_ok()
}

/// Counters of a regwasm-only run.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub modules: u64,
    pub valid: u64,
    pub instantiated: u64,
    pub calls: u64,
    pub traps: u64,
}

impl fmt::Display for RunStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "modules: {}, valid: {}, instantiated: {}, calls: {} (traps: {})",
            self.modules, self.valid, self.instantiated, self.calls, self.traps
        )
    }
}

/// regwasm engines of different shapes for the never-panic runs: eager or
/// lazy translation, default or tiny stack limits.
pub fn regwasm_engine_variant(variant: u64) -> regwasm::Engine {
    let mut config = regwasm::Config::default();
    config.verify(true).symbolic_check(true).consume_fuel(true);
    match variant % 3 {
        0 => {
            config.eager_translation(true);
        }
        1 => {
            config.eager_translation(false);
        }
        _ => {
            config
                .eager_translation(variant & 1 == 0)
                .max_call_depth(40)
                .max_value_stack(2000);
        }
    }
    regwasm::Engine::new(&config)
}

/// Instantiates `wasm` (with the host imports) and calls every exported
/// function [`CALL_ROUNDS`] times with `fuel` each, reading every export
/// afterwards. Whatever the module does, this must return, never panic.
pub fn run_regwasm(engine: &regwasm::Engine, wasm: &[u8], fuel: u64, stats: &mut RunStats) {
    stats.modules += 1;
    let Ok(module) = regwasm::Module::new(engine, wasm) else {
        return;
    };
    stats.valid += 1;
    let mut store = regwasm::Store::new(engine, ());
    store.set_fuel(fuel).expect("fuel is enabled");
    let Ok(instance) = rw::linker::<()>(engine).instantiate(&mut store, &module) else {
        return;
    };
    stats.instantiated += 1;
    let exports = rw::exports(&store, &instance);
    for round in 0..CALL_ROUNDS {
        for (index, (_, f)) in exports.funcs.iter().enumerate() {
            let params: Vec<Ty> = f.ty(&store).params().iter().map(|t| rw::ty(*t)).collect();
            let args = make_args(&params, index, round);
            store.set_fuel(fuel).expect("fuel is enabled");
            stats.calls += 1;
            if !matches!(rw::call(&mut store, *f, &args), Outcome::Ok(_)) {
                stats.traps += 1;
            }
        }
    }
    // Read everything back.
    for (_, m) in &exports.memories {
        let _ = m.data(&store).iter().fold(0u8, |a, b| a ^ b);
    }
    for (_, g) in &exports.globals {
        let _ = rw::val(&store, &g.get(&store));
    }
    for (_, t) in &exports.tables {
        for i in 0..t.size(&store).min(4096) {
            let _ = t.get(&store, i).map(|v| rw::val(&store, &v));
        }
    }
}
