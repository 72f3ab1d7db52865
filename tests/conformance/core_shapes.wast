;; Core-level shapes inside components: several memories in one core module,
;; tables and globals shared between core instances, and one core function
;; lifted under two types.

;; Multi-memory: $impl's core module has two memories and lifts with the
;; second one; its realloc allocates there.
;;   rev(s) = s reversed byte-wise (ASCII); in memory 1
(component
  (component $impl
    (core module $m
      (memory $zero (export "mem0") 1)
      (memory $one (export "mem1") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $heap))
        (global.set $heap (i32.add (global.get $heap) (local.get 3)))
        ;; poison the same range of memory 0, which nobody may read
        (memory.fill $zero (local.get $p) (i32.const 0x21) (local.get 3))
        (local.get $p))
      (func (export "rev") (param $p i32) (param $n i32) (result i32)
        (local $i i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (i32.store8 $one (i32.add (i32.const 512) (local.get $i))
            (i32.load8_u $one (i32.add (local.get $p) (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (i32.store $one (i32.const 16) (i32.const 512))
        (i32.store $one (i32.const 20) (local.get $n))
        (i32.const 16)))
    (core instance $i (instantiate $m))
    (func (export "rev") (param "s" string) (result string)
      (canon lift (core func $i "rev") (memory $i "mem1") (realloc (func $i "realloc")))))
  (component $fwd
    (import "rev" (func $rev (param "s" string) (result string)))
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
    (core func $rev (canon lower (func $rev) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "" "rev" (func $rev (param i32 i32 i32)))
      (func (export "rev") (param i32 i32) (result i32) (call $rev (local.get 0) (local.get 1) (i32.const 8)) (i32.const 8)))
    (core instance $i (instantiate $m (with "" (instance (export "rev" (func $rev))))))
    (func (export "rev") (param "s" string) (result string)
      (canon lift (core func $i "rev") (memory $libc "mem") (realloc (func $libc "realloc")))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "rev" (func $impl "rev"))))
  (export "rev" (func $fwd "rev")))
(assert_return (invoke "rev" (str.const "stressed")) (str.const "desserts"))
(assert_return (invoke "rev" (str.const "")) (str.const ""))

;; A table and a global shared between two core instances of $impl: $a fills
;; the table and exports the global, $b calls through the table.
;;   apply(k, x) = table[k](x) + g where table = [x+1, x*x, x-100], g = 1000
(component
  (component $impl
    (core module $a
      (table (export "t") 3 funcref)
      (global (export "g") i32 (i32.const 1000))
      (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
      (func $sub (param i32) (result i32) (i32.sub (local.get 0) (i32.const 100)))
      (elem (i32.const 0) $inc $sq $sub))
    (core instance $a (instantiate $a))
    (core module $b
      (import "a" "t" (table 3 funcref))
      (import "a" "g" (global $g i32))
      (type $t (func (param i32) (result i32)))
      (func (export "apply") (param i32 i32) (result i32)
        (i32.add (call_indirect (type $t) (local.get 1) (local.get 0)) (global.get $g))))
    (core instance $b (instantiate $b (with "a" (instance $a))))
    (func (export "apply") (param "k" u32) (param "x" s32) (result s32) (canon lift (core func $b "apply"))))
  (component $fwd
    (import "apply" (func $apply (param "k" u32) (param "x" s32) (result s32)))
    (core func $apply (canon lower (func $apply)))
    (core module $m
      (import "" "apply" (func $apply (param i32 i32) (result i32)))
      (func (export "apply") (param i32 i32) (result i32) (call $apply (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m (with "" (instance (export "apply" (func $apply))))))
    (func (export "apply") (param "k" u32) (param "x" s32) (result s32) (canon lift (core func $i "apply"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "apply" (func $impl "apply"))))
  (export "apply" (func $fwd "apply")))
(assert_return (invoke "apply" (u32.const 0) (s32.const 5)) (s32.const 1006))
(assert_return (invoke "apply" (u32.const 1) (s32.const -30)) (s32.const 1900))
(assert_return (invoke "apply" (u32.const 2) (s32.const 7)) (s32.const 907))

;; One core function lifted under six types: it returns 0xfff1, which the
;; u8 / s8 / u16 / s16 / bool / char lifts turn into 0xf1, -15, 0xfff1, -15,
;; true and U+FFF1. $fwd lowers each of them and lifts the core value it got as
;; an s32, so the script sees exactly the bits the adapter produced.
(component
  (component $impl
    (core module $m (func (export "v") (result i32) (i32.const 0xfff1)))
    (core instance $i (instantiate $m))
    (func (export "u8") (result u8) (canon lift (core func $i "v")))
    (func (export "s8") (result s8) (canon lift (core func $i "v")))
    (func (export "u16") (result u16) (canon lift (core func $i "v")))
    (func (export "s16") (result s16) (canon lift (core func $i "v")))
    (func (export "bool") (result bool) (canon lift (core func $i "v")))
    (func (export "char") (result char) (canon lift (core func $i "v"))))
  (component $fwd
    (import "u8" (func $u8 (result u8)))
    (import "s8" (func $s8 (result s8)))
    (import "u16" (func $u16 (result u16)))
    (import "s16" (func $s16 (result s16)))
    (import "bool" (func $bool (result bool)))
    (import "char" (func $char (result char)))
    (core func $u8 (canon lower (func $u8)))
    (core func $s8 (canon lower (func $s8)))
    (core func $u16 (canon lower (func $u16)))
    (core func $s16 (canon lower (func $s16)))
    (core func $bool (canon lower (func $bool)))
    (core func $char (canon lower (func $char)))
    (core module $m
      (import "" "u8" (func $u8 (result i32)))
      (import "" "s8" (func $s8 (result i32)))
      (import "" "u16" (func $u16 (result i32)))
      (import "" "s16" (func $s16 (result i32)))
      (import "" "bool" (func $bool (result i32)))
      (import "" "char" (func $char (result i32)))
      (func (export "u8") (result i32) (call $u8))
      (func (export "s8") (result i32) (call $s8))
      (func (export "u16") (result i32) (call $u16))
      (func (export "s16") (result i32) (call $s16))
      (func (export "bool") (result i32) (call $bool))
      (func (export "char") (result i32) (call $char)))
    (core instance $i (instantiate $m
      (with "" (instance (export "u8" (func $u8)) (export "s8" (func $s8)) (export "u16" (func $u16))
                         (export "s16" (func $s16)) (export "bool" (func $bool)) (export "char" (func $char))))))
    ;; every core result re-lifted as an s32 shows the exact bits $fwd got
    (func (export "u8") (result s32) (canon lift (core func $i "u8")))
    (func (export "s8") (result s32) (canon lift (core func $i "s8")))
    (func (export "u16") (result s32) (canon lift (core func $i "u16")))
    (func (export "s16") (result s32) (canon lift (core func $i "s16")))
    (func (export "bool") (result s32) (canon lift (core func $i "bool")))
    (func (export "char") (result s32) (canon lift (core func $i "char"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd
    (with "u8" (func $impl "u8")) (with "s8" (func $impl "s8")) (with "u16" (func $impl "u16"))
    (with "s16" (func $impl "s16")) (with "bool" (func $impl "bool")) (with "char" (func $impl "char"))))
  (export "u8" (func $fwd "u8"))
  (export "s8" (func $fwd "s8"))
  (export "u16" (func $fwd "u16"))
  (export "s16" (func $fwd "s16"))
  (export "bool" (func $fwd "bool"))
  (export "char" (func $fwd "char")))
(assert_return (invoke "u8") (s32.const 0xf1))
(assert_return (invoke "s8") (s32.const -15))
(assert_return (invoke "u16") (s32.const 0xfff1))
(assert_return (invoke "s16") (s32.const -15))
(assert_return (invoke "bool") (s32.const 1))
(assert_return (invoke "char") (s32.const 0xfff1))
