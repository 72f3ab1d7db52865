;; Many live handles: tables that grow to 10 000 - 20 000 slots, are emptied
;; and filled again. The guest code checks every handle number it gets
;; against the numbering rule (slots from 1, freed slots reused most recently
;; freed first) and returns the count of mismatches, so any deviation shows
;; as a nonzero count; sums of reps check that every handle still names its
;; own resource.

;; 10 000 own handles in $user's table, each from a call to $impl's
;; constructor; all dropped in ascending order (so the most recently freed is
;; 10 000), then 10 000 created again (getting 10 000, 9 999, ..., 1).
;;   fill(n, base): creates n resources with reps base, base + 1, ... and
;;   returns the count of handles that were not 1, 2, ..., n;
;;   refill(n, base): the same, expecting n, n - 1, ..., 1;
;;   drop-all(n) drops handles 1..n; sum(n) = sum of get(h) = rep over 1..n;
;;   new(rep) = one more handle; dropped() / dropped-sum() in $impl: how many
;;   destructor calls and the sum of their reps
(component definition $C
  (component $impl
    (core module $state
      (global (export "count") (mut i32) (i32.const 0))
      (global (export "sum") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32)
        (global.set 0 (i32.add (global.get 0) (i32.const 1)))
        (global.set 1 (i32.add (global.get 1) (local.get 0)))))
    (core instance $state (instantiate $state))
    (type $r (resource (rep i32) (dtor (func $state "dtor"))))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "s" "count" (global $count (mut i32)))
      (import "s" "sum" (global $sum (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (local.get 0))
      (func (export "dropped") (result i32) (global.get $count))
      (func (export "dropped-sum") (result i32) (global.get $sum)))
    (core instance $i (instantiate $m (with "s" (instance $state)) (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped")))
    (func (export "dropped-sum") (result u32) (canon lift (core func $i "dropped-sum"))))
  (component $user
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
      (func (export "fill") (param $n i32) (param $base i32) (result i32)
        (local $k i32) (local $bad i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (if (i32.ne (call $new (i32.add (local.get $base) (local.get $k))) (i32.add (local.get $k) (i32.const 1)))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (local.get $bad))
      (func (export "refill") (param $n i32) (param $base i32) (result i32)
        (local $k i32) (local $bad i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (if (i32.ne (call $new (i32.add (local.get $base) (local.get $k))) (i32.sub (local.get $n) (local.get $k)))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (local.get $bad))
      (func (export "drop-all") (param $n i32)
        (local $h i32)
        (local.set $h (i32.const 1))
        (block $done
          (loop $l
            (br_if $done (i32.gt_u (local.get $h) (local.get $n)))
            (call $drop (local.get $h))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $l))))
      (func (export "sum") (param $n i32) (result i32)
        (local $h i32) (local $s i32)
        (local.set $h (i32.const 1))
        (block $done
          (loop $l
            (br_if $done (i32.gt_u (local.get $h) (local.get $n)))
            (local.set $s (i32.add (local.get $s) (call $get (local.get $h))))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $l)))
        (local.get $s))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "fill") (param "n" u32) (param "base" u32) (result u32) (canon lift (core func $i "fill")))
    (func (export "refill") (param "n" u32) (param "base" u32) (result u32) (canon lift (core func $i "refill")))
    (func (export "drop-all") (param "n" u32) (canon lift (core func $i "drop-all")))
    (func (export "sum") (param "n" u32) (result u32) (canon lift (core func $i "sum")))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (export "fill" (func $user "fill"))
  (export "refill" (func $user "refill"))
  (export "drop-all" (func $user "drop-all"))
  (export "sum" (func $user "sum"))
  (export "new" (func $user "new"))
  (export "dropped" (func $impl "dropped"))
  (export "dropped-sum" (func $impl "dropped-sum")))
(component instance $c1 $C)
(assert_return (invoke "fill" (u32.const 10000) (u32.const 0)) (u32.const 0))
;; handle h has rep h - 1: 0 + 1 + ... + 9999
(assert_return (invoke "sum" (u32.const 10000)) (u32.const 49995000))
(invoke "drop-all" (u32.const 10000))
(assert_return (invoke "dropped") (u32.const 10000))
(assert_return (invoke "dropped-sum") (u32.const 49995000))
(assert_return (invoke "refill" (u32.const 10000) (u32.const 100000)) (u32.const 0))
;; handle h has rep 100000 + 10000 - h: 10000 * 100000 + (0 + ... + 9999)
(assert_return (invoke "sum" (u32.const 10000)) (u32.const 1049995000))
(assert_return (invoke "new" (u32.const 1)) (u32.const 10001))
(assert_return (invoke "dropped") (u32.const 10000))

;; 12 000 handles in the defining component's own table (resource.new
;; without a boundary crossing), dropped from the highest down (so slot 1 is
;; the most recently freed) and created again (getting 1, 2, ..., 12 000).
;; While the table is full, a constructor call from $user takes the next
;; slot (12 001) and frees it as the handle leaves.
;;   local-fill(n) / local-refill(n): create n resources with reps
;;   1000 + k (k = 0, 1, ...) and return the count of handles that were not
;;   1, 2, ..., n; local-drop-desc(n) drops n down to 1; local-sum(n) = sum of
;;   the reps of handles 1..n; last() = the handle the last constructor call
;;   got from resource.new; dropped() = destructor calls
(component definition $C
  (component $impl
    (core module $state
      (global (export "count") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set 0 (i32.add (global.get 0) (i32.const 1)))))
    (core instance $state (instantiate $state))
    (type $r (resource (rep i32) (dtor (func $state "dtor"))))
    (core func $new (canon resource.new $r))
    (core func $rep (canon resource.rep $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "s" "count" (global $count (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (global $last (mut i32) (i32.const 0))
      (func $fill (param $n i32) (result i32)
        (local $k i32) (local $bad i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (if (i32.ne (call $new (i32.add (i32.const 1000) (local.get $k))) (i32.add (local.get $k) (i32.const 1)))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (local.get $bad))
      (func (export "local-fill") (param i32) (result i32) (call $fill (local.get 0)))
      (func (export "local-refill") (param i32) (result i32) (call $fill (local.get 0)))
      (func (export "local-drop-desc") (param $n i32)
        (block $done
          (loop $l
            (br_if $done (i32.eqz (local.get $n)))
            (call $drop (local.get $n))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $l))))
      (func (export "local-sum") (param $n i32) (result i32)
        (local $s i32)
        (block $done
          (loop $l
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $s (i32.add (local.get $s) (call $rep (local.get $n))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $l)))
        (local.get $s))
      (func (export "ctor") (param i32) (result i32)
        (global.set $last (call $new (local.get 0)))
        (global.get $last))
      (func (export "get") (param i32) (result i32) (local.get 0))
      (func (export "last") (result i32) (global.get $last))
      (func (export "dropped") (result i32) (global.get $count)))
    (core instance $i (instantiate $m
      (with "s" (instance $state))
      (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "ctor")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "local-fill") (param "n" u32) (result u32) (canon lift (core func $i "local-fill")))
    (func (export "local-refill") (param "n" u32) (result u32) (canon lift (core func $i "local-refill")))
    (func (export "local-drop-desc") (param "n" u32) (canon lift (core func $i "local-drop-desc")))
    (func (export "local-sum") (param "n" u32) (result u32) (canon lift (core func $i "local-sum")))
    (func (export "last") (result u32) (canon lift (core func $i "last")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (import "local-fill" (func $local-fill (param "n" u32) (result u32)))
    (import "local-refill" (func $local-refill (param "n" u32) (result u32)))
    (import "local-drop-desc" (func $local-drop-desc (param "n" u32)))
    (import "local-sum" (func $local-sum (param "n" u32) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $get (canon lower (func $get)))
    (core func $local-fill (canon lower (func $local-fill)))
    (core func $local-refill (canon lower (func $local-refill)))
    (core func $local-drop-desc (canon lower (func $local-drop-desc)))
    (core func $local-sum (canon lower (func $local-sum)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "local-fill" (func $local-fill (param i32) (result i32)))
      (import "" "local-refill" (func $local-refill (param i32) (result i32)))
      (import "" "local-drop-desc" (func $local-drop-desc (param i32)))
      (import "" "local-sum" (func $local-sum (param i32) (result i32)))
      ;; get(new(rep)) * 100 + the handle (the own handle stays in $user)
      (func (export "new-get") (param i32) (result i32)
        (local $h i32)
        (local.set $h (call $new (local.get 0)))
        (i32.add (i32.mul (call $get (local.get $h)) (i32.const 100)) (local.get $h)))
      (func (export "local-fill") (param i32) (result i32) (call $local-fill (local.get 0)))
      (func (export "local-refill") (param i32) (result i32) (call $local-refill (local.get 0)))
      (func (export "local-drop-desc") (param i32) (call $local-drop-desc (local.get 0)))
      (func (export "local-sum") (param i32) (result i32) (call $local-sum (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get))
                         (export "local-fill" (func $local-fill)) (export "local-refill" (func $local-refill))
                         (export "local-drop-desc" (func $local-drop-desc)) (export "local-sum" (func $local-sum))))))
    (func (export "new-get") (param "rep" u32) (result u32) (canon lift (core func $i "new-get")))
    (func (export "local-fill") (param "n" u32) (result u32) (canon lift (core func $i "local-fill")))
    (func (export "local-refill") (param "n" u32) (result u32) (canon lift (core func $i "local-refill")))
    (func (export "local-drop-desc") (param "n" u32) (canon lift (core func $i "local-drop-desc")))
    (func (export "local-sum") (param "n" u32) (result u32) (canon lift (core func $i "local-sum"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))
    (with "local-fill" (func $impl "local-fill")) (with "local-refill" (func $impl "local-refill"))
    (with "local-drop-desc" (func $impl "local-drop-desc")) (with "local-sum" (func $impl "local-sum"))))
  (export "new-get" (func $user "new-get"))
  (export "local-fill" (func $user "local-fill"))
  (export "local-refill" (func $user "local-refill"))
  (export "local-drop-desc" (func $user "local-drop-desc"))
  (export "local-sum" (func $user "local-sum"))
  (export "last" (func $impl "last"))
  (export "dropped" (func $impl "dropped")))
(component instance $c1 $C)
(assert_return (invoke "local-fill" (u32.const 12000)) (u32.const 0))
;; 12000 * 1000 + (0 + ... + 11999)
(assert_return (invoke "local-sum" (u32.const 12000)) (u32.const 83994000))
(assert_return (invoke "new-get" (u32.const 7)) (u32.const 701))
(assert_return (invoke "last") (u32.const 12001))
(invoke "local-drop-desc" (u32.const 12000))
(assert_return (invoke "dropped") (u32.const 12000))
(assert_return (invoke "local-refill" (u32.const 12000)) (u32.const 0))
(assert_return (invoke "local-sum" (u32.const 12000)) (u32.const 83994000))
(assert_return (invoke "new-get" (u32.const 8)) (u32.const 802))
(assert_return (invoke "last") (u32.const 12001))
(assert_return (invoke "dropped") (u32.const 12000))

;; Freeing every other slot of a 20 000-slot table: $user drops the even
;; handles in ascending order, so the free slots come back as 20 000,
;; 19 998, ..., 2; the odd handles keep their resources throughout.
;;   fill(n) creates n resources, rep = 1-based creation order, and returns
;;   the count of handles that were not 1..n; drop-even(n) drops 2, 4, ..., n;
;;   refill-even(n, base) creates n / 2 resources with reps base, base + 1,
;;   ... expecting handles n, n - 2, ..., 2; sum-odd(n) / sum-even(n) = sums
;;   of the reps of the odd / even handles up to n (via borrows); new(rep)
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (local.get 0)))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get"))))
  (component $user
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
      (func (export "fill") (param $n i32) (result i32)
        (local $k i32) (local $bad i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (if (i32.ne (call $new (local.get $k)) (local.get $k))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (br $l)))
        (local.get $bad))
      (func (export "drop-even") (param $n i32)
        (local $h i32)
        (local.set $h (i32.const 2))
        (block $done
          (loop $l
            (br_if $done (i32.gt_u (local.get $h) (local.get $n)))
            (call $drop (local.get $h))
            (local.set $h (i32.add (local.get $h) (i32.const 2)))
            (br $l))))
      (func (export "refill-even") (param $n i32) (param $base i32) (result i32)
        (local $want i32) (local $k i32) (local $bad i32)
        (local.set $want (local.get $n))
        (block $done
          (loop $l
            (br_if $done (i32.lt_u (local.get $want) (i32.const 2)))
            (if (i32.ne (call $new (i32.add (local.get $base) (local.get $k))) (local.get $want))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (local.set $want (i32.sub (local.get $want) (i32.const 2)))
            (br $l)))
        (local.get $bad))
      (func $sum-from (param $h i32) (param $n i32) (result i32)
        (local $s i32)
        (block $done
          (loop $l
            (br_if $done (i32.gt_u (local.get $h) (local.get $n)))
            (local.set $s (i32.add (local.get $s) (call $get (local.get $h))))
            (local.set $h (i32.add (local.get $h) (i32.const 2)))
            (br $l)))
        (local.get $s))
      (func (export "sum-odd") (param i32) (result i32) (call $sum-from (i32.const 1) (local.get 0)))
      (func (export "sum-even") (param i32) (result i32) (call $sum-from (i32.const 2) (local.get 0)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "fill") (param "n" u32) (result u32) (canon lift (core func $i "fill")))
    (func (export "drop-even") (param "n" u32) (canon lift (core func $i "drop-even")))
    (func (export "refill-even") (param "n" u32) (param "base" u32) (result u32) (canon lift (core func $i "refill-even")))
    (func (export "sum-odd") (param "n" u32) (result u32) (canon lift (core func $i "sum-odd")))
    (func (export "sum-even") (param "n" u32) (result u32) (canon lift (core func $i "sum-even")))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (export "fill" (func $user "fill"))
  (export "drop-even" (func $user "drop-even"))
  (export "refill-even" (func $user "refill-even"))
  (export "sum-odd" (func $user "sum-odd"))
  (export "sum-even" (func $user "sum-even"))
  (export "new" (func $user "new")))
(component instance $c1 $C)
(assert_return (invoke "fill" (u32.const 20000)) (u32.const 0))
;; 2 + 4 + ... + 20000
(assert_return (invoke "sum-even" (u32.const 20000)) (u32.const 100010000))
(invoke "drop-even" (u32.const 20000))
(assert_return (invoke "refill-even" (u32.const 20000) (u32.const 1000000)) (u32.const 0))
;; 1 + 3 + ... + 19999
(assert_return (invoke "sum-odd" (u32.const 20000)) (u32.const 100000000))
;; handle 20000 - 2k has rep 1000000 + k: 10000 * 1000000 + (0 + ... + 9999),
;; mod 2^32
(assert_return (invoke "sum-even" (u32.const 20000)) (u32.const 1460060408))
(assert_return (invoke "new" (u32.const 5)) (u32.const 20001))

;; A receiving table that grows through own transfers in one call: $user
;; passes a list of 10 000 own handles to $keeper, which gets them as handles
;; 1..10 000 of its table (in list order) and keeps them; give-back() returns
;; them all, last to first, as a list of own handles, which land in $user's
;; table in that order.
;;   $user: fill(n) creates n resources (rep = 1-based creation order) and
;;   returns the count of handles that were not 1..n; send(n) passes handles
;;   1..n as list<own r> and returns $keeper's result; take-back() calls
;;   give-back and returns the count of list elements whose rep differs from
;;   what their handle in $user's table should hold, times 100000, plus the
;;   list length
;;   $keeper: keep(list) = count of handles that were not 1..n, times 100000,
;;   plus the sum of reps read via borrows mod 100000
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (local.get 0)))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get"))))
  (component $keeper
    (import "r" (type $r (sub resource)))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $get (canon lower (func $get)))
    (core module $m
      (import "" "get" (func $get (param i32) (result i32)))
      (memory (export "mem") 2)
      (global $heap (mut i32) (i32.const 1024))
      (global $list (mut i32) (i32.const 0))
      (global $len (mut i32) (i32.const 0))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get 2))))
        (global.set $heap (i32.add (local.get $p) (local.get 3)))
        (local.get $p))
      (func (export "keep") (param $p i32) (param $n i32) (result i32)
        (local $k i32) (local $h i32) (local $bad i32) (local $sum i32)
        (global.set $list (local.get $p))
        (global.set $len (local.get $n))
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $h (i32.load (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 2)))))
            (if (i32.ne (local.get $h) (i32.add (local.get $k) (i32.const 1)))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (local.set $sum (i32.add (local.get $sum) (call $get (local.get $h))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (i32.add (i32.mul (local.get $bad) (i32.const 100000)) (i32.rem_u (local.get $sum) (i32.const 100000))))
      ;; the kept handles, last to first, in a new list at 80 000
      (func (export "give-back") (result i32)
        (local $k i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (global.get $len)))
            (i32.store (i32.add (i32.const 80000) (i32.shl (local.get $k) (i32.const 2)))
              (i32.load (i32.add (global.get $list)
                (i32.shl (i32.sub (i32.sub (global.get $len) (i32.const 1)) (local.get $k)) (i32.const 2)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (i32.store (i32.const 16) (i32.const 80000))
        (i32.store (i32.const 20) (global.get $len))
        (i32.const 16)))
    (core instance $i (instantiate $m (with "" (instance (export "get" (func $get))))))
    (func (export "keep") (param "l" (list (own $r))) (result u32)
      (canon lift (core func $i "keep") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "give-back") (result (list (own $r))) (canon lift (core func $i "give-back") (memory $i "mem"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (import "keep" (func $keep (param "l" (list (own $r))) (result u32)))
    (import "give-back" (func $give-back (result (list (own $r)))))
    (core module $libc
      (memory (export "mem") 2)
      (global $heap (mut i32) (i32.const 65536))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get 2))))
        (global.set $heap (i32.add (local.get $p) (local.get 3)))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $new (canon lower (func $new)))
    (core func $get (canon lower (func $get)))
    (core func $keep (canon lower (func $keep) (memory $libc "mem")))
    (core func $give-back (canon lower (func $give-back) (memory $libc "mem") (realloc (func $libc "realloc"))))
    (core module $m
      (import "" "mem" (memory 2))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "keep" (func $keep (param i32 i32) (result i32)))
      (import "" "give-back" (func $give-back (param i32)))
      (func (export "fill") (param $n i32) (result i32)
        (local $k i32) (local $bad i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (if (i32.ne (call $new (local.get $k)) (local.get $k))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (br $l)))
        (local.get $bad))
      ;; the list 1, 2, ..., n at 1024
      (func (export "send") (param $n i32) (result i32)
        (local $k i32)
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $k) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (call $keep (i32.const 1024) (local.get $n)))
      ;; $user's table was emptied by send in ascending order, so the k-th
      ;; element returned (k = 0, 1, ...) lands in slot n - k; it holds rep
      ;; n - k (the list is last to first), so get(slot) must equal the slot
      (func (export "take-back") (result i32)
        (local $p i32) (local $n i32) (local $k i32) (local $h i32) (local $bad i32)
        (call $give-back (i32.const 16))
        (local.set $p (i32.load (i32.const 16)))
        (local.set $n (i32.load (i32.const 20)))
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $h (i32.load (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 2)))))
            (if (i32.or (i32.ne (local.get $h) (i32.sub (local.get $n) (local.get $k)))
                        (i32.ne (call $get (local.get $h)) (local.get $h)))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (i32.add (i32.mul (local.get $bad) (i32.const 100000)) (local.get $n)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "mem" (memory $libc "mem")) (export "new" (func $new)) (export "get" (func $get))
                         (export "keep" (func $keep)) (export "give-back" (func $give-back))))))
    (func (export "fill") (param "n" u32) (result u32) (canon lift (core func $i "fill")))
    (func (export "send") (param "n" u32) (result u32) (canon lift (core func $i "send")))
    (func (export "take-back") (result u32) (canon lift (core func $i "take-back")))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new"))))
  (instance $impl (instantiate $impl))
  (instance $keeper (instantiate $keeper (with "r" (type $impl "r")) (with "get" (func $impl "get"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))
    (with "keep" (func $keeper "keep")) (with "give-back" (func $keeper "give-back"))))
  (export "fill" (func $user "fill"))
  (export "send" (func $user "send"))
  (export "take-back" (func $user "take-back"))
  (export "new" (func $user "new")))
(component instance $c1 $C)
(assert_return (invoke "fill" (u32.const 10000)) (u32.const 0))
;; 1 + ... + 10000 = 50005000, mod 100000 = 5000
(assert_return (invoke "send" (u32.const 10000)) (u32.const 5000))
(assert_return (invoke "take-back") (u32.const 10000))
(assert_return (invoke "new" (u32.const 1)) (u32.const 10001))
