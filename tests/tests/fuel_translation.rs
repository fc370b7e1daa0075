//! With fuel metering on, the translator charges each straight-line segment
//! at the function entry and at every loop header.

use regwasm::{Config, Engine, Linker, Module, Store};

#[test]
fn fuel_points_at_entry_and_loop_headers() {
    let mut config = Config::default();
    config
        .consume_fuel(true)
        .eager_translation(true)
        .verify(true)
        .symbolic_check(true);
    let engine = Engine::new(&config);
    let module = Module::new(
        &engine,
        r#"(module (func (export "f") (param i32) (result i32) (local i32)
            loop
              local.get 1 i32.const 3 i32.add local.set 1
              local.get 0 i32.const 1 i32.sub local.tee 0
              br_if 0
            end
            local.get 1))"#,
    )
    .unwrap();
    let listing = module.disassemble(0).unwrap();
    // One charge before the loop, one at its header (inside, so every
    // iteration pays).
    assert_eq!(listing.matches("consume_fuel").count(), 2);
    insta::assert_snapshot!("fuel_points_at_entry_and_loop_headers", listing);

    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    store.set_fuel(1_000).unwrap();
    assert_eq!(f.call(&mut store, 5).unwrap(), 15);
    // The entry segment is the `loop` operator alone; the header's segment
    // runs to the end of the function (13 operators), charged per iteration.
    assert_eq!(1_000 - store.get_fuel().unwrap(), 1 + 5 * 13);
}
