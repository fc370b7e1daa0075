//! Hostile function shapes: translation must stay linear in the function's
//! size. Each case builds a module, translates it eagerly (with the bytecode
//! verifier on), prints the wall time of `Module::new` (never asserted:
//! speed is shown by benchmarks), asserts a deterministic linear bound on
//! the emitted code, and runs the function checking results worked out by
//! hand.
//!
//! `cargo test --release -p regwasm-tests --test adversarial -- --nocapture`
//! shows the timings.

use std::fmt::Write;
use std::time::Instant;

use regwasm::{Config, Engine, Error, Linker, Module, Store, WasmParams, WasmResults};

/// A function body in text form, counting the Wasm operators it holds.
#[derive(Default)]
struct Body {
    text: String,
    ops: usize,
}

impl Body {
    fn op(&mut self, op: impl std::fmt::Display) {
        let _ = writeln!(self.text, "    {op}");
        self.ops += 1;
    }

    /// Counts the function's final `end`, implicit in the text form.
    fn end_func(&mut self) {
        self.ops += 1;
    }
}

/// The engine under test: the verifier on. The symbolic checker runs
/// separately (see [`compile`]) so its cost does not hide the translator's.
fn engine(eager: bool) -> Engine {
    let mut config = Config::default();
    config.eager_translation(eager).verify(true);
    Engine::new(&config)
}

/// The module in binary form (text parsing is not part of what is timed).
fn binary(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap_or_else(|e| panic!("bad test module: {e}"))
}

/// `Module::new` with eager translation, timed.
fn compile(case: &str, wasm: &[u8]) -> (Engine, Result<Module, Error>) {
    let engine = engine(true);
    let start = Instant::now();
    let module = Module::new(&engine, wasm);
    println!("{case}: Module::new took {:?}", start.elapsed());
    if let Ok(m) = &module {
        let imported = m
            .imports()
            .filter(|(_, _, ty)| matches!(ty, regwasm::ExternType::Func(_)))
            .count() as u32;
        let start = Instant::now();
        for func in imported..m.func_count() {
            m.check_translation(func)
                .unwrap_or_else(|e| panic!("{case}: function {func}: {e}"));
        }
        println!(
            "{case}: symbolic check (translation again + checker) took {:?}",
            start.elapsed()
        );
    }
    (engine, module)
}

/// Size facts of one translated function.
struct Size {
    instrs: usize,
    code_bytes: usize,
    frame: u32,
}

fn size_of(module: &Module, name: &str) -> Size {
    let index = module.func_index_by_name(name).expect("exported");
    let listing = module.disassemble(index).expect("disassembles");
    let body = module.translated(index).expect("translated");
    Size {
        instrs: listing.lines().filter(|l| l.contains(" @")).count(),
        code_bytes: body.code.len(),
        frame: body.frame_size,
    }
}

/// Asserts the linear bounds: at most `per_op` instructions per Wasm
/// operator and `bytes_per_unit` bytes per operator or `br_table` entry.
/// Most cases allow 2 instructions per operator (an operator's own
/// instruction plus at most one preservation copy or move) and 24 bytes per
/// operator (two instructions of at most 12 bytes, the largest these cases
/// use); the `br_table` case allows 3 (its stubs: a move and a branch) and 8
/// bytes per unit, a table entry being one 4-byte offset.
fn assert_linear(
    case: &str,
    size: &Size,
    ops: usize,
    table_entries: usize,
    per_op: usize,
    bytes_per_unit: usize,
) {
    println!(
        "{case}: {ops} operators, {table_entries} table entries -> {} instructions, {} code bytes, frame {}",
        size.instrs, size.code_bytes, size.frame
    );
    assert!(
        size.instrs <= per_op * ops,
        "{case}: {} instructions for {ops} operators",
        size.instrs
    );
    assert!(
        size.code_bytes <= bytes_per_unit * (ops + table_entries),
        "{case}: {} code bytes for {ops} operators and {table_entries} table entries",
        size.code_bytes
    );
}

struct Run {
    store: Store<()>,
    instance: regwasm::Instance,
}

impl Run {
    fn new(engine: &Engine, module: &Module) -> Run {
        let mut store = Store::new(engine, ());
        let instance = Linker::<()>::new(engine)
            .instantiate(&mut store, module)
            .unwrap_or_else(|e| panic!("instantiate: {e}"));
        Run { store, instance }
    }

    fn call<P: WasmParams, R: WasmResults>(&mut self, name: &str, params: P) -> R {
        let f = self
            .instance
            .get_typed_func::<P, R>(&self.store, name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        f.call(&mut self.store, params)
            .unwrap_or_else(|e| panic!("{name} failed: {e}"))
    }
}

// ----- case 1: deep nesting times many locals -----

const NEST: u32 = 2_000;
/// Every this many locals, a lazy `local.get 0` (never written) is pushed too.
const PARAM_EVERY: u32 = 10;

/// Sets locals 1..=NEST to 3k.
fn init_locals(b: &mut Body) {
    for k in 1..=NEST {
        b.op(format_args!("i32.const {}", 3 * k));
        b.op(format_args!("local.set {k}"));
    }
}

/// `nest(p)`: lazy `local.get`s of locals 1..=NEST (and of the parameter)
/// are pushed; then NEST nested blocks, where block k, after its inner
/// block, sets local k to p + k unless p >= k (a `br_if` skips the write).
/// Returns the sum of the pushed (old) values plus the sum of the locals
/// afterwards.
fn nest_func() -> Body {
    let mut b = Body::default();
    init_locals(&mut b);
    let mut pushed = 0;
    for k in 1..=NEST {
        b.op(format_args!("local.get {k}"));
        pushed += 1;
        if k % PARAM_EVERY == 0 {
            b.op("local.get 0");
            pushed += 1;
        }
    }
    for _ in 1..=NEST {
        b.op("block");
    }
    for k in (1..=NEST).rev() {
        b.op("local.get 0");
        b.op(format_args!("i32.const {k}"));
        b.op("i32.ge_u");
        b.op("br_if 0");
        b.op("local.get 0");
        b.op(format_args!("i32.const {k}"));
        b.op("i32.add");
        b.op(format_args!("local.set {k}"));
        b.op("end");
    }
    for _ in 1..pushed {
        b.op("i32.add");
    }
    for k in 1..=NEST {
        b.op(format_args!("local.get {k}"));
        b.op("i32.add");
    }
    b.end_func();
    b
}

/// `staircase(p)`: a lazy `local.get k` is pushed just outside block k, and
/// block k starts with `if p < k then local k = p + k`: every level has a
/// reference to preserve, and the write happens on some paths only. Block
/// k yields old(k+1) + result(k+1) + local k (innermost: local NEST); the
/// function returns old(1) + result(1): again the sum of the old values plus
/// the sum of the locals afterwards.
fn staircase_func() -> Body {
    let mut b = Body::default();
    init_locals(&mut b);
    for k in 1..=NEST {
        b.op(format_args!("local.get {k}"));
        b.op("block (result i32)");
        b.op("local.get 0");
        b.op(format_args!("i32.const {k}"));
        b.op("i32.lt_u");
        b.op("if");
        b.op("local.get 0");
        b.op(format_args!("i32.const {k}"));
        b.op("i32.add");
        b.op(format_args!("local.set {k}"));
        b.op("end");
    }
    b.op(format_args!("local.get {NEST}"));
    b.op("end");
    for k in (1..NEST).rev() {
        b.op("i32.add");
        b.op(format_args!("local.get {k}"));
        b.op("i32.add");
        b.op("end");
    }
    b.op("i32.add");
    b.end_func();
    b
}

fn nest_module() -> (String, usize, usize) {
    let (nest, staircase) = (nest_func(), staircase_func());
    let locals = "i32 ".repeat(NEST as usize);
    let wat = format!(
        "(module\n  (func (export \"nest\") (param i32) (result i32) (local {locals})\n{}  )\n  (func (export \"staircase\") (param i32) (result i32) (local {locals})\n{}  ))",
        nest.text, staircase.text
    );
    (wat, nest.ops, staircase.ops)
}

/// The sum of the old values 3k plus the sum of the locals afterwards (local
/// k rewritten to p + k when p < k).
fn old_plus_new(p: u32) -> u32 {
    let mut sum = 0u32;
    for k in 1..=NEST {
        sum = sum.wrapping_add(3 * k);
        sum = sum.wrapping_add(if p < k { p.wrapping_add(k) } else { 3 * k });
    }
    sum
}

fn count_copies(module: &Module, name: &str) -> usize {
    module
        .disassemble(module.func_index_by_name(name).unwrap())
        .unwrap()
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("copy"))
        .count()
}

#[test]
fn nested_blocks_times_many_locals() {
    let (wat, nest_ops, staircase_ops) = nest_module();
    let wasm = binary(&wat);
    let (engine, module) = compile("nested blocks x locals", &wasm);
    let module = module.unwrap_or_else(|e| panic!("{e}"));
    for (name, ops) in [("nest", nest_ops), ("staircase", staircase_ops)] {
        let case = format!("nested blocks x locals ({name})");
        let size = size_of(&module, name);
        // Each lazy reference is preserved at most once, and each operator
        // emits at most one instruction otherwise.
        assert_linear(&case, &size, ops, 0, 2, 24);
        assert!(size.frame <= 3 * NEST, "{case}: frame {}", size.frame);
        let copies = count_copies(&module, name);
        println!("{case}: {copies} copies");
        assert!(
            copies <= (NEST + NEST / PARAM_EVERY) as usize,
            "{case}: {copies} copies"
        );
    }
    let mut run = Run::new(&engine, &module);
    // Hand-checked anchors: p >= NEST writes nothing: 2 * sum(3k); p = 0
    // rewrites every local to k: sum(3k) + sum(k).
    assert_eq!(old_plus_new(NEST), 2 * 6_003_000);
    assert_eq!(old_plus_new(0), 6_003_000 + 2_001_000);
    for p in [0, 1, 2, 999, 1_000, 1_999, 2_000, 2_001, 5_000, u32::MAX] {
        let pushed_params = p.wrapping_mul(NEST / PARAM_EVERY);
        let got: u32 = run.call("nest", p);
        assert_eq!(
            got,
            old_plus_new(p).wrapping_add(pushed_params),
            "nest({p})"
        );
        let got: u32 = run.call("staircase", p);
        assert_eq!(got, old_plus_new(p), "staircase({p})");
    }
}

// ----- case 2: huge br_table -----

const TABLE: u32 = 100_000;

/// The depth of table entry `i`: a fixed but irregular mix of 0..4.
fn depth_of(i: u32) -> u32 {
    (i.wrapping_mul(7) + i / 3 + i / 1000) % 4
}

fn table_targets() -> String {
    let mut s = String::with_capacity(TABLE as usize * 2);
    for i in 0..TABLE {
        let _ = write!(s, "{} ", depth_of(i));
    }
    s
}

/// `values(x)`: every target takes the value 3x. Targets 0 and 1 (`$c`,
/// `$b`) find it already in their result register, target 2 (`$a`, one
/// value lower on the stack) and 3 (the function) need moves.
///   depth 0 -> 3x + 1101, 1 -> 3x + 1100, 2 -> 3x + 1000, 3 -> 3x.
/// `void(x)`: four void blocks, each end adds to a local:
///   depth 0 -> 1111, 1 -> 1110, 2 -> 1100, 3 -> 1000.
/// The default target is depth 2 in both.
fn table_module() -> (String, usize, usize) {
    let targets = table_targets();
    let br_table = format!("br_table {targets} 2");
    let mut values = Body::default();
    for op in [
        "block $a (result i32)",
        "i32.const 100",
        "block $b (result i32)",
        "block $c (result i32)",
        "local.get 0",
        "i32.const 3",
        "i32.mul",
        "local.get 0",
        &br_table,
        "end",
        "i32.const 1",
        "i32.add",
        "end",
        "i32.add",
        "end",
        "i32.const 1000",
        "i32.add",
    ] {
        values.op(op);
    }
    values.end_func();
    let mut void = Body::default();
    for op in ["block", "block", "block", "block", "local.get 0", &br_table] {
        void.op(op);
    }
    for add in [1, 10, 100] {
        for op in [
            "end",
            "local.get 1",
            &format!("i32.const {add}"),
            "i32.add",
            "local.set 1",
        ] {
            void.op(op);
        }
    }
    for op in ["end", "local.get 1", "i32.const 1000", "i32.add"] {
        void.op(op);
    }
    void.end_func();
    let wat = format!(
        "(module\n  (func (export \"values\") (param i32) (result i32)\n{}  )\n  (func (export \"void\") (param i32) (result i32) (local i32)\n{}  ))",
        values.text, void.text
    );
    (wat, values.ops, void.ops)
}

fn values_expected(x: u32) -> u32 {
    let depth = if x < TABLE { depth_of(x) } else { 2 };
    let v = x.wrapping_mul(3);
    v.wrapping_add([1101, 1100, 1000, 0][depth as usize])
}

fn void_expected(x: u32) -> u32 {
    let depth = if x < TABLE { depth_of(x) } else { 2 };
    [1111, 1110, 1100, 1000][depth as usize]
}

#[test]
fn huge_br_table() {
    let (wat, values_ops, void_ops) = table_module();
    let wasm = binary(&wat);
    let (engine, module) = compile("br_table x 100k", &wasm);
    let module = module.unwrap_or_else(|e| panic!("{e}"));
    let entries = TABLE as usize + 1;
    for (name, ops) in [("values", values_ops), ("void", void_ops)] {
        let size = size_of(&module, name);
        assert_linear(
            &format!("br_table x 100k ({name})"),
            &size,
            ops,
            entries,
            3,
            8,
        );
    }
    // The mix really is mixed.
    let mut seen = [0u32; 4];
    for i in 0..TABLE {
        seen[depth_of(i) as usize] += 1;
    }
    assert!(seen.iter().all(|&n| n > TABLE / 8), "depth mix {seen:?}");
    // Hand-checked anchors: entries 0, 1, 2, 3 have depths 0, 3, 2, 2.
    assert_eq!(
        [depth_of(0), depth_of(1), depth_of(2), depth_of(3)],
        [0, 3, 2, 2]
    );
    assert_eq!(values_expected(0), 1101);
    assert_eq!(values_expected(1), 3);
    assert_eq!(values_expected(TABLE), 300_000 + 1000);
    assert_eq!(void_expected(1), 1000);

    let mut run = Run::new(&engine, &module);
    let mut indices: Vec<u32> = (0..16).collect();
    indices.extend([999, 1_000, 1_001, 50_000, 77_777, TABLE - 2, TABLE - 1]);
    // Out of range: the default target.
    indices.extend([TABLE, TABLE + 1, 123_456, i32::MAX as u32, u32::MAX]);
    for x in indices {
        let got: u32 = run.call("values", x);
        assert_eq!(
            got,
            values_expected(x),
            "values({x}), depth {}",
            depth_of(x)
        );
        let got: u32 = run.call("void", x);
        assert_eq!(got, void_expected(x), "void({x}), depth {}", depth_of(x));
    }
}

// ----- case 3: a very deep operand stack of lazy references -----

/// `deep(x)`: pushes `local.get 0` `depth` times, then sets local 0 to
/// x ^ 12345 (the pushed references must keep the old value), adds up the
/// pushed values and the new local: depth * x + (x ^ 12345).
fn deep_module(depth: usize) -> (String, usize) {
    let mut b = Body::default();
    for _ in 0..depth {
        b.op("local.get 0");
    }
    b.op("local.get 0");
    b.op("i32.const 12345");
    b.op("i32.xor");
    b.op("local.set 0");
    for _ in 1..depth {
        b.op("i32.add");
    }
    b.op("local.get 0");
    b.op("i32.add");
    b.end_func();
    let wat = format!(
        "(module (func (export \"deep\") (param i32) (result i32)\n{}))",
        b.text
    );
    (wat, b.ops)
}

const DEEP_FITS: usize = 60_000;
const DEEP_TOO_MANY: usize = 100_000;

#[test]
fn deep_stack_of_lazy_references() {
    let (wat, ops) = deep_module(DEEP_FITS);
    let wasm = binary(&wat);
    let case = format!("stack depth {DEEP_FITS}");
    let (engine, module) = compile(&case, &wasm);
    let module = module.unwrap_or_else(|e| panic!("{e}"));
    let size = size_of(&module, "deep");
    assert_linear(&case, &size, ops, 0, 2, 24);
    assert!(size.frame as usize <= DEEP_FITS + 8, "frame {}", size.frame);
    let mut run = Run::new(&engine, &module);
    let n = DEEP_FITS as u32;
    // 60000 * 1 + (1 ^ 12345 = 12344)
    assert_eq!(n.wrapping_mul(1) + (1 ^ 12345), 72_344);
    let cases: [(u32, u32); 5] = [
        (1, 72_344),
        (0, 12_345),
        (7, 420_000 + 12_350),
        (u32::MAX, 0u32.wrapping_sub(n).wrapping_add(!12_345u32)),
        (
            0x1234_5678,
            0x1234_5678u32
                .wrapping_mul(n)
                .wrapping_add(0x1234_5678 ^ 12_345),
        ),
    ];
    for (x, want) in cases {
        assert_eq!(run.call::<u32, u32>("deep", x), want, "deep({x})");
    }
}

#[test]
fn too_deep_stack_is_a_clean_error() {
    let (wat, _) = deep_module(DEEP_TOO_MANY);
    let wasm = binary(&wat);
    let case = format!("stack depth {DEEP_TOO_MANY}");
    let (_, module) = compile(&case, &wasm);
    match module {
        Ok(_) => panic!("a {DEEP_TOO_MANY}-deep operand stack cannot fit 65535 registers"),
        Err(e) => {
            let msg = e.to_string();
            println!("{case}: {msg}");
            assert!(matches!(e, Error::Translate(_)), "{msg}");
            assert!(msg.contains("registers"), "{msg}");
        }
    }
    // Lazily translated: the module loads, the call reports the error.
    let engine = engine(false);
    let module = Module::new(&engine, &wasm).unwrap_or_else(|e| panic!("lazy: {e}"));
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_or_else(|e| panic!("instantiate: {e}"));
    let f = instance
        .get_typed_func::<u32, u32>(&store, "deep")
        .unwrap_or_else(|e| panic!("{e}"));
    match f.call(&mut store, 1) {
        Ok(v) => panic!("returned {v}"),
        Err(e) => assert!(e.to_string().contains("registers"), "{e}"),
    }
}

// ----- case 4: the maximum number of locals -----

/// wasmparser's limit on a function's locals (parameters included).
const MAX_LOCALS: u32 = 50_000;

#[test]
fn fifty_thousand_locals() {
    // One parameter, then i32 and i64 locals up to the limit. Local
    // MAX_LOCALS - 1 (an i64) is read before it is written: it must be
    // zero on every call.
    let i32_locals = MAX_LOCALS / 2 - 1;
    let i64_locals = MAX_LOCALS - 1 - i32_locals;
    let last = MAX_LOCALS - 1;
    let mut b = Body::default();
    b.op(format_args!("local.get {last}"));
    b.op("local.get 0");
    b.op("i64.extend_i32_u");
    b.op("i64.add");
    b.op(format_args!("local.tee {last}"));
    b.op(format_args!("local.get {}", i32_locals + 1));
    b.op("i64.add");
    b.op(format_args!("local.get {i32_locals}"));
    b.op("i64.extend_i32_u");
    b.op("i64.add");
    b.op("i64.const 1");
    b.op("i64.add");
    b.end_func();
    let wat = format!(
        "(module (func (export \"many\") (param i32) (result i64) (local {}) (local {})\n{}))",
        "i32 ".repeat(i32_locals as usize),
        "i64 ".repeat(i64_locals as usize),
        b.text
    );
    let wasm = binary(&wat);
    let case = format!("{MAX_LOCALS} locals");
    let (engine, module) = compile(&case, &wasm);
    let module = module.unwrap_or_else(|e| panic!("{e}"));
    let size = size_of(&module, "many");
    assert_linear(&case, &size, b.ops, 0, 2, 24);
    assert!(size.frame <= MAX_LOCALS + 8, "frame {}", size.frame);
    let mut run = Run::new(&engine, &module);
    for x in [0u32, 5, 5, u32::MAX, u32::MAX] {
        // Written locals start from zero again on the next call.
        assert_eq!(
            run.call::<u32, u64>("many", x),
            u64::from(x) + 1,
            "many({x})"
        );
    }

    // One local more than the limit is rejected cleanly.
    let wat = format!(
        "(module (func (param i32) (local {})))",
        "i32 ".repeat(MAX_LOCALS as usize)
    );
    let err = Module::new(&engine, binary(&wat))
        .err()
        .expect("too many locals");
    assert!(matches!(err, Error::Module(_)), "{err}");
}
