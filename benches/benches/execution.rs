//! Criterion front end over the same workloads and checks as the report:
//! `cargo bench -p regwasm-benches [-- FILTER]`. Every iteration's output is
//! checked; a failing engine/workload pair is reported and skipped.

use criterion::{criterion_group, criterion_main, Criterion};
use regwasm_benches::engines::{self, Translation};
use regwasm_benches::{translation, workloads};
use std::time::Duration;

fn execution(c: &mut Criterion) {
    let all = workloads::load(&workloads::bench_dir()).expect("loading workloads");
    for w in &all {
        if w.heavy {
            eprintln!(
                "SKIPPED {}: seconds to minutes per run; use the report",
                w.name
            );
            continue;
        }
        let mut group = c.benchmark_group(format!("execute/{}", w.name));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500));
        for rt in engines::all() {
            let module = match w.compile(rt.as_ref()) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("SKIPPED {} on {}: {e:#}", w.name, rt.name());
                    continue;
                }
            };
            let mut inst = match w.instance(module.as_ref()) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("SKIPPED {} on {}: {e:#}", w.name, rt.name());
                    continue;
                }
            };
            if let Err(e) = w.run(inst.as_mut()) {
                eprintln!("SKIPPED {} on {}: {e:#}", w.name, rt.name());
                continue;
            }
            group.bench_function(rt.name(), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            // WASI commands run `_start` once per instance.
                            if w.one_shot() {
                                inst = w.instance(module.as_ref()).expect("instance");
                            }
                            w.run(inst.as_mut()).expect("checked run").elapsed
                        })
                        .sum()
                })
            });
        }
        group.finish();
    }
}

fn translate(c: &mut Criterion) {
    let inputs = translation::inputs(&workloads::bench_dir(), &workloads::fixtures_dir());
    for input in &inputs {
        let mut group = c.benchmark_group(format!("translate/{}", input.name));
        group.sample_size(10);
        for rt in engines::all() {
            for mode in [Translation::Eager, Translation::Lazy] {
                if mode == Translation::Lazy && !rt.supports_lazy() {
                    continue;
                }
                group.bench_function(format!("{}/{mode:?}", rt.name()), |b| {
                    b.iter(|| translation::measure(rt.as_ref(), input, mode).expect("translation"))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, execution, translate);
criterion_main!(benches);
