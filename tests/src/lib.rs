//! Support crate for the spec test-suite runner and regression tests (see `tests/`).

use regwasm::{Config, Engine, Instance, Linker, Module, Store, WasmParams, WasmResults};

/// A module translated eagerly, with the verifier and the symbolic checker
/// on, and instantiated in its own store: what the translator tests run.
pub struct Fixture<T: 'static = ()> {
    pub module: Module,
    pub store: Store<T>,
    pub instance: Instance,
}

impl Fixture<()> {
    pub fn new(wat: &str) -> Fixture<()> {
        Fixture::with_linker(wat, (), |_| {})
    }
}

impl<T: 'static> Fixture<T> {
    /// Like [`Fixture::new`], with store data `data` and host functions
    /// that `define` adds to the linker.
    pub fn with_linker(wat: &str, data: T, define: impl FnOnce(&mut Linker<T>)) -> Fixture<T> {
        let mut config = Config::default();
        config
            .eager_translation(true)
            .verify(true)
            .symbolic_check(true);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wat).unwrap_or_else(|e| panic!("module: {e}"));
        let mut store = Store::new(&engine, data);
        let mut linker = Linker::<T>::new(&engine);
        define(&mut linker);
        let instance = linker
            .instantiate(&mut store, &module)
            .unwrap_or_else(|e| panic!("instantiate: {e}"));
        Fixture {
            module,
            store,
            instance,
        }
    }

    /// The disassembly of the function exported as `name`.
    pub fn listing(&self, name: &str) -> String {
        let index = self
            .module
            .func_index_by_name(name)
            .unwrap_or_else(|| panic!("no exported function {name}"));
        self.module
            .disassemble(index)
            .unwrap_or_else(|e| panic!("disassemble {name}: {e}"))
    }

    /// Every exported function's disassembly, in export order: the snapshot.
    pub fn all_listings(&self) -> String {
        let names: Vec<String> = self.module.exports().map(|(n, _)| n.to_string()).collect();
        let mut out = String::new();
        for name in names {
            if self.module.func_index_by_name(&name).is_some() {
                out.push_str(&format!(";; {name}\n{}\n", self.listing(&name)));
            }
        }
        out
    }

    pub fn call<P: WasmParams, R: WasmResults>(&mut self, name: &str, params: P) -> R {
        let f = self
            .instance
            .get_typed_func::<P, R>(&self.store, name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        f.call(&mut self.store, params)
            .unwrap_or_else(|e| panic!("{name} failed: {e}"))
    }

    /// Calls `name`, which must trap; returns the trap message.
    pub fn trap<P: WasmParams, R: WasmResults>(&mut self, name: &str, params: P) -> String {
        let f = self
            .instance
            .get_typed_func::<P, R>(&self.store, name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match f.call(&mut self.store, params) {
            Ok(_) => panic!("{name} returned instead of trapping"),
            Err(e) => {
                assert!(e.as_trap().is_some(), "{name}: not a trap: {e}");
                e.to_string()
            }
        }
    }

    /// Asserts that `name`'s listing uses every mnemonic of `present` and
    /// none of `absent`.
    pub fn expect_ops(&self, name: &str, present: &[&str], absent: &[&str]) {
        let listing = self.listing(name);
        let ops = mnemonics(&listing);
        for m in present {
            assert!(ops.contains(m), "{name}: expected `{m}` in\n{listing}");
        }
        for m in absent {
            assert!(!ops.contains(m), "{name}: unexpected `{m}` in\n{listing}");
        }
    }
}

/// The mnemonics of a listing, in order.
pub fn mnemonics(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .filter(|l| l.contains(" @"))
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect()
}
