;; Invalid strings produced by a guest.
;;
;; In the first segments $fwd passes one of the strings of its data segments
;; (a hand-made byte sequence, `go(k)` picks the k-th) to $impl, whose `len`
;; returns the length word it received; the invalid ones must trap while they
;; are transcoded. The last segment returns invalid strings to the host.
;; Trap messages: unfused, wasmtime's transcoder reports "invalid utf8
;; encoding" / "invalid utf16 encoding" as a host error raised under a wasm
;; frame, while meld's fused module traps in its transcoder, in a function
;; named with the same words (`meld:transcode/<op>:invalid utf8 encoding`),
;; which its backtrace shows; these assertions check that reason. As in
;; traps.wast, each trap gets a fresh instance of the segment's definition.

;; UTF-8 caller -> UTF-16 callee: invalid UTF-8 traps in the transcoder.
;;   0: "ab\u{e9}" (4 bytes, 3 UTF-16 units); 1: FF; 2: C3 cut short;
;;   3: ED A0 80 (an encoded surrogate); 4: C0 80 (overlong NUL); 5: F4 90 80 80 (> U+10FFFF)
(component definition $C
  (component $impl
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
      (func (export "len") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "len") (param "s" string) (result u32)
      (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc")) string-encoding=utf16)))
  (component $fwd
    (import "len" (func $len (param "s" string) (result u32)))
    (core module $mem
      (memory (export "mem") 1)
      (data (i32.const 256) "ab\c3\a9")
      (data (i32.const 288) "\ff")
      (data (i32.const 320) "a\c3")
      (data (i32.const 352) "\ed\a0\80")
      (data (i32.const 384) "\c0\80")
      (data (i32.const 416) "\f4\90\80\80"))
    (core instance $mem (instantiate $mem))
    (core func $len (canon lower (func $len) (memory $mem "mem") string-encoding=utf8))
    (core module $m
      (import "" "len" (func $len (param i32 i32) (result i32)))
      (func (export "go") (param i32) (result i32)
        (block $k5 (block $k4 (block $k3 (block $k2 (block $k1 (block $k0 
          (br_table $k0 $k1 $k2 $k3 $k4 $k5 (local.get 0)))
          (return (call $len (i32.const 256) (i32.const 4))))
          (return (call $len (i32.const 288) (i32.const 1))))
          (return (call $len (i32.const 320) (i32.const 2))))
          (return (call $len (i32.const 352) (i32.const 3))))
          (return (call $len (i32.const 384) (i32.const 2))))
          (call $len (i32.const 416) (i32.const 4))))
    (core instance $i (instantiate $m (with "" (instance (export "len" (func $len))))))
    (func (export "go") (param "k" u32) (result u32) (canon lift (core func $i "go"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "len" (func $impl "len"))))
  (export "go" (func $fwd "go")))
(component instance $c1 $C)
(assert_return (invoke "go" (u32.const 0)) (u32.const 3))
(assert_trap (invoke "go" (u32.const 1)) "invalid utf8 encoding")
(component instance $c2 $C)
(assert_trap (invoke "go" (u32.const 2)) "invalid utf8 encoding")
(component instance $c3 $C)
(assert_trap (invoke "go" (u32.const 3)) "invalid utf8 encoding")
(component instance $c4 $C)
(assert_trap (invoke "go" (u32.const 4)) "invalid utf8 encoding")
(component instance $c5 $C)
(assert_trap (invoke "go" (u32.const 5)) "invalid utf8 encoding")

;; UTF-8 caller -> latin1+utf16 callee: the same bytes (the first is Latin-1: length 3).
(component definition $C
  (component $impl
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
      (func (export "len") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "len") (param "s" string) (result u32)
      (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc")) string-encoding=latin1+utf16)))
  (component $fwd
    (import "len" (func $len (param "s" string) (result u32)))
    (core module $mem
      (memory (export "mem") 1)
      (data (i32.const 256) "ab\c3\a9")
      (data (i32.const 288) "\ff")
      (data (i32.const 320) "a\c3")
      (data (i32.const 352) "\ed\a0\80")
      (data (i32.const 384) "\c0\80")
      (data (i32.const 416) "\f4\90\80\80"))
    (core instance $mem (instantiate $mem))
    (core func $len (canon lower (func $len) (memory $mem "mem") string-encoding=utf8))
    (core module $m
      (import "" "len" (func $len (param i32 i32) (result i32)))
      (func (export "go") (param i32) (result i32)
        (block $k5 (block $k4 (block $k3 (block $k2 (block $k1 (block $k0 
          (br_table $k0 $k1 $k2 $k3 $k4 $k5 (local.get 0)))
          (return (call $len (i32.const 256) (i32.const 4))))
          (return (call $len (i32.const 288) (i32.const 1))))
          (return (call $len (i32.const 320) (i32.const 2))))
          (return (call $len (i32.const 352) (i32.const 3))))
          (return (call $len (i32.const 384) (i32.const 2))))
          (call $len (i32.const 416) (i32.const 4))))
    (core instance $i (instantiate $m (with "" (instance (export "len" (func $len))))))
    (func (export "go") (param "k" u32) (result u32) (canon lift (core func $i "go"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "len" (func $impl "len"))))
  (export "go" (func $fwd "go")))
(component instance $c1 $C)
(assert_return (invoke "go" (u32.const 0)) (u32.const 3))
(assert_trap (invoke "go" (u32.const 1)) "invalid utf8 encoding")
(component instance $c2 $C)
(assert_trap (invoke "go" (u32.const 2)) "invalid utf8 encoding")
(component instance $c3 $C)
(assert_trap (invoke "go" (u32.const 3)) "invalid utf8 encoding")
(component instance $c4 $C)
(assert_trap (invoke "go" (u32.const 4)) "invalid utf8 encoding")
(component instance $c5 $C)
(assert_trap (invoke "go" (u32.const 5)) "invalid utf8 encoding")

;; UTF-16 caller -> UTF-8 callee: unpaired surrogates trap.
;;   0: "a\u{1f600}" as 61 00 3D D8 00 DE (3 units, 5 UTF-8 bytes); 1: a lone high
;;   surrogate D800; 2: a lone low surrogate DC00 after 'a'; 3: two high surrogates
(component definition $C
  (component $impl
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
      (func (export "len") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "len") (param "s" string) (result u32)
      (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc")) string-encoding=utf8)))
  (component $fwd
    (import "len" (func $len (param "s" string) (result u32)))
    (core module $mem
      (memory (export "mem") 1)
      (data (i32.const 256) "a\00\3d\d8\00\de")
      (data (i32.const 288) "\00\d8")
      (data (i32.const 320) "a\00\00\dc")
      (data (i32.const 352) "\3d\d8\3d\d8"))
    (core instance $mem (instantiate $mem))
    (core func $len (canon lower (func $len) (memory $mem "mem") string-encoding=utf16))
    (core module $m
      (import "" "len" (func $len (param i32 i32) (result i32)))
      (func (export "go") (param i32) (result i32)
        (block $k3 (block $k2 (block $k1 (block $k0 
          (br_table $k0 $k1 $k2 $k3 (local.get 0)))
          (return (call $len (i32.const 256) (i32.const 3))))
          (return (call $len (i32.const 288) (i32.const 1))))
          (return (call $len (i32.const 320) (i32.const 2))))
          (call $len (i32.const 352) (i32.const 2))))
    (core instance $i (instantiate $m (with "" (instance (export "len" (func $len))))))
    (func (export "go") (param "k" u32) (result u32) (canon lift (core func $i "go"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "len" (func $impl "len"))))
  (export "go" (func $fwd "go")))
(component instance $c1 $C)
(assert_return (invoke "go" (u32.const 0)) (u32.const 5))
(assert_trap (invoke "go" (u32.const 1)) "invalid utf16 encoding")
(component instance $c2 $C)
(assert_trap (invoke "go" (u32.const 2)) "invalid utf16 encoding")
(component instance $c3 $C)
(assert_trap (invoke "go" (u32.const 3)) "invalid utf16 encoding")

;; latin1+utf16 caller (UTF-16 form, length | 2^31) -> UTF-8 callee: unpaired surrogates trap.
;;   0: "\u{20ac}" as AC 20 (1 unit -> 3 UTF-8 bytes); 1: lone D800
(component definition $C
  (component $impl
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
      (func (export "len") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "len") (param "s" string) (result u32)
      (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc")) string-encoding=utf8)))
  (component $fwd
    (import "len" (func $len (param "s" string) (result u32)))
    (core module $mem
      (memory (export "mem") 1)
      (data (i32.const 256) "\ac\20")
      (data (i32.const 288) "\00\d8"))
    (core instance $mem (instantiate $mem))
    (core func $len (canon lower (func $len) (memory $mem "mem") string-encoding=latin1+utf16))
    (core module $m
      (import "" "len" (func $len (param i32 i32) (result i32)))
      (func (export "go") (param i32) (result i32)
        (block $k1 (block $k0 
          (br_table $k0 $k1 (local.get 0)))
          (return (call $len (i32.const 256) (i32.const 2147483649))))
          (call $len (i32.const 288) (i32.const 2147483649))))
    (core instance $i (instantiate $m (with "" (instance (export "len" (func $len))))))
    (func (export "go") (param "k" u32) (result u32) (canon lift (core func $i "go"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "len" (func $impl "len"))))
  (export "go" (func $fwd "go")))
(component instance $c1 $C)
(assert_return (invoke "go" (u32.const 0)) (u32.const 3))
(assert_trap (invoke "go" (u32.const 1)) "invalid utf16 encoding")

;; Invalid strings returned to the host by the outer component's own export.
;;   utf8(k):  k=0 "ok", k=1 the bytes 6F FF
;;   utf16(k): k=0 "ok" in UTF-16 (2 units at 200), k=1 a lone surrogate D800
;;             (1 unit at 204)
(component definition $C
  (core module $m
    (memory (export "mem") 1)
    (data (i32.const 100) "ok\6f\ff")
    (data (i32.const 200) "o\00k\00\00\d8")
    (func (export "utf8") (param i32) (result i32)
      (i32.store (i32.const 8) (i32.add (i32.const 100) (i32.shl (local.get 0) (i32.const 1))))
      (i32.store (i32.const 12) (i32.const 2))
      (i32.const 8))
    (func (export "utf16") (param i32) (result i32)
      (i32.store (i32.const 8) (i32.add (i32.const 200) (i32.shl (local.get 0) (i32.const 2))))
      (i32.store (i32.const 12) (i32.sub (i32.const 2) (local.get 0)))
      (i32.const 8)))
  (core instance $i (instantiate $m))
  (func (export "utf8") (param "k" u32) (result string) (canon lift (core func $i "utf8") (memory $i "mem")))
  (func (export "utf16") (param "k" u32) (result string)
    (canon lift (core func $i "utf16") (memory $i "mem") string-encoding=utf16)))
(component instance $c1 $C)
(assert_return (invoke "utf8" (u32.const 0)) (str.const "ok"))
(assert_return (invoke "utf16" (u32.const 0)) (str.const "ok"))
(assert_trap (invoke "utf8" (u32.const 1)) "invalid utf-8 sequence")
(component instance $c2 $C)
(assert_trap (invoke "utf16" (u32.const 1)) "unpaired surrogate")
