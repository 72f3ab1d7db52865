;; Every resource handle stays in the table of the component instance that
;; holds it, for resources the host defines and for resources the
;; composition defines and exports (both kinds live in the embedder's table
;; too, but a component only ever names its own handles).
;;
;; Two users: $b holds handles, receives owns (`take`) and borrows (`keep`
;; keeps it past the call, `lend-drop` drops it once, `lend-drop-twice`
;; twice), and can drop a handle as `resource2` (`drop2`); $a holds handles
;; and passes them to $b. Handle numbers: wasmtime keeps one table per
;; component instance, numbered from 1, freed slots reused most recently
;; freed first.
;;
;; Segment 1 imports wasmtime-wast's host instance `host` (`resource1`:
;; constructor(rep), a destructor that counts drops and remembers the last
;; rep, `simple` checks a borrow's rep); segment 2 gives the same instance
;; from $impl inside the composition and exports it (`test:res/iso`), so
;; `resource1` and `resource2` are exported resources.
;;
;; Trap messages as in resources_traps.wast: the assertions check the
;; reason both runs name (fused: the runtime's trap function in the
;; backtrace); the `;; unfused:` comments give wasmtime's full message. A
;; component instance that trapped may not be entered again, so each trap
;; gets a fresh instance; the host's drop counter outlives instances
;; (segment 1: still 2 after every trap, so the misuse destroyed nothing),
;; $impl's does not (segment 2: a fresh instance counts 0).
(component definition $C
  (import "host" (instance $host 
        (export "resource1" (type $r (sub resource)))
        (export "resource2" (type $r2 (sub resource)))
        (export "[constructor]resource1" (func (param "r" u32) (result (own $r))))
        (export "[method]resource1.simple" (func (param "self" (borrow $r)) (param "rep" u32)))
        (export "[static]resource1.drops" (func (result u32)))
        (export "[static]resource1.last-drop" (func (result u32)))))
  (component $b
    (import "host" (instance $host 
          (export "resource1" (type $r (sub resource)))
          (export "resource2" (type $r2 (sub resource)))
          (export "[constructor]resource1" (func (param "r" u32) (result (own $r))))
          (export "[method]resource1.simple" (func (param "self" (borrow $r)) (param "rep" u32)))
          (export "[static]resource1.drops" (func (result u32)))
          (export "[static]resource1.last-drop" (func (result u32)))))
    (alias export $host "resource1" (type $r))
    (alias export $host "resource2" (type $r2))
    (core func $ctor (canon lower (func $host "[constructor]resource1")))
    (core func $simple (canon lower (func $host "[method]resource1.simple")))
    (core func $drop (canon resource.drop $r))
    (core func $drop2 (canon resource.drop $r2))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "simple" (func $simple (param i32 i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "drop2" (func $drop2 (param i32)))
      (func (export "make") (param i32) (result i32) (call $ctor (local.get 0)))
      (func (export "simple") (param i32 i32) (call $simple (local.get 0) (local.get 1)))
      (func (export "drop") (param i32) (call $drop (local.get 0)))
      (func (export "drop2") (param i32) (call $drop2 (local.get 0)))
      (func (export "take") (param i32) (result i32) (local.get 0))
      (func (export "keep") (param i32) (result i32) (local.get 0))
      (func (export "lend-drop") (param i32) (result i32) (call $drop (local.get 0)) (local.get 0))
      (func (export "lend-drop-twice") (param i32) (call $drop (local.get 0)) (call $drop (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance
      (export "ctor" (func $ctor)) (export "simple" (func $simple))
      (export "drop" (func $drop)) (export "drop2" (func $drop2))))))
    (func (export "make") (param "rep" u32) (result u32) (canon lift (core func $i "make")))
    (func (export "simple") (param "h" u32) (param "rep" u32) (canon lift (core func $i "simple")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop")))
    (func (export "drop2") (param "h" u32) (canon lift (core func $i "drop2")))
    (func (export "take") (param "r" (own $r)) (result u32) (canon lift (core func $i "take")))
    (func (export "keep") (param "r" (borrow $r)) (result u32) (canon lift (core func $i "keep")))
    (func (export "lend-drop") (param "r" (borrow $r)) (result u32) (canon lift (core func $i "lend-drop")))
    (func (export "lend-drop-twice") (param "r" (borrow $r)) (canon lift (core func $i "lend-drop-twice"))))
  (component $a
    (import "host" (instance $host 
          (export "resource1" (type $r (sub resource)))
          (export "resource2" (type $r2 (sub resource)))
          (export "[constructor]resource1" (func (param "r" u32) (result (own $r))))
          (export "[method]resource1.simple" (func (param "self" (borrow $r)) (param "rep" u32)))
          (export "[static]resource1.drops" (func (result u32)))
          (export "[static]resource1.last-drop" (func (result u32)))))
    (alias export $host "resource1" (type $r))
    (import "take" (func $take (param "r" (own $r)) (result u32)))
    (import "keep" (func $keep (param "r" (borrow $r)) (result u32)))
    (import "lend-drop" (func $lend (param "r" (borrow $r)) (result u32)))
    (import "lend-drop-twice" (func $twice (param "r" (borrow $r))))
    (core func $ctor (canon lower (func $host "[constructor]resource1")))
    (core func $simple (canon lower (func $host "[method]resource1.simple")))
    (core func $drops (canon lower (func $host "[static]resource1.drops")))
    (core func $last (canon lower (func $host "[static]resource1.last-drop")))
    (core func $drop (canon resource.drop $r))
    (core func $take (canon lower (func $take)))
    (core func $keep (canon lower (func $keep)))
    (core func $lend (canon lower (func $lend)))
    (core func $twice (canon lower (func $twice)))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "simple" (func $simple (param i32 i32)))
      (import "" "drops" (func $drops (result i32)))
      (import "" "last" (func $last (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "take" (func $take (param i32) (result i32)))
      (import "" "keep" (func $keep (param i32) (result i32)))
      (import "" "lend" (func $lend (param i32) (result i32)))
      (import "" "twice" (func $twice (param i32)))
      (func (export "make") (param i32) (result i32) (call $ctor (local.get 0)))
      (func (export "simple") (param i32 i32) (call $simple (local.get 0) (local.get 1)))
      (func (export "drop") (param i32) (call $drop (local.get 0)))
      (func (export "drops") (result i32) (call $drops))
      (func (export "last") (result i32) (call $last))
      (func (export "give") (param i32) (result i32) (call $take (local.get 0)))
      (func (export "keep") (param i32) (result i32) (call $keep (local.get 0)))
      (func (export "lend") (param i32) (result i32) (call $lend (local.get 0)))
      (func (export "twice") (param i32) (call $twice (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance
      (export "ctor" (func $ctor)) (export "simple" (func $simple)) (export "drops" (func $drops))
      (export "last" (func $last)) (export "drop" (func $drop)) (export "take" (func $take))
      (export "keep" (func $keep)) (export "lend" (func $lend)) (export "twice" (func $twice))))))
    (func (export "make") (param "rep" u32) (result u32) (canon lift (core func $i "make")))
    (func (export "simple") (param "h" u32) (param "rep" u32) (canon lift (core func $i "simple")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop")))
    (func (export "drops") (result u32) (canon lift (core func $i "drops")))
    (func (export "last-drop") (result u32) (canon lift (core func $i "last")))
    (func (export "give") (param "h" u32) (result u32) (canon lift (core func $i "give")))
    (func (export "keep") (param "h" u32) (result u32) (canon lift (core func $i "keep")))
    (func (export "lend") (param "h" u32) (result u32) (canon lift (core func $i "lend")))
    (func (export "twice") (param "h" u32) (canon lift (core func $i "twice"))))
  (instance $b (instantiate $b (with "host" (instance $host))))
  (instance $a (instantiate $a (with "host" (instance $host))
    (with "take" (func $b "take")) (with "keep" (func $b "keep"))
    (with "lend-drop" (func $b "lend-drop")) (with "lend-drop-twice" (func $b "lend-drop-twice"))))
  (export "a-make" (func $a "make")) (export "a-simple" (func $a "simple")) (export "a-drop" (func $a "drop"))
  (export "a-give" (func $a "give")) (export "a-keep" (func $a "keep")) (export "a-lend" (func $a "lend"))
  (export "a-twice" (func $a "twice"))
  (export "b-make" (func $b "make")) (export "b-simple" (func $b "simple")) (export "b-drop" (func $b "drop"))
  (export "b-drop2" (func $b "drop2"))
  (export "drops" (func $a "drops")) (export "last-drop" (func $a "last-drop")))
(component instance $c1 $C)
;; each instance numbers its own handles from 1
(assert_return (invoke "a-make" (u32.const 10)) (u32.const 1))
(assert_return (invoke "b-make" (u32.const 20)) (u32.const 1))
(assert_return (invoke "a-make" (u32.const 11)) (u32.const 2))
(invoke "a-simple" (u32.const 2) (u32.const 11))
(invoke "a-simple" (u32.const 1) (u32.const 10))
(invoke "b-simple" (u32.const 1) (u32.const 20))
;; a drop reaches the destructor once; the freed slot is reused
(invoke "a-drop" (u32.const 1))
(assert_return (invoke "drops") (u32.const 1))
(assert_return (invoke "last-drop") (u32.const 10))
(assert_return (invoke "a-make" (u32.const 12)) (u32.const 1))
(invoke "a-simple" (u32.const 1) (u32.const 12))
;; own moved from $a to $b: $b's next slot (it holds 1)
(assert_return (invoke "a-give" (u32.const 1)) (u32.const 2))
(invoke "b-simple" (u32.const 2) (u32.const 12))
;; a borrow of $a's handle 2 lent to $b: $b's slot 3, dropped by $b; $a keeps it
(assert_return (invoke "a-lend" (u32.const 2)) (u32.const 3))
(invoke "a-simple" (u32.const 2) (u32.const 11))
(invoke "b-drop" (u32.const 2))
(assert_return (invoke "drops") (u32.const 2))
(assert_return (invoke "last-drop") (u32.const 12))
;; the slot $b freed (2, then 3 freed earlier: most recent first is 2)
(assert_return (invoke "b-make" (u32.const 21)) (u32.const 2))
(invoke "b-simple" (u32.const 2) (u32.const 21))

;; $b drops a handle number only $a holds
(component instance $c2 $C)
(assert_return (invoke "a-make" (u32.const 30)) (u32.const 1))
(assert_trap (invoke "b-drop" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c3 $C)
(assert_return (invoke "drops") (u32.const 2))
;; $b uses a handle number only $a holds
(assert_return (invoke "a-make" (u32.const 31)) (u32.const 1))
(assert_trap (invoke "b-simple" (u32.const 1) (u32.const 31)) "unknown handle index") ;; unfused: unknown handle index 1
;; use after a move
(component instance $c4 $C)
(assert_return (invoke "a-make" (u32.const 32)) (u32.const 1))
(assert_return (invoke "a-give" (u32.const 1)) (u32.const 1))
(assert_trap (invoke "a-simple" (u32.const 1) (u32.const 32)) "unknown handle index") ;; unfused: unknown handle index 1
;; a borrow kept past the call
(component instance $c5 $C)
(assert_return (invoke "a-make" (u32.const 33)) (u32.const 1))
(assert_trap (invoke "a-keep" (u32.const 1)) "borrow handles still remain at the end of the call") ;; unfused: borrow handles still remain at the end of the call
;; a borrow dropped twice: the second drop is of an unknown handle, the
;; lender's own handle is not dropped
(component instance $c6 $C)
(assert_return (invoke "a-make" (u32.const 34)) (u32.const 1))
(assert_trap (invoke "a-twice" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c7 $C)
(assert_return (invoke "drops") (u32.const 2))
;; a handle of the wrong type
(assert_return (invoke "b-make" (u32.const 35)) (u32.const 1))
(assert_trap (invoke "b-drop2" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, ...
(component instance $c8 $C)
(assert_return (invoke "drops") (u32.const 2))

(component definition $C
  (component $impl
    (core module $state
      (global (export "drops") (mut i32) (i32.const 0))
      (global (export "last") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32)
        (global.set 0 (i32.add (global.get 0) (i32.const 1)))
        (global.set 1 (local.get 0))))
    (core instance $s (instantiate $state))
    (type $r (resource (rep i32) (dtor (func $s "dtor"))))
    (type $r2 (resource (rep i32)))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "s" "drops" (global $drops (mut i32)))
      (import "s" "last" (global $last (mut i32)))
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "ctor") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "simple") (param i32 i32) (if (i32.ne (local.get 0) (local.get 1)) (then unreachable)))
      (func (export "drops") (result i32) (global.get $drops))
      (func (export "last") (result i32) (global.get $last)))
    (core instance $i (instantiate $m (with "s" (instance $s)) (with "" (instance (export "new" (func $new))))))
    (export $rx "resource1" (type $r))
    (export $r2x "resource2" (type $r2))
    (func (export "[constructor]resource1") (param "r" u32) (result (own $rx)) (canon lift (core func $i "ctor")))
    (func (export "[method]resource1.simple") (param "self" (borrow $rx)) (param "rep" u32)
      (canon lift (core func $i "simple")))
    (func (export "[static]resource1.drops") (result u32) (canon lift (core func $i "drops")))
    (func (export "[static]resource1.last-drop") (result u32) (canon lift (core func $i "last"))))
  (instance $host (instantiate $impl))
  (component $b
    (import "host" (instance $host 
          (export "resource1" (type $r (sub resource)))
          (export "resource2" (type $r2 (sub resource)))
          (export "[constructor]resource1" (func (param "r" u32) (result (own $r))))
          (export "[method]resource1.simple" (func (param "self" (borrow $r)) (param "rep" u32)))
          (export "[static]resource1.drops" (func (result u32)))
          (export "[static]resource1.last-drop" (func (result u32)))))
    (alias export $host "resource1" (type $r))
    (alias export $host "resource2" (type $r2))
    (core func $ctor (canon lower (func $host "[constructor]resource1")))
    (core func $simple (canon lower (func $host "[method]resource1.simple")))
    (core func $drop (canon resource.drop $r))
    (core func $drop2 (canon resource.drop $r2))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "simple" (func $simple (param i32 i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "drop2" (func $drop2 (param i32)))
      (func (export "make") (param i32) (result i32) (call $ctor (local.get 0)))
      (func (export "simple") (param i32 i32) (call $simple (local.get 0) (local.get 1)))
      (func (export "drop") (param i32) (call $drop (local.get 0)))
      (func (export "drop2") (param i32) (call $drop2 (local.get 0)))
      (func (export "take") (param i32) (result i32) (local.get 0))
      (func (export "keep") (param i32) (result i32) (local.get 0))
      (func (export "lend-drop") (param i32) (result i32) (call $drop (local.get 0)) (local.get 0))
      (func (export "lend-drop-twice") (param i32) (call $drop (local.get 0)) (call $drop (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance
      (export "ctor" (func $ctor)) (export "simple" (func $simple))
      (export "drop" (func $drop)) (export "drop2" (func $drop2))))))
    (func (export "make") (param "rep" u32) (result u32) (canon lift (core func $i "make")))
    (func (export "simple") (param "h" u32) (param "rep" u32) (canon lift (core func $i "simple")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop")))
    (func (export "drop2") (param "h" u32) (canon lift (core func $i "drop2")))
    (func (export "take") (param "r" (own $r)) (result u32) (canon lift (core func $i "take")))
    (func (export "keep") (param "r" (borrow $r)) (result u32) (canon lift (core func $i "keep")))
    (func (export "lend-drop") (param "r" (borrow $r)) (result u32) (canon lift (core func $i "lend-drop")))
    (func (export "lend-drop-twice") (param "r" (borrow $r)) (canon lift (core func $i "lend-drop-twice"))))
  (component $a
    (import "host" (instance $host 
          (export "resource1" (type $r (sub resource)))
          (export "resource2" (type $r2 (sub resource)))
          (export "[constructor]resource1" (func (param "r" u32) (result (own $r))))
          (export "[method]resource1.simple" (func (param "self" (borrow $r)) (param "rep" u32)))
          (export "[static]resource1.drops" (func (result u32)))
          (export "[static]resource1.last-drop" (func (result u32)))))
    (alias export $host "resource1" (type $r))
    (import "take" (func $take (param "r" (own $r)) (result u32)))
    (import "keep" (func $keep (param "r" (borrow $r)) (result u32)))
    (import "lend-drop" (func $lend (param "r" (borrow $r)) (result u32)))
    (import "lend-drop-twice" (func $twice (param "r" (borrow $r))))
    (core func $ctor (canon lower (func $host "[constructor]resource1")))
    (core func $simple (canon lower (func $host "[method]resource1.simple")))
    (core func $drops (canon lower (func $host "[static]resource1.drops")))
    (core func $last (canon lower (func $host "[static]resource1.last-drop")))
    (core func $drop (canon resource.drop $r))
    (core func $take (canon lower (func $take)))
    (core func $keep (canon lower (func $keep)))
    (core func $lend (canon lower (func $lend)))
    (core func $twice (canon lower (func $twice)))
    (core module $m
      (import "" "ctor" (func $ctor (param i32) (result i32)))
      (import "" "simple" (func $simple (param i32 i32)))
      (import "" "drops" (func $drops (result i32)))
      (import "" "last" (func $last (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "take" (func $take (param i32) (result i32)))
      (import "" "keep" (func $keep (param i32) (result i32)))
      (import "" "lend" (func $lend (param i32) (result i32)))
      (import "" "twice" (func $twice (param i32)))
      (func (export "make") (param i32) (result i32) (call $ctor (local.get 0)))
      (func (export "simple") (param i32 i32) (call $simple (local.get 0) (local.get 1)))
      (func (export "drop") (param i32) (call $drop (local.get 0)))
      (func (export "drops") (result i32) (call $drops))
      (func (export "last") (result i32) (call $last))
      (func (export "give") (param i32) (result i32) (call $take (local.get 0)))
      (func (export "keep") (param i32) (result i32) (call $keep (local.get 0)))
      (func (export "lend") (param i32) (result i32) (call $lend (local.get 0)))
      (func (export "twice") (param i32) (call $twice (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance
      (export "ctor" (func $ctor)) (export "simple" (func $simple)) (export "drops" (func $drops))
      (export "last" (func $last)) (export "drop" (func $drop)) (export "take" (func $take))
      (export "keep" (func $keep)) (export "lend" (func $lend)) (export "twice" (func $twice))))))
    (func (export "make") (param "rep" u32) (result u32) (canon lift (core func $i "make")))
    (func (export "simple") (param "h" u32) (param "rep" u32) (canon lift (core func $i "simple")))
    (func (export "drop") (param "h" u32) (canon lift (core func $i "drop")))
    (func (export "drops") (result u32) (canon lift (core func $i "drops")))
    (func (export "last-drop") (result u32) (canon lift (core func $i "last")))
    (func (export "give") (param "h" u32) (result u32) (canon lift (core func $i "give")))
    (func (export "keep") (param "h" u32) (result u32) (canon lift (core func $i "keep")))
    (func (export "lend") (param "h" u32) (result u32) (canon lift (core func $i "lend")))
    (func (export "twice") (param "h" u32) (canon lift (core func $i "twice"))))
  (instance $b (instantiate $b (with "host" (instance $host))))
  (instance $a (instantiate $a (with "host" (instance $host))
    (with "take" (func $b "take")) (with "keep" (func $b "keep"))
    (with "lend-drop" (func $b "lend-drop")) (with "lend-drop-twice" (func $b "lend-drop-twice"))))
  (export "a-make" (func $a "make")) (export "a-simple" (func $a "simple")) (export "a-drop" (func $a "drop"))
  (export "a-give" (func $a "give")) (export "a-keep" (func $a "keep")) (export "a-lend" (func $a "lend"))
  (export "a-twice" (func $a "twice"))
  (export "b-make" (func $b "make")) (export "b-simple" (func $b "simple")) (export "b-drop" (func $b "drop"))
  (export "b-drop2" (func $b "drop2"))
  (export "drops" (func $a "drops")) (export "last-drop" (func $a "last-drop"))
  (export "test:res/iso" (instance $host)))
(component instance $c1 $C)
;; each instance numbers its own handles from 1
(assert_return (invoke "a-make" (u32.const 10)) (u32.const 1))
(assert_return (invoke "b-make" (u32.const 20)) (u32.const 1))
(assert_return (invoke "a-make" (u32.const 11)) (u32.const 2))
(invoke "a-simple" (u32.const 2) (u32.const 11))
(invoke "a-simple" (u32.const 1) (u32.const 10))
(invoke "b-simple" (u32.const 1) (u32.const 20))
;; a drop reaches the destructor once; the freed slot is reused
(invoke "a-drop" (u32.const 1))
(assert_return (invoke "drops") (u32.const 1))
(assert_return (invoke "last-drop") (u32.const 10))
(assert_return (invoke "a-make" (u32.const 12)) (u32.const 1))
(invoke "a-simple" (u32.const 1) (u32.const 12))
;; own moved from $a to $b: $b's next slot (it holds 1)
(assert_return (invoke "a-give" (u32.const 1)) (u32.const 2))
(invoke "b-simple" (u32.const 2) (u32.const 12))
;; a borrow of $a's handle 2 lent to $b: $b's slot 3, dropped by $b; $a keeps it
(assert_return (invoke "a-lend" (u32.const 2)) (u32.const 3))
(invoke "a-simple" (u32.const 2) (u32.const 11))
(invoke "b-drop" (u32.const 2))
(assert_return (invoke "drops") (u32.const 2))
(assert_return (invoke "last-drop") (u32.const 12))
;; the slot $b freed (2, then 3 freed earlier: most recent first is 2)
(assert_return (invoke "b-make" (u32.const 21)) (u32.const 2))
(invoke "b-simple" (u32.const 2) (u32.const 21))

;; $b drops a handle number only $a holds
(component instance $c2 $C)
(assert_return (invoke "a-make" (u32.const 30)) (u32.const 1))
(assert_trap (invoke "b-drop" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c3 $C)
(assert_return (invoke "drops") (u32.const 0))
;; $b uses a handle number only $a holds
(assert_return (invoke "a-make" (u32.const 31)) (u32.const 1))
(assert_trap (invoke "b-simple" (u32.const 1) (u32.const 31)) "unknown handle index") ;; unfused: unknown handle index 1
;; use after a move
(component instance $c4 $C)
(assert_return (invoke "a-make" (u32.const 32)) (u32.const 1))
(assert_return (invoke "a-give" (u32.const 1)) (u32.const 1))
(assert_trap (invoke "a-simple" (u32.const 1) (u32.const 32)) "unknown handle index") ;; unfused: unknown handle index 1
;; a borrow kept past the call
(component instance $c5 $C)
(assert_return (invoke "a-make" (u32.const 33)) (u32.const 1))
(assert_trap (invoke "a-keep" (u32.const 1)) "borrow handles still remain at the end of the call") ;; unfused: borrow handles still remain at the end of the call
;; a borrow dropped twice: the second drop is of an unknown handle, the
;; lender's own handle is not dropped
(component instance $c6 $C)
(assert_return (invoke "a-make" (u32.const 34)) (u32.const 1))
(assert_trap (invoke "a-twice" (u32.const 1)) "unknown handle index") ;; unfused: unknown handle index 1
(component instance $c7 $C)
(assert_return (invoke "drops") (u32.const 0))
;; a handle of the wrong type
(assert_return (invoke "b-make" (u32.const 35)) (u32.const 1))
(assert_trap (invoke "b-drop2" (u32.const 1)) "used with the wrong type") ;; unfused: handle index 1 used with the wrong type, ...
(component instance $c8 $C)
(assert_return (invoke "drops") (u32.const 0))

