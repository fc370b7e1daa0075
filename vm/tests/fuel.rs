//! Fuel metering: loops end when fuel runs out, and the store stays usable.

use regwasm::{Config, Engine, Linker, Module, Store};

const WAT: &str = r#"(module
  (func (export "spin") (loop br 0))
  (func (export "count") (param i32) (result i32) (local i32)
    loop
      local.get 1 i32.const 1 i32.add local.set 1
      local.get 1 local.get 0 i32.lt_u br_if 0
    end
    local.get 1))"#;

fn setup(fuel: bool) -> (Store<()>, regwasm::Instance) {
    let mut config = Config::default();
    config.consume_fuel(fuel);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, instance)
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let (mut store, instance) = setup(true);
    store.set_fuel(1_000_000).unwrap();
    let spin = instance.get_typed_func::<(), ()>(&store, "spin").unwrap();
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.to_string(), "all fuel consumed by WebAssembly");
    assert_eq!(err.as_trap().unwrap().code(), regwasm::TrapCode::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn fuel_is_charged_per_operator_and_refillable() {
    let (mut store, instance) = setup(true);
    let count = instance
        .get_typed_func::<i32, i32>(&store, "count")
        .unwrap();
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(count.call(&mut store, 10).unwrap(), 10);
    let used_10 = 1_000_000 - store.get_fuel().unwrap();
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(count.call(&mut store, 20).unwrap(), 20);
    let used_20 = 1_000_000 - store.get_fuel().unwrap();
    // Ten more iterations of the loop body (a fixed number of operators each).
    let per_iteration = (used_20 - used_10) / 10;
    assert_eq!(used_20 - used_10, per_iteration * 10);
    assert!(
        per_iteration >= 10,
        "the loop body has 11 operators, charged {per_iteration}"
    );
    // Too little fuel traps; more fuel lets the same store go on.
    store.set_fuel(used_20 / 2).unwrap();
    assert!(count.call(&mut store, 20).is_err());
    store.set_fuel(used_20).unwrap();
    assert_eq!(count.call(&mut store, 20).unwrap(), 20);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn fuel_requires_the_config_switch() {
    let (mut store, instance) = setup(false);
    assert!(store.set_fuel(10).is_err());
    assert!(store.get_fuel().is_err());
    let count = instance
        .get_typed_func::<i32, i32>(&store, "count")
        .unwrap();
    assert_eq!(count.call(&mut store, 1000).unwrap(), 1000);
}
