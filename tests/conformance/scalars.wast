;; Scalar types as parameters and results of exported functions.
;;
;; Every segment has the same shape: the outer component exports `f` of the
;; forwarder component $fwd, whose core code calls `f` of $impl through a
;; lowered import, so each value crosses the host boundary and one
;; component-to-component boundary in each direction.
;;
;; $fwd passes the value on with junk in the bits the type does not use, and
;; post-processes the result with full-width i32 arithmetic, so a missing mask
;; or sign extension in either direction of the inner boundary changes the
;; observed value.

;; u8: impl(x) = (x >> 1) + 1000; fwd(x) = impl(x | 0xab00) >> 1
;;   x=0:   232 -> 116;  x=10: 1005 & 255 = 237 -> 118
;;   x=200: 1100 & 255 = 76 -> 38;  x=255: 1127 & 255 = 103 -> 51
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.add (i32.shr_u (local.get 0) (i32.const 1)) (i32.const 1000))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" u8) (result u8) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" u8) (result u8)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.shr_u (call $f (i32.or (local.get 0) (i32.const 0xab00))) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" u8) (result u8) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (u8.const 0)) (u8.const 116))
(assert_return (invoke "f" (u8.const 10)) (u8.const 118))
(assert_return (invoke "f" (u8.const 200)) (u8.const 38))
(assert_return (invoke "f" (u8.const 255)) (u8.const 51))

;; s8: impl(x) = 3x; fwd(x) = impl(x ^ 0x5a00) >> 1 (arithmetic)
;;   0 -> 0;  100: 300 -> 44 -> 22;  -100: -300 -> -44 -> -22
;;   -128: -384 -> -128 -> -64;  127: 381 -> 125 -> 62
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const 3))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" s8) (result s8) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" s8) (result s8)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.shr_s (call $f (i32.xor (local.get 0) (i32.const 0x5a00))) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" s8) (result s8) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (s8.const 0)) (s8.const 0))
(assert_return (invoke "f" (s8.const 100)) (s8.const 22))
(assert_return (invoke "f" (s8.const -100)) (s8.const -22))
(assert_return (invoke "f" (s8.const -128)) (s8.const -64))
(assert_return (invoke "f" (s8.const 127)) (s8.const 62))

;; u16: impl(x) = (x >> 1) + 70000; fwd(x) = impl(x | 0xabc0000) >> 1
;;   0: 70000 & 0xffff = 4464 -> 2232;  1000: 70500 -> 4964 -> 2482
;;   65535: 102767 -> 37231 -> 18615
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.add (i32.shr_u (local.get 0) (i32.const 1)) (i32.const 70000))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" u16) (result u16) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" u16) (result u16)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.shr_u (call $f (i32.or (local.get 0) (i32.const 0xabc0000))) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" u16) (result u16) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (u16.const 0)) (u16.const 2232))
(assert_return (invoke "f" (u16.const 1000)) (u16.const 2482))
(assert_return (invoke "f" (u16.const 65535)) (u16.const 18615))

;; s16: impl(x) = 3x; fwd(x) = impl(x ^ 0x5a0000) >> 1 (arithmetic)
;;   7: 21 -> 10;  20000: 60000 -> -5536 -> -2768;  -20000: -60000 -> 5536 -> 2768
;;   -32768: -98304 -> -32768 -> -16384
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const 3))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" s16) (result s16) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" s16) (result s16)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.shr_s (call $f (i32.xor (local.get 0) (i32.const 0x5a0000))) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" s16) (result s16) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (s16.const 7)) (s16.const 10))
(assert_return (invoke "f" (s16.const 20000)) (s16.const -2768))
(assert_return (invoke "f" (s16.const -20000)) (s16.const 2768))
(assert_return (invoke "f" (s16.const -32768)) (s16.const -16384))

;; u32: impl(x) = 3x + 7 (wrapping); fwd(x) = impl(x) + 1
;;   0 -> 8;  1000000000 -> 3000000008;  4294967295: 3*(2^32-1)+7 = 4 (mod 2^32) -> 5
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const 7))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" u32) (result u32)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.add (call $f (local.get 0)) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (u32.const 0)) (u32.const 8))
(assert_return (invoke "f" (u32.const 1000000000)) (u32.const 3000000008))
(assert_return (invoke "f" (u32.const 4294967295)) (u32.const 5))

;; s32: impl(x) = -2x (wrapping); fwd(x) = impl(x) - 1
;;   5 -> -11;  -2147483648: 2^32 = 0 -> -1;  1073741824: -2^31 - 1 wraps to 2147483647
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const -2))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" s32) (result s32) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" s32) (result s32)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.sub (call $f (local.get 0)) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" s32) (result s32) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (s32.const 5)) (s32.const -11))
(assert_return (invoke "f" (s32.const -2147483648)) (s32.const -1))
(assert_return (invoke "f" (s32.const 1073741824)) (s32.const 2147483647))

;; u64: impl(x) = 5x + 3 (wrapping); fwd(x) = impl(x) + 1
;;   0 -> 4;  10^12 -> 5000000000004;  2^64-1: 5*2^64 - 2 = 2^64 - 2 -> 2^64 - 1
(component
  (component $impl
    (core module $m
      (func (export "f") (param i64) (result i64)
        (i64.add (i64.mul (local.get 0) (i64.const 5)) (i64.const 3))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" u64) (result u64) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" u64) (result u64)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i64) (result i64)))
      (func (export "f") (param i64) (result i64)
        (i64.add (call $f (local.get 0)) (i64.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" u64) (result u64) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (u64.const 0)) (u64.const 4))
(assert_return (invoke "f" (u64.const 1000000000000)) (u64.const 5000000000004))
(assert_return (invoke "f" (u64.const 18446744073709551615)) (u64.const 18446744073709551615))

;; s64: impl(x) = -x; fwd(x) = 2 * impl(x)
;;   -1 -> 2;  123456789012 -> -246913578024;  -2^63: -(-2^63) = -2^63, *2 = 0
(component
  (component $impl
    (core module $m
      (func (export "f") (param i64) (result i64)
        (i64.sub (i64.const 0) (local.get 0))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" s64) (result s64) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" s64) (result s64)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i64) (result i64)))
      (func (export "f") (param i64) (result i64)
        (i64.mul (call $f (local.get 0)) (i64.const 2))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" s64) (result s64) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (s64.const -1)) (s64.const 2))
(assert_return (invoke "f" (s64.const 123456789012)) (s64.const -246913578024))
(assert_return (invoke "f" (s64.const -9223372036854775808)) (s64.const 0))

;; bool: fwd passes 6*x (a non-canonical true); impl returns 0 if it sees exactly
;; 1 and 7 (another non-canonical true) if it sees 0; fwd returns (r == 1), so
;; it only answers right if the boundary turned 7 into 1.
;;   f(true) = false, f(false) = true
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (if (result i32) (i32.eq (local.get 0) (i32.const 1))
                  (then (i32.const 0)) (else (i32.const 1))))
          (else (i32.const 7)))))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" bool) (result bool) (canon lift (core func $i "f"))))
  (component $fwd
    (import "f" (func $f (param "x" bool) (result bool)))
    (core func $f (canon lower (func $f)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (i32.eq (call $f (i32.mul (local.get 0) (i32.const 6))) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f") (param "x" bool) (result bool) (canon lift (core func $i "f"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return (invoke "f" (bool.const true)) (bool.const false))
(assert_return (invoke "f" (bool.const false)) (bool.const true))

;; char: impl(c) = c + 1; fwd(c) = impl(c), and `g(c)` = the code point impl
;; saw as a u32.
(component
  (component $impl
    (core module $m
      (func (export "f") (param i32) (result i32)
        (i32.add (local.get 0) (i32.const 1)))
      (func (export "g") (param i32) (result i32) (local.get 0)))
    (core instance $i (instantiate $m))
    (func (export "f") (param "c" char) (result char) (canon lift (core func $i "f")))
    (func (export "g") (param "c" char) (result u32) (canon lift (core func $i "g"))))
  (component $fwd
    (import "f" (func $f (param "c" char) (result char)))
    (import "g" (func $g (param "c" char) (result u32)))
    (core func $f (canon lower (func $f)))
    (core func $g (canon lower (func $g)))
    (core module $m
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "g" (func $g (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (call $f (local.get 0)))
      (func (export "g") (param i32) (result i32) (call $g (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f)) (export "g" (func $g))))))
    (func (export "f") (param "c" char) (result char) (canon lift (core func $i "f")))
    (func (export "g") (param "c" char) (result u32) (canon lift (core func $i "g"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f")) (with "g" (func $impl "g"))))
  (export "f" (func $fwd "f"))
  (export "g" (func $fwd "g")))
(assert_return (invoke "f" (char.const "a")) (char.const "b"))
(assert_return (invoke "f" (char.const "\u{e9}")) (char.const "\u{ea}"))
(assert_return (invoke "f" (char.const "\u{d7fe}")) (char.const "\u{d7ff}"))
(assert_return (invoke "f" (char.const "\u{1f600}")) (char.const "\u{1f601}"))
(assert_return (invoke "f" (char.const "\u{10fffe}")) (char.const "\u{10ffff}"))
(assert_return (invoke "g" (char.const "\u{0}")) (u32.const 0))
(assert_return (invoke "g" (char.const "\u{e000}")) (u32.const 0xe000))
(assert_return (invoke "g" (char.const "\u{10ffff}")) (u32.const 0x10ffff))

;; f32 and f64 (the script writes floats inside tuples: a bare `f32.const`
;; argument is read as a core value). impl(x) = (x.1 * 2, x.0 + 0.5), with the
;; two results through a return pointer; `id` returns its tuple unchanged,
;; which must keep NaN payloads bit for bit.
(component
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (func (export "f") (param f32 f64) (result i32)
        (f64.store (i32.const 64) (f64.mul (local.get 1) (f64.const 2)))
        (f32.store (i32.const 72) (f32.add (local.get 0) (f32.const 0.5)))
        (i32.const 64))
      (func (export "id") (param f32 f64) (result i32)
        (f32.store (i32.const 128) (local.get 0))
        (f64.store (i32.const 136) (local.get 1))
        (i32.const 128)))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" (tuple f32 f64)) (result (tuple f64 f32))
      (canon lift (core func $i "f") (memory $i "mem")))
    (func (export "id") (param "x" (tuple f32 f64)) (result (tuple f32 f64))
      (canon lift (core func $i "id") (memory $i "mem"))))
  (component $fwd
    (import "f" (func $f (param "x" (tuple f32 f64)) (result (tuple f64 f32))))
    (import "id" (func $id (param "x" (tuple f32 f64)) (result (tuple f32 f64))))
    (core module $mem (memory (export "mem") 1))
    (core instance $mem (instantiate $mem))
    (core func $f (canon lower (func $f) (memory $mem "mem")))
    (core func $id (canon lower (func $id) (memory $mem "mem")))
    (core module $m
      (import "" "f" (func $f (param f32 f64 i32)))
      (import "" "id" (func $id (param f32 f64 i32)))
      (func (export "f") (param f32 f64) (result i32)
        (call $f (local.get 0) (local.get 1) (i32.const 32))
        (i32.const 32))
      (func (export "id") (param f32 f64) (result i32)
        (call $id (local.get 0) (local.get 1) (i32.const 48))
        (i32.const 48)))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f)) (export "id" (func $id))))))
    (func (export "f") (param "x" (tuple f32 f64)) (result (tuple f64 f32))
      (canon lift (core func $i "f") (memory $mem "mem")))
    (func (export "id") (param "x" (tuple f32 f64)) (result (tuple f32 f64))
      (canon lift (core func $i "id") (memory $mem "mem"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f")) (with "id" (func $impl "id"))))
  (export "f" (func $fwd "f"))
  (export "id" (func $fwd "id")))
(assert_return (invoke "f" (tuple.const (f32.const 1.5) (f64.const 2.25)))
  (tuple.const (f64.const 4.5) (f32.const 2)))
(assert_return (invoke "f" (tuple.const (f32.const -0) (f64.const -0)))
  (tuple.const (f64.const -0) (f32.const 0.5)))
(assert_return (invoke "f" (tuple.const (f32.const inf) (f64.const -inf)))
  (tuple.const (f64.const -inf) (f32.const inf)))
(assert_return (invoke "f" (tuple.const (f32.const 0x1p-149) (f64.const 0x1p-1074)))
  (tuple.const (f64.const 0x1p-1073) (f32.const 0.5)))
(assert_return (invoke "id" (tuple.const (f32.const -0x1.fffffep+127) (f64.const 0x1.fffffffffffffp+1023)))
  (tuple.const (f32.const -0x1.fffffep+127) (f64.const 0x1.fffffffffffffp+1023)))
(assert_return (invoke "id" (tuple.const (f32.const nan:0x400001) (f64.const -nan:0x8000000000005)))
  (tuple.const (f32.const nan:0x400001) (f64.const -nan:0x8000000000005)))

;; More than 16 flat parameters: both sides pass them through memory. impl
;; returns sum((i+1) * p_i) as s64 over the 17 parameters (bool as 0/1, char as
;; its code point). Canonical layout of the parameter tuple: u8@0 s8@1 u16@2
;; s16@4 u32@8 s32@12 u64@16 s64@24 bool@32 char@36 u8@40..45 u32@48.
;;   1*1 + 2*-2 + 3*3 + 4*-4 + 5*5 + 6*-6 + 7*7 + 8*-8 = -36; + 9*1 = -27;
;;   + 10*65 = 623; + 11*10 + 12*11 + 13*12 + 14*13 + 15*14 + 16*15 = 1653;
;;   + 17*100000 = 1701653
;;   second call: 1*255 + 2*-128 + 3*65535 + 4*-32768 + 5*4294967295
;;     + 6*-2147483648 + 7*2^40 + 8*-2^40 + 9*0 + 10*0x10ffff + 11*0 .. 16*0 + 17*1
;;     = 255 - 256 + 196605 - 131072 + 21474836475 - 12884901888
;;       - 1099511627776 + 11141110 + 17 = -1090910486530
(component
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get 2))))
        (global.set $heap (i32.add (local.get $p) (local.get 3)))
        (local.get $p))
      (func (export "f") (param $p i32) (result i64)
        (local $s i64) (local $i i32)
        (local.set $s (i64.extend_i32_u (i32.load8_u offset=0 (local.get $p))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 2) (i64.load8_s offset=1 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 3) (i64.load16_u offset=2 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 4) (i64.load16_s offset=4 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 5) (i64.load32_u offset=8 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 6) (i64.load32_s offset=12 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 7) (i64.load offset=16 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 8) (i64.load offset=24 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 9) (i64.load8_u offset=32 (local.get $p)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 10) (i64.load32_u offset=36 (local.get $p)))))
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $i) (i32.const 6)))
            (local.set $s (i64.add (local.get $s)
              (i64.mul (i64.extend_i32_u (i32.add (local.get $i) (i32.const 11)))
                       (i64.load8_u offset=40 (i32.add (local.get $p) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (i64.add (local.get $s) (i64.mul (i64.const 17) (i64.load32_u offset=48 (local.get $p))))))
    (core instance $i (instantiate $m))
    (func (export "f")
      (param "a" u8) (param "b" s8) (param "c" u16) (param "d" s16) (param "e" u32) (param "f" s32)
      (param "g" u64) (param "h" s64) (param "i" bool) (param "j" char) (param "k" u8) (param "l" u8)
      (param "m" u8) (param "n" u8) (param "o" u8) (param "p" u8) (param "q" u32) (result s64)
      (canon lift (core func $i "f") (memory $i "mem") (realloc (func $i "realloc")))))
  (component $fwd
    (import "f" (func $f
      (param "a" u8) (param "b" s8) (param "c" u16) (param "d" s16) (param "e" u32) (param "f" s32)
      (param "g" u64) (param "h" s64) (param "i" bool) (param "j" char) (param "k" u8) (param "l" u8)
      (param "m" u8) (param "n" u8) (param "o" u8) (param "p" u8) (param "q" u32) (result s64)))
    (core module $libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 2048))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get 2))))
        (global.set $heap (i32.add (local.get $p) (local.get 3)))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $f (canon lower (func $f) (memory $libc "mem")))
    (core module $m
      (import "" "f" (func $f (param i32) (result i64)))
      (func (export "f") (param i32) (result i64) (call $f (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
    (func (export "f")
      (param "a" u8) (param "b" s8) (param "c" u16) (param "d" s16) (param "e" u32) (param "f" s32)
      (param "g" u64) (param "h" s64) (param "i" bool) (param "j" char) (param "k" u8) (param "l" u8)
      (param "m" u8) (param "n" u8) (param "o" u8) (param "p" u8) (param "q" u32) (result s64)
      (canon lift (core func $i "f") (memory $libc "mem") (realloc (func $libc "realloc")))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "f" (func $impl "f"))))
  (export "f" (func $fwd "f")))
(assert_return
  (invoke "f" (u8.const 1) (s8.const -2) (u16.const 3) (s16.const -4) (u32.const 5) (s32.const -6)
    (u64.const 7) (s64.const -8) (bool.const true) (char.const "A") (u8.const 10) (u8.const 11)
    (u8.const 12) (u8.const 13) (u8.const 14) (u8.const 15) (u32.const 100000))
  (s64.const 1701653))
(assert_return
  (invoke "f" (u8.const 255) (s8.const -128) (u16.const 65535) (s16.const -32768)
    (u32.const 4294967295) (s32.const -2147483648) (u64.const 0x10000000000)
    (s64.const -0x10000000000) (bool.const false) (char.const "\u{10ffff}") (u8.const 0) (u8.const 0)
    (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0) (u32.const 1))
  (s64.const -1090910486530))
