;; Misuse of resource handles: every case the canonical ABI must trap on.
;;
;; Trap messages: unfused, wasmtime raises the resource error ("unknown handle
;; index 3", "handle index 1 used with the wrong type, ...", "cannot remove
;; owned resource while borrowed", "borrow handles still remain at the end of
;; the call", "cannot lift own resource from a borrow") from a builtin called
;; by wasm code, so its error is "error while executing at wasm backtrace: ..."
;; with the reason as the cause. meld's fused module traps in its resource
;; runtime, in a function named with the same words (`meld:resources:unknown
;; handle index`, ...; docs/traps.md), which its backtrace shows. The
;; assertions check the part both name: the reason without the handle number
;; ("unknown handle index", "used with the wrong type", ...), and every
;; segment also has calls that must not trap; the guest code itself never
;; traps on purpose. The trailing `;; unfused:` comment of each assertion is
;; wasmtime 48's full message, for readers of a failure.
;;
;; A component instance that trapped may not be entered again, so each
;; segment defines its component (`component definition $C`) and instantiates
;; it afresh before the first assertion and after every trap.
;;
;; Handle numbers: wasmtime keeps one handle table per component instance
;; (shared by all resource types that instance uses), numbers its slots from
;; 1 and reuses freed slots most recently freed first. A constructor in $impl
;; that calls `resource.new` and returns the own handle takes slot 1 of
;; $impl's table and frees it again when the handle leaves, so the caller gets
;; the next free slot of its own table.

;; resource.rep / resource.drop inside the defining component, on handles of
;; its own table ($user only forwards the numbers):
;;   local-new(rep) = the new handle (1, 2, ... on a fresh instance)
;;   local-rep(h) = rep; local-drop(h) runs the destructor, which adds the rep
;;   to dropped()
;; Traps: rep of slot 3 (never allocated), of slot 0 (never allocatable), of a
;; slot past the end of the table, rep after drop, drop twice.
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
      (func (export "rep") (param i32) (result i32) (call $rep (local.get 0)))
      (func (export "drop") (param i32) (call $drop (local.get 0)))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $i (instantiate $m
      (with "s" (instance $state))
      (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "local-new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "local-rep") (param "h" u32) (result u32) (canon lift (core func $i "rep")))
    (func (export "local-drop") (param "h" u32) (canon lift (core func $i "drop")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "local-new" (func $new (param "rep" u32) (result u32)))
    (import "local-rep" (func $rep (param "h" u32) (result u32)))
    (import "local-drop" (func $drop (param "h" u32)))
    (core func $new (canon lower (func $new)))
    (core func $rep (canon lower (func $rep)))
    (core func $drop (canon lower (func $drop)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "rep") (param i32) (result i32) (call $rep (local.get 0)))
      (func (export "drop") (param i32) (call $drop (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "rep") (param "h" u32) (result u32) (canon lift (core func $i "rep")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "local-new" (func $impl "local-new")) (with "local-rep" (func $impl "local-rep"))
    (with "local-drop" (func $impl "local-drop"))))
  (export "new" (func $user "new"))
  (export "rep" (func $user "rep"))
  (export "drop" (func $user "drop"))
  (export "dropped" (func $impl "dropped")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 42)) (u32.const 1))
(assert_return (invoke "new" (u32.const 43)) (u32.const 2))
(assert_return (invoke "rep" (u32.const 2)) (u32.const 43))
(assert_return (invoke "rep" (u32.const 1)) (u32.const 42))
(assert_trap (invoke "rep" (u32.const 3)) "unknown handle index") ;; unfused: unknown handle index 3
(component instance $c2 $C)
(assert_trap (invoke "rep" (u32.const 0)) "unknown handle index") ;; unfused: unknown handle index 0
(component instance $c3 $C)
(assert_return (invoke "new" (u32.const 5)) (u32.const 1))
(assert_trap (invoke "rep" (u32.const 0x0fffffff)) "unknown handle index") ;; unfused: unknown handle index 268435455
(component instance $c4 $C)
(assert_return (invoke "new" (u32.const 5)) (u32.const 1))
(assert_return (invoke "new" (u32.const 6)) (u32.const 2))
(invoke "drop" (u32.const 1))
(assert_return (invoke "dropped") (u32.const 5))
(assert_return (invoke "rep" (u32.const 2)) (u32.const 6))
(assert_trap (invoke "rep" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c5 $C)
(assert_return (invoke "new" (u32.const 9)) (u32.const 1))
(invoke "drop" (u32.const 1))
(assert_return (invoke "dropped") (u32.const 9))
(assert_trap (invoke "drop" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c6 $C)
(assert_trap (invoke "drop" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1

;; resource.drop in a component that imports the resource, on the own handles
;; of its own table: $user gets them from $impl's constructor.
;;   new(rep) = handle in $user's table; get(h) = rep + 1000 (a borrow call);
;;   drop(h) runs $impl's destructor (dropped() = sum of the reps destroyed)
;; Traps: drop twice, drop of a never-allocated slot, drop of slot 0.
(component definition $C
  (component $impl
    (core module $state
      (global (export "dropped") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set 0 (i32.add (global.get 0) (local.get 0)))))
    (core instance $state (instantiate $state))
    (type $r (resource (rep i32) (dtor (func $state "dtor"))))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "s" "dropped" (global $dropped (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "ctor") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $i (instantiate $m
      (with "s" (instance $state))
      (with "" (instance (export "new" (func $new))))))
    (export $r-ex "r" (type $r))
    (func (export "ctor") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "ctor")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "ctor" (func $ctor (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $ctor (canon lower (func $ctor)))
    (core func $get (canon lower (func $get)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $ctor (local.get 0)))
      (func (export "get") (param i32) (result i32) (call $get (local.get 0)))
      (func (export "drop") (param i32) (call $drop (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "ctor" (func $ctor)) (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "get") (param "h" u32) (result u32) (canon lift (core func $i "get")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "ctor" (func $impl "ctor")) (with "get" (func $impl "get"))))
  (export "new" (func $user "new"))
  (export "get" (func $user "get"))
  (export "drop" (func $user "drop"))
  (export "dropped" (func $impl "dropped")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_return (invoke "new" (u32.const 8)) (u32.const 2))
(assert_return (invoke "get" (u32.const 1)) (u32.const 1007))
(invoke "drop" (u32.const 1))
(assert_return (invoke "dropped") (u32.const 7))
(assert_return (invoke "get" (u32.const 2)) (u32.const 1008))
(assert_trap (invoke "drop" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c2 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_trap (invoke "drop" (u32.const 2)) "unknown handle index") ;; unfused: unknown handle index 2
(component instance $c3 $C)
(assert_trap (invoke "drop" (u32.const 0)) "unknown handle index") ;; unfused: unknown handle index 0

;; Bad handles handed across the boundary, as own and as borrow parameters:
;; never allocated, dropped, and moved away (an own handle passed to
;; `consume` is gone from the caller's table).
;;   new(rep) = handle; get(h) = rep + 1000 (borrow); consume(h) = rep + 2000
;;   (own: $impl reads the rep and drops its handle, running the destructor)
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
      (func (export "ctor") (param i32) (result i32) (call $new (local.get 0)))
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
    (func (export "ctor") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "ctor")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "consume") (param "r" (own $r-ex)) (result u32) (canon lift (core func $i "consume")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "ctor" (func $ctor (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (import "consume" (func $consume (param "r" (own $r)) (result u32)))
    (core func $ctor (canon lower (func $ctor)))
    (core func $get (canon lower (func $get)))
    (core func $consume (canon lower (func $consume)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "consume" (func $consume (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $ctor (local.get 0)))
      (func (export "get") (param i32) (result i32) (call $get (local.get 0)))
      (func (export "consume") (param i32) (result i32) (call $consume (local.get 0)))
      (func (export "drop") (param i32) (call $drop (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "ctor" (func $ctor)) (export "get" (func $get))
                         (export "consume" (func $consume)) (export "drop" (func $drop))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "get") (param "h" u32) (result u32) (canon lift (core func $i "get")))
    (func (export "consume") (param "h" u32) (result u32) (canon lift (core func $i "consume")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "ctor" (func $impl "ctor")) (with "get" (func $impl "get"))
    (with "consume" (func $impl "consume"))))
  (export "new" (func $user "new"))
  (export "get" (func $user "get"))
  (export "consume" (func $user "consume"))
  (export "drop" (func $user "drop"))
  (export "dropped" (func $impl "dropped")))
;; own: never allocated
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 3)) (u32.const 1))
(assert_return (invoke "consume" (u32.const 1)) (u32.const 2003))
(assert_return (invoke "dropped") (u32.const 3))
(assert_trap (invoke "consume" (u32.const 9)) "unknown handle index") ;; unfused: unknown handle index 9
;; own: moved away by an earlier call
(component instance $c2 $C)
(assert_return (invoke "new" (u32.const 4)) (u32.const 1))
(assert_return (invoke "new" (u32.const 5)) (u32.const 2))
(assert_return (invoke "consume" (u32.const 1)) (u32.const 2004))
(assert_return (invoke "get" (u32.const 2)) (u32.const 1005))
(assert_trap (invoke "consume" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
;; own: dropped by the caller
(component instance $c3 $C)
(assert_return (invoke "new" (u32.const 6)) (u32.const 1))
(invoke "drop" (u32.const 1))
(assert_return (invoke "dropped") (u32.const 6))
(assert_trap (invoke "consume" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
;; borrow: never allocated, slot 0
(component instance $c4 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_return (invoke "get" (u32.const 1)) (u32.const 1007))
(assert_trap (invoke "get" (u32.const 2)) "unknown handle index") ;; unfused: unknown handle index 2
(component instance $c5 $C)
(assert_trap (invoke "get" (u32.const 0)) "unknown handle index") ;; unfused: unknown handle index 0
;; borrow: dropped by the caller, moved away
(component instance $c6 $C)
(assert_return (invoke "new" (u32.const 8)) (u32.const 1))
(invoke "drop" (u32.const 1))
(assert_trap (invoke "get" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c7 $C)
(assert_return (invoke "new" (u32.const 8)) (u32.const 1))
(assert_return (invoke "consume" (u32.const 1)) (u32.const 2008))
(assert_trap (invoke "get" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1

;; Bad own handles in results: the callee returns a handle its table does not
;; hold. $impl's make(rep, k) creates a resource (handle 1 of its table) and
;; returns handle 1 + k as an own<r>; with k = 0 that is the new handle.
;; make-dropped(rep) creates a resource, drops it (running the destructor) and
;; returns the dropped handle.
;;   run(rep, k) = get(make(rep, k)) = rep + 1000, dropping the handle after
(component definition $C
  (component $impl
    (core module $state
      (global (export "dropped") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32) (global.set 0 (i32.add (global.get 0) (local.get 0)))))
    (core instance $state (instantiate $state))
    (type $r (resource (rep i32) (dtor (func $state "dtor"))))
    (core func $new (canon resource.new $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "s" "dropped" (global $dropped (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "make") (param i32 i32) (result i32) (i32.add (call $new (local.get 0)) (local.get 1)))
      (func (export "make-dropped") (param i32) (result i32)
        (local $h i32)
        (local.set $h (call $new (local.get 0)))
        (call $drop (local.get $h))
        (local.get $h))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $i (instantiate $m
      (with "s" (instance $state))
      (with "" (instance (export "new" (func $new)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "make") (param "rep" u32) (param "k" u32) (result (own $r-ex)) (canon lift (core func $i "make")))
    (func (export "make-dropped") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "make-dropped")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "make" (func $make (param "rep" u32) (param "k" u32) (result (own $r))))
    (import "make-dropped" (func $make-dropped (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (core func $make (canon lower (func $make)))
    (core func $make-dropped (canon lower (func $make-dropped)))
    (core func $get (canon lower (func $get)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "make" (func $make (param i32 i32) (result i32)))
      (import "" "make-dropped" (func $make-dropped (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func $use (param $h i32) (result i32)
        (local $v i32)
        (local.set $v (call $get (local.get $h)))
        (call $drop (local.get $h))
        (local.get $v))
      (func (export "run") (param i32 i32) (result i32) (call $use (call $make (local.get 0) (local.get 1))))
      (func (export "run-dropped") (param i32) (result i32) (call $use (call $make-dropped (local.get 0)))))
    (core instance $i (instantiate $m
      (with "" (instance (export "make" (func $make)) (export "make-dropped" (func $make-dropped))
                         (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "run") (param "rep" u32) (param "k" u32) (result u32) (canon lift (core func $i "run")))
    (func (export "run-dropped") (param "rep" u32) (result u32) (canon lift (core func $i "run-dropped"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "make" (func $impl "make"))
    (with "make-dropped" (func $impl "make-dropped")) (with "get" (func $impl "get"))))
  (export "run" (func $user "run"))
  (export "run-dropped" (func $user "run-dropped"))
  (export "dropped" (func $impl "dropped")))
(component instance $c1 $C)
(assert_return (invoke "run" (u32.const 5) (u32.const 0)) (u32.const 1005))
(assert_return (invoke "run" (u32.const 6) (u32.const 0)) (u32.const 1006))
(assert_return (invoke "dropped") (u32.const 11))
(assert_trap (invoke "run" (u32.const 7) (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 2
(component instance $c2 $C)
(assert_trap (invoke "run" (u32.const 7) (u32.const 0xffffffff)) "unknown handle index") ;; unfused: unknown handle index 0
(component instance $c3 $C)
(assert_trap (invoke "run-dropped" (u32.const 7)) "unknown handle index") ;; unfused: unknown handle index 1

;; Wrong resource type in the defining component: $impl defines r and s (both
;; with an i32 rep) and keeps handles of both in its one table.
;;   new-r(rep) / new-s(rep) = the new handle; rep-r(h) / rep-s(h) = rep;
;;   drop-r(h) / drop-s(h) drop (no destructors)
;; Traps: rep-s and drop-s of an r handle, rep-r and drop-r of an s handle.
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (type $s (resource (rep i32)))
    (core func $new-r (canon resource.new $r))
    (core func $rep-r (canon resource.rep $r))
    (core func $drop-r (canon resource.drop $r))
    (core func $new-s (canon resource.new $s))
    (core func $rep-s (canon resource.rep $s))
    (core func $drop-s (canon resource.drop $s))
    (core module $m
      (import "" "new-r" (func $new-r (param i32) (result i32)))
      (import "" "rep-r" (func $rep-r (param i32) (result i32)))
      (import "" "drop-r" (func $drop-r (param i32)))
      (import "" "new-s" (func $new-s (param i32) (result i32)))
      (import "" "rep-s" (func $rep-s (param i32) (result i32)))
      (import "" "drop-s" (func $drop-s (param i32)))
      (func (export "new-r") (param i32) (result i32) (call $new-r (local.get 0)))
      (func (export "rep-r") (param i32) (result i32) (call $rep-r (local.get 0)))
      (func (export "drop-r") (param i32) (call $drop-r (local.get 0)))
      (func (export "new-s") (param i32) (result i32) (call $new-s (local.get 0)))
      (func (export "rep-s") (param i32) (result i32) (call $rep-s (local.get 0)))
      (func (export "drop-s") (param i32) (call $drop-s (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "new-r" (func $new-r)) (export "rep-r" (func $rep-r)) (export "drop-r" (func $drop-r))
        (export "new-s" (func $new-s)) (export "rep-s" (func $rep-s)) (export "drop-s" (func $drop-s))))))
    (export "r" (type $r))
    (export "s" (type $s))
    (func (export "new-r") (param "rep" u32) (result u32) (canon lift (core func $i "new-r")))
    (func (export "rep-r") (param "h" u32) (result u32) (canon lift (core func $i "rep-r")))
    (func (export "drop-r") (param "h" u32) (canon lift (core func $i "drop-r")))
    (func (export "new-s") (param "rep" u32) (result u32) (canon lift (core func $i "new-s")))
    (func (export "rep-s") (param "h" u32) (result u32) (canon lift (core func $i "rep-s")))
    (func (export "drop-s") (param "h" u32) (canon lift (core func $i "drop-s"))))
  (component $user
    (import "new-r" (func $new-r (param "rep" u32) (result u32)))
    (import "rep-r" (func $rep-r (param "h" u32) (result u32)))
    (import "drop-r" (func $drop-r (param "h" u32)))
    (import "new-s" (func $new-s (param "rep" u32) (result u32)))
    (import "rep-s" (func $rep-s (param "h" u32) (result u32)))
    (import "drop-s" (func $drop-s (param "h" u32)))
    (core func $new-r (canon lower (func $new-r)))
    (core func $rep-r (canon lower (func $rep-r)))
    (core func $drop-r (canon lower (func $drop-r)))
    (core func $new-s (canon lower (func $new-s)))
    (core func $rep-s (canon lower (func $rep-s)))
    (core func $drop-s (canon lower (func $drop-s)))
    (core module $m
      (import "" "new-r" (func $new-r (param i32) (result i32)))
      (import "" "rep-r" (func $rep-r (param i32) (result i32)))
      (import "" "drop-r" (func $drop-r (param i32)))
      (import "" "new-s" (func $new-s (param i32) (result i32)))
      (import "" "rep-s" (func $rep-s (param i32) (result i32)))
      (import "" "drop-s" (func $drop-s (param i32)))
      (func (export "new-r") (param i32) (result i32) (call $new-r (local.get 0)))
      (func (export "rep-r") (param i32) (result i32) (call $rep-r (local.get 0)))
      (func (export "drop-r") (param i32) (call $drop-r (local.get 0)))
      (func (export "new-s") (param i32) (result i32) (call $new-s (local.get 0)))
      (func (export "rep-s") (param i32) (result i32) (call $rep-s (local.get 0)))
      (func (export "drop-s") (param i32) (call $drop-s (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "new-r" (func $new-r)) (export "rep-r" (func $rep-r)) (export "drop-r" (func $drop-r))
        (export "new-s" (func $new-s)) (export "rep-s" (func $rep-s)) (export "drop-s" (func $drop-s))))))
    (func (export "new-r") (param "rep" u32) (result u32) (canon lift (core func $i "new-r")))
    (func (export "rep-r") (param "h" u32) (result u32) (canon lift (core func $i "rep-r")))
    (func (export "drop-r") (param "h" u32) (canon lift (core func $i "drop-r")))
    (func (export "new-s") (param "rep" u32) (result u32) (canon lift (core func $i "new-s")))
    (func (export "rep-s") (param "h" u32) (result u32) (canon lift (core func $i "rep-s")))
    (func (export "drop-s") (param "h" u32) (canon lift (core func $i "drop-s"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "new-r" (func $impl "new-r")) (with "rep-r" (func $impl "rep-r")) (with "drop-r" (func $impl "drop-r"))
    (with "new-s" (func $impl "new-s")) (with "rep-s" (func $impl "rep-s")) (with "drop-s" (func $impl "drop-s"))))
  (export "new-r" (func $user "new-r"))
  (export "rep-r" (func $user "rep-r"))
  (export "drop-r" (func $user "drop-r"))
  (export "new-s" (func $user "new-s"))
  (export "rep-s" (func $user "rep-s"))
  (export "drop-s" (func $user "drop-s")))
;; r and s share the table: r -> 1, s -> 2, r -> 3; a freed s slot taken by
;; a new s keeps refusing r
(component instance $c1 $C)
(assert_return (invoke "new-r" (u32.const 10)) (u32.const 1))
(assert_return (invoke "new-s" (u32.const 20)) (u32.const 2))
(assert_return (invoke "new-r" (u32.const 30)) (u32.const 3))
(assert_return (invoke "rep-r" (u32.const 1)) (u32.const 10))
(assert_return (invoke "rep-s" (u32.const 2)) (u32.const 20))
(assert_return (invoke "rep-r" (u32.const 3)) (u32.const 30))
(assert_trap (invoke "rep-s" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c2 $C)
(assert_return (invoke "new-r" (u32.const 10)) (u32.const 1))
(assert_trap (invoke "drop-s" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c3 $C)
(assert_return (invoke "new-s" (u32.const 20)) (u32.const 1))
(assert_trap (invoke "rep-r" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c4 $C)
(assert_return (invoke "new-r" (u32.const 10)) (u32.const 1))
(assert_return (invoke "new-s" (u32.const 20)) (u32.const 2))
(invoke "drop-s" (u32.const 2))
(assert_return (invoke "new-s" (u32.const 21)) (u32.const 2))
(assert_return (invoke "rep-s" (u32.const 2)) (u32.const 21))
(assert_return (invoke "rep-r" (u32.const 1)) (u32.const 10))
(assert_trap (invoke "drop-r" (u32.const 2)) "used with the wrong type") ;; unfused: handle index 2 used with the wrong type
(component instance $c5 $C)
(assert_return (invoke "new-s" (u32.const 20)) (u32.const 1))
(assert_trap (invoke "drop-r" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource

;; Wrong resource type across the boundary: $user holds own handles of r and
;; of s (both defined by $impl) in its one table and passes one where the
;; other is expected, as own, as borrow, and to its own resource.drop.
;;   new-r(rep) / new-s(rep) = handle in $user's table;
;;   get-r(h) = rep + 1000, get-s(h) = rep + 2000 (borrows);
;;   take-r(h) = rep + 3000, take-s(h) = rep + 4000 (own, dropped by $impl)
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (type $s (resource (rep i32)))
    (core func $new-r (canon resource.new $r))
    (core func $rep-r (canon resource.rep $r))
    (core func $drop-r (canon resource.drop $r))
    (core func $new-s (canon resource.new $s))
    (core func $rep-s (canon resource.rep $s))
    (core func $drop-s (canon resource.drop $s))
    (core module $m
      (import "" "new-r" (func $new-r (param i32) (result i32)))
      (import "" "rep-r" (func $rep-r (param i32) (result i32)))
      (import "" "drop-r" (func $drop-r (param i32)))
      (import "" "new-s" (func $new-s (param i32) (result i32)))
      (import "" "rep-s" (func $rep-s (param i32) (result i32)))
      (import "" "drop-s" (func $drop-s (param i32)))
      (func (export "new-r") (param i32) (result i32) (call $new-r (local.get 0)))
      (func (export "new-s") (param i32) (result i32) (call $new-s (local.get 0)))
      (func (export "get-r") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
      (func (export "get-s") (param i32) (result i32) (i32.add (local.get 0) (i32.const 2000)))
      (func (export "take-r") (param i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep-r (local.get 0)))
        (call $drop-r (local.get 0))
        (i32.add (local.get $v) (i32.const 3000)))
      (func (export "take-s") (param i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep-s (local.get 0)))
        (call $drop-s (local.get 0))
        (i32.add (local.get $v) (i32.const 4000))))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "new-r" (func $new-r)) (export "rep-r" (func $rep-r)) (export "drop-r" (func $drop-r))
        (export "new-s" (func $new-s)) (export "rep-s" (func $rep-s)) (export "drop-s" (func $drop-s))))))
    (export $r-ex "r" (type $r))
    (export $s-ex "s" (type $s))
    (func (export "new-r") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new-r")))
    (func (export "new-s") (param "rep" u32) (result (own $s-ex)) (canon lift (core func $i "new-s")))
    (func (export "get-r") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get-r")))
    (func (export "get-s") (param "self" (borrow $s-ex)) (result u32) (canon lift (core func $i "get-s")))
    (func (export "take-r") (param "x" (own $r-ex)) (result u32) (canon lift (core func $i "take-r")))
    (func (export "take-s") (param "x" (own $s-ex)) (result u32) (canon lift (core func $i "take-s"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "s" (type $s (sub resource)))
    (import "new-r" (func $new-r (param "rep" u32) (result (own $r))))
    (import "new-s" (func $new-s (param "rep" u32) (result (own $s))))
    (import "get-r" (func $get-r (param "self" (borrow $r)) (result u32)))
    (import "get-s" (func $get-s (param "self" (borrow $s)) (result u32)))
    (import "take-r" (func $take-r (param "x" (own $r)) (result u32)))
    (import "take-s" (func $take-s (param "x" (own $s)) (result u32)))
    (core func $new-r (canon lower (func $new-r)))
    (core func $new-s (canon lower (func $new-s)))
    (core func $get-r (canon lower (func $get-r)))
    (core func $get-s (canon lower (func $get-s)))
    (core func $take-r (canon lower (func $take-r)))
    (core func $take-s (canon lower (func $take-s)))
    (core func $drop-r (canon resource.drop $r))
    (core func $drop-s (canon resource.drop $s))
    (core module $m
      (import "" "new-r" (func $new-r (param i32) (result i32)))
      (import "" "new-s" (func $new-s (param i32) (result i32)))
      (import "" "get-r" (func $get-r (param i32) (result i32)))
      (import "" "get-s" (func $get-s (param i32) (result i32)))
      (import "" "take-r" (func $take-r (param i32) (result i32)))
      (import "" "take-s" (func $take-s (param i32) (result i32)))
      (import "" "drop-r" (func $drop-r (param i32)))
      (import "" "drop-s" (func $drop-s (param i32)))
      (func (export "new-r") (param i32) (result i32) (call $new-r (local.get 0)))
      (func (export "new-s") (param i32) (result i32) (call $new-s (local.get 0)))
      (func (export "get-r") (param i32) (result i32) (call $get-r (local.get 0)))
      (func (export "get-s") (param i32) (result i32) (call $get-s (local.get 0)))
      (func (export "take-r") (param i32) (result i32) (call $take-r (local.get 0)))
      (func (export "take-s") (param i32) (result i32) (call $take-s (local.get 0)))
      (func (export "drop-r") (param i32) (call $drop-r (local.get 0)))
      (func (export "drop-s") (param i32) (call $drop-s (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "new-r" (func $new-r)) (export "new-s" (func $new-s))
        (export "get-r" (func $get-r)) (export "get-s" (func $get-s))
        (export "take-r" (func $take-r)) (export "take-s" (func $take-s))
        (export "drop-r" (func $drop-r)) (export "drop-s" (func $drop-s))))))
    (func (export "new-r") (param "rep" u32) (result u32) (canon lift (core func $i "new-r")))
    (func (export "new-s") (param "rep" u32) (result u32) (canon lift (core func $i "new-s")))
    (func (export "get-r") (param "h" u32) (result u32) (canon lift (core func $i "get-r")))
    (func (export "get-s") (param "h" u32) (result u32) (canon lift (core func $i "get-s")))
    (func (export "take-r") (param "h" u32) (result u32) (canon lift (core func $i "take-r")))
    (func (export "take-s") (param "h" u32) (result u32) (canon lift (core func $i "take-s")))
    (func (export "drop-r") (param "h" u32) (canon lift (core func $i "drop-r")))
    (func (export "drop-s") (param "h" u32) (canon lift (core func $i "drop-s"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "s" (type $impl "s"))
    (with "new-r" (func $impl "new-r")) (with "new-s" (func $impl "new-s"))
    (with "get-r" (func $impl "get-r")) (with "get-s" (func $impl "get-s"))
    (with "take-r" (func $impl "take-r")) (with "take-s" (func $impl "take-s"))))
  (export "new-r" (func $user "new-r"))
  (export "new-s" (func $user "new-s"))
  (export "get-r" (func $user "get-r"))
  (export "get-s" (func $user "get-s"))
  (export "take-r" (func $user "take-r"))
  (export "take-s" (func $user "take-s"))
  (export "drop-r" (func $user "drop-r"))
  (export "drop-s" (func $user "drop-s")))
;; handles: r 5 -> 1, s 6 -> 2
(component instance $c1 $C)
(assert_return (invoke "new-r" (u32.const 5)) (u32.const 1))
(assert_return (invoke "new-s" (u32.const 6)) (u32.const 2))
(assert_return (invoke "get-r" (u32.const 1)) (u32.const 1005))
(assert_return (invoke "get-s" (u32.const 2)) (u32.const 2006))
(assert_trap (invoke "get-r" (u32.const 2)) "used with the wrong type") ;; unfused: handle index 2 used with the wrong type
(component instance $c2 $C)
(assert_return (invoke "new-r" (u32.const 5)) (u32.const 1))
(assert_return (invoke "new-s" (u32.const 6)) (u32.const 2))
(assert_return (invoke "take-s" (u32.const 2)) (u32.const 4006))
(assert_trap (invoke "take-s" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c3 $C)
(assert_return (invoke "new-s" (u32.const 6)) (u32.const 1))
(assert_trap (invoke "take-r" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c4 $C)
(assert_return (invoke "new-r" (u32.const 5)) (u32.const 1))
(assert_trap (invoke "get-s" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c5 $C)
(assert_return (invoke "new-r" (u32.const 5)) (u32.const 1))
(assert_return (invoke "new-s" (u32.const 6)) (u32.const 2))
(invoke "drop-s" (u32.const 2))
(assert_return (invoke "take-r" (u32.const 1)) (u32.const 3005))
(assert_return (invoke "new-s" (u32.const 7)) (u32.const 1))
(assert_trap (invoke "drop-r" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource

;; Same resource, different instances: two instances of $impl define two
;; distinct resource types (r of $a and r of $b); a handle of one is the wrong
;; type for the other, even though both are "the same" resource definition.
;;   new-a(rep) / new-b(rep) = handle in $user's table;
;;   get-a(h) = rep + 1000, get-b(h) = rep + 2000 (borrows: $a and $b add
;;   their own base); take-a(h) / take-b(h) = rep (own)
(component definition $C
  (component $impl
    (import "base" (func $base (result u32)))
    (core func $base (canon lower (func $base)))
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core func $rep (canon resource.rep $r))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "base" (func $base (result i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (call $base)))
      (func (export "take") (param i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep (local.get 0)))
        (call $drop (local.get 0))
        (local.get $v)))
    (core instance $i (instantiate $m
      (with "" (instance (export "base" (func $base)) (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "take") (param "x" (own $r-ex)) (result u32) (canon lift (core func $i "take"))))
  (component $bases
    (core module $m
      (func (export "a") (result i32) (i32.const 1000))
      (func (export "b") (result i32) (i32.const 2000)))
    (core instance $i (instantiate $m))
    (func (export "a") (result u32) (canon lift (core func $i "a")))
    (func (export "b") (result u32) (canon lift (core func $i "b"))))
  (component $user
    (import "ra" (type $ra (sub resource)))
    (import "rb" (type $rb (sub resource)))
    (import "new-a" (func $new-a (param "rep" u32) (result (own $ra))))
    (import "new-b" (func $new-b (param "rep" u32) (result (own $rb))))
    (import "get-a" (func $get-a (param "self" (borrow $ra)) (result u32)))
    (import "get-b" (func $get-b (param "self" (borrow $rb)) (result u32)))
    (import "take-a" (func $take-a (param "x" (own $ra)) (result u32)))
    (import "take-b" (func $take-b (param "x" (own $rb)) (result u32)))
    (core func $new-a (canon lower (func $new-a)))
    (core func $new-b (canon lower (func $new-b)))
    (core func $get-a (canon lower (func $get-a)))
    (core func $get-b (canon lower (func $get-b)))
    (core func $take-a (canon lower (func $take-a)))
    (core func $take-b (canon lower (func $take-b)))
    (core module $m
      (import "" "new-a" (func $new-a (param i32) (result i32)))
      (import "" "new-b" (func $new-b (param i32) (result i32)))
      (import "" "get-a" (func $get-a (param i32) (result i32)))
      (import "" "get-b" (func $get-b (param i32) (result i32)))
      (import "" "take-a" (func $take-a (param i32) (result i32)))
      (import "" "take-b" (func $take-b (param i32) (result i32)))
      (func (export "new-a") (param i32) (result i32) (call $new-a (local.get 0)))
      (func (export "new-b") (param i32) (result i32) (call $new-b (local.get 0)))
      (func (export "get-a") (param i32) (result i32) (call $get-a (local.get 0)))
      (func (export "get-b") (param i32) (result i32) (call $get-b (local.get 0)))
      (func (export "take-a") (param i32) (result i32) (call $take-a (local.get 0)))
      (func (export "take-b") (param i32) (result i32) (call $take-b (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "new-a" (func $new-a)) (export "new-b" (func $new-b))
        (export "get-a" (func $get-a)) (export "get-b" (func $get-b))
        (export "take-a" (func $take-a)) (export "take-b" (func $take-b))))))
    (func (export "new-a") (param "rep" u32) (result u32) (canon lift (core func $i "new-a")))
    (func (export "new-b") (param "rep" u32) (result u32) (canon lift (core func $i "new-b")))
    (func (export "get-a") (param "h" u32) (result u32) (canon lift (core func $i "get-a")))
    (func (export "get-b") (param "h" u32) (result u32) (canon lift (core func $i "get-b")))
    (func (export "take-a") (param "h" u32) (result u32) (canon lift (core func $i "take-a")))
    (func (export "take-b") (param "h" u32) (result u32) (canon lift (core func $i "take-b"))))
  (instance $bases (instantiate $bases))
  (instance $a (instantiate $impl (with "base" (func $bases "a"))))
  (instance $b (instantiate $impl (with "base" (func $bases "b"))))
  (instance $user (instantiate $user
    (with "ra" (type $a "r")) (with "rb" (type $b "r"))
    (with "new-a" (func $a "new")) (with "new-b" (func $b "new"))
    (with "get-a" (func $a "get")) (with "get-b" (func $b "get"))
    (with "take-a" (func $a "take")) (with "take-b" (func $b "take"))))
  (export "new-a" (func $user "new-a"))
  (export "new-b" (func $user "new-b"))
  (export "get-a" (func $user "get-a"))
  (export "get-b" (func $user "get-b"))
  (export "take-a" (func $user "take-a"))
  (export "take-b" (func $user "take-b")))
(component instance $c1 $C)
(assert_return (invoke "new-a" (u32.const 1)) (u32.const 1))
(assert_return (invoke "new-b" (u32.const 2)) (u32.const 2))
(assert_return (invoke "get-a" (u32.const 1)) (u32.const 1001))
(assert_return (invoke "get-b" (u32.const 2)) (u32.const 2002))
(assert_trap (invoke "get-b" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c2 $C)
(assert_return (invoke "new-a" (u32.const 1)) (u32.const 1))
(assert_return (invoke "new-b" (u32.const 2)) (u32.const 2))
(assert_return (invoke "take-b" (u32.const 2)) (u32.const 2))
(assert_trap (invoke "take-b" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c3 $C)
(assert_return (invoke "new-b" (u32.const 2)) (u32.const 1))
(assert_trap (invoke "take-a" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource

;; Foreign handles: $user defines its own resource u and imports $impl's r, so
;; its one table holds handles of both. resource.rep / resource.drop of u on
;; an r handle (a handle of a resource $user does not define) trap, and so
;; does $impl's resource.rep of a number that is a handle only in $user's
;; table.
;;   new-r(rep) = r handle (via $impl's constructor); new-u(rep) = u handle;
;;   rep-u(h) = rep of u; drop-u(h); impl-rep(h) = $impl's resource.rep of h
(component definition $C
  (component $impl
    (type $r (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core func $rep (canon resource.rep $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "rep") (param i32) (result i32) (call $rep (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "rep" (func $rep))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "rep") (param "h" u32) (result u32) (canon lift (core func $i "rep"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new-r (param "rep" u32) (result (own $r))))
    (import "rep" (func $impl-rep (param "h" u32) (result u32)))
    (type $u (resource (rep i32)))
    (core func $new-r (canon lower (func $new-r)))
    (core func $impl-rep (canon lower (func $impl-rep)))
    (core func $new-u (canon resource.new $u))
    (core func $rep-u (canon resource.rep $u))
    (core func $drop-u (canon resource.drop $u))
    (core module $m
      (import "" "new-r" (func $new-r (param i32) (result i32)))
      (import "" "impl-rep" (func $impl-rep (param i32) (result i32)))
      (import "" "new-u" (func $new-u (param i32) (result i32)))
      (import "" "rep-u" (func $rep-u (param i32) (result i32)))
      (import "" "drop-u" (func $drop-u (param i32)))
      (func (export "new-r") (param i32) (result i32) (call $new-r (local.get 0)))
      (func (export "impl-rep") (param i32) (result i32) (call $impl-rep (local.get 0)))
      (func (export "new-u") (param i32) (result i32) (call $new-u (local.get 0)))
      (func (export "rep-u") (param i32) (result i32) (call $rep-u (local.get 0)))
      (func (export "drop-u") (param i32) (call $drop-u (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "new-r" (func $new-r)) (export "impl-rep" (func $impl-rep))
        (export "new-u" (func $new-u)) (export "rep-u" (func $rep-u)) (export "drop-u" (func $drop-u))))))
    (func (export "new-r") (param "rep" u32) (result u32) (canon lift (core func $i "new-r")))
    (func (export "impl-rep") (param "h" u32) (result u32) (canon lift (core func $i "impl-rep")))
    (func (export "new-u") (param "rep" u32) (result u32) (canon lift (core func $i "new-u")))
    (func (export "rep-u") (param "h" u32) (result u32) (canon lift (core func $i "rep-u")))
    (func (export "drop-u") (param "h" u32) (canon lift (core func $i "drop-u"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "rep" (func $impl "rep"))))
  (export "new-r" (func $user "new-r"))
  (export "impl-rep" (func $user "impl-rep"))
  (export "new-u" (func $user "new-u"))
  (export "rep-u" (func $user "rep-u"))
  (export "drop-u" (func $user "drop-u")))
;; $user's table: r 11 -> 1, u 22 -> 2
(component instance $c1 $C)
(assert_return (invoke "new-r" (u32.const 11)) (u32.const 1))
(assert_return (invoke "new-u" (u32.const 22)) (u32.const 2))
(assert_return (invoke "rep-u" (u32.const 2)) (u32.const 22))
(assert_trap (invoke "rep-u" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
(component instance $c2 $C)
(assert_return (invoke "new-r" (u32.const 11)) (u32.const 1))
(assert_return (invoke "new-u" (u32.const 22)) (u32.const 2))
(invoke "drop-u" (u32.const 2))
(assert_return (invoke "new-u" (u32.const 23)) (u32.const 2))
(assert_return (invoke "rep-u" (u32.const 2)) (u32.const 23))
(assert_trap (invoke "drop-u" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource
;; $impl's table is empty between calls: the constructor's slot 1 left with
;; the own handle, so $user's handle number 1 means nothing there.
(component instance $c3 $C)
(assert_return (invoke "new-r" (u32.const 11)) (u32.const 1))
(assert_trap (invoke "impl-rep" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1

;; Dropping an own handle while it is lent out. In a synchronous call the
;; lender cannot run code until the callee returns (its instance cannot be
;; re-entered), so a lent own handle cannot be dropped by resource.drop; the
;; one way to remove it while lent is to pass the same handle in one call
;; first as a borrow and then as an own (the borrow is lifted first and marks
;; the handle as lent, the own then tries to move it out). The reverse order
;; moves the handle out first, and the borrow then finds an unknown handle.
;;   bo(b, o) = rep(b) * 100 + rep(o), ob(o, b) = rep(o) * 100 + rep(b);
;;   $impl drops the own handle, its destructor adds the rep to dropped()
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
      (func $take (param $own i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep (local.get $own)))
        (call $drop (local.get $own))
        (local.get $v))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "bo") (param $b i32) (param $o i32) (result i32)
        (i32.add (i32.mul (local.get $b) (i32.const 100)) (call $take (local.get $o))))
      (func (export "ob") (param $o i32) (param $b i32) (result i32)
        (i32.add (i32.mul (call $take (local.get $o)) (i32.const 100)) (local.get $b)))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $i (instantiate $m
      (with "s" (instance $state))
      (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "bo") (param "b" (borrow $r-ex)) (param "o" (own $r-ex)) (result u32) (canon lift (core func $i "bo")))
    (func (export "ob") (param "o" (own $r-ex)) (param "b" (borrow $r-ex)) (result u32) (canon lift (core func $i "ob")))
    (func (export "dropped") (result u32) (canon lift (core func $i "dropped"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "bo" (func $bo (param "b" (borrow $r)) (param "o" (own $r)) (result u32)))
    (import "ob" (func $ob (param "o" (own $r)) (param "b" (borrow $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $bo (canon lower (func $bo)))
    (core func $ob (canon lower (func $ob)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "bo" (func $bo (param i32 i32) (result i32)))
      (import "" "ob" (func $ob (param i32 i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "bo") (param i32 i32) (result i32) (call $bo (local.get 0) (local.get 1)))
      (func (export "ob") (param i32 i32) (result i32) (call $ob (local.get 0) (local.get 1)))
      (func (export "drop") (param i32) (call $drop (local.get 0))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "bo" (func $bo)) (export "ob" (func $ob))
                         (export "drop" (func $drop))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "bo") (param "b" u32) (param "o" u32) (result u32) (canon lift (core func $i "bo")))
    (func (export "ob") (param "o" u32) (param "b" u32) (result u32) (canon lift (core func $i "ob")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop"))))
  (instance $impl (instantiate $impl))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new"))
    (with "bo" (func $impl "bo")) (with "ob" (func $impl "ob"))))
  (export "new" (func $user "new"))
  (export "bo" (func $user "bo"))
  (export "ob" (func $user "ob"))
  (export "drop" (func $user "drop"))
  (export "dropped" (func $impl "dropped")))
;; borrow 1, own 2: the borrow ends with the call, so handle 1 can be dropped
;; afterwards (its lend was undone)
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 3)) (u32.const 1))
(assert_return (invoke "new" (u32.const 4)) (u32.const 2))
(assert_return (invoke "bo" (u32.const 1) (u32.const 2)) (u32.const 304))
(assert_return (invoke "dropped") (u32.const 4))
(assert_return (invoke "new" (u32.const 5)) (u32.const 2))
(assert_return (invoke "ob" (u32.const 2) (u32.const 1)) (u32.const 503))
(assert_return (invoke "dropped") (u32.const 9))
(invoke "drop" (u32.const 1))
(assert_return (invoke "dropped") (u32.const 12))
(component instance $c2 $C)
(assert_return (invoke "new" (u32.const 3)) (u32.const 1))
(assert_trap (invoke "bo" (u32.const 1) (u32.const 1)) "cannot remove owned resource while borrowed") ;; unfused: cannot remove owned resource while borrowed
(component instance $c3 $C)
(assert_return (invoke "new" (u32.const 3)) (u32.const 1))
(assert_trap (invoke "ob" (u32.const 1) (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1

;; Borrow handles a non-defining callee must drop: $mid (which imports r)
;; gets a borrow as a handle of its table; peek(h, mode) lends $user's own
;; handle h to $mid, which passes its borrow handle on to $impl's get
;; (rep + 1000) and then, by mode: 0 drops it, 1 keeps it (the call must trap
;; when it returns: "borrow handles still remain at the end of the call"),
;; 2 drops it twice (unknown handle on the second drop).
;;   peek(h, 0) = rep + 1000 + 10000 * (the borrow's handle in $mid's table, 1)
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
      (func (export "peek") (param $b i32) (param $mode i32) (result i32)
        (local $v i32)
        (local.set $v (i32.add (call $get (local.get $b)) (i32.mul (local.get $b) (i32.const 10000))))
        (if (i32.ne (local.get $mode) (i32.const 1)) (then (call $drop (local.get $b))))
        (if (i32.eq (local.get $mode) (i32.const 2)) (then (call $drop (local.get $b))))
        (local.get $v)))
    (core instance $i (instantiate $m (with "" (instance (export "get" (func $get)) (export "drop" (func $drop))))))
    (func (export "peek") (param "self" (borrow $r)) (param "mode" u32) (result u32) (canon lift (core func $i "peek"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "peek" (func $peek (param "self" (borrow $r)) (param "mode" u32) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $peek (canon lower (func $peek)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "peek" (func $peek (param i32 i32) (result i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "peek") (param i32 i32) (result i32) (call $peek (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "peek" (func $peek))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "peek") (param "h" u32) (param "mode" u32) (result u32) (canon lift (core func $i "peek"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid (with "r" (type $impl "r")) (with "get" (func $impl "get"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "peek" (func $mid "peek"))))
  (export "new" (func $user "new"))
  (export "peek" (func $user "peek")))
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 4)) (u32.const 1))
(assert_return (invoke "new" (u32.const 5)) (u32.const 2))
(assert_return (invoke "peek" (u32.const 1) (u32.const 0)) (u32.const 11004))
(assert_return (invoke "peek" (u32.const 2) (u32.const 0)) (u32.const 11005))
(assert_trap (invoke "peek" (u32.const 2) (u32.const 1)) "borrow handles still remain at the end of the call") ;; unfused: borrow handles still remain at the end of the call
(component instance $c2 $C)
(assert_return (invoke "new" (u32.const 4)) (u32.const 1))
(assert_return (invoke "peek" (u32.const 1) (u32.const 0)) (u32.const 11004))
(assert_trap (invoke "peek" (u32.const 1) (u32.const 2)) "unknown handle index") ;; unfused: unknown handle index 1

;; Lifting an own handle from a borrow: $mid holds a borrow handle and tries
;; to give it away as an own, as a parameter (to $impl's take) and as a
;; result (bounce).
;;   pass(h, 0): $mid reads get(b) = rep + 1000 and drops b; pass(h, 1): $mid
;;   calls take(b) (traps); bounce(h, 0): $mid drops b and returns a new
;;   resource with rep + 1 (so get(bounce(h, 0)) = rep + 1001);
;;   bounce(h, 1) returns b itself (traps; wasmtime checks that $mid dropped
;;   its borrows before it lifts the results, so its reason is the borrow still
;;   in $mid's table rather than the own lifted from a borrow)
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
      (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
      (func (export "take") (param i32) (result i32)
        (local $v i32)
        (local.set $v (call $rep (local.get 0)))
        (call $drop (local.get 0))
        (i32.add (local.get $v) (i32.const 2000))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
    (export $r-ex "r" (type $r))
    (func (export "new") (param "rep" u32) (result (own $r-ex)) (canon lift (core func $i "new")))
    (func (export "get") (param "self" (borrow $r-ex)) (result u32) (canon lift (core func $i "get")))
    (func (export "take") (param "x" (own $r-ex)) (result u32) (canon lift (core func $i "take"))))
  (component $mid
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (import "take" (func $take (param "x" (own $r)) (result u32)))
    (core func $new (canon lower (func $new)))
    (core func $get (canon lower (func $get)))
    (core func $take (canon lower (func $take)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "take" (func $take (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "pass") (param $b i32) (param $mode i32) (result i32)
        (local $v i32)
        (if (local.get $mode)
          (then (return (call $take (local.get $b)))))
        (local.set $v (call $get (local.get $b)))
        (call $drop (local.get $b))
        (local.get $v))
      (func (export "bounce") (param $b i32) (param $mode i32) (result i32)
        (local $v i32)
        (if (local.get $mode)
          (then (return (local.get $b))))
        (local.set $v (call $get (local.get $b)))
        (call $drop (local.get $b))
        (call $new (i32.sub (local.get $v) (i32.const 999)))))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get)) (export "take" (func $take))
                         (export "drop" (func $drop))))))
    (func (export "pass") (param "self" (borrow $r)) (param "mode" u32) (result u32) (canon lift (core func $i "pass")))
    (func (export "bounce") (param "self" (borrow $r)) (param "mode" u32) (result (own $r)) (canon lift (core func $i "bounce"))))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "new" (func $new (param "rep" u32) (result (own $r))))
    (import "get" (func $get (param "self" (borrow $r)) (result u32)))
    (import "pass" (func $pass (param "self" (borrow $r)) (param "mode" u32) (result u32)))
    (import "bounce" (func $bounce (param "self" (borrow $r)) (param "mode" u32) (result (own $r))))
    (core func $new (canon lower (func $new)))
    (core func $get (canon lower (func $get)))
    (core func $pass (canon lower (func $pass)))
    (core func $bounce (canon lower (func $bounce)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "get" (func $get (param i32) (result i32)))
      (import "" "pass" (func $pass (param i32 i32) (result i32)))
      (import "" "bounce" (func $bounce (param i32 i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "new") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "pass") (param i32 i32) (result i32) (call $pass (local.get 0) (local.get 1)))
      ;; get(the bounced handle) + 10000 * the bounced handle, dropping it
      (func (export "bounce") (param i32 i32) (result i32)
        (local $h i32) (local $v i32)
        (local.set $h (call $bounce (local.get 0) (local.get 1)))
        (local.set $v (i32.add (call $get (local.get $h)) (i32.mul (local.get $h) (i32.const 10000))))
        (call $drop (local.get $h))
        (local.get $v)))
    (core instance $i (instantiate $m
      (with "" (instance (export "new" (func $new)) (export "get" (func $get)) (export "pass" (func $pass))
                         (export "bounce" (func $bounce)) (export "drop" (func $drop))))))
    (func (export "new") (param "rep" u32) (result u32) (canon lift (core func $i "new")))
    (func (export "pass") (param "h" u32) (param "mode" u32) (result u32) (canon lift (core func $i "pass")))
    (func (export "bounce") (param "h" u32) (param "mode" u32) (result u32) (canon lift (core func $i "bounce"))))
  (instance $impl (instantiate $impl))
  (instance $mid (instantiate $mid
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))
    (with "take" (func $impl "take"))))
  (instance $user (instantiate $user
    (with "r" (type $impl "r")) (with "new" (func $impl "new")) (with "get" (func $impl "get"))
    (with "pass" (func $mid "pass")) (with "bounce" (func $mid "bounce"))))
  (export "new" (func $user "new"))
  (export "pass" (func $user "pass"))
  (export "bounce" (func $user "bounce")))
;; bounce(1, 0): the new resource lands in $user's slot 2 -> 20000 + 1008
(component instance $c1 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_return (invoke "pass" (u32.const 1) (u32.const 0)) (u32.const 1007))
(assert_return (invoke "bounce" (u32.const 1) (u32.const 0)) (u32.const 21008))
(assert_trap (invoke "pass" (u32.const 1) (u32.const 1)) "cannot lift own resource from a borrow") ;; unfused: cannot lift own resource from a borrow
(component instance $c2 $C)
(assert_return (invoke "new" (u32.const 7)) (u32.const 1))
(assert_trap (invoke "bounce" (u32.const 1) (u32.const 1)) "borrow handles still remain at the end of the call") ;; unfused: borrow handles still remain at the end of the call
