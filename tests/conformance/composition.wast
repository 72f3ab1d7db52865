;; Shapes of compositions: nesting, one component instantiated twice, instance
;; imports and exports, re-exports, chains and shared callees.

;; Three levels of nesting: $leaf is defined and instantiated inside $lib,
;; which is inside the outer component.
;;   leaf.f(x) = 2x; lib.g(x) = leaf.f(x) + 1; user.h(x) = 10 * lib.g(x)
;;   h(4) = 90; g(4) = 9
(component
  (component $lib
    (component $leaf
      (core module $m (func (export "f") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1))))
      (core instance $i (instantiate $m))
      (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f"))))
    (component $wrap
      (import "f" (func $f (param "x" u32) (result u32)))
      (core func $f (canon lower (func $f)))
      (core module $m
        (import "" "f" (func $f (param i32) (result i32)))
        (func (export "g") (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1))))
      (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
      (func (export "g") (param "x" u32) (result u32) (canon lift (core func $i "g"))))
    (instance $leaf (instantiate $leaf))
    (instance $wrap (instantiate $wrap (with "f" (func $leaf "f"))))
    (export "g" (func $wrap "g")))
  (component $user
    (import "g" (func $g (param "x" u32) (result u32)))
    (core func $g (canon lower (func $g)))
    (core module $m
      (import "" "g" (func $g (param i32) (result i32)))
      (func (export "h") (param i32) (result i32) (i32.mul (call $g (local.get 0)) (i32.const 10))))
    (core instance $i (instantiate $m (with "" (instance (export "g" (func $g))))))
    (func (export "h") (param "x" u32) (result u32) (canon lift (core func $i "h"))))
  (instance $lib (instantiate $lib))
  (instance $user (instantiate $user (with "g" (func $lib "g"))))
  (export "h" (func $user "h"))
  (export "g" (func $lib "g")))
(assert_return (invoke "h" (u32.const 4)) (u32.const 90))
(assert_return (invoke "g" (u32.const 4)) (u32.const 9))
(assert_return (invoke "h" (u32.const 0)) (u32.const 10))

;; One component ($counter) instantiated twice; each instance keeps its own
;; state (a global and a memory cell). $user reaches both through imports
;; "a" and "b".
;;   next() = ++count; a() and b() are next() of the first and second instance;
;;   both() = 1000 * a() + b()
(component
  (component $counter
    (core module $m
      (memory (export "mem") 1)
      (global $g (mut i32) (i32.const 0))
      (func (export "next") (result i32)
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        ;; the memory cell and the global must agree
        (i32.add (global.get $g) (i32.mul (i32.sub (i32.load (i32.const 0)) (global.get $g)) (i32.const 1000)))))
    (core instance $i (instantiate $m))
    (func (export "next") (result u32) (canon lift (core func $i "next"))))
  (component $user
    (import "a" (func $a (result u32)))
    (import "b" (func $b (result u32)))
    (core func $a (canon lower (func $a)))
    (core func $b (canon lower (func $b)))
    (core module $m
      (import "" "a" (func $a (result i32)))
      (import "" "b" (func $b (result i32)))
      (func (export "a") (result i32) (call $a))
      (func (export "b") (result i32) (call $b))
      (func (export "both") (result i32) (i32.add (i32.mul (call $a) (i32.const 1000)) (call $b))))
    (core instance $i (instantiate $m (with "" (instance (export "a" (func $a)) (export "b" (func $b))))))
    (func (export "a") (result u32) (canon lift (core func $i "a")))
    (func (export "b") (result u32) (canon lift (core func $i "b")))
    (func (export "both") (result u32) (canon lift (core func $i "both"))))
  (instance $c1 (instantiate $counter))
  (instance $c2 (instantiate $counter))
  (instance $user (instantiate $user (with "a" (func $c1 "next")) (with "b" (func $c2 "next"))))
  (export "a" (func $user "a"))
  (export "b" (func $user "b"))
  (export "both" (func $user "both")))
(assert_return (invoke "a") (u32.const 1))
(assert_return (invoke "a") (u32.const 2))
(assert_return (invoke "b") (u32.const 1))
(assert_return (invoke "both") (u32.const 3002))
(assert_return (invoke "b") (u32.const 3))

;; The script instantiates one composition twice: each instance starts fresh.
;;   bump(x) = total += x (in $acc, behind $fwd), returns the new total
(component definition $acc-composition
  (component $acc
    (core module $m
      (global $t (mut i64) (i64.const 0))
      (func (export "bump") (param i64) (result i64)
        (global.set $t (i64.add (global.get $t) (local.get 0)))
        (global.get $t)))
    (core instance $i (instantiate $m))
    (func (export "bump") (param "x" u64) (result u64) (canon lift (core func $i "bump"))))
  (component $fwd
    (import "bump" (func $bump (param "x" u64) (result u64)))
    (core func $bump (canon lower (func $bump)))
    (core module $m
      (import "" "bump" (func $bump (param i64) (result i64)))
      (func (export "bump") (param i64) (result i64) (call $bump (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "bump" (func $bump))))))
    (func (export "bump") (param "x" u64) (result u64) (canon lift (core func $i "bump"))))
  (instance $acc (instantiate $acc))
  (instance $fwd (instantiate $fwd (with "bump" (func $acc "bump"))))
  (export "bump" (func $fwd "bump")))
(component instance $first $acc-composition)
(assert_return (invoke "bump" (u64.const 5)) (u64.const 5))
(assert_return (invoke "bump" (u64.const 7)) (u64.const 12))
(component instance $second $acc-composition)
(assert_return (invoke "bump" (u64.const 1)) (u64.const 1))
(assert_return (invoke "bump" (u64.const 18446744073709551615)) (u64.const 0))

;; Instance exports and imports: $impl exports an instance "math" {add, mul};
;; $user imports it as an instance; the outer component also exports the
;; instance itself next to $user's function.
;;   fma(a, b, c) = add(mul(a, b), c) (wrapping u32)
(component
  (component $impl
    (core module $m
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m))
    (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
    (func $mul (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "mul")))
    (instance $math (export "add" (func $add)) (export "mul" (func $mul)))
    (export "math" (instance $math)))
  (component $user
    (import "math" (instance $math
      (export "add" (func (param "a" u32) (param "b" u32) (result u32)))
      (export "mul" (func (param "a" u32) (param "b" u32) (result u32)))))
    (alias export $math "add" (func $add))
    (alias export $math "mul" (func $mul))
    (core func $add (canon lower (func $add)))
    (core func $mul (canon lower (func $mul)))
    (core module $m
      (import "math" "add" (func $add (param i32 i32) (result i32)))
      (import "math" "mul" (func $mul (param i32 i32) (result i32)))
      (func (export "fma") (param i32 i32 i32) (result i32)
        (call $add (call $mul (local.get 0) (local.get 1)) (local.get 2))))
    (core instance $i (instantiate $m (with "math" (instance (export "add" (func $add)) (export "mul" (func $mul))))))
    (func (export "fma") (param "a" u32) (param "b" u32) (param "c" u32) (result u32)
      (canon lift (core func $i "fma"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user (with "math" (instance $impl "math"))))
  (export "math" (instance $impl "math"))
  (export "fma" (func $user "fma")))
(assert_return (invoke "fma" (u32.const 6) (u32.const 7) (u32.const 8)) (u32.const 50))
(assert_return (invoke "fma" (u32.const 65536) (u32.const 65536) (u32.const 3)) (u32.const 3))

;; An instance passed through a middle component that re-exports its import
;; under another name, and a bundle instance built at the outer level from
;; single functions.
;;   $impl.ops = { neg(x: s32) -> s32 = -x, twice(x: s32) -> s32 = 2x }
;;   $mid imports "ops" and exports it again as "ops2"
;;   $user imports "ops" (given $mid's "ops2") and "extra" (an instance made
;;   of $impl's "ops"."twice" under the name "t"):
;;     calc(x) = neg(twice(x)) + t(3)
(component
  (component $impl
    (core module $m
      (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
      (func (export "twice") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1))))
    (core instance $i (instantiate $m))
    (func $neg (param "x" s32) (result s32) (canon lift (core func $i "neg")))
    (func $twice (param "x" s32) (result s32) (canon lift (core func $i "twice")))
    (instance $ops (export "neg" (func $neg)) (export "twice" (func $twice)))
    (export "ops" (instance $ops)))
  (component $mid
    (import "ops" (instance $ops
      (export "neg" (func (param "x" s32) (result s32)))
      (export "twice" (func (param "x" s32) (result s32)))))
    (export "ops2" (instance $ops)))
  (component $user
    (import "ops" (instance $ops
      (export "neg" (func (param "x" s32) (result s32)))
      (export "twice" (func (param "x" s32) (result s32)))))
    (import "extra" (instance $extra (export "t" (func (param "x" s32) (result s32)))))
    (alias export $ops "neg" (func $neg))
    (alias export $ops "twice" (func $twice))
    (alias export $extra "t" (func $t))
    (core func $neg (canon lower (func $neg)))
    (core func $twice (canon lower (func $twice)))
    (core func $t (canon lower (func $t)))
    (core module $m
      (import "" "neg" (func $neg (param i32) (result i32)))
      (import "" "twice" (func $twice (param i32) (result i32)))
      (import "" "t" (func $t (param i32) (result i32)))
      (func (export "calc") (param i32) (result i32)
        (i32.add (call $neg (call $twice (local.get 0))) (call $t (i32.const 3)))))
    (core instance $i (instantiate $m
      (with "" (instance (export "neg" (func $neg)) (export "twice" (func $twice)) (export "t" (func $t))))))
    (func (export "calc") (param "x" s32) (result s32) (canon lift (core func $i "calc"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid (with "ops" (instance $impl "ops"))))
  (alias export $impl "ops" (instance $impl-ops))
  (alias export $impl-ops "twice" (func $twice))
  (instance $extra (export "t" (func $twice)))
  (instance $user (instantiate $user (with "ops" (instance $mid "ops2")) (with "extra" (instance $extra))))
  (export "calc" (func $user "calc")))
(assert_return (invoke "calc" (s32.const 5)) (s32.const -4))
(assert_return (invoke "calc" (s32.const -100)) (s32.const 206))

;; Re-exports without core code: $relay1 and $relay2 export their import again
;; (under the same and under a new name), so the outer "direct" export is
;; $impl's own lifted function; "via-user" crosses $impl -> $user.
;;   impl.sq(x) = x * x (u64); user.via-user(x) = sq(x) + 1
(component
  (component $impl
    (core module $m (func (export "sq") (param i64) (result i64) (i64.mul (local.get 0) (local.get 0))))
    (core instance $i (instantiate $m))
    (func (export "sq") (param "x" u64) (result u64) (canon lift (core func $i "sq"))))
  (component $relay
    (import "sq" (func $sq (param "x" u64) (result u64)))
    (export "sq" (func $sq))
    (export "square" (func $sq)))
  (component $user
    (import "square" (func $sq (param "x" u64) (result u64)))
    (core func $sq (canon lower (func $sq)))
    (core module $m
      (import "" "sq" (func $sq (param i64) (result i64)))
      (func (export "via-user") (param i64) (result i64) (i64.add (call $sq (local.get 0)) (i64.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "sq" (func $sq))))))
    (func (export "via-user") (param "x" u64) (result u64) (canon lift (core func $i "via-user"))))
  (instance $impl (instantiate $impl))
  (instance $relay1 (instantiate $relay (with "sq" (func $impl "sq"))))
  (instance $relay2 (instantiate $relay (with "sq" (func $relay1 "square"))))
  (instance $user (instantiate $user (with "square" (func $relay2 "square"))))
  (export "direct" (func $relay2 "sq"))
  (export "via-user" (func $user "via-user")))
(assert_return (invoke "direct" (u64.const 3000000000)) (u64.const 9000000000000000000))
(assert_return (invoke "via-user" (u64.const 12)) (u64.const 145))
(assert_return (invoke "via-user" (u64.const 4294967296)) (u64.const 1))

;; A chain of three components with different string encodings:
;; host -> $a (utf8) -> $b (utf16) -> $c (utf8).
;;   c.run(s) = s ++ "c"; b.run(s) = c.run(s ++ "b") ++ "B";
;;   a.run(s) = b.run(s ++ "a") ++ "A"
;;   run("x") = "xabcBA"
(component
  (component $c
    (core module $m
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
        (local.get $p))
      (func (export "run") (param $p i32) (param $n i32) (result i32)
        (local $q i32)
        (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (local.get $n) (i32.const 1))))
        (memory.copy (local.get $q) (local.get $p) (local.get $n))
        (i32.store8 (i32.add (local.get $q) (local.get $n)) (i32.const 0x63))
        (i32.store (i32.const 16) (local.get $q))
        (i32.store (i32.const 20) (i32.add (local.get $n) (i32.const 1)))
        (i32.const 16)))
    (core instance $i (instantiate $m))
    (func (export "run") (param "s" string) (result string)
      (canon lift (core func $i "run") (memory $i "mem") (realloc (func $i "realloc")))))
  (component $b
    (import "next" (func $next (param "s" string) (result string)))
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
    (core func $next (canon lower (func $next) (memory $libc "mem") (realloc (func $libc "realloc")) string-encoding=utf16))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      (import "" "next" (func $next (param i32 i32 i32)))
      ;; UTF-16: n code units at p
      (func (export "run") (param $p i32) (param $n i32) (result i32)
        (local $q i32) (local $r i32) (local $rn i32)
        (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 2) (i32.shl (i32.add (local.get $n) (i32.const 1)) (i32.const 1))))
        (memory.copy (local.get $q) (local.get $p) (i32.shl (local.get $n) (i32.const 1)))
        (i32.store16 (i32.add (local.get $q) (i32.shl (local.get $n) (i32.const 1))) (i32.const 0x62))
        (call $next (local.get $q) (i32.add (local.get $n) (i32.const 1)) (i32.const 8))
        (local.set $rn (i32.load (i32.const 12)))
        (local.set $r (call $realloc (i32.const 0) (i32.const 0) (i32.const 2) (i32.shl (i32.add (local.get $rn) (i32.const 1)) (i32.const 1))))
        (memory.copy (local.get $r) (i32.load (i32.const 8)) (i32.shl (local.get $rn) (i32.const 1)))
        (i32.store16 (i32.add (local.get $r) (i32.shl (local.get $rn) (i32.const 1))) (i32.const 0x42))
        (i32.store (i32.const 16) (local.get $r))
        (i32.store (i32.const 20) (i32.add (local.get $rn) (i32.const 1)))
        (i32.const 16)))
    (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "" (instance (export "next" (func $next))))))
    (func (export "run") (param "s" string) (result string)
      (canon lift (core func $i "run") (memory $libc "mem") (realloc (func $libc "realloc")) string-encoding=utf16)))
  (component $a
    (import "next" (func $next (param "s" string) (result string)))
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
    (core func $next (canon lower (func $next) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      (import "" "next" (func $next (param i32 i32 i32)))
      (func (export "run") (param $p i32) (param $n i32) (result i32)
        (local $q i32) (local $r i32) (local $rn i32)
        (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (local.get $n) (i32.const 1))))
        (memory.copy (local.get $q) (local.get $p) (local.get $n))
        (i32.store8 (i32.add (local.get $q) (local.get $n)) (i32.const 0x61))
        (call $next (local.get $q) (i32.add (local.get $n) (i32.const 1)) (i32.const 8))
        (local.set $rn (i32.load (i32.const 12)))
        (local.set $r (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (local.get $rn) (i32.const 1))))
        (memory.copy (local.get $r) (i32.load (i32.const 8)) (local.get $rn))
        (i32.store8 (i32.add (local.get $r) (local.get $rn)) (i32.const 0x41))
        (i32.store (i32.const 16) (local.get $r))
        (i32.store (i32.const 20) (i32.add (local.get $rn) (i32.const 1)))
        (i32.const 16)))
    (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "" (instance (export "next" (func $next))))))
    (func (export "run") (param "s" string) (result string)
      (canon lift (core func $i "run") (memory $libc "mem") (realloc (func $libc "realloc")))))
  (instance $c (instantiate $c))
  (instance $b (instantiate $b (with "next" (func $c "run"))))
  (instance $a (instantiate $a (with "next" (func $b "run"))))
  (export "run" (func $a "run")))
(assert_return (invoke "run" (str.const "x")) (str.const "xabcBA"))
(assert_return (invoke "run" (str.const "")) (str.const "abcBA"))
(assert_return (invoke "run" (str.const "\u{e9}\u{1f600}")) (str.const "\u{e9}\u{1f600}abcBA"))

;; Four components around one shared callee: $writer and $reader both import
;; from the same $store instance, and $app imports from both.
;;   store: push(x) appends x to a list in its memory, sum() adds them up
;;   writer.add(x) = push(x), push(x * 10)
;;   reader.total() = sum()
;;   app.add(x) = writer.add(x); app.total() = reader.total()
(component
  (component $store
    (core module $m
      (memory 1)
      (global $n (mut i32) (i32.const 0))
      (func (export "push") (param i32)
        (i32.store (i32.shl (global.get $n) (i32.const 2)) (local.get 0))
        (global.set $n (i32.add (global.get $n) (i32.const 1))))
      (func (export "sum") (result i64)
        (local $i i32) (local $s i64)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (global.get $n)))
          (local.set $s (i64.add (local.get $s) (i64.load32_u (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $s)))
    (core instance $i (instantiate $m))
    (func (export "push") (param "x" u32) (canon lift (core func $i "push")))
    (func (export "sum") (result u64) (canon lift (core func $i "sum"))))
  (component $writer
    (import "push" (func $push (param "x" u32)))
    (core func $push (canon lower (func $push)))
    (core module $m
      (import "" "push" (func $push (param i32)))
      (func (export "add") (param i32)
        (call $push (local.get 0))
        (call $push (i32.mul (local.get 0) (i32.const 10)))))
    (core instance $i (instantiate $m (with "" (instance (export "push" (func $push))))))
    (func (export "add") (param "x" u32) (canon lift (core func $i "add"))))
  (component $reader
    (import "sum" (func $sum (result u64)))
    (core func $sum (canon lower (func $sum)))
    (core module $m
      (import "" "sum" (func $sum (result i64)))
      (func (export "total") (result i64) (call $sum)))
    (core instance $i (instantiate $m (with "" (instance (export "sum" (func $sum))))))
    (func (export "total") (result u64) (canon lift (core func $i "total"))))
  (component $app
    (import "add" (func $add (param "x" u32)))
    (import "total" (func $total (result u64)))
    (core func $add (canon lower (func $add)))
    (core func $total (canon lower (func $total)))
    (core module $m
      (import "" "add" (func $add (param i32)))
      (import "" "total" (func $total (result i64)))
      (func (export "add") (param i32) (call $add (local.get 0)))
      (func (export "total") (result i64) (call $total)))
    (core instance $i (instantiate $m (with "" (instance (export "add" (func $add)) (export "total" (func $total))))))
    (func (export "add") (param "x" u32) (canon lift (core func $i "add")))
    (func (export "total") (result u64) (canon lift (core func $i "total"))))
  (instance $store (instantiate $store))
  (instance $writer (instantiate $writer (with "push" (func $store "push"))))
  (instance $reader (instantiate $reader (with "sum" (func $store "sum"))))
  (instance $app (instantiate $app (with "add" (func $writer "add")) (with "total" (func $reader "total"))))
  (export "add" (func $app "add"))
  (export "total" (func $app "total")))
(assert_return (invoke "total") (u64.const 0))
(invoke "add" (u32.const 5))
(assert_return (invoke "add" (u32.const 4000000000)))
;; 5 + 50 + 4000000000 + (40000000000 mod 2^32 = 1345294336)
(assert_return (invoke "total") (u64.const 5345294391))

;; Start functions and data segments run at instantiation, before any call;
;; the callee's state is what its start function left.
;;   impl: start sets g = 40, a data segment holds 2 at address 8;
;;   get() = g + mem[8]; user.get2() = 2 * get()
(component
  (component $impl
    (core module $m
      (memory 1)
      (data (i32.const 8) "\02")
      (global $g (mut i32) (i32.const 0))
      (func $init (global.set $g (i32.const 40)))
      (start $init)
      (func (export "get") (result i32) (i32.add (global.get $g) (i32.load8_u (i32.const 8)))))
    (core instance $i (instantiate $m))
    (func (export "get") (result u32) (canon lift (core func $i "get"))))
  (component $user
    (import "get" (func $get (result u32)))
    (core func $get (canon lower (func $get)))
    (core module $m
      (import "" "get" (func $get (result i32)))
      (global $seen (mut i32) (i32.const 0))
      (func $init (global.set $seen (i32.const 1)))
      (start $init)
      (func (export "get2") (result i32) (i32.mul (call $get) (i32.add (global.get $seen) (i32.const 1)))))
    (core instance $i (instantiate $m (with "" (instance (export "get" (func $get))))))
    (func (export "get2") (result u32) (canon lift (core func $i "get2"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user (with "get" (func $impl "get"))))
  (export "get2" (func $user "get2")))
(assert_return (invoke "get2") (u32.const 84))
