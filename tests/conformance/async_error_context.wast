;; error-context: new, debug-message, drop, and transfer between
;; components (FACT's `error-context.transfer`). Handles share each
;; instance's table with waitable sets and resources (numbered from 1).

;; new("boom!") after a waitable set: handle 2; its debug message is
;; lowered through the realloc (a bump allocator from 1024) and reads back
;; as the same 5 bytes:
;;   handle 2 * 1000000 + ptr 1024 * 100 ... see run():
;;   2 * 100000 + 5 * 1000 + (bytes equal: 1) * 100 + set 1 = 205101
(component definition $N
  (core module $mm
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (global.get $bump) (local.get 3)))
      (local.get $p))
    (data (i32.const 64) "boom!"))
  (core instance $mm (instantiate $mm))
  (core func $new (canon error-context.new (memory $mm "mem") string-encoding=utf8))
  (core func $msg (canon error-context.debug-message (memory $mm "mem") (realloc (func $mm "realloc")) string-encoding=utf8))
  (core func $drop (canon error-context.drop))
  (core func $wsnew (canon waitable-set.new))
  (core module $m
    (import "" "mem" (memory 1))
    (import "" "new" (func $new (param i32 i32) (result i32)))
    (import "" "msg" (func $msg (param i32 i32)))
    (import "" "drop" (func $drop (param i32)))
    (import "" "wsnew" (func $wsnew (result i32)))
    (func $eq (param $a i32) (param $b i32) (param $n i32) (result i32)
      (block $no
        (loop $next
          (if (local.get $n)
            (then
              (br_if $no (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))))
              (local.set $a (i32.add (local.get $a) (i32.const 1)))
              (local.set $b (i32.add (local.get $b) (i32.const 1)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $next))))
        (return (i32.const 1)))
      (i32.const 0))
    (func (export "run") (result i32)
      (local $s i32) (local $h i32)
      (local.set $s (call $wsnew))
      (local.set $h (call $new (i32.const 64) (i32.const 5)))
      (call $msg (local.get $h) (i32.const 16))
      (call $drop (local.get $h))
      (i32.add
        (i32.add (i32.mul (local.get $h) (i32.const 100000)) (i32.mul (i32.load (i32.const 20)) (i32.const 1000)))
        (i32.add (i32.mul (call $eq (i32.load (i32.const 16)) (i32.const 64) (i32.const 5)) (i32.const 100))
                 (local.get $s))))
    (func (export "use-dropped") (result i32)
      (local $h i32)
      (local.set $h (call $new (i32.const 64) (i32.const 5)))
      (call $drop (local.get $h))
      (call $msg (local.get $h) (i32.const 16))
      (i32.const 0))
    (func (export "not-ec") (result i32)
      (call $msg (call $wsnew) (i32.const 16))
      (i32.const 0))
    (func (export "bad-ptr") (result i32)
      (drop (call $new (i32.const 65534) (i32.const 5)))
      (i32.const 0))
    (func (export "bad-ret") (result i32)
      (call $msg (call $new (i32.const 64) (i32.const 5)) (i32.const 65532))
      (i32.const 0)))
  (core instance $i (instantiate $m (with "" (instance
    (export "mem" (memory $mm "mem")) (export "new" (func $new)) (export "msg" (func $msg))
    (export "drop" (func $drop)) (export "wsnew" (func $wsnew))))))
  (func (export "run") (result u32) (canon lift (core func $i "run")))
  (func (export "use-dropped") (result u32) (canon lift (core func $i "use-dropped")))
  (func (export "not-ec") (result u32) (canon lift (core func $i "not-ec")))
  (func (export "bad-ptr") (result u32) (canon lift (core func $i "bad-ptr")))
  (func (export "bad-ret") (result u32) (canon lift (core func $i "bad-ret"))))
(component instance $n1 $N)
(assert_return (invoke "run") (u32.const 205101))
(component instance $n2 $N)
(assert_trap (invoke "use-dropped") "unknown handle index")
(component instance $n3 $N)
(assert_trap (invoke "not-ec") "handle is not an error-context")
(component instance $n4 $N)
(assert_trap (invoke "bad-ptr") "string pointer/length out of bounds of memory")
(component instance $n5 $N)
(assert_trap (invoke "bad-ret") "invalid debug message pointer: out of bounds")

;; Transfer: $maker.make(code) returns a new error-context whose message
;; is "err" followed by the code's digit; $user receives it (a new handle
;; in its own table, after its waitable set: 2), reads the message, passes
;; it back to $maker.len (which reads its length: 4) and drops its handle:
;;   handle 2 * 10000 + len 4 * 1000 + last char '7' (55) + maker's 4 * 100
;;   = 24455
(component definition $T
  (component $maker
    (core module $mm
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $bump))
        (global.set $bump (i32.add (global.get $bump) (local.get 3)))
        (local.get $p))
      (data (i32.const 64) "err"))
    (core instance $mm (instantiate $mm))
    (core func $new (canon error-context.new (memory $mm "mem") string-encoding=utf8))
    (core func $msg (canon error-context.debug-message (memory $mm "mem") (realloc (func $mm "realloc")) string-encoding=utf8))
    (core func $drop (canon error-context.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "new" (func $new (param i32 i32) (result i32)))
      (import "" "msg" (func $msg (param i32 i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "make") (param $c i32) (result i32)
        (local $h i32)
        (i32.store8 (i32.const 67) (i32.add (i32.const 48) (local.get $c)))
        (local.set $h (call $new (i32.const 64) (i32.const 4)))
        (local.get $h))
      (func (export "len") (param $h i32) (result i32)
        (call $msg (local.get $h) (i32.const 16))
        (call $drop (local.get $h))
        (i32.load (i32.const 20))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "new" (func $new)) (export "msg" (func $msg))
      (export "drop" (func $drop))))))
    (func (export "make") (param "c" u32) (result error-context) (canon lift (core func $i "make")))
    (func (export "len") (param "e" error-context) (result u32) (canon lift (core func $i "len"))))
  (instance $maker (instantiate $maker))
  (component $user
    (import "make" (func $make (param "c" u32) (result error-context)))
    (import "len" (func $len (param "e" error-context) (result u32)))
    (core module $mm
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $bump))
        (global.set $bump (i32.add (global.get $bump) (local.get 3)))
        (local.get $p)))
    (core instance $mm (instantiate $mm))
    (core func $make (canon lower (func $make)))
    (core func $len (canon lower (func $len)))
    (core func $msg (canon error-context.debug-message (memory $mm "mem") (realloc (func $mm "realloc")) string-encoding=utf8))
    (core func $drop (canon error-context.drop))
    (core func $wsnew (canon waitable-set.new))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "make" (func $make (param i32) (result i32)))
      (import "" "len" (func $len (param i32) (result i32)))
      (import "" "msg" (func $msg (param i32 i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (func (export "run") (result i32)
        (local $h i32) (local $n i32)
        (drop (call $wsnew))
        (local.set $h (call $make (i32.const 7)))
        (call $msg (local.get $h) (i32.const 16))
        (local.set $n (call $len (local.get $h)))
        (call $drop (local.get $h))
        (i32.add
          (i32.add (i32.mul (local.get $h) (i32.const 10000)) (i32.mul (i32.load (i32.const 20)) (i32.const 1000)))
          (i32.add (i32.load8_u (i32.add (i32.load (i32.const 16)) (i32.const 3)))
                   (i32.mul (local.get $n) (i32.const 100))))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "make" (func $make)) (export "len" (func $len))
      (export "msg" (func $msg)) (export "drop" (func $drop)) (export "wsnew" (func $wsnew))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $user (instantiate $user (with "make" (func $maker "make")) (with "len" (func $maker "len"))))
  (export "run" (func $user "run")))
(component instance $t1 $T)
(assert_return (invoke "run") (u32.const 24455))
