//! Engine configuration.

/// Settings shared by every module and store of an [`crate::Engine`].
///
/// ```
/// use regwasm::{Config, Engine, Linker, Module, Store};
///
/// let mut config = Config::new();
/// config.eager_translation(true).verify(true).max_call_depth(100);
/// let engine = Engine::new(&config);
/// let module = Module::new(&engine, r#"(module
///     (func $f (export "f") (param i32) (result i32)
///       local.get 0 i32.const 1 i32.add call $f))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
/// let f = instance.get_typed_func::<i32, i32>(&store, "f")?;
/// let err = f.call(&mut store, 0).unwrap_err();
/// assert_eq!(err.to_string(), "call stack exhausted");
/// # Ok::<(), regwasm::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) eager_translation: bool,
    pub(crate) parallel_compilation: bool,
    pub(crate) verify: bool,
    pub(crate) symbolic_check: bool,
    pub(crate) max_value_stack: usize,
    pub(crate) max_call_depth: usize,
    pub(crate) consume_fuel: bool,
    pub(crate) interruptible: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            eager_translation: false,
            parallel_compilation: true,
            verify: cfg!(debug_assertions),
            symbolic_check: cfg!(debug_assertions),
            max_value_stack: 1 << 20,
            max_call_depth: 10_000,
            consume_fuel: false,
            interruptible: false,
        }
    }
}

impl Config {
    pub fn new() -> Config {
        Config::default()
    }

    /// Translate every function at `Module::new` instead of on first call.
    pub fn eager_translation(&mut self, yes: bool) -> &mut Config {
        self.eager_translation = yes;
        self
    }

    /// Validate function bodies, and translate them when translation is
    /// eager, on every core (rayon's thread pool). On by default, as in
    /// wasmtime; small modules are always handled on the calling thread.
    pub fn parallel_compilation(&mut self, yes: bool) -> &mut Config {
        self.parallel_compilation = yes;
        self
    }

    /// Run the bytecode verifier on every translated function (always on in
    /// debug builds).
    pub fn verify(&mut self, yes: bool) -> &mut Config {
        self.verify = yes || cfg!(debug_assertions);
        self
    }

    /// Run the symbolic translation checker on every translated function
    /// (always on in debug builds): it proves that every register an
    /// instruction reads holds the Wasm value the translator meant, on every
    /// path, and fails the translation with an internal error otherwise.
    /// Costs about as much as the translation itself.
    pub fn symbolic_check(&mut self, yes: bool) -> &mut Config {
        self.symbolic_check = yes || cfg!(debug_assertions);
        self
    }

    /// Value-stack size in 64-bit slots; exceeding it traps with
    /// "call stack exhausted".
    pub fn max_value_stack(&mut self, slots: usize) -> &mut Config {
        self.max_value_stack = slots.max(16);
        self
    }

    /// Meter execution with fuel: one unit per Wasm operator, charged per
    /// straight-line segment at function entries and loop headers. A store
    /// starts with no fuel (see [`crate::Store::set_fuel`]); running out traps
    /// with "all fuel consumed by WebAssembly".
    pub fn consume_fuel(&mut self, yes: bool) -> &mut Config {
        self.consume_fuel = yes;
        self
    }

    /// Let another thread stop running guests: with this set, code checks
    /// the store's interrupt flag (see [`crate::Store::interrupt_handle`]) at
    /// function entries and loop headers, and traps with "interrupted".
    pub fn interruptible(&mut self, yes: bool) -> &mut Config {
        self.interruptible = yes;
        self
    }

    /// Maximum depth of nested Wasm calls; exceeding it traps with
    /// "call stack exhausted".
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Config {
        self.max_call_depth = depth.max(1);
        self
    }
}
