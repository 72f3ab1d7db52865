;; Borrow scopes: what a callee gets for a borrow<r> parameter and when the
;; lend ends.
;;
;; The component that defines r receives a borrow as the rep itself (no
;; handle, nothing to drop); any other component receives a new borrow handle
;; in its own table that it must drop before the call returns. Dropping a
;; borrow handle never runs the destructor, and when the call returns the
;; caller's own handle is no longer lent (it may be moved or dropped again).
;; Handle numbers: one table per component instance (own and borrow handles
;; of all resource types), slots numbered from 1, freed slots reused most
;; recently freed first.

;; A non-defining callee: $mid gets a borrow handle, reads the resource through
;; $impl's get and drops the handle. $mid can also keep own handles of its
;; own (keep / release), which move its borrow handles to later slots.
;;   new(rep) = $user's handle; get(self) = rep + 1000 in $impl;
;;   inspect(h) = get(b) + 10000 * b, where b is $mid's borrow handle;
;;   keep(rep) = $mid's own handle for a new resource; release(h) drops it;
;;   consume(h) = rep + 2000 ($impl drops it); dropped() = sum of destroyed reps
(component definition $C
  (component $impl
    (core module $state
      (global (export "dropped") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set 0 (i32.add (global.get 0) (local.get 0)))))
    (core instance $state (instantiate $state))
    (type $r (resource (rep i32) (dtor (func $state "dtor"))))
    (core func $new (canon resource.new $r))
    (core func $rep (canon resource.rep $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "s" "dropped" (global $dropped (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
      (func (export "consume") (param i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep (local.get 0)))
        (call $drop (local.get 0))
        (i32.add (local.get $v) (i32.const 2000)))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $i (instantiate $m
      (with "s" (instance $state))
      (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "consume") (param "x" (own $r-ex)) (result u32) (canon lift (core func $i "consume")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $mid
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $get (canon lower (func $get)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "inspect") (param $b i32) (result i32)
        (local $v i32)
        (local.set $v (i32.add (call $get (local.get $b)) (i32.mul (local.get $b) (i32.const 10000))))
        (call $drop (local.get $b))
        (local.get $v))
      (func (export "keep") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "release") (param i32) (call $drop (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "inspect") (param "self" (borrow $r)) (result u32) (canon lift (core func $i "inspect")))
    (func (export "keep") (param "rep" u32) (result u32) (canon lift (core func $i "keep")))
    (func (export "release") (param "h" u32) (canon lift (core func $i "release"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "inspect" (func $inspect (param "self" (borrow $r)) (result u32)))
    (import "consume" (func $consume (param "x" (own $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $inspect (canon lower (func $inspect)))
    (core func $consume (canon lower (func $consume)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "inspect" (func $inspect (param i32) (result i32)))
      (import "" "consume" (func $consume (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "inspect") (param i32) (result i32) (call $inspect (local.get 0)))
      (func (export "consume") (param i32) (result i32) (call $consume (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "inspect" (func $inspect)) (export "consume" (func $consume))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "inspect") (param "h" u32) (result u32) (canon lift (core func $i "inspect")))
    (func (export "consume") (param "h" u32) (result u32) (canon lift (core func $i "consume"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "inspect" (func $mid "inspect"))
    (with "consume" (func $impl "consume"))))
  (export "new" (func $user "new"))
  (export "inspect" (func $user "inspect"))
  (export "consume" (func $user "consume"))
  (export "keep" (func $mid "keep"))
  (export "release" (func $mid "release"))
  (export "dropped" (func $impl "dropped")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 5)) (u32.const 1))
(assert_return (invoke "new" (u32.const 6)) (u32.const 2))
;; $mid's table is empty: the borrow is its slot 1, freed again by the drop
(assert_return (invoke "inspect" (u32.const 1)) (u32.const 11005))
(assert_return (invoke "inspect" (u32.const 1)) (u32.const 11005))
;; $mid keeps an own in slot 1; the borrow goes to slot 2
(assert_return (invoke "keep" (u32.const 9)) (u32.const 1))
(assert_return (invoke "inspect" (u32.const 1)) (u32.const 21005))
;; slot 2 was freed by the borrow's drop and is reused by the next own
(assert_return (invoke "keep" (u32.const 10)) (u32.const 2))
(assert_return (invoke "inspect" (u32.const 2)) (u32.const 31006))
;; borrow drops ran no destructor
(assert_return (invoke "dropped") (u32.const 0))
(invoke "release" (u32.const 1))
(assert_return (invoke "dropped") (u32.const 9))
(assert_return (invoke "inspect" (u32.const 2)) (u32.const 11006))
;; the lends have ended: both own handles can be moved away
(assert_return (invoke "consume" (u32.const 2)) (u32.const 2006))
(assert_return (invoke "consume" (u32.const 1)) (u32.const 2005))
(assert_return (invoke "dropped") (u32.const 20))
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))

;; The defining component gets the rep itself: raw(self) returns the i32 it
;; received, and probe(self) = self * 10 + the handle resource.new returns in
;; $impl at that moment (then dropped again), which shows that the borrow took
;; no slot of $impl's table. pair(a, b) = a * 100000 + b for two borrows of
;; possibly the same own handle.
;;   reps: new(rep) stores rep verbatim
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "raw") (param i32) (result i32) (local.get 0))
      (func (export "probe") (param i32) (result i32)
        (local $h i32)
        (local.set $h (call $new (i32.const 0)))
        (call $drop (local.get $h))
        (i32.add (i32.mul (local.get 0) (i32.const 10)) (local.get $h)))
      (func (export "pair") (param i32 i32) (result i32)
        (i32.add (i32.mul (local.get 0) (i32.const 100000)) (local.get 1))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "raw") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "raw")))
    (func (export "probe") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "probe")))
    (func (export "pair") (param "a" (borrow $r-ex)) (param "b" (borrow $r-ex)) (result u32) (canon lift (core func $i "pair"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "raw" (func $raw (param "self" (borrow $r)) (result u32)))
    (import "probe" (func $probe (param "self" (borrow $r)) (result u32)))
    (import "pair" (func $pair (param "a" (borrow $r)) (param "b" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $raw (canon lower (func $raw)))
    (core func $probe (canon lower (func $probe)))
    (core func $pair (canon lower (func $pair)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "raw" (func $raw (param i32) (result i32)))
      (import "" "probe" (func $probe (param i32) (result i32)))
      (import "" "pair" (func $pair (param i32 i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "raw") (param i32) (result i32) (call $raw (local.get 0)))
      (func (export "probe") (param i32) (result i32) (call $probe (local.get 0)))
      (func (export "pair") (param i32 i32) (result i32) (call $pair (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "raw" (func $raw)) (export "probe" (func $probe))
                         (export "pair" (func $pair))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "raw") (param "h" u32) (result u32) (canon lift (core func $i "raw")))
    (func (export "probe") (param "h" u32) (result u32) (canon lift (core func $i "probe")))
    (func (export "pair") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "pair"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "raw" (func $impl "raw"))
    (with "probe" (func $impl "probe")) (with "pair" (func $impl "pair"))))
  (export "new" (func $user "new"))
  (export "raw" (func $user "raw"))
  (export "probe" (func $user "probe"))
  (export "pair" (func $user "pair")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 0xcafe)) (u32.const 1))
(assert_return (invoke "new" (u32.const 0x7fffffff)) (u32.const 2))
(assert_return (invoke "new" (u32.const 0)) (u32.const 3))
(assert_return (invoke "raw" (u32.const 1)) (u32.const 0xcafe))
(assert_return (invoke "raw" (u32.const 2)) (u32.const 0x7fffffff))
(assert_return (invoke "raw" (u32.const 3)) (u32.const 0))
(assert_return (invoke "probe" (u32.const 1)) (u32.const 519661))
(assert_return (invoke "new" (u32.const 12)) (u32.const 4))
(assert_return (invoke "pair" (u32.const 4) (u32.const 4)) (u32.const 1200012))
(assert_return (invoke "pair" (u32.const 3) (u32.const 4)) (u32.const 12))

;; Several borrows in one call to a non-defining component: each gets its own
;; handle, in parameter order, even when they lend the same own handle; an
;; own parameter in the same call gets a slot in the same sequence.
;;   five(a, b, c, d, e) = the five borrow handles as decimal digits
;;   (12345 on an empty table) + 100000 * (sum of get() = rep + 1000 each)
;;   mixed(o, b) = o * 10 + b ($mid's handles) + 100 * (get(o) + get(b)); $mid
;;   drops b and keeps o; count() = how many owns $mid keeps
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get"))))
  (component $mid
    (import "r" (type $r (sub resource)))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $get (canon lower (func $get)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (global $kept (mut i32) (i32.const 0))
      (func $take (param $b i32) (result i32)
        (local $v i32)
        (local.set $v (call $get (local.get $b)))
        (call $drop (local.get $b))
        (local.get $v))
      (func (export "five") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (result i32)
        (local $digits i32)
        (local.set $digits
          (i32.add (i32.mul (local.get $a) (i32.const 10000))
            (i32.add (i32.mul (local.get $b) (i32.const 1000))
              (i32.add (i32.mul (local.get $c) (i32.const 100))
                (i32.add (i32.mul (local.get $d) (i32.const 10)) (local.get $e))))))
        (i32.add (local.get $digits)
          (i32.mul (i32.const 100000)
            (i32.add (call $take (local.get $a))
              (i32.add (call $take (local.get $b))
                (i32.add (call $take (local.get $c))
                  (i32.add (call $take (local.get $d)) (call $take (local.get $e)))))))))
      (func (export "mixed") (param $o i32) (param $b i32) (result i32)
        (local $v i32)
        (local.set $v (i32.add (i32.mul (local.get $o) (i32.const 10)) (local.get $b)))
        (local.set $v (i32.add (local.get $v)
          (i32.mul (i32.const 100) (i32.add (call $get (local.get $o)) (call $take (local.get $b))))))
        (global.set $kept (i32.add (global.get $kept) (i32.const 1)))
        (local.get $v))
      (func (export "count") (result i32) (global.get $kept)))
    (core instance $i (instantiate $m (with "" (instance (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "five") (param "a" (borrow $r)) (param "b" (borrow $r)) (param "c" (borrow $r))
      (param "d" (borrow $r)) (param "e" (borrow $r)) (result u32) (canon lift (core func $i "five")))
    (func (export "mixed") (param "o" (own $r)) (param "b" (borrow $r)) (result u32) (canon lift (core func $i "mixed")))
    (func (export "count") (result u32) (canon lift (core func $i "count"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "five" (func $five (param "a" (borrow $r)) (param "b" (borrow $r)) (param "c" (borrow $r))
      (param "d" (borrow $r)) (param "e" (borrow $r)) (result u32)))
    (import "mixed" (func $mixed (param "o" (own $r)) (param "b" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $five (canon lower (func $five)))
    (core func $mixed (canon lower (func $mixed)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "five" (func $five (param i32 i32 i32 i32 i32) (result i32)))
      (import "" "mixed" (func $mixed (param i32 i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "five") (param i32 i32 i32 i32 i32) (result i32)
        (call $five (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
      (func (export "mixed") (param i32 i32) (result i32) (call $mixed (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "five" (func $five)) (export "mixed" (func $mixed))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "five") (param "a" u32) (param "b" u32) (param "c" u32) (param "d" u32) (param "e" u32) (result u32)
      (canon lift (core func $i "five")))
    (func (export "mixed") (param "o" u32) (param "b" u32) (result u32) (canon lift (core func $i "mixed"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid (with "r" (type $impl "r")) (with "get" (func $impl "get"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "five" (func $mid "five"))
    (with "mixed" (func $mid "mixed"))))
  (export "new" (func $user "new"))
  (export "five" (func $user "five"))
  (export "mixed" (func $user "mixed"))
  (export "count" (func $mid "count")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 1)) (u32.const 1))
(assert_return (invoke "new" (u32.const 2)) (u32.const 2))
;; reps 1, 2, 2, 1, 1 -> gets sum 5007
(assert_return (invoke "five" (u32.const 1) (u32.const 2) (u32.const 2) (u32.const 1) (u32.const 1)) (u32.const 500712345))
;; five dropped its borrows in order 1..5, so $mid's free slots are 5, 4, 3,
;; 2, 1 (most recently freed first): o = handle 2 (rep 2) -> $mid slot 5,
;; b = handle 1 (rep 1) -> slot 4
(assert_return (invoke "mixed" (u32.const 2) (u32.const 1)) (u32.const 200354))
(assert_return (invoke "count") (u32.const 1))
;; $mid keeps slot 5; free: 4, 3, 2, 1, then a new slot 6
(assert_return (invoke "five" (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1)) (u32.const 500543216))
;; $user's slot 2 is free again: the new own reuses it
(assert_return (invoke "new" (u32.const 3)) (u32.const 2))
;; $mid's free slots: 6, 1, 2, 3, 4
(assert_return (invoke "mixed" (u32.const 2) (u32.const 1)) (u32.const 200461))
(assert_return (invoke "count") (u32.const 2))

;; Nested borrows through three components: $user lends its own handle to
;; $outer, $outer lends its borrow handle to $inner, $inner lends its borrow
;; handle to $impl, which gets the rep. Each non-defining level adds its
;; borrow handle (times 100 at $inner, 10000 at $outer) and drops it after
;; the inner call returned. $inner can hold own handles to shift its slots.
;;   chain(h) = rep + 1000 + 100 * b_inner + 10000 * b_outer
;;   inner-keep(rep) = $inner's new own handle
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get"))))
  (component $level
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "next" (func $next (param "self" (borrow $r)) (result u32)))
    (import "scale" (func $scale (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $next (canon lower (func $next)))
    (core func $scale (canon lower (func $scale)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "next" (func $next (param i32) (result i32)))
      (import "" "scale" (func $scale (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "chain") (param $b i32) (result i32)
        (local $v i32)
        (local.set $v (i32.add (call $next (local.get $b)) (i32.mul (local.get $b) (call $scale))))
        (call $drop (local.get $b))
        (local.get $v))
      (func (export "keep") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "next" (func $next)) (export "scale" (func $scale))
                         (export "drop" (func $drop))))))
    (func (export "chain") (param "self" (borrow $r)) (result u32) (canon lift (core func $i "chain")))
    (func (export "keep") (param "rep" u32) (result u32) (canon lift (core func $i "keep"))))
  (component $scales
    (core module $m
      (func (export "inner") (result i32) (i32.const 100))
      (func (export "outer") (result i32) (i32.const 10000)))
    (core instance $i (instantiate $m))
    (func (export "inner") (result u32) (canon lift (core func $i "inner")))
    (func (export "outer") (result u32) (canon lift (core func $i "outer"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "chain" (func $chain (param "self" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $chain (canon lower (func $chain)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "chain" (func $chain (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "chain") (param i32) (result i32) (call $chain (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "chain" (func $chain))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "chain") (param "h" u32) (result u32) (canon lift (core func $i "chain"))))
  (instance $impl (instantiate $impl))
  (instance $scales (instantiate $scales))
  (instance $inner (instantiate $level
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "next" (func $impl "get"))
    (with "scale" (func $scales "inner"))))
  (instance $outer (instantiate $level
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "next" (func $inner "chain"))
    (with "scale" (func $scales "outer"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "chain" (func $outer "chain"))))
  (export "new" (func $user "new"))
  (export "chain" (func $user "chain"))
  (export "inner-keep" (func $inner "keep"))
  (export "outer-keep" (func $outer "keep")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_return (invoke "chain" (u32.const 1)) (u32.const 11107))
(assert_return (invoke "chain" (u32.const 1)) (u32.const 11107))
(assert_return (invoke "inner-keep" (u32.const 50)) (u32.const 1))
(assert_return (invoke "inner-keep" (u32.const 51)) (u32.const 2))
(assert_return (invoke "chain" (u32.const 1)) (u32.const 11307))
(assert_return (invoke "outer-keep" (u32.const 52)) (u32.const 1))
(assert_return (invoke "new" (u32.const 8)) (u32.const 2))
(assert_return (invoke "chain" (u32.const 2)) (u32.const 21308))
(assert_return (invoke "chain" (u32.const 1)) (u32.const 21307))

;; A borrow of a borrow handed back to the defining component while a
;; non-defining caller in the middle holds its borrow handle and an own
;; handle of the same resource: $mid's both(b, o) passes borrows of both of
;; its handles to $impl's pair, then drops the borrow and returns the own.
;;   pair(x, y) = x * 1000 + y (reps); both(b, o) = pair(b, o) + 100000 * (b * 10 + o)
;;   where b and o are $mid's handles (b = 1, o = 2 on an empty table)
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core func $rep (canon resource.rep $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "pair") (param i32 i32) (result i32)
        (i32.add (i32.mul (local.get 0) (i32.const 1000)) (local.get 1)))
      (func (export "take") (param i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep (local.get 0)))
        (call $drop (local.get 0))
        (local.get $v)))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "pair") (param "x" (borrow $r-ex)) (param "y" (borrow $r-ex)) (result u32) (canon lift (core func $i "pair")))
    (func (export "take") (param "x" (own $r-ex)) (result u32) (canon lift (core func $i "take"))))
  (component $mid
    (import "r" (type $r (sub resource)))
    (import "pair" (func $pair (param "x" (borrow $r)) (param "y" (borrow $r)) (result u32)))
    (core func $pair (canon lower (func $pair)))
    (core func $drop (canon resource.drop $r))
    (core module $mem (memory (export "mem") 1))
    (core instance $mem (instantiate $mem))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "pair" (func $pair (param i32 i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "both") (param $b i32) (param $o i32) (result i32)
        (i32.store (i32.const 16)
          (i32.add (call $pair (local.get $b) (local.get $o))
            (i32.mul (i32.const 100000) (i32.add (i32.mul (local.get $b) (i32.const 10)) (local.get $o)))))
        (i32.store (i32.const 20) (local.get $o))
        (call $drop (local.get $b))
        (i32.const 16)))
    (core instance $i (instantiate $m
      (with "" (instance (export "mem" (memory $mem "mem")) (export "pair" (func $pair)) (export "drop" (func $drop))))))
    (func (export "both") (param "b" (borrow $r)) (param "o" (own $r)) (result (tuple u32 (own $r)))
      (canon lift (core func $i "both") (memory $mem "mem"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "both" (func $both (param "b" (borrow $r)) (param "o" (own $r)) (result (tuple u32 (own $r)))))
    (import "take" (func $take (param "x" (own $r)) (result u32)))
    (core module $mem (memory (export "mem") 1))
    (core instance $mem (instantiate $mem))
    (core func $new (canon lower (func $new)))
    (core func $both (canon lower (func $both) (memory $mem "mem")))
    (core func $take (canon lower (func $take)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "both" (func $both (param i32 i32 i32)))
      (import "" "take" (func $take (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      ;; both(b, o) + 10 * (the own handle that came back, in $user's table)
      (func (export "both") (param i32 i32) (result i32)
        (call $both (local.get 0) (local.get 1) (i32.const 64))
        (i32.add (i32.load (i32.const 64)) (i32.mul (i32.load (i32.const 68)) (i32.const 10))))
      (func (export "take") (param i32) (result i32) (call $take (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "mem" (memory $mem "mem")) (export "new" (func $new)) (export "both" (func $both))
                         (export "take" (func $take))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "both") (param "b" u32) (param "o" u32) (result u32) (canon lift (core func $i "both")))
    (func (export "take") (param "h" u32) (result u32) (canon lift (core func $i "take"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid (with "r" (type $impl "r")) (with "pair" (func $impl "pair"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "both" (func $mid "both"))
    (with "take" (func $impl "take"))))
  (export "new" (func $user "new"))
  (export "both" (func $user "both"))
  (export "take" (func $user "take")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 3)) (u32.const 1))
(assert_return (invoke "new" (u32.const 4)) (u32.const 2))
;; b = user 1 -> mid 1, o = user 2 -> mid 2; pair = 3004; 1200000; the own
;; comes back into $user's slot 2 (freed when it was moved out) -> + 20
;; then b = user 2 (rep 4) -> mid 2, o = user 1 (rep 3) -> mid 1; pair = 4003;
;; 2100000; the own comes back into $user's slot 1 -> + 10
(assert_return (invoke "both" (u32.const 1) (u32.const 2)) (u32.const 1203024))
(assert_return (invoke "both" (u32.const 2) (u32.const 1)) (u32.const 2104013))
(assert_return (invoke "take" (u32.const 1)) (u32.const 3))
(assert_return (invoke "take" (u32.const 2)) (u32.const 4))
(assert_return (invoke "new" (u32.const 5)) (u32.const 2))
