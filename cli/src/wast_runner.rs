//! Runs `.wast` scripts against the regwasm engine.
//!
//! One script gets one [`Engine`], one [`Store`] and one [`Linker`] for its
//! whole run. Every `module` directive instantiates a fresh instance in that
//! store, which becomes the "current" module; `register` makes an instance's
//! exports importable under a module name for the rest of the script. The
//! `spectest` host module of the spec interpreter is defined up front.
//!
//! Every directive is counted as passed or failed. A failure records
//! `file:line:col: what went wrong`. A panic inside the engine is caught and
//! counted as a failure of that directive; the run goes on.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use regwasm::{
    Config, Engine, Error, ExternRef, Global, GlobalType, Instance, Linker, Memory, MemoryType,
    Module, Mutability, RefType, Store, Table, TableType, Val, ValType,
};
use wast::core::{AbstractHeapType, HeapType, NanPattern, WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Id;
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::panic_guard::catch_quiet;

/// Pass/fail counts of one kind of directive.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
}

/// The outcome of running one script.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The script's name (usually its path) as used in failure messages.
    pub name: String,
    /// Directives that passed.
    pub passed: usize,
    /// Directives that failed (including a script that failed to parse, counted once).
    pub failed: usize,
    /// Counts per directive kind (`module`, `assert_return`, ...).
    pub by_kind: BTreeMap<&'static str, Counts>,
    /// One message per failure, `name:line:col: what`, in script order.
    pub failures: Vec<String>,
}

impl Report {
    fn new(name: &str) -> Self {
        Report {
            name: name.to_string(),
            ..Report::default()
        }
    }

    /// True when no directive failed.
    pub fn is_ok(&self) -> bool {
        self.failed == 0
    }

    fn record(&mut self, kind: &'static str, location: &str, outcome: Result<(), String>) {
        let counts = self.by_kind.entry(kind).or_default();
        match outcome {
            Ok(()) => {
                counts.passed += 1;
                self.passed += 1;
            }
            Err(msg) => {
                counts.failed += 1;
                self.failed += 1;
                self.failures.push(format!("{location}: {kind}: {msg}"));
            }
        }
    }

    /// `N passed, N failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// Reads and runs the script at `path`.
pub fn run_wast_file(path: &Path) -> Report {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => run_wast_source(&name, &text),
        Err(e) => {
            let mut report = Report::new(&name);
            report.record("read", &name, Err(format!("cannot read file: {e}")));
            report
        }
    }
}

/// Runs a script given as text; `name` is used in failure messages.
pub fn run_wast_source(name: &str, text: &str) -> Report {
    let mut report = Report::new(name);
    let mut lexer = Lexer::new(text);
    // names.wast and friends use bidi and other "confusing" characters in
    // strings on purpose; they are valid Wasm names.
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(e) => return parse_failure(report, name, text, e),
    };
    match parser::parse::<Wast>(&buf) {
        Ok(wast) => run_directives(name, text, wast, &mut report),
        Err(e) => return parse_failure(report, name, text, e),
    }
    report
}

fn parse_failure(mut report: Report, name: &str, text: &str, mut e: wast::Error) -> Report {
    e.set_path(Path::new(name));
    e.set_text(text);
    report.record("parse", name, Err(format!("script does not parse: {e}")));
    report
}

fn run_directives(name: &str, text: &str, wast: Wast<'_>, report: &mut Report) {
    let runner = catch_quiet(Runner::new);
    let mut runner = match runner {
        Ok(Ok(runner)) => runner,
        Ok(Err(msg)) | Err(msg) => {
            report.record("setup", name, Err(msg));
            return;
        }
    };
    for directive in wast.directives {
        let (line, col) = directive.span().linecol_in(text);
        let location = format!("{name}:{}:{}", line + 1, col + 1);
        let kind = directive_kind(&directive);
        let outcome = match catch_quiet(|| runner.run(directive)) {
            Ok(outcome) => outcome,
            Err(panic) => Err(format!("engine panicked: {panic}")),
        };
        report.record(kind, &location, outcome);
    }
}

fn directive_kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

/// Directive outcome: `Err` holds the failure message.
type Outcome = Result<(), String>;

struct Runner {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// The last successfully instantiated module (`None` after a module
    /// directive failed, so later invokes fail visibly instead of running
    /// against a stale module).
    current: Option<Instance>,
    /// Instances by their `$id`.
    named: HashMap<String, Instance>,
    /// Compiled `module definition`s by their `$id`, and the last one.
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    /// Host references `ref.extern N`, one per N so identity is stable.
    externs: HashMap<u32, ExternRef>,
}

impl Runner {
    fn new() -> Result<Runner, String> {
        // Translate and verify every function up front, so a translation
        // bug shows even in functions the script never calls.
        let mut config = Config::new();
        config
            .eager_translation(true)
            .verify(true)
            .symbolic_check(true);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        define_spectest(&mut store, &mut linker)
            .map_err(|e| format!("cannot define the spectest module: {e}"))?;
        Ok(Runner {
            engine,
            store,
            linker,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            externs: HashMap::new(),
        })
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(mut module) => {
                let id = module.name().map(|id| id.name().to_string());
                if let Some(id) = &id {
                    self.named.remove(id);
                }
                self.current = None;
                let bytes = encode(&mut module)?;
                let instance = self.instantiate(&bytes)?;
                if let Some(id) = id {
                    self.named.insert(id, instance);
                }
                self.current = Some(instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let id = module.name().map(|id| id.name().to_string());
                let bytes = encode(&mut module)?;
                let compiled = Module::new(&self.engine, &bytes)
                    .map_err(|e| format!("module failed to compile: {e}"))?;
                if let Some(id) = id {
                    self.definitions.insert(id, compiled.clone());
                }
                self.last_definition = Some(compiled);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let definition = match module {
                    Some(id) => self.definitions.get(id.name()),
                    None => self.last_definition.as_ref(),
                }
                .ok_or("no such module definition")?;
                let result = self.linker.instantiate(&mut self.store, definition);
                let inst = result.map_err(|e| format!("instantiation failed: {e}"))?;
                if let Some(id) = instance {
                    self.named.insert(id.name().to_string(), inst);
                }
                self.current = Some(inst);
                Ok(())
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                let bytes = match module.encode() {
                    // A quoted module whose text does not parse is malformed.
                    Err(_) => return Ok(()),
                    Ok(bytes) => bytes,
                };
                expect_rejected(Module::new(&self.engine, &bytes), "a malformed", message)
            }
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                let bytes = match module.encode() {
                    // The text format already rejects some invalid modules
                    // (e.g. unknown labels or types).
                    Err(_) => return Ok(()),
                    Ok(bytes) => bytes,
                };
                expect_rejected(Module::new(&self.engine, &bytes), "an invalid", message)
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let bytes = encode_wat(&mut module)?;
                let compiled = Module::new(&self.engine, &bytes)
                    .map_err(|e| format!("module failed to compile: {e}"))?;
                match self.linker.instantiate(&mut self.store, &compiled) {
                    Ok(_) => Err(format!(
                        "expected an unlinkable module ({message:?}), but it instantiated"
                    )),
                    Err(e) if e.as_trap().is_some() => Err(format!(
                        "expected a link error ({message:?}), got trap: {e}"
                    )),
                    Err(_) => Ok(()),
                }
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map_err(|e| format!("cannot register as {name:?}: {e}"))?;
                Ok(())
            }
            WastDirective::Invoke(invoke) => self
                .invoke(&invoke)?
                .map(drop)
                .map_err(|e| format!("call failed: {e}")),
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self.execute(exec)?;
                self.check_results(&results, &actual)
            }
            WastDirective::AssertTrap { exec, message, .. } => match exec {
                WastExecute::Wat(mut module) => {
                    let bytes = encode_wat(&mut module)?;
                    let compiled = Module::new(&self.engine, &bytes)
                        .map_err(|e| format!("module failed to compile: {e}"))?;
                    let result = self.linker.instantiate(&mut self.store, &compiled);
                    expect_trap(Ok(result), message)
                }
                WastExecute::Invoke(invoke) => expect_trap(self.invoke(&invoke), message),
                WastExecute::Get { .. } => Err("`get` cannot trap".to_string()),
            },
            WastDirective::AssertExhaustion { call, message, .. } => {
                expect_trap(self.invoke(&call), message)
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertException { .. }
            | WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => {
                Err("directive not supported (not part of Wasm 2.0)".to_string())
            }
        }
    }

    /// Compiles and instantiates a module with the script's linker.
    fn instantiate(&mut self, bytes: &[u8]) -> Result<Instance, String> {
        let module = Module::new(&self.engine, bytes)
            .map_err(|e| format!("module failed to compile: {e}"))?;
        self.linker
            .instantiate(&mut self.store, &module)
            .map_err(|e| format!("instantiation failed: {e}"))
    }

    /// The instance named `id`, or the current one.
    fn instance(&self, id: Option<Id<'_>>) -> Result<Instance, String> {
        match id {
            Some(id) => self
                .named
                .get(id.name())
                .copied()
                .ok_or_else(|| format!("no module named ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| "no current module (the last module failed)".to_string()),
        }
    }

    /// Runs an `exec` form; returns its results.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, String> {
        match exec {
            WastExecute::Invoke(invoke) => self
                .invoke(&invoke)?
                .map_err(|e| format!("call failed: {e}")),
            WastExecute::Wat(mut module) => {
                let bytes = encode_wat(&mut module)?;
                self.instantiate(&bytes)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                let g = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| format!("no global export {global:?}"))?;
                Ok(vec![g.get(&self.store)])
            }
        }
    }

    /// Calls an exported function. The outer `Err` is a setup problem
    /// (unknown module or export, bad arguments); the inner result is the
    /// call's own outcome.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Result<Vec<Val>, Error>, String> {
        let instance = self.instance(invoke.module)?;
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| format!("no function export {:?}", invoke.name))?;
        let args = invoke
            .args
            .iter()
            .map(|arg| self.arg(arg))
            .collect::<Result<Vec<Val>, String>>()?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        Ok(func
            .call(&mut self.store, &args, &mut results)
            .map(|()| results))
    }

    fn arg(&mut self, arg: &WastArg<'_>) -> Result<Val, String> {
        let WastArg::Core(arg) = arg else {
            return Err("component-model arguments are not supported".to_string());
        };
        Ok(match arg {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(f) => Val::F32(f.bits),
            WastArgCore::F64(f) => Val::F64(f.bits),
            WastArgCore::RefNull(HeapType::Abstract {
                ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
                ..
            }) => Val::FuncRef(None),
            WastArgCore::RefNull(HeapType::Abstract {
                ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
                ..
            }) => Val::ExternRef(None),
            WastArgCore::RefExtern(n) => Val::ExternRef(Some(self.extern_ref(*n))),
            other => return Err(format!("unsupported argument {other:?}")),
        })
    }

    fn extern_ref(&mut self, n: u32) -> ExternRef {
        if let Some(r) = self.externs.get(&n) {
            return *r;
        }
        let r = ExternRef::new(&mut self.store, n);
        self.externs.insert(n, r);
        r
    }

    fn check_results(&self, expected: &[WastRet<'_>], actual: &[Val]) -> Outcome {
        if expected.len() != actual.len() {
            return Err(format!(
                "expected {} result(s), got {}: [{}]",
                expected.len(),
                actual.len(),
                self.show_vals(actual)
            ));
        }
        for (i, (want, got)) in expected.iter().zip(actual).enumerate() {
            let WastRet::Core(want) = want else {
                return Err("component-model results are not supported".to_string());
            };
            if !self.matches(want, got) {
                return Err(format!(
                    "result {i}: expected {}, got {} (all results: [{}])",
                    show_expected(want),
                    self.show_val(got),
                    self.show_vals(actual)
                ));
            }
        }
        Ok(())
    }

    fn matches(&self, want: &WastRetCore<'_>, got: &Val) -> bool {
        match (want, got) {
            (WastRetCore::I32(w), Val::I32(g)) => w == g,
            (WastRetCore::I64(w), Val::I64(g)) => w == g,
            (WastRetCore::F32(w), Val::F32(g)) => match w {
                NanPattern::CanonicalNan => g & 0x7fff_ffff == 0x7fc0_0000,
                NanPattern::ArithmeticNan => g & 0x7fc0_0000 == 0x7fc0_0000,
                NanPattern::Value(w) => w.bits == *g,
            },
            (WastRetCore::F64(w), Val::F64(g)) => match w {
                NanPattern::CanonicalNan => g & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
                NanPattern::ArithmeticNan => g & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
                NanPattern::Value(w) => w.bits == *g,
            },
            (WastRetCore::RefNull(ty), Val::FuncRef(None)) => matches!(
                ty,
                None | Some(HeapType::Abstract {
                    ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
                    ..
                })
            ),
            (WastRetCore::RefNull(ty), Val::ExternRef(None)) => matches!(
                ty,
                None | Some(HeapType::Abstract {
                    ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
                    ..
                })
            ),
            // Which function a reference points at is not checked.
            (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
            (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
            (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
                self.extern_value(r) == Some(*n)
            }
            (WastRetCore::Either(options), got) => options.iter().any(|w| self.matches(w, got)),
            _ => false,
        }
    }

    /// The host value N of a `ref.extern N` reference, if it is one.
    fn extern_value(&self, r: &ExternRef) -> Option<u32> {
        r.data(&self.store).downcast_ref::<u32>().copied()
    }

    fn show_val(&self, val: &Val) -> String {
        match val {
            Val::I32(v) => format!("i32 {v} (0x{:08x})", *v as u32),
            Val::I64(v) => format!("i64 {v} (0x{:016x})", *v as u64),
            Val::F32(b) => format!("f32 {} (0x{b:08x})", f32::from_bits(*b)),
            Val::F64(b) => format!("f64 {} (0x{b:016x})", f64::from_bits(*b)),
            Val::FuncRef(None) => "ref.null func".to_string(),
            Val::FuncRef(Some(_)) => "ref.func".to_string(),
            Val::ExternRef(None) => "ref.null extern".to_string(),
            Val::ExternRef(Some(r)) => match self.extern_value(r) {
                Some(n) => format!("ref.extern {n}"),
                None => "ref.extern (foreign host value)".to_string(),
            },
        }
    }

    fn show_vals(&self, vals: &[Val]) -> String {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&self.show_val(v));
        }
        s
    }
}

fn show_expected(want: &WastRetCore<'_>) -> String {
    fn nan<T>(p: &NanPattern<T>, ty: &str, value: impl Fn(&T) -> String) -> String {
        match p {
            NanPattern::CanonicalNan => format!("{ty} nan:canonical"),
            NanPattern::ArithmeticNan => format!("{ty} nan:arithmetic"),
            NanPattern::Value(v) => format!("{ty} {}", value(v)),
        }
    }
    match want {
        WastRetCore::I32(v) => format!("i32 {v} (0x{:08x})", *v as u32),
        WastRetCore::I64(v) => format!("i64 {v} (0x{:016x})", *v as u64),
        WastRetCore::F32(p) => nan(p, "f32", |f| {
            format!("{} (0x{:08x})", f32::from_bits(f.bits), f.bits)
        }),
        WastRetCore::F64(p) => nan(p, "f64", |f| {
            format!("{} (0x{:016x})", f64::from_bits(f.bits), f.bits)
        }),
        WastRetCore::RefNull(_) => "ref.null".to_string(),
        WastRetCore::RefFunc(_) => "ref.func".to_string(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".to_string(),
        WastRetCore::Either(options) => {
            let mut s = String::from("one of [");
            for (i, o) in options.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "{}", show_expected(o));
            }
            s.push(']');
            s
        }
        other => format!("{other:?}"),
    }
}

/// Checks that compiling a module failed because the module is malformed or
/// invalid. A translation failure does not count: the module passed
/// validation, so rejecting it is an engine bug.
fn expect_rejected(result: Result<Module, Error>, what: &str, message: &str) -> Outcome {
    match result {
        Ok(_) => Err(format!(
            "expected {what} module ({message:?}), but it compiled"
        )),
        Err(e @ Error::Translate(_)) => Err(format!(
            "expected {what} module ({message:?}), but it validated and then failed to translate: {e}"
        )),
        Err(_) => Ok(()),
    }
}

/// Checks that `result` is a trap whose message matches `expected`: the
/// engine's message contains the expected text, or is a prefix of it (the
/// suite sometimes adds detail, e.g. "uninitialized element 2").
fn expect_trap<T>(result: Result<Result<T, Error>, String>, expected: &str) -> Outcome {
    match result? {
        Ok(_) => Err(format!("expected trap {expected:?}, but it returned")),
        Err(e) => match e.as_trap() {
            Some(trap) => {
                let got = trap.to_string();
                if trap_message_matches(&got, expected) {
                    Ok(())
                } else {
                    Err(format!("expected trap {expected:?}, got trap {got:?}"))
                }
            }
            None => Err(format!("expected trap {expected:?}, got error: {e}")),
        },
    }
}

fn trap_message_matches(got: &str, expected: &str) -> bool {
    !got.is_empty() && (got.contains(expected) || expected.starts_with(got))
}

/// Encodes a module form to binary. An error here fails the directive.
fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    module
        .encode()
        .map_err(|e| format!("module text does not encode: {}", e.message()))
}

fn encode_wat(module: &mut Wat<'_>) -> Result<Vec<u8>, String> {
    module
        .encode()
        .map_err(|e| format!("module text does not encode: {}", e.message()))
}

/// Defines the spec interpreter's `spectest` module.
fn define_spectest(store: &mut Store<()>, linker: &mut Linker<()>) -> Result<(), Error> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;
    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, value) in globals {
        let global = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), value)?;
        linker.define("spectest", name, global)?;
    }
    let table = Table::new(
        &mut *store,
        TableType::new(RefType::Func, 10, Some(20)),
        Val::FuncRef(None),
    )?;
    linker.define("spectest", "table", table)?;
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define("spectest", "memory", memory)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_messages() {
        assert!(trap_message_matches(
            "out of bounds memory access",
            "out of bounds memory access"
        ));
        assert!(trap_message_matches(
            "uninitialized element",
            "uninitialized element 2"
        ));
        assert!(trap_message_matches(
            "wasm trap: integer overflow (at func 3)",
            "integer overflow"
        ));
        assert!(!trap_message_matches("unreachable", "integer overflow"));
        assert!(!trap_message_matches("", "integer overflow"));
    }

    #[test]
    fn unparsable_script_is_one_failure() {
        let report = run_wast_source("bad.wast", "(module (func $f)) (assert_return");
        assert_eq!(report.failed, 1, "{report:?}");
        assert!(report.failures[0].contains("does not parse"));
    }
}
