;; Traps when a component hands over a value that does not fit its type.
;;
;; Most segments put the bad value on the component-to-component boundary
;; ($impl -> $fwd), where a fused adapter has to catch it. Unfused, wasmtime
;; names the reason ("invalid `char` bit pattern", "invalid variant
;; discriminant", ...); in meld's fused module every adapter trap goes through
;; the `meld:trap` builtin, which traps in a function of its own per reason,
;; named with wasmtime's words (`meld:trap:invalid `char` bit pattern`), the
;; innermost frame of the backtrace. The assertions check that reason, each
;; segment also has a call that must not trap, and the guest code itself
;; never traps on purpose.
;; A few segments put the bad value on the host boundary (the outer export),
;; where wasmtime's host-side lifting checks it in both runs; its messages
;; differ from the adapter's, so the reason also tells that the inner
;; boundary caught the value first.
;;
;; A component instance that trapped may not be entered again, so a segment
;; with traps defines its component (`component definition $C`) and the script
;; instantiates it afresh before the first assertion and after every trap.

;; Invalid `char` on the inner boundary: bad(k) returns 'a' (k=0), 0xD800
;; (k=1), 0x110000 (k=2), 0xDFFF (k=3).
(component definition $C
  (component $impl
    (core module $m
      (func (export "bad") (param i32) (result i32)
        (block $d (block $c (block $b (block $a
          (br_table $a $b $c $d (local.get 0)))
          (return (i32.const 0x61)))
          (return (i32.const 0xd800)))
          (return (i32.const 0x110000)))
        (i32.const 0xdfff)))
    (core instance $i (instantiate $m))
    (func (export "bad") (param "k" u32) (result char) (canon lift (core func $i "bad"))))
  (component $fwd
    (import "bad" (func $bad (param "k" u32) (result char)))
    (core func $bad (canon lower (func $bad)))
    (core module $m
      (import "" "bad" (func $bad (param i32) (result i32)))
      (func (export "bad") (param i32) (result i32) (call $bad (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "bad" (func $bad))))))
    (func (export "bad") (param "k" u32) (result char) (canon lift (core func $i "bad"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "bad" (func $impl "bad"))))
  (export "bad" (func $fwd "bad")))
(component instance $c1 $C)
(assert_return (invoke "bad" (u32.const 0)) (char.const "a"))
(assert_trap (invoke "bad" (u32.const 1)) "invalid `char` bit pattern")
(component instance $c2 $C)
(assert_trap (invoke "bad" (u32.const 2)) "invalid `char` bit pattern")
(component instance $c3 $C)
(assert_trap (invoke "bad" (u32.const 3)) "invalid `char` bit pattern")

;; Invalid `char` as a parameter: $fwd passes k + 0xD7FF to $impl as a char.
;;   k = 0 -> U+D7FF, fine; k = 1 -> 0xD800, trap; k = 0x10_2801 -> 0x110000, trap
(component definition $C
  (component $impl
    (core module $m
      (func (export "take") (param i32) (result i32) (local.get 0)))
    (core instance $i (instantiate $m))
    (func (export "take") (param "c" char) (result u32) (canon lift (core func $i "take"))))
  (component $fwd
    (import "take" (func $take (param "c" char) (result u32)))
    (core func $take (canon lower (func $take)))
    (core module $m
      (import "" "take" (func $take (param i32) (result i32)))
      (func (export "go") (param i32) (result i32)
        (call $take (i32.add (local.get 0) (i32.const 0xd7ff)))))
    (core instance $i (instantiate $m (with "" (instance (export "take" (func $take))))))
    (func (export "go") (param "k" u32) (result u32) (canon lift (core func $i "go"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "take" (func $impl "take"))))
  (export "go" (func $fwd "go")))
(component instance $c1 $C)
(assert_return (invoke "go" (u32.const 0)) (u32.const 0xd7ff))
(assert_return (invoke "go" (u32.const 0x801)) (u32.const 0xe000))
(assert_trap (invoke "go" (u32.const 1)) "invalid `char` bit pattern")
(component instance $c2 $C)
(assert_trap (invoke "go" (u32.const 0x102801)) "invalid `char` bit pattern")

;; Invalid `char` on the host boundary: one component, no inner boundary.
(component definition $C
  (core module $m
    (func (export "c") (param i32) (result i32) (local.get 0)))
  (core instance $i (instantiate $m))
  (func (export "c") (param "x" u32) (result char) (canon lift (core func $i "c"))))
(component instance $c1 $C)
(assert_return (invoke "c" (u32.const 0x10ffff)) (char.const "\u{10ffff}"))
(assert_trap (invoke "c" (u32.const 0xd800)) "converted integer out of range for `char`")

;; Bad variant discriminant on the inner boundary (flat results: the
;; discriminant and the joined payload).
;;   v = variant { a(u8), b(u32), c }
;;   get(k) returns discriminant k with payload 7
(component definition $C
  (type $v' (variant (case "a" u8) (case "b" u32) (case "c")))
  (import "v" (type $v (eq $v')))
  (component $impl
    (type $v' (variant (case "a" u8) (case "b" u32) (case "c")))
    (import "v" (type $v (eq $v')))
    (core module $m
      (memory (export "mem") 1)
      (func (export "get") (param i32) (result i32)
        (i32.store8 (i32.const 32) (local.get 0))
        (i32.store (i32.const 36) (i32.const 7))
        (i32.const 32)))
    (core instance $i (instantiate $m))
    (func (export "get") (param "k" u32) (result $v) (canon lift (core func $i "get") (memory $i "mem"))))
  (component $fwd
    (type $v' (variant (case "a" u8) (case "b" u32) (case "c")))
    (import "v" (type $v (eq $v')))
    (import "get" (func $get (param "k" u32) (result $v)))
    (core module $mem (memory (export "mem") 1))
    (core instance $mem (instantiate $mem))
    (core func $get (canon lower (func $get) (memory $mem "mem")))
    (core module $m
      (import "" "get" (func $get (param i32 i32)))
      (func (export "get") (param i32) (result i32)
        (call $get (local.get 0) (i32.const 8))
        (i32.const 8)))
    (core instance $i (instantiate $m (with "" (instance (export "get" (func $get))))))
    (func (export "get") (param "k" u32) (result $v) (canon lift (core func $i "get") (memory $mem "mem"))))
  (instance $impl (instantiate $impl (with "v" (type $v))))
  (instance $fwd (instantiate $fwd (with "v" (type $v)) (with "get" (func $impl "get"))))
  (export "get" (func $fwd "get")))
(component instance $c1 $C)
(assert_return (invoke "get" (u32.const 0)) (variant.const "a" (u8.const 7)))
(assert_return (invoke "get" (u32.const 1)) (variant.const "b" (u32.const 7)))
(assert_return (invoke "get" (u32.const 2)) (variant.const "c"))
(assert_trap (invoke "get" (u32.const 3)) "invalid variant discriminant")
(component instance $c2 $C)
(assert_trap (invoke "get" (u32.const 255)) "invalid variant discriminant")

;; Bad variant discriminant on the host boundary.
(component definition $C
  (type $v' (variant (case "a" u8) (case "b")))
  (import "v" (type $v (eq $v')))
  (core module $m
    (memory (export "mem") 1)
    (func (export "get") (param i32) (result i32)
      (i32.store8 (i32.const 8) (local.get 0))
      (i32.store8 (i32.const 9) (i32.const 9))
      (i32.const 8)))
  (core instance $i (instantiate $m))
  (func (export "get") (param "k" u32) (result $v) (canon lift (core func $i "get") (memory $i "mem"))))
(component instance $c1 $C)
(assert_return (invoke "get" (u32.const 0)) (variant.const "a" (u8.const 9)))
(assert_return (invoke "get" (u32.const 1)) (variant.const "b"))
(assert_trap (invoke "get" (u32.const 2)) "discriminant 2 out of range")

;; Invalid enum on the inner boundary, flat (the whole i32 must be a case
;; index) and through memory (one byte).
;;   e = enum { x, y, z }; flat(k) returns k; mem(k) returns (e, e) via memory
(component definition $C
  (type $e' (enum "x" "y" "z"))
  (import "e" (type $e (eq $e')))
  (component $impl
    (type $e' (enum "x" "y" "z"))
    (import "e" (type $e (eq $e')))
    (core module $m
      (memory (export "mem") 1)
      (func (export "flat") (param i32) (result i32) (local.get 0))
      (func (export "via-mem") (param i32) (result i32)
        (i32.store8 (i32.const 40) (i32.const 1))
        (i32.store8 (i32.const 41) (local.get 0))
        (i32.const 40)))
    (core instance $i (instantiate $m))
    (func (export "flat") (param "k" u32) (result $e) (canon lift (core func $i "flat")))
    (func (export "mem") (param "k" u32) (result (tuple $e $e)) (canon lift (core func $i "via-mem") (memory $i "mem"))))
  (component $fwd
    (type $e' (enum "x" "y" "z"))
    (import "e" (type $e (eq $e')))
    (import "flat" (func $flat (param "k" u32) (result $e)))
    (import "mem" (func $mem (param "k" u32) (result (tuple $e $e))))
    (core module $mem (memory (export "mem") 1))
    (core instance $mem (instantiate $mem))
    (core func $flat (canon lower (func $flat)))
    (core func $memf (canon lower (func $mem) (memory $mem "mem")))
    (core module $m
      (import "" "flat" (func $flat (param i32) (result i32)))
      (import "" "mem" (func $mem (param i32 i32)))
      (func (export "flat") (param i32) (result i32) (call $flat (local.get 0)))
      (func (export "via-mem") (param i32) (result i32) (call $mem (local.get 0) (i32.const 8)) (i32.const 8)))
    (core instance $i (instantiate $m (with "" (instance (export "flat" (func $flat)) (export "mem" (func $memf))))))
    (func (export "flat") (param "k" u32) (result $e) (canon lift (core func $i "flat")))
    (func (export "mem") (param "k" u32) (result (tuple $e $e)) (canon lift (core func $i "via-mem") (memory $mem "mem"))))
  (instance $impl (instantiate $impl (with "e" (type $e))))
  (instance $fwd (instantiate $fwd (with "e" (type $e)) (with "flat" (func $impl "flat")) (with "mem" (func $impl "mem"))))
  (export "flat" (func $fwd "flat"))
  (export "mem" (func $fwd "mem")))
(component instance $c1 $C)
(assert_return (invoke "flat" (u32.const 2)) (enum.const "z"))
(assert_return (invoke "mem" (u32.const 0)) (tuple.const (enum.const "y") (enum.const "x")))
(assert_trap (invoke "flat" (u32.const 3)) "invalid variant discriminant")
(component instance $c2 $C)
(assert_trap (invoke "flat" (u32.const 0x100)) "invalid variant discriminant")
(component instance $c3 $C)
(assert_trap (invoke "mem" (u32.const 3)) "invalid variant discriminant")
(component instance $c4 $C)
(assert_return (invoke "mem" (u32.const 0x102)) (tuple.const (enum.const "y") (enum.const "z")))

;; Bad option / result discriminants through memory on the inner boundary.
;;   opt(k)  returns option<u32> with discriminant byte k, payload 5
;;   res(k)  returns result<u8, string> with discriminant byte k, ok payload 6
(component definition $C
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (func (export "opt") (param i32) (result i32)
        (i32.store8 (i32.const 32) (local.get 0))
        (i32.store (i32.const 36) (i32.const 5))
        (i32.const 32))
      (func (export "res") (param i32) (result i32)
        (i32.store8 (i32.const 64) (local.get 0))
        (i32.store8 (i32.const 68) (i32.const 6))
        (i32.const 64)))
    (core instance $i (instantiate $m))
    (func (export "opt") (param "k" u32) (result (option u32)) (canon lift (core func $i "opt") (memory $i "mem")))
    (func (export "res") (param "k" u32) (result (result u8 (error string))) (canon lift (core func $i "res") (memory $i "mem"))))
  (component $fwd
    (import "opt" (func $opt (param "k" u32) (result (option u32))))
    (import "res" (func $res (param "k" u32) (result (result u8 (error string)))))
    (core module $libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func $realloc (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32) (local $end i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (local.set $end (i32.add (local.get $p) (local.get $nsz)))
        (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
          (then (drop (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 0xffff))
                                                      (i32.shl (memory.size) (i32.const 16)))
                                              (i32.const 16))))))
        (global.set $heap (local.get $end))
        (if (local.get $old)
          (then (memory.copy (local.get $p) (local.get $old)
                  (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $opt (canon lower (func $opt) (memory $libc "mem")))
    (core func $res (canon lower (func $res) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "" "opt" (func $opt (param i32 i32)))
      (import "" "res" (func $res (param i32 i32)))
      (func (export "opt") (param i32) (result i32) (call $opt (local.get 0) (i32.const 8)) (i32.const 8))
      (func (export "res") (param i32) (result i32) (call $res (local.get 0) (i32.const 8)) (i32.const 8)))
    (core instance $i (instantiate $m (with "" (instance (export "opt" (func $opt)) (export "res" (func $res))))))
    (func (export "opt") (param "k" u32) (result (option u32)) (canon lift (core func $i "opt") (memory $libc "mem")))
    (func (export "res") (param "k" u32) (result (result u8 (error string))) (canon lift (core func $i "res") (memory $libc "mem"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "opt" (func $impl "opt")) (with "res" (func $impl "res"))))
  (export "opt" (func $fwd "opt"))
  (export "res" (func $fwd "res")))
(component instance $c1 $C)
(assert_return (invoke "opt" (u32.const 0)) (option.none))
(assert_return (invoke "opt" (u32.const 1)) (option.some (u32.const 5)))
(assert_trap (invoke "opt" (u32.const 2)) "invalid variant discriminant")
(component instance $c2 $C)
(assert_return (invoke "res" (u32.const 0)) (result.ok (u8.const 6)))
(assert_trap (invoke "res" (u32.const 2)) "invalid variant discriminant")

;; Out-of-bounds and unaligned lists and strings returned by a guest.
;;   list(k): list<u32> at (ptr, len) = k=0: (256, 2) holding [7, 9];
;;            k=1: (0xfff8, 4) past the end of the 1-page memory;
;;            k=2: (0, 0x40000001) whose byte size does not fit in 32 bits;
;;            k=3: (257, 1) unaligned
;;   str(k):  string at k=0: (300, 3) "abc"; k=1: (0xfffe, 3); k=2: (0xffffffff, 2)
(component definition $C
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (data (i32.const 256) "\07\00\00\00\09\00\00\00")
      (data (i32.const 300) "abc")
      (func $pair (param i32 i32) (result i32)
        (i32.store (i32.const 16) (local.get 0))
        (i32.store (i32.const 20) (local.get 1))
        (i32.const 16))
      (func (export "list") (param i32) (result i32)
        (block $d (block $c (block $b (block $a
          (br_table $a $b $c $d (local.get 0)))
          (return (call $pair (i32.const 256) (i32.const 2))))
          (return (call $pair (i32.const 0xfff8) (i32.const 4))))
          (return (call $pair (i32.const 0) (i32.const 0x40000001))))
        (call $pair (i32.const 257) (i32.const 1)))
      (func (export "str") (param i32) (result i32)
        (block $c (block $b (block $a
          (br_table $a $b $c (local.get 0)))
          (return (call $pair (i32.const 300) (i32.const 3))))
          (return (call $pair (i32.const 0xfffe) (i32.const 3))))
        (call $pair (i32.const 0xffffffff) (i32.const 2))))
    (core instance $i (instantiate $m))
    (func (export "list") (param "k" u32) (result (list u32)) (canon lift (core func $i "list") (memory $i "mem")))
    (func (export "str") (param "k" u32) (result string) (canon lift (core func $i "str") (memory $i "mem"))))
  (component $fwd
    (import "list" (func $list (param "k" u32) (result (list u32))))
    (import "str" (func $str (param "k" u32) (result string)))
    (core module $libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func $realloc (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32) (local $end i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (local.set $end (i32.add (local.get $p) (local.get $nsz)))
        (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
          (then (drop (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 0xffff))
                                                      (i32.shl (memory.size) (i32.const 16)))
                                              (i32.const 16))))))
        (global.set $heap (local.get $end))
        (if (local.get $old)
          (then (memory.copy (local.get $p) (local.get $old)
                  (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $list (canon lower (func $list) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core func $str (canon lower (func $str) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "" "list" (func $list (param i32 i32)))
      (import "" "str" (func $str (param i32 i32)))
      (func (export "list") (param i32) (result i32) (call $list (local.get 0) (i32.const 8)) (i32.const 8))
      (func (export "str") (param i32) (result i32) (call $str (local.get 0) (i32.const 8)) (i32.const 8)))
    (core instance $i (instantiate $m (with "" (instance (export "list" (func $list)) (export "str" (func $str))))))
    (func (export "list") (param "k" u32) (result (list u32)) (canon lift (core func $i "list") (memory $libc "mem")))
    (func (export "str") (param "k" u32) (result string) (canon lift (core func $i "str") (memory $libc "mem"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "list" (func $impl "list")) (with "str" (func $impl "str"))))
  (export "list" (func $fwd "list"))
  (export "str" (func $fwd "str")))
(component instance $c1 $C)
(assert_return (invoke "list" (u32.const 0)) (list.const (u32.const 7) (u32.const 9)))
(assert_trap (invoke "list" (u32.const 1)) "list content out-of-bounds")
(component instance $c2 $C)
(assert_trap (invoke "list" (u32.const 2)) "list content out-of-bounds")
(component instance $c3 $C)
(assert_trap (invoke "list" (u32.const 3)) "unaligned pointer")
(component instance $c4 $C)
(assert_return (invoke "str" (u32.const 0)) (str.const "abc"))
(assert_trap (invoke "str" (u32.const 1)) "string content out-of-bounds")
(component instance $c5 $C)
(assert_trap (invoke "str" (u32.const 2)) "string content out-of-bounds")

;; Out-of-bounds return pointer: the adapter reads the (ptr, len) pair from
;; where the callee says it is, which is past the callee's memory.
(component definition $C
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (func (export "s") (param i32) (result i32) (local.get 0)))
    (core instance $i (instantiate $m))
    (func (export "s") (param "at" u32) (result string) (canon lift (core func $i "s") (memory $i "mem"))))
  (component $fwd
    (import "s" (func $s (param "at" u32) (result string)))
    (core module $libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func $realloc (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32) (local $end i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (local.set $end (i32.add (local.get $p) (local.get $nsz)))
        (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
          (then (drop (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 0xffff))
                                                      (i32.shl (memory.size) (i32.const 16)))
                                              (i32.const 16))))))
        (global.set $heap (local.get $end))
        (if (local.get $old)
          (then (memory.copy (local.get $p) (local.get $old)
                  (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $s (canon lower (func $s) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "" "s" (func $s (param i32 i32)))
      (func (export "s") (param i32) (result i32) (call $s (local.get 0) (i32.const 8)) (i32.const 8)))
    (core instance $i (instantiate $m (with "" (instance (export "s" (func $s))))))
    (func (export "s") (param "at" u32) (result string) (canon lift (core func $i "s") (memory $libc "mem"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "s" (func $impl "s"))))
  (export "s" (func $fwd "s")))
;; a zeroed pair at 64 is the empty string
(component instance $c1 $C)
(assert_return (invoke "s" (u32.const 64)) (str.const ""))
(assert_trap (invoke "s" (u32.const 0xfffc)) "out of bounds memory access")
(component instance $c2 $C)
(assert_trap (invoke "s" (u32.const 0x7ffffff8)) "out of bounds memory access")

;; A trap inside the callee propagates through the adapter: div(a, b) = a / b
;; traps on b = 0 in $impl's own code.
(component definition $C
  (component $impl
    (core module $m
      (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m))
    (func (export "div") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "div"))))
  (component $fwd
    (import "div" (func $div (param "a" u32) (param "b" u32) (result u32)))
    (core func $div (canon lower (func $div)))
    (core module $m
      (import "" "div" (func $div (param i32 i32) (result i32)))
      (func (export "div") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m (with "" (instance (export "div" (func $div))))))
    (func (export "div") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "div"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "div" (func $impl "div"))))
  (export "div" (func $fwd "div")))
(component instance $c1 $C)
(assert_return (invoke "div" (u32.const 100) (u32.const 7)) (u32.const 14))
(assert_trap (invoke "div" (u32.const 1) (u32.const 0)) "integer divide by zero")
(component instance $c2 $C)
(assert_return (invoke "div" (u32.const 9) (u32.const 3)) (u32.const 3))

;; A callee realloc that returns a bad pointer: $fwd first hands its `bad`
;; argument to $impl's `set-bad`, and $impl's realloc then returns that value
;; (0 = a normal allocation). The adapter copying the string or list<u32>
;; parameter into $impl must trap on a range past the end of its one-page
;; memory or on an unaligned pointer, and accept one that ends exactly there.
;;   "hello" (5 bytes) at 0xfffe: past the end; at 0xfffb: fits
;;   [1, 2] (8 bytes) at 0xfffc: past the end; at 0x102: unaligned; at 0xfff8: fits
(component definition $C
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (global $bad (mut i32) (i32.const 0))
      (global $heap (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (if (global.get $bad) (then (return (global.get $bad))))
        (local.set $p (global.get $heap))
        (global.set $heap (i32.add (global.get $heap) (i32.const 256)))
        (local.get $p))
      (func (export "set-bad") (param i32) (global.set $bad (local.get 0)))
      (func (export "len") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "set-bad") (param "p" u32) (canon lift (core func $i "set-bad")))
    (func (export "slen") (param "s" string) (result u32)
      (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "llen") (param "l" (list u32)) (result u32)
      (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc")))))
  (component $fwd
    (import "set-bad" (func $set-bad (param "p" u32)))
    (import "slen" (func $slen (param "s" string) (result u32)))
    (import "llen" (func $llen (param "l" (list u32)) (result u32)))
    (core module $libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func $realloc (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32) (local $end i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (local.set $end (i32.add (local.get $p) (local.get $nsz)))
        (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
          (then (drop (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 0xffff))
                                                      (i32.shl (memory.size) (i32.const 16)))
                                              (i32.const 16))))))
        (global.set $heap (local.get $end))
        (if (local.get $old)
          (then (memory.copy (local.get $p) (local.get $old)
                  (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $set-bad (canon lower (func $set-bad)))
    (core func $slen (canon lower (func $slen) (memory $libc "mem")))
    (core func $llen (canon lower (func $llen) (memory $libc "mem")))
    (core module $m
      (import "" "set-bad" (func $set-bad (param i32)))
      (import "" "slen" (func $slen (param i32 i32) (result i32)))
      (import "" "llen" (func $llen (param i32 i32) (result i32)))
      (func (export "slen") (param i32 i32 i32) (result i32)
        (call $set-bad (local.get 2))
        (call $slen (local.get 0) (local.get 1)))
      (func (export "llen") (param i32 i32 i32) (result i32)
        (call $set-bad (local.get 2))
        (call $llen (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m
      (with "" (instance (export "set-bad" (func $set-bad)) (export "slen" (func $slen)) (export "llen" (func $llen))))))
    (func (export "slen") (param "s" string) (param "bad" u32) (result u32)
      (canon lift (core func $i "slen") (memory $libc "mem") (realloc (func $libc "realloc"))))
    (func (export "llen") (param "l" (list u32)) (param "bad" u32) (result u32)
      (canon lift (core func $i "llen") (memory $libc "mem") (realloc (func $libc "realloc")))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd
    (with "set-bad" (func $impl "set-bad")) (with "slen" (func $impl "slen")) (with "llen" (func $impl "llen"))))
  (export "slen" (func $fwd "slen"))
  (export "llen" (func $fwd "llen")))
(component instance $c1 $C)
(assert_return (invoke "slen" (str.const "hello") (u32.const 0)) (u32.const 5))
(assert_trap (invoke "slen" (str.const "hello") (u32.const 0xfffe)) "string content out-of-bounds")
(component instance $c2 $C)
(assert_return (invoke "slen" (str.const "hello") (u32.const 0xfffb)) (u32.const 5))
(assert_return (invoke "llen" (list.const (u32.const 1) (u32.const 2)) (u32.const 0)) (u32.const 2))
(assert_trap (invoke "llen" (list.const (u32.const 1) (u32.const 2)) (u32.const 0xfffc)) "list content out-of-bounds")
(component instance $c3 $C)
(assert_trap (invoke "llen" (list.const (u32.const 1) (u32.const 2)) (u32.const 0x102)) "unaligned pointer")
(component instance $c4 $C)
(assert_return (invoke "llen" (list.const (u32.const 1) (u32.const 2)) (u32.const 0xfff8)) (u32.const 2))
