//! Store limits, interruption and host errors: each limit is hit and the
//! error checked, and the store stays usable afterwards.

use regwasm::{Caller, Config, Engine, Error, Linker, Module, Store, StoreLimits, TrapCode};
use std::time::Duration;

fn engine() -> Engine {
    Engine::default()
}

#[test]
fn memory_pages_limit() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits {
        memory_pages: 4,
        ..StoreLimits::default()
    });
    let linker = Linker::new(&engine);
    let big = Module::new(&engine, "(module (memory 5))").unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &big),
        Err(Error::Limit(_))
    ));
    let grows = Module::new(
        &engine,
        r#"(module (memory 1)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &grows).unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), 1);
    // Past the limit the guest sees -1, as for a maximum.
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 0).unwrap(), 4);
}

#[test]
fn memory_grow_to_the_32_bit_limit_fails_cleanly() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (memory 0)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 65537).unwrap(), -1);
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
}

#[test]
fn table_elements_limit() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits {
        table_elements: 100,
        ..StoreLimits::default()
    });
    let linker = Linker::new(&engine);
    let big = Module::new(&engine, "(module (table 101 funcref))").unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &big),
        Err(Error::Limit(_))
    ));
    let grows = Module::new(
        &engine,
        r#"(module (table 10 funcref)
            (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow 0))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &grows).unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 90).unwrap(), 10);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    // Unlimited tables still stop at the engine's own cap instead of
    // exhausting host memory.
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
}

#[test]
fn instance_limit() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits {
        instances: 2,
        ..StoreLimits::default()
    });
    let linker = Linker::new(&engine);
    let module = Module::new(&engine, "(module)").unwrap();
    linker.instantiate(&mut store, &module).unwrap();
    linker.instantiate(&mut store, &module).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Limit(_))
    ));
}

#[test]
fn interrupt_from_another_thread_stops_an_infinite_loop() {
    let mut config = Config::default();
    config.interruptible(true);
    let engine = Engine::new(&config);
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "spin") (loop br 0))
            (func (export "one") (result i32) i32.const 1))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let spin = instance.get_typed_func::<(), ()>(&store, "spin").unwrap();
    let handle = store.interrupt_handle();
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let err = spin.call(&mut store, ()).unwrap_err();
    interrupter.join().unwrap();
    assert_eq!(err.as_trap().map(|t| t.code()), Some(TrapCode::Interrupted));
    assert_eq!(err.to_string(), "interrupted");
    // The interrupt was consumed: the store runs the next call normally.
    let one = instance.get_typed_func::<(), i32>(&store, "one").unwrap();
    assert_eq!(one.call(&mut store, ()).unwrap(), 1);
}

#[test]
fn host_errors_and_panics_surface_as_errors() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "fail" (func $fail (param i32) (result i32)))
            (func (export "call") (param i32) (result i32)
              local.get 0 call $fail i32.const 1 i32.add))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "fail",
            |mut caller: Caller<'_, u32>, x: i32| -> Result<i32, Error> {
                *caller.data_mut() += 1;
                match x {
                    0 => Err(Error::host("the host says no")),
                    1 => panic!("host function panicked on purpose"),
                    _ => Ok(x * 10),
                }
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let call = instance.get_typed_func::<i32, i32>(&store, "call").unwrap();
    let err = call.call(&mut store, 0).unwrap_err();
    assert!(matches!(err, Error::Host(_)), "{err}");
    assert!(err.to_string().contains("the host says no"));
    let err = call.call(&mut store, 1).unwrap_err();
    assert!(matches!(err, Error::Host(_)), "{err}");
    assert!(err.to_string().contains("panicked on purpose"), "{err}");
    // The store is still usable, and the value stack was unwound.
    assert_eq!(call.call(&mut store, 4).unwrap(), 41);
    assert_eq!(*store.data(), 3);
}
