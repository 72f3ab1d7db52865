;; Pointers that cross the host boundary: strings, lists of strings, options
;; and results of them, spilled parameters, return areas, post-return, and
;; pointers out of the component's memory.
;;
;; Three components with memories, all of which can grow. $b, which the host
;; talks to, sits between the other two: with `--memory shared` the regions
;; are laid out in order ($pad at 0, $b at 64 KiB, $c above it), so $b's
;; region starts at a non-zero base, has a neighbour above it, and moves up
;; when $pad grows (the thunks read the moved base). The
;; region thunks must hand the host absolute pointers (and take absolute ones
;; from it), restore $b's memory after the host has read it, and refuse a
;; pointer past the end of $b's region, which in the one memory would
;; otherwise read $c's bytes. Unfused, wasmtime checks the same ranges
;; against $b's memory, with the reasons these assertions compare.
;; Each trap gets a fresh instance.
(component definition $C
  (component $pad
    (core module $m
      (memory (export "mem") 1)
      (data (i32.const 0) "PAD")
      (func (export "peek") (result i32) (i32.load8_u (i32.const 0)))
      (func (export "grow") (result i32) (memory.grow (i32.const 1))))
    (core instance $i (instantiate $m))
    (func (export "peek") (result u32) (canon lift (core func $i "peek")))
    (func (export "grow") (result u32) (canon lift (core func $i "grow"))))
  (component $b
    (core module $m
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 4096))
      (func $realloc (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (global.set $heap (i32.add (local.get $p) (local.get $nsz)))
        (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
          (then (drop (memory.grow (i32.const 1)))))
        (if (local.get $old)
          (then (memory.copy (local.get $p) (local.get $old)
                  (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))
        (local.get $p))
      ;; echo(s) -> s, through the return area at 16
      (func (export "echo") (param i32 i32) (result i32)
        (i32.store (i32.const 16) (local.get 0))
        (i32.store (i32.const 20) (local.get 1))
        (i32.const 16))
      ;; rev(l: list<string>) -> list<string>: a new array, reversed
      (func (export "rev") (param $p i32) (param $n i32) (result i32)
        (local $q i32) (local $i i32)
        (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
                        (i32.shl (local.get $n) (i32.const 3))))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (i64.store
            (i32.add (local.get $q) (i32.shl (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1)) (i32.const 3)))
            (i64.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (i32.store (i32.const 24) (local.get $q))
        (i32.store (i32.const 28) (local.get $n))
        (i32.const 24))
      ;; post-return of rev: it gets its own (relative) return area back,
      ;; and the array's string pointers are relative again
      (func (export "post-rev") (param $r i32)
        (local $q i32) (local $n i32)
        (if (i32.ne (local.get $r) (i32.const 24)) (then unreachable))
        (local.set $q (i32.load (i32.const 24)))
        (local.set $n (i32.load (i32.const 28)))
        (if (i32.ge_u (local.get $q) (i32.const 65536)) (then unreachable))
        (block $done (loop $l
          (br_if $done (i32.eqz (local.get $n)))
          (if (i32.ge_u (i32.load (local.get $q)) (i32.const 65536)) (then unreachable))
          (local.set $q (i32.add (local.get $q) (i32.const 8)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $l))))
      ;; pick(x: option<string>, y: result<string, list<u8>>) -> tuple<u32, string>:
      ;; x's string if some, else y's payload as a string; with its length
      (func (export "pick") (param $xd i32) (param $xp i32) (param $xn i32)
                            (param $yd i32) (param $yp i32) (param $yn i32) (result i32)
        (if (local.get $xd)
          (then (i32.store (i32.const 36) (local.get $xp)) (i32.store (i32.const 40) (local.get $xn)))
          (else (i32.store (i32.const 36) (local.get $yp)) (i32.store (i32.const 40) (local.get $yn))))
        (i32.store (i32.const 32) (i32.load (i32.const 40)))
        (i32.const 32))
      ;; many(a..i: string) -> u32: nine strings spill to memory; the sum of
      ;; their lengths and first bytes
      (func (export "many") (param $t i32) (result i32)
        (local $k i32) (local $s i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $k) (i32.const 9)))
          (local.set $s (i32.add (local.get $s)
            (i32.load offset=4 (i32.add (local.get $t) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $s (i32.add (local.get $s)
            (i32.load8_u (i32.load (i32.add (local.get $t) (i32.shl (local.get $k) (i32.const 3)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l)))
        (local.get $s))
      ;; out of bounds: a string past the end of the memory, a list too
      ;; long for it, a return area outside it
      (func (export "bad-str") (result i32)
        (i32.store (i32.const 48) (i32.const 65530))
        (i32.store (i32.const 52) (i32.const 20))
        (i32.const 48))
      (func (export "bad-list") (result i32)
        (i32.store (i32.const 56) (i32.const 65000))
        (i32.store (i32.const 60) (i32.const 1000))
        (i32.const 56))
      (func (export "bad-ret") (result i32) (i32.const 65532)))
    (core instance $i (instantiate $m))
    (func (export "echo") (param "s" string) (result string)
      (canon lift (core func $i "echo") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "rev") (param "l" (list string)) (result (list string))
      (canon lift (core func $i "rev") (memory $i "mem") (realloc (func $i "realloc"))
        (post-return (func $i "post-rev"))))
    (func (export "pick") (param "x" (option string)) (param "y" (result string (error (list u8))))
      (result (tuple u32 string))
      (canon lift (core func $i "pick") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "many") (param "a" string) (param "b" string) (param "c" string)
      (param "d" string) (param "e" string) (param "f" string) (param "g" string)
      (param "h" string) (param "i" string) (result u32)
      (canon lift (core func $i "many") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "bad-str") (result string)
      (canon lift (core func $i "bad-str") (memory $i "mem")))
    (func (export "bad-list") (result (list u32))
      (canon lift (core func $i "bad-list") (memory $i "mem")))
    (func (export "bad-ret") (result string)
      (canon lift (core func $i "bad-ret") (memory $i "mem"))))
  (component $c
    (core module $m
      (memory (export "mem") 1)
      (data (i32.const 0) "NEIGHBOUR")
      (func (export "grow") (result i32) (local $old i32)
        (local.set $old (memory.grow (i32.const 1)))
        (i32.store8 (i32.const 65536) (i32.const 1))
        (local.get $old)))
    (core instance $i (instantiate $m))
    (func (export "grow") (result u32) (canon lift (core func $i "grow"))))
  (instance $pad (instantiate $pad))
  (instance $b (instantiate $b))
  (instance $c (instantiate $c))
  (export "peek" (func $pad "peek"))
  (export "echo" (func $b "echo"))
  (export "rev" (func $b "rev"))
  (export "pick" (func $b "pick"))
  (export "many" (func $b "many"))
  (export "bad-str" (func $b "bad-str"))
  (export "bad-list" (func $b "bad-list"))
  (export "bad-ret" (func $b "bad-ret"))
  (export "grow-pad" (func $pad "grow"))
  (export "grow" (func $c "grow")))
(component instance $c1 $C)
(assert_return (invoke "peek") (u32.const 80))
(assert_return (invoke "echo" (str.const "")) (str.const ""))
(assert_return (invoke "echo" (str.const "h\u{e9}llo \u{1f600}")) (str.const "h\u{e9}llo \u{1f600}"))
(assert_return (invoke "rev" (list.const)) (list.const))
(assert_return (invoke "rev" (list.const (str.const "a") (str.const "") (str.const "w\u{f6}rld")))
  (list.const (str.const "w\u{f6}rld") (str.const "") (str.const "a")))
(assert_return (invoke "pick" (option.some (str.const "xx")) (result.ok (str.const "yyy")))
  (tuple.const (u32.const 2) (str.const "xx")))
(assert_return (invoke "pick" (option.none) (result.ok (str.const "yyy")))
  (tuple.const (u32.const 3) (str.const "yyy")))
(assert_return (invoke "pick" (option.none) (result.err (list.const (u8.const 104) (u8.const 105))))
  (tuple.const (u32.const 2) (str.const "hi")))
(assert_return (invoke "many" (str.const "a") (str.const "bb") (str.const "c") (str.const "d")
  (str.const "e") (str.const "f") (str.const "g") (str.const "h") (str.const "i"))
  (u32.const 919))
(assert_return (invoke "grow") (u32.const 1))
(assert_return (invoke "grow-pad") (u32.const 1))
(assert_return (invoke "peek") (u32.const 80))
(assert_return (invoke "echo" (str.const "after growth")) (str.const "after growth"))
(assert_return (invoke "rev" (list.const (str.const "x") (str.const "yz")))
  (list.const (str.const "yz") (str.const "x")))
(assert_trap (invoke "bad-str") "string pointer/length out of bounds of memory")
(component instance $c2 $C)
(assert_trap (invoke "bad-list") "list pointer/length out of bounds of memory")
(component instance $c3 $C)
(assert_trap (invoke "bad-ret") "pointer out of bounds of memory")
