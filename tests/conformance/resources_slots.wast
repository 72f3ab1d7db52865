;; Handle numbers, the i32 values guest code sees: each component instance has
;; one handle table, shared by the own and borrow handles of every resource
;; type it uses; slots are numbered from 1 and a freed slot is reused before
;; the table grows, the most recently freed first. A fused module must hand
;; out exactly these numbers.

;; Tables per instance: $impl's constructor records the handle resource.new
;; returned in $impl's table (last()); the own handle then moves to the
;; caller's table, freeing that slot again. $impl can also keep handles of
;; its own (local-new / local-drop). Two instances of $user have one table
;; each.
;;   new-a / new-b(rep) = the handle in $user instance a / b
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (global $last (mut i32) (i32.const 0))
      (func (export "ctor") (param i32) (result i32)
        (global.set $last (call $new (local.get 0)))
        (global.get $last))
      (func (export "local-new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "local-drop") (param i32) (call $drop (local.get 0)))
      (func (export "get") (param i32) (result i32) (local.get 0))
      (func (export "last") (result i32) (global.get $last)))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "ctor")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "local-new") (param "rep" u32) (result u32) (canon lift (core func $i "local-new")))
    (func (export "local-drop") (param "h" u32) (canon lift (core func $i "local-drop")))
    (func (export "last") (result u32) (canon lift (core func $i "last"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $get (canon lower (func $get)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (call $get (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "get" (func $get))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "get") (param "h" u32) (result u32) (canon lift (core func $i "get"))))
  (instance $impl (instantiate $impl))
  (instance $a (instantiate $user (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (instance $b (instantiate $user (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (export "new-a" (func $a "new"))
  (export "get-a" (func $a "get"))
  (export "new-b" (func $b "new"))
  (export "get-b" (func $b "get"))
  (export "local-new" (func $impl "local-new"))
  (export "local-drop" (func $impl "local-drop"))
  (export "last" (func $impl "last")))
(component instance $c1 $C)
(assert_return (invoke "new-a" (u32.const 10)) (u32.const 1))
(assert_return (invoke "last") (u32.const 1))
(assert_return (invoke "new-a" (u32.const 11)) (u32.const 2))
(assert_return (invoke "last") (u32.const 1))
(assert_return (invoke "new-b" (u32.const 20)) (u32.const 1))
(assert_return (invoke "new-a" (u32.const 12)) (u32.const 3))
(assert_return (invoke "get-a" (u32.const 3)) (u32.const 12))
(assert_return (invoke "get-b" (u32.const 1)) (u32.const 20))
(assert_return (invoke "get-a" (u32.const 1)) (u32.const 10))
;; $impl keeps slot 1, so its constructor's resource.new now gets slot 2
(assert_return (invoke "local-new" (u32.const 30)) (u32.const 1))
(assert_return (invoke "new-b" (u32.const 21)) (u32.const 2))
(assert_return (invoke "last") (u32.const 2))
(assert_return (invoke "local-new" (u32.const 31)) (u32.const 2))
(assert_return (invoke "local-new" (u32.const 32)) (u32.const 3))
(invoke "local-drop" (u32.const 1))
(assert_return (invoke "new-b" (u32.const 22)) (u32.const 3))
(assert_return (invoke "last") (u32.const 1))
(invoke "local-drop" (u32.const 3))
(assert_return (invoke "new-a" (u32.const 13)) (u32.const 4))
(assert_return (invoke "last") (u32.const 3))
(assert_return (invoke "get-a" (u32.const 4)) (u32.const 13))
(assert_return (invoke "get-b" (u32.const 3)) (u32.const 22))

;; Most recently freed first, run inside $user's guest code: scenario()
;; creates 4 handles (1..4), drops 2 then 4, creates 3 (getting 4, 2, 5),
;; drops 1, 3, 5, creates 4 (getting 5, 3, 1, 6), and returns the seven
;; handles it got as decimal digits; check() then reads every live handle's
;; rep through a borrow (rep = 10 * creation order, 1-based) and returns the
;; sum of rep * handle.
;;   live after scenario: handle 1 = 100, 2 = 60, 3 = 90, 4 = 50, 5 = 80, 6 = 110
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
      (global $made (mut i32) (i32.const 0))
      (global $digits (mut i32) (i32.const 0))
      (func $make (result i32)
        (global.set $made (i32.add (global.get $made) (i32.const 1)))
        (call $new (i32.mul (global.get $made) (i32.const 10))))
      (func $record (param i32)
        (global.set $digits (i32.add (i32.mul (global.get $digits) (i32.const 10)) (local.get 0))))
      (func (export "scenario") (result i32)
        (drop (call $make)) (drop (call $make)) (drop (call $make)) (drop (call $make))
        (call $drop (i32.const 2))
        (call $drop (i32.const 4))
        (call $record (call $make))
        (call $record (call $make))
        (call $record (call $make))
        (call $drop (i32.const 1))
        (call $drop (i32.const 3))
        (call $drop (i32.const 5))
        (call $record (call $make))
        (call $record (call $make))
        (call $record (call $make))
        (call $record (call $make))
        (global.get $digits))
      (func (export "check") (result i32)
        (local $h i32) (local $sum i32)
        (local.set $h (i32.const 1))
        (loop $l
          (local.set $sum (i32.add (local.get $sum) (i32.mul (call $get (local.get $h)) (local.get $h))))
          (local.set $h (i32.add (local.get $h) (i32.const 1)))
          (br_if $l (i32.le_u (local.get $h) (i32.const 6))))
        (local.get $sum)))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "scenario") (result u32) (canon lift (core func $i "scenario")))
    (func (export "check") (result u32) (canon lift (core func $i "check"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (export "scenario" (func $user "scenario"))
  (export "check" (func $user "check")))
(component instance $c1 $C)
(assert_return (invoke "scenario") (u32.const 4255316))
;; 100*1 + 60*2 + 90*3 + 50*4 + 80*5 + 110*6
(assert_return (invoke "check") (u32.const 1750))

;; One table for everything in an instance: $mid defines its own resource u
;; and imports r, and receives borrows of r; u handles, r own handles and r
;; borrow handles all come from the same slot sequence.
;;   new-u(rep) / new-r(rep) = $mid's handle; drop-u(h) / drop-r(h);
;;   look(h): $user lends its r handle h to $mid, which creates a u while it
;;   holds the borrow b, then drops the u and then b, and returns
;;   b * 100 + u * 10 + (rep of r via $impl's get, 0..9)
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
  (component $mid
    (import "r" (type $r (sub resource)))
    (import "new" (func $new-r (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (type $u (resource (rep i32)))
    (core func $new-r (canon lower (func $new-r)))
    (core func $get (canon lower (func $get)))
    (core func $drop-r (canon resource.drop $r))
    (core func $new-u (canon resource.new $u))
    (core func $drop-u (canon resource.drop $u))
    (core module $m
      (import "" "new-r" (func $new-r (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "drop-r" (func $drop-r (param i32)))
      (import "" "new-u" (func $new-u (param i32) (result i32)))
      (import "" "drop-u" (func $drop-u (param i32)))
      (func (export "new-r") (param i32) (result i32) (call $new-r (local.get 0)))
      (func (export "drop-r") (param i32) (call $drop-r (local.get 0)))
      (func (export "new-u") (param i32) (result i32) (call $new-u (local.get 0)))
      (func (export "drop-u") (param i32) (call $drop-u (local.get 0)))
      (func (export "look") (param $b i32) (result i32)
        (local $u i32) (local $v i32)
        (local.set $u (call $new-u (i32.const 0)))
        (local.set $v (i32.add (i32.add (i32.mul (local.get $b) (i32.const 100)) (i32.mul (local.get $u) (i32.const 10)))
                               (call $get (local.get $b))))
        (call $drop-u (local.get $u))
        (call $drop-r (local.get $b))
        (local.get $v)))
    (core instance $i (instantiate $m
      (with "" (instance (export "new-r" (func $new-r)) (export "get" (func $get)) (export "drop-r" (func $drop-r))
                         (export "new-u" (func $new-u)) (export "drop-u" (func $drop-u))))))
    (func (export "new-r") (param "rep" u32) (result u32) (canon lift (core func $i "new-r")))
    (func (export "drop-r") (param "h" u32) (canon lift (core func $i "drop-r")))
    (func (export "new-u") (param "rep" u32) (result u32) (canon lift (core func $i "new-u")))
    (func (export "drop-u") (param "h" u32) (canon lift (core func $i "drop-u")))
    (func (export "look") (param "self" (borrow $r)) (result u32) (canon lift (core func $i "look"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "look" (func $look (param "self" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $look (canon lower (func $look)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "look" (func $look (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "look") (param i32) (result i32) (call $look (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "look" (func $look))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "look") (param "h" u32) (result u32) (canon lift (core func $i "look"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))))
  (instance $user (instantiate $user (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "look" (func $mid "look"))))
  (export "new" (func $user "new"))
  (export "look" (func $user "look"))
  (export "mid-new-r" (func $mid "new-r"))
  (export "mid-drop-r" (func $mid "drop-r"))
  (export "mid-new-u" (func $mid "new-u"))
  (export "mid-drop-u" (func $mid "drop-u")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_return (invoke "new" (u32.const 8)) (u32.const 2))
(assert_return (invoke "look" (u32.const 1)) (u32.const 127))
(assert_return (invoke "mid-new-u" (u32.const 5)) (u32.const 1))
(assert_return (invoke "mid-new-r" (u32.const 6)) (u32.const 2))
;; b = 3, u = 4; freed u (4) then b (3)
(assert_return (invoke "look" (u32.const 2)) (u32.const 348))
(assert_return (invoke "mid-new-r" (u32.const 9)) (u32.const 3))
(assert_return (invoke "mid-new-u" (u32.const 9)) (u32.const 4))
(invoke "mid-drop-u" (u32.const 1))
;; b = 1, u = 5
(assert_return (invoke "look" (u32.const 1)) (u32.const 157))
(invoke "mid-drop-r" (u32.const 2))
(invoke "mid-drop-u" (u32.const 4))
;; free: 4, 2, 1, 5 (most recently freed first): b = 4, u = 2; look frees u
;; and then b, so the order is the same again afterwards
(assert_return (invoke "look" (u32.const 2)) (u32.const 428))
(assert_return (invoke "mid-new-u" (u32.const 9)) (u32.const 4))
(assert_return (invoke "mid-new-u" (u32.const 9)) (u32.const 2))
(assert_return (invoke "mid-new-r" (u32.const 9)) (u32.const 1))
(assert_return (invoke "mid-new-r" (u32.const 9)) (u32.const 5))
(assert_return (invoke "mid-new-r" (u32.const 9)) (u32.const 6))
