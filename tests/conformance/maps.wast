;; map<K, V> across a component boundary: the outer component exports scalar
;; functions of $fwd, whose core code passes maps to $impl (and gets maps
;; back) through lowered imports. A map is list<tuple<K, V>> in memory: the
;; adapter copies each entry like a record { key, value }. (The script
;; format has no map values, so maps stay inside the composition.)

;; total(m: map<string, u32>) = sum of (strlen(k) * 1000 + v)
;;   go(0): {}                    -> 0
;;   go(1): {"a": 1, "bc": 2}     -> 1001 + 2002 = 3003
;; keys(n) -> map<u32, string>: the first n entries of {7: "seven", 9: "nine"}
;;   back(n) = len * 100000 + sum of (k * 100 + strlen(v)), on the map $fwd got
;;   back(2) = 200000 + (700 + 5) + (900 + 4) = 201609;  back(0) = 0
(component
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (global.set $heap (i32.add (local.get $p) (local.get $nsz)))
        (local.get $p))
      (data (i32.const 16) "seven")
      (data (i32.const 24) "nine")
      ;; keys' entries: (7, "seven") @64, (9, "nine") @76; size 12
      (data (i32.const 64) "\07\00\00\00\10\00\00\00\05\00\00\00")
      (data (i32.const 76) "\09\00\00\00\18\00\00\00\04\00\00\00")
      (func (export "total") (param $p i32) (param $n i32) (result i32)
        (local $i i32) (local $e i32) (local $acc i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $e (i32.add (local.get $p) (i32.mul (local.get $i) (i32.const 12))))
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32.mul (i32.load offset=4 (local.get $e)) (i32.const 1000))
                     (i32.load offset=8 (local.get $e)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $acc))
      (func (export "keys") (param $n i32) (result i32)
        (i32.store (i32.const 128) (i32.const 64))
        (i32.store (i32.const 132) (local.get $n))
        (i32.const 128)))
    (core instance $i (instantiate $m))
    (func (export "total") (param "m" (map string u32)) (result u32)
      (canon lift (core func $i "total") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "keys") (param "n" u32) (result (map u32 string))
      (canon lift (core func $i "keys") (memory $i "mem"))))
  (component $fwd
    (import "total" (func $total (param "m" (map string u32)) (result u32)))
    (import "keys" (func $keys (param "n" u32) (result (map u32 string))))
    (core module $libc
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 4096))
      (func (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (global.set $heap (i32.add (local.get $p) (local.get $nsz)))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $total (canon lower (func $total) (memory $libc "mem")))
    (core func $keys (canon lower (func $keys) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "" "total" (func $total (param i32 i32) (result i32)))
      (import "" "keys" (func $keys (param i32 i32)))
      (data (i32.const 16) "abc")
      ;; {"a": 1, "bc": 2} @32: ("a" @16, 1), ("bc" @17, 2); size 12
      (data (i32.const 32) "\10\00\00\00\01\00\00\00\01\00\00\00")
      (data (i32.const 44) "\11\00\00\00\02\00\00\00\02\00\00\00")
      (func (export "go") (param $k i32) (result i32)
        (call $total (i32.const 32) (i32.mul (local.get $k) (i32.const 2))))
      (func (export "back") (param $n i32) (result i32)
        (local $p i32) (local $len i32) (local $i i32) (local $e i32) (local $acc i32)
        (call $keys (local.get $n) (i32.const 256))
        (local.set $p (i32.load (i32.const 256)))
        (local.set $len (i32.load (i32.const 260)))
        (local.set $acc (i32.mul (local.get $len) (i32.const 100000)))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (local.set $e (i32.add (local.get $p) (i32.mul (local.get $i) (i32.const 12))))
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32.mul (i32.load (local.get $e)) (i32.const 100))
                     (i32.load offset=8 (local.get $e)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $acc)))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance (export "total" (func $total)) (export "keys" (func $keys))))))
    (func (export "go") (param "k" u32) (result u32) (canon lift (core func $i "go")))
    (func (export "back") (param "n" u32) (result u32) (canon lift (core func $i "back"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "total" (func $impl "total")) (with "keys" (func $impl "keys"))))
  (export "go" (func $fwd "go"))
  (export "back" (func $fwd "back")))
(assert_return (invoke "go" (u32.const 0)) (u32.const 0))
(assert_return (invoke "go" (u32.const 1)) (u32.const 3003))
(assert_return (invoke "back" (u32.const 2)) (u32.const 201609))
(assert_return (invoke "back" (u32.const 0)) (u32.const 0))

;; Bad maps on the inner boundary: $fwd passes map<u32, char> (entry size 8,
;; align 4) to $impl, whose take(m) returns the number of entries.
;;   bad(0): {1: 'a'} @16                        -> 1
;;   bad(1): {1: 0xD800} @24                     -> trap, invalid char
;;   bad(2): one entry at @18, not 4-aligned     -> trap, unaligned pointer
;;   bad(3): 0x10000000 entries at @0 (2 GiB)    -> trap, out of bounds
(component definition $C
  (component $impl
    (core module $m
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (global.set $heap (i32.add (local.get $p) (local.get $nsz)))
        (local.get $p))
      (func (export "take") (param $p i32) (param $n i32) (result i32) (local.get $n)))
    (core instance $i (instantiate $m))
    (func (export "take") (param "m" (map u32 char)) (result u32)
      (canon lift (core func $i "take") (memory $i "mem") (realloc (func $i "realloc")))))
  (component $fwd
    (import "take" (func $take (param "m" (map u32 char)) (result u32)))
    (core module $libc (memory (export "mem") 1))
    (core instance $libc (instantiate $libc))
    (core func $take (canon lower (func $take) (memory $libc "mem")))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "" "take" (func $take (param i32 i32) (result i32)))
      (data (i32.const 16) "\01\00\00\00\61\00\00\00\01\00\00\00\00\d8\00\00")
      (func (export "bad") (param $k i32) (result i32)
        (block $d (block $c (block $b (block $a
          (br_table $a $b $c $d (local.get $k)))
          (return (call $take (i32.const 16) (i32.const 1))))
          (return (call $take (i32.const 24) (i32.const 1))))
          (return (call $take (i32.const 18) (i32.const 1))))
        (call $take (i32.const 0) (i32.const 0x10000000))))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance (export "take" (func $take))))))
    (func (export "bad") (param "k" u32) (result u32) (canon lift (core func $i "bad"))))
  (instance $impl (instantiate $impl))
  (instance $fwd (instantiate $fwd (with "take" (func $impl "take"))))
  (export "bad" (func $fwd "bad")))
(component instance $c1 $C)
(assert_return (invoke "bad" (u32.const 0)) (u32.const 1))
(assert_trap (invoke "bad" (u32.const 1)) "invalid `char` bit pattern")
(component instance $c2 $C)
(assert_trap (invoke "bad" (u32.const 2)) "unaligned pointer")
(component instance $c3 $C)
(assert_trap (invoke "bad" (u32.const 3)) "list content out-of-bounds")
