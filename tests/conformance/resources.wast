;; Resources defined by one component and used by another.
;;
;; Fused, the handles live in meld's in-module tables (builtins/resources.rs).

;; $impl defines resource r (representation: an i32) with a constructor and a
;; method; $user creates one, calls the method with a borrow and drops it.
;;   r(x) has rep 10x; r.get() = rep + 1
;;   run(x) = get(r(x)) = 10x + 1
(component
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "ctor") (param i32) (result i32) (call $new (i32.mul (local.get 0) (i32.const 10))))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "[constructor]r") (param "x" u32) (result (own $r-ex)) (canon lift (core func $i "ctor")))
    (func (export "[method]r.get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "[constructor]r" (func $ctor (param "x" u32) (result (own $r))))
    (import "[method]r.get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $ctor (canon lower (func $ctor)))
    (core func $get (canon lower (func $get)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "run") (param i32) (result i32)
        (local $h i32) (local $v i32)
        (local.set $h (call $ctor (local.get 0)))
        (local.set $v (call $get (local.get $h)))
        (call $drop (local.get $h))
        (local.get $v)))
    (core instance $i (instantiate $m
      (with "" (instance (export "ctor" (func $ctor)) (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "[constructor]r" (func $impl "[constructor]r"))
    (with "[method]r.get" (func $impl "[method]r.get"))))
  (export "run" (func $user "run")))
(assert_return (invoke "run" (u32.const 4)) (u32.const 41))
(assert_return (invoke "run" (u32.const 0)) (u32.const 1))

;; Ownership handed back: $user passes its own<r> to $impl's `consume`, which
;; reads the rep and drops the handle, running r's destructor (it adds the rep
;; to a counter in a separate core instance).
;;   consume(r(x)) = 10x; dropped() = sum of the reps destroyed so far
(component
  (component $impl
    (core module $dtor
      (global (export "dropped") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set 0 (i32.add (global.get 0) (local.get 0)))))
    (core instance $d (instantiate $dtor))
    (type $r (resource (rep i32) (dtor (func $d "dtor"))))
    (core func $new (canon resource.new $r))
    (core func $rep (canon resource.rep $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "d" "dropped" (global $dropped (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "ctor") (param i32) (result i32) (call $new (i32.mul (local.get 0) (i32.const 10))))
      (func (export "consume") (param $h i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep (local.get $h)))
        (call $drop (local.get $h))
        (local.get $v))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $i (instantiate $m
      (with "d" (instance $d))
      (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "[constructor]r") (param "x" u32) (result (own $r-ex)) (canon lift (core func $i "ctor")))
    (func (export "consume") (param "r" (own $r-ex)) (result u32) (canon lift (core func $i "consume")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "[constructor]r" (func $ctor (param "x" u32) (result (own $r))))
    (import "consume" (func $consume (param "r" (own $r)) (result u32)))
    (import "dropped" (func $dropped (result u32)))
    (core func $ctor (canon lower (func $ctor)))
    (core func $consume (canon lower (func $consume)))
    (core func $dropped (canon lower (func $dropped)))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "consume" (func $consume (param i32) (result i32)))
      (import "" "dropped" (func $dropped (result i32)))
      (func (export "run") (param i32) (result i32) (call $consume (call $ctor (local.get 0))))
      (func (export "dropped") (result i32) (call $dropped)))
    (core instance $i (instantiate $m
      (with "" (instance (export "ctor" (func $ctor)) (export "consume" (func $consume)) (export "dropped" (func $dropped))))))
    (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "[constructor]r" (func $impl "[constructor]r"))
    (with "consume" (func $impl "consume")) (with "dropped" (func $impl "dropped"))))
  (export "run" (func $user "run"))
  (export "dropped" (func $user "dropped")))
(assert_return (invoke "dropped") (u32.const 0))
(assert_return (invoke "run" (u32.const 3)) (u32.const 30))
(assert_return (invoke "dropped") (u32.const 30))
(assert_return (invoke "run" (u32.const 5)) (u32.const 50))
(assert_return (invoke "dropped") (u32.const 80))
