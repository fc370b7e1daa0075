;; A WASI command: greets its first argument (or "world") on stdout and
;; exits with status 0, or 3 when given more than one name.
;;
;;   cargo run --release -p regwasm-cli -- run examples/greet.wat -- Ada
;;   => Hello, Ada!
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0..8: argc, argv buffer size; 16..: argv pointers; 256..: argv strings
  (data (i32.const 1024) "Hello, ")
  (data (i32.const 1040) "world")
  (data (i32.const 1056) "!\n")

  ;; Writes len bytes at ptr to stdout (iovec at 2048).
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 2048) (local.get $ptr))
    (i32.store (i32.const 2052) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 2048) (i32.const 1) (i32.const 2056))))

  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func (export "_start") (local $argc i32) (local $name i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 16) (i32.const 256)))
    (local.set $argc (i32.load (i32.const 0)))
    (if (i32.gt_u (local.get $argc) (i32.const 2))
      (then (call $proc_exit (i32.const 3))))
    (call $print (i32.const 1024) (i32.const 7))
    (if (i32.eq (local.get $argc) (i32.const 2))
      (then
        (local.set $name (i32.load (i32.const 20)))
        (call $print (local.get $name) (call $strlen (local.get $name))))
      (else (call $print (i32.const 1040) (i32.const 5))))
    (call $print (i32.const 1056) (i32.const 2))))
