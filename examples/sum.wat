;; Sum of 1..=n in a loop, with a 64-bit accumulator.
;;
;;   cargo run --release -p regwasm-cli -- run --invoke sum examples/sum.wat 100000
;;   => 5000050000
(module
  (func (export "sum") (param $n i64) (result i64)
    (local $acc i64)
    (local $i i64)
    (local.set $i (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.gt_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.get $acc)))
