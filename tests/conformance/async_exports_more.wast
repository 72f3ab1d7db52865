;; Async exports lifted to the host: `canon lift ... async (callback ...)`
;; exports of compositions, invoked directly by the host. Callback codes:
;; EXIT 0, YIELD 1, WAIT 2 | set << 4. Events: NONE 0, SUBTASK 1,
;; TASK_CANCELLED 6. Subtask states: STARTING 0, STARTED 1, RETURNED 2,
;; CANCELLED_BEFORE_STARTED 3, CANCELLED_BEFORE_RETURNED 4; an async-lowered
;; call returns state | handle << 4. Handles (subtasks, waitable sets) share
;; one table per component instance, numbered from 1 in creation order.
;; Callee component $Y (used by many segments): f(n) YIELDs n times (its
;; callback count and n kept in context slot 0) and then task.returns
;; 100 + n; f(0) task.returns 100 at once.

;; Async export that calls task.return at once and returns EXIT (0):
;; the callback is never called (it is `unreachable`). run = 42
(component definition $Imm
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (call $ret (i32.const 42)) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $imm1 $Imm)
(assert_return (invoke "run") (u32.const 42))

;; Async export that returns YIELD (1) and YIELDs from its callback until
;; the 4th callback call, then task.returns. Each YIELD resumes the callback
;; with event NONE (0, 0, 0); the callback sums e * 100 + p1 * 10 + p2.
;;   run = calls 4 * 1000 + event sum 0 = 4000
(component definition $YieldN
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (global $calls (mut i32) (i32.const 0))
      (global $sum (mut i32) (i32.const 0))
      (func (export "run") (result i32) (i32.const 1))
      (func (export "cb") (param $e i32) (param $a i32) (param $b i32) (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (global.set $sum (i32.add (global.get $sum) (i32.add (i32.mul (local.get $e) (i32.const 100))
          (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))))
        (if (i32.lt_u (global.get $calls) (i32.const 4)) (then (return (i32.const 1))))
        (call $ret (i32.add (i32.mul (global.get $calls) (i32.const 1000)) (global.get $sum)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $yieldn1 $YieldN)
(assert_return (invoke "run") (u32.const 4000))

;; task.return, then YIELD, then EXIT from the callback: the host gets the
;; value at task.return; the task still runs its callback afterwards. Each run
;; returns (callback calls seen so far) * 10 + 7. wasmtime's invoke comes back
;; at task.return, and a later run that never blocks gives the event loop no
;; turn, so the earlier tasks' trailing callbacks have not run yet: every run
;; sees 0 (compare RetYieldLater).
;;   runs = 7, 7, 7
(component definition $RetYield
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (global $cbs (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (call $ret (i32.add (i32.mul (global.get $cbs) (i32.const 10)) (i32.const 7)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (global.set $cbs (i32.add (global.get $cbs) (i32.const 1)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $retyield1 $RetYield)
(assert_return (invoke "run") (u32.const 7))
(assert_return (invoke "run") (u32.const 7))
(assert_return (invoke "run") (u32.const 7))

;; Async export run async-calls (canon lower async) f(3) of a second
;; component, a callback lift that YIELDs 3 times and then returns 100 + 3.
;; The call gives STARTED (1) | handle 1 << 4 = 17; run joins the subtask to a
;; new set (2) and returns WAIT on it. Its callback gets SUBTASK (1) with
;; payload (handle 1, RETURNED 2), drops the subtask and returns
;;   status 17 * 1000000 + event 1 * 100000 + handle 1 * 10000 + state 2 * 1000
;;   + result 103 = 17112103
(component definition $WaitSub
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $st (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $set i32)
        (global.set $st (call $f (i32.const 3) (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (global.get $st) (i32.const 4)) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.mul (local.get $e) (i32.const 100000)))
          (i32.add (i32.add (i32.mul (local.get $h) (i32.const 10000)) (i32.mul (local.get $p) (i32.const 1000)))
            (i32.load (i32.const 16)))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $waitsub1 $WaitSub)
(assert_return (invoke "run") (u32.const 17112103))

;; As WaitSub, but the callee's yield count comes from run's own param
;; (7 yields): f(7) returns 107.
;;   run(7) = 17 * 1000000 + 1 * 100000 + 1 * 10000 + 2 * 1000 + 107 = 17112107
(component definition $WaitSubParam
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $st (mut i32) (i32.const 0))
      (func (export "run") (param $n i32) (result i32)
        (local $set i32)
        (global.set $st (call $f (local.get $n) (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (global.get $st) (i32.const 4)) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.mul (local.get $e) (i32.const 100000)))
          (i32.add (i32.add (i32.mul (local.get $h) (i32.const 10000)) (i32.mul (local.get $p) (i32.const 1000)))
            (i32.load (i32.const 16)))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (param "n" u32) (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $waitsubparam1 $WaitSubParam)
(assert_return (invoke "run" (u32.const 7)) (u32.const 17112107))

;; An async call whose callee (f(0)) task.returns before it would block:
;; the call gives RETURNED (2) with no handle, and the result is already at 16.
;;   run = status 2 * 1000 + 100 = 2100
(component definition $AsyncLowerDone
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32)
        (local $s i32)
        (local.set $s (call $f (i32.const 0) (i32.const 16)))
        (call $ret (i32.add (i32.mul (local.get $s) (i32.const 1000)) (i32.load (i32.const 16))))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $asynclowerdone1 $AsyncLowerDone)
(assert_return (invoke "run") (u32.const 2100))

;; An async call runs the callee's core function at once, up to its first
;; YIELD (CanonicalABI canon_lift: the new thread is resumed synchronously):
;; X.mark sets a global flag and YIELDs (then task.returns 5 from its callback);
;; right after the async call run reads the flag with the sync X.flag, then
;; WAITs for mark's result.
;;   run = status 17 * 1000 + flag 1 * 100 + result 5 = 17105
(component definition $EagerStart
  (component $X
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (global $flag (mut i32) (i32.const 0))
      (func (export "mark") (result i32) (global.set $flag (i32.const 1)) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $ret (i32.const 5)) (i32.const 0))
      (func (export "flag") (result i32) (global.get $flag)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "mark") async (result u32) (canon lift (core func $i "mark") async (callback (func $i "cb"))))
    (func (export "flag") (result u32) (canon lift (core func $i "flag"))))
  (instance $x (instantiate $X))
  (component $D
    (import "mark" (func $mark async (result u32)))
    (import "flag" (func $flag (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $mark (canon lower (func $mark) async (memory $mm "mem")))
    (core func $flag (canon lower (func $flag)))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "mark" (func $mark (param i32) (result i32)))
      (import "" "flag" (func $flag (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $v (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $st i32) (local $set i32)
        (local.set $st (call $mark (i32.const 16)))
        (global.set $v (i32.add (i32.mul (local.get $st) (i32.const 1000)) (i32.mul (call $flag) (i32.const 100))))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.tee $set (call $wsnew)))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (global.get $v) (i32.load (i32.const 16))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "mark" (func $mark)) (export "flag" (func $flag)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "mark" (func $x "mark")) (with "flag" (func $x "flag"))))
  (export "run" (func $d "run")))
(component instance $eagerstart1 $EagerStart)
(assert_return (invoke "run") (u32.const 17105))

;; As EagerStart, but X.mark first async-calls Y.f(2) (a callee that YIELDs)
;; and only then sets the flag and YIELDs; the nested call must not hand
;; control back to run before mark itself returns YIELD (Y.f's YIELD only
;; ends the nested call, with STARTED). mark task.returns 5 at its first
;; callback (the nested subtask is left undropped).
;;   run = 17 * 1000 + flag 1 * 100 + 5 = 17105
;; wasmtime 48 returns to run (with STARTED 17) as soon as the nested Y.f
;; blocks, before mark sets the flag: 17000 + 0 + 5 = 17005.
;; wasmtime-48: differs as written (48 gives 17005: flag not yet set)
(component definition $EagerStartNested
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $X
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (global $flag (mut i32) (i32.const 0))
      (func (export "mark") (result i32)
        (drop (call $f (i32.const 2) (i32.const 16)))
        (global.set $flag (i32.const 1)) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $ret (i32.const 5)) (i32.const 0))
      (func (export "flag") (result i32) (global.get $flag)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret))))))
    (func (export "mark") async (result u32) (canon lift (core func $i "mark") async (callback (func $i "cb"))))
    (func (export "flag") (result u32) (canon lift (core func $i "flag"))))
  (instance $x (instantiate $X (with "f" (func $y "f"))))
  (component $D
    (import "mark" (func $mark async (result u32)))
    (import "flag" (func $flag (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $mark (canon lower (func $mark) async (memory $mm "mem")))
    (core func $flag (canon lower (func $flag)))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "mark" (func $mark (param i32) (result i32)))
      (import "" "flag" (func $flag (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $v (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $st i32) (local $set i32)
        (local.set $st (call $mark (i32.const 16)))
        (global.set $v (i32.add (i32.mul (local.get $st) (i32.const 1000)) (i32.mul (call $flag) (i32.const 100))))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.tee $set (call $wsnew)))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (global.get $v) (i32.load (i32.const 16))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "mark" (func $mark)) (export "flag" (func $flag)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "mark" (func $x "mark")) (with "flag" (func $x "flag"))))
  (export "run" (func $d "run")))
(component instance $eagerstartnested1 $EagerStartNested)
(assert_return (invoke "run") (u32.const 17105))

;; Chain of three: run -> B.g -> Y.f(2). Y yields twice and returns 102;
;; B (callback WAIT on its subtask) returns RETURNED 2 * 1000 + 102 = 2102;
;; run waits for B the same way and returns
;;   event 1 * 100000 + state 2 * 10000 + 2102 = 122102
(component definition $Chain3
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $B
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (func (export "g") (result i32)
        (local $st i32) (local $set i32)
        (local.set $st (call $f (i32.const 2) (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.mul (local.get $p) (i32.const 1000)) (i32.load (i32.const 16))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "g") async (result u32) (canon lift (core func $i "g") async (callback (func $i "cb")))))
  (instance $b (instantiate $B (with "f" (func $y "f"))))
  (component $D
    (import "g" (func $g async (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $g (canon lower (func $g) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "g" (func $g (param i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (func (export "run") (result i32)
        (local $st i32) (local $set i32)
        (local.set $st (call $g (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (local.get $e) (i32.const 100000)) (i32.mul (local.get $p) (i32.const 10000)))
          (i32.load (i32.const 16))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "g" (func $g)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "g" (func $b "g"))))
  (export "run" (func $d "run")))
(component instance $chain31 $Chain3)
(assert_return (invoke "run") (u32.const 122102))

;; Event order, two subtasks in one set: run makes a set (1), then async-
;; calls f(3) (subtask 2, result at 16) and f(1) (subtask 3, result at 20) in
;; the same instance of Y (its per-task counts live in context slot 0) and
;; WAITs. Each SUBTASK event appends handle * 10 + (result - 100) to a base-100
;; accumulator; f(1) (one yield) resolves first.
;;   run = 31 * 100 + 23 = 3123
(component definition $Order2
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $set (mut i32) (i32.const 0))
      (global $acc (mut i32) (i32.const 0))
      (global $left (mut i32) (i32.const 2))
      (func (export "run") (result i32)
        (local $s i32)
        (global.set $set (call $wsnew))
        (local.set $s (call $f (i32.const 3) (i32.const 16)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (local.set $s (call $f (i32.const 1) (i32.const 20)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 100))
          (i32.add (i32.mul (local.get $h) (i32.const 10))
            (i32.sub (i32.load (i32.add (i32.const 8) (i32.shl (local.get $h) (i32.const 2)))) (i32.const 100)))))
        (call $sdrop (local.get $h))
        (global.set $left (i32.sub (global.get $left) (i32.const 1)))
        (if (global.get $left) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
        (call $ret (global.get $acc))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $order21 $Order2)
(assert_return (invoke "run") (u32.const 3123))

;; Event order, three subtasks in one set: f(5) (handle 2), f(1) (handle 3),
;; f(3) (handle 4), same encoding as Order2; they resolve in yield-count order.
;;   run = 31 * 10000 + 43 * 100 + 25 = 314325
(component definition $Order3
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $set (mut i32) (i32.const 0))
      (global $acc (mut i32) (i32.const 0))
      (global $left (mut i32) (i32.const 3))
      (func (export "run") (result i32)
        (local $s i32)
        (global.set $set (call $wsnew))
        (local.set $s (call $f (i32.const 5) (i32.const 16)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (local.set $s (call $f (i32.const 1) (i32.const 20)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (local.set $s (call $f (i32.const 3) (i32.const 24)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 100))
          (i32.add (i32.mul (local.get $h) (i32.const 10))
            (i32.sub (i32.load (i32.add (i32.const 8) (i32.shl (local.get $h) (i32.const 2)))) (i32.const 100)))))
        (call $sdrop (local.get $h))
        (global.set $left (i32.sub (global.get $left) (i32.const 1)))
        (if (global.get $left) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
        (call $ret (global.get $acc))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $order31 $Order3)
(assert_return (invoke "run") (u32.const 314325))

;; Event order with the three callees in three separate instances of Y:
;; f(2) (handle 2), f(4) (handle 3), f(6) (handle 4). They resolve in
;; yield-count order: 22, 34, 46.
;;   run = 22 * 10000 + 34 * 100 + 46 = 223446
(component definition $Order3Inst
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y1 (instantiate $Y))
  (instance $y2 (instantiate $Y))
  (instance $y3 (instantiate $Y))
  (component $D
    (import "f1" (func $f1 async (param "n" u32) (result u32)))
    (import "f2" (func $f2 async (param "n" u32) (result u32)))
    (import "f3" (func $f3 async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f1 (canon lower (func $f1) async (memory $mm "mem")))
    (core func $f2 (canon lower (func $f2) async (memory $mm "mem")))
    (core func $f3 (canon lower (func $f3) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f1" (func $f1 (param i32 i32) (result i32)))
      (import "" "f2" (func $f2 (param i32 i32) (result i32)))
      (import "" "f3" (func $f3 (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $set (mut i32) (i32.const 0))
      (global $acc (mut i32) (i32.const 0))
      (global $left (mut i32) (i32.const 3))
      (func (export "run") (result i32)
        (local $s i32)
        (global.set $set (call $wsnew))
        (local.set $s (call $f1 (i32.const 2) (i32.const 16)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (local.set $s (call $f2 (i32.const 4) (i32.const 20)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (local.set $s (call $f3 (i32.const 6) (i32.const 24)))
        (call $join (i32.shr_u (local.get $s) (i32.const 4)) (global.get $set))
        (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 100))
          (i32.add (i32.mul (local.get $h) (i32.const 10))
            (i32.sub (i32.load (i32.add (i32.const 8) (i32.shl (local.get $h) (i32.const 2)))) (i32.const 100)))))
        (call $sdrop (local.get $h))
        (global.set $left (i32.sub (global.get $left) (i32.const 1)))
        (if (global.get $left) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
        (call $ret (global.get $acc))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f1" (func $f1)) (export "f2" (func $f2)) (export "f3" (func $f3)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f1" (func $y1 "f")) (with "f2" (func $y2 "f")) (with "f3" (func $y3 "f"))))
  (export "run" (func $d "run")))
(component instance $order3inst1 $Order3Inst)
(assert_return (invoke "run") (u32.const 223446))

;; waitable-set.poll in the callback: run async-calls f(2) (subtask 1), joins
;; it to set 2 and returns YIELD; each callback polls the set and YIELDs again
;; while the poll gives NONE (0). When the poll gives SUBTASK (1) it writes
;; (handle 1, RETURNED 2) at 32.
;; Y's first callback (YIELD) runs before run's first poll (NONE), its second
;; (task.return) before the second poll.
;;   run = NONE polls 1 * 100000 + 1 * 10000 + 1 * 1000 + 2 * 100 + 2 = 111202
(component definition $PollCb
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $poll (canon waitable-set.poll (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "poll" (func $poll (param i32 i32) (result i32)))
      (global $set (mut i32) (i32.const 0))
      (global $nones (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $st i32)
        (local.set $st (call $f (i32.const 2) (i32.const 16)))
        (global.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (global.get $set))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $e i32)
        (local.set $e (call $poll (global.get $set) (i32.const 32)))
        (if (i32.eqz (local.get $e)) (then
          (global.set $nones (i32.add (global.get $nones) (i32.const 1)))
          (return (i32.const 1))))
        (call $sdrop (i32.load (i32.const 32)))
        (call $ret (i32.add (i32.add (i32.mul (global.get $nones) (i32.const 100000)) (i32.mul (local.get $e) (i32.const 10000)))
          (i32.add (i32.add (i32.mul (i32.load (i32.const 32)) (i32.const 1000)) (i32.mul (i32.load (i32.const 36)) (i32.const 100)))
            (i32.sub (i32.load (i32.const 16)) (i32.const 100)))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "poll" (func $poll))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $pollcb1 $PollCb)
(assert_return (invoke "run") (u32.const 111202))

;; waitable-set.wait called from the async export's own core code (a
;; blocking built-in call, not the callback's WAIT): run async-calls f(2)
;; (subtask 1), joins it to set 2, waits, drops the subtask, task.returns and
;; EXITs.
;;   run = event 1 * 100000 + handle 1 * 10000 + RETURNED 2 * 1000 + 102 = 112102
(component definition $CoreWait
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $wait (canon waitable-set.wait (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "wait" (func $wait (param i32 i32) (result i32)))
      (func (export "run") (result i32)
        (local $st i32) (local $set i32) (local $e i32)
        (local.set $st (call $f (i32.const 2) (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
        (local.set $e (call $wait (local.get $set) (i32.const 32)))
        (call $sdrop (i32.load (i32.const 32)))
        (call $ret (i32.add (i32.add (i32.mul (local.get $e) (i32.const 100000)) (i32.mul (i32.load (i32.const 32)) (i32.const 10000)))
          (i32.add (i32.mul (i32.load (i32.const 36)) (i32.const 1000)) (i32.load (i32.const 16)))))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "wait" (func $wait))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $corewait1 $CoreWait)
(assert_return (invoke "run") (u32.const 112102))

;; thread.yield called from the async export's own core code: run async-calls
;; f(3) and calls thread.yield (each returns 0, not cancelled) until the
;; result appears at 16, then polls the joined set for the SUBTASK event (1),
;; drops the subtask and returns
;;   yields * 10000 + sum of yield results * 1000 + poll event * 100 + (103 - 100)
;; Each thread.yield lets Y run one callback, so 3 yields:
;;   run = 3 * 10000 + 0 + 1 * 100 + 3 = 30103
(component definition $CoreYield
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $poll (canon waitable-set.poll (memory $mm "mem")))
    (core func $yield (canon thread.yield))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "poll" (func $poll (param i32 i32) (result i32)))
      (import "" "yield" (func $yield (result i32)))
      (func (export "run") (result i32)
        (local $st i32) (local $set i32) (local $n i32) (local $sum i32) (local $e i32)
        (local.set $st (call $f (i32.const 3) (i32.const 16)))
        (block $done (loop $l
          (br_if $done (i32.load (i32.const 16)))
          (local.set $sum (i32.add (local.get $sum) (call $yield)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $done (i32.ge_u (local.get $n) (i32.const 50)))
          (br $l)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
        (local.set $e (call $poll (local.get $set) (i32.const 32)))
        (call $sdrop (i32.shr_u (local.get $st) (i32.const 4)))
        (call $ret (i32.add (i32.add (i32.mul (local.get $n) (i32.const 10000)) (i32.mul (local.get $sum) (i32.const 1000)))
          (i32.add (i32.mul (local.get $e) (i32.const 100)) (i32.sub (i32.load (i32.const 16)) (i32.const 100)))))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "poll" (func $poll)) (export "yield" (func $yield))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $coreyield1 $CoreYield)
(assert_return (invoke "run") (u32.const 30103))

;; context.get/context.set slot 0 across callback calls of one task and
;; fresh for the next task (slot 1 needs the threading feature: wasmtime
;; rejects `context.get i32 1` with "immediate must be zero" under these
;; flags). run reads slot 0 (first), sets it to 7 and YIELDs; each of two
;; callbacks sets it to slot * 10 + 1, then task.return
;;   invocation * 100000 + first * 10000 + slot 711
;;   first run = 100711, second run = 200711 (slot 0 is 0 again)
(component definition $Context
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (global $inv (mut i32) (i32.const 0))
      (global $first (mut i32) (i32.const 0))
      (global $cbs (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (global.set $inv (i32.add (global.get $inv) (i32.const 1)))
        (global.set $cbs (i32.const 0))
        (global.set $first (call $get0))
        (call $set0 (i32.const 7))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (call $set0 (i32.add (i32.mul (call $get0) (i32.const 10)) (i32.const 1)))
        (global.set $cbs (i32.add (global.get $cbs) (i32.const 1)))
        (if (i32.lt_u (global.get $cbs) (i32.const 2)) (then (return (i32.const 1))))
        (call $ret (i32.add (i32.add (i32.mul (global.get $inv) (i32.const 100000)) (i32.mul (global.get $first) (i32.const 10000)))
          (call $get0)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $context1 $Context)
(assert_return (invoke "run") (u32.const 100711))
(assert_return (invoke "run") (u32.const 200711))

;; Context slot 0 is per task even for concurrent tasks of one instance: C.h(x)
;; stores x in slot 0, YIELDs twice and returns slot 0 + its callback count.
;; run calls h(10) and h(20) async (handles 1, 3; the set is 2), waits for
;; both in core code with waitable-set.wait and sums the results 12 + 22.
;;   run = 34
(component definition $ContextConcurrent
  (component $C
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "h") (param $x i32) (result i32)
        (call $set0 (i32.shl (local.get $x) (i32.const 8))) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (call $set0 (i32.add (call $get0) (i32.const 1)))
        (if (i32.lt_u (i32.and (call $get0) (i32.const 255)) (i32.const 2)) (then (return (i32.const 1))))
        (call $ret (i32.add (i32.shr_u (call $get0) (i32.const 8)) (i32.and (call $get0) (i32.const 255))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "h") async (param "x" u32) (result u32) (canon lift (core func $i "h") async (callback (func $i "cb")))))
  (instance $c (instantiate $C))
  (component $D
    (import "h" (func $h async (param "x" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $h (canon lower (func $h) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $wait (canon waitable-set.wait (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "h" (func $h (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "wait" (func $wait (param i32 i32) (result i32)))
      (func (export "run") (result i32)
        (local $set i32)
        (call $join (i32.shr_u (call $h (i32.const 10) (i32.const 16)) (i32.const 4)) (local.tee $set (call $wsnew)))
        (call $join (i32.shr_u (call $h (i32.const 20) (i32.const 20)) (i32.const 4)) (local.get $set))
        (drop (call $wait (local.get $set) (i32.const 32)))
        (call $sdrop (i32.load (i32.const 32)))
        (drop (call $wait (local.get $set) (i32.const 32)))
        (call $sdrop (i32.load (i32.const 32)))
        (call $ret (i32.add (i32.load (i32.const 16)) (i32.load (i32.const 20))))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "h" (func $h)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "wait" (func $wait))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "h" (func $c "h"))))
  (export "run" (func $d "run")))
(component instance $contextconcurrent1 $ContextConcurrent)
(assert_return (invoke "run") (u32.const 34))

;; As RetYield, but each task first YIELDs, task.returns from its first
;; callback ((post-return callbacks seen) * 10 + 7) and YIELDs again; its second
;; callback counts itself and EXITs. Phase is kept in context slot 0. The
;; previous task's trailing callback runs during the next run's YIELD, before
;; its first callback. runs = 0 * 10 + 7, 1 * 10 + 7, 2 * 10 + 7 = 7, 17, 27
(component definition $RetYieldLater
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (global $post (mut i32) (i32.const 0))
      (func (export "run") (result i32) (call $set0 (i32.const 1)) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (if (i32.eq (call $get0) (i32.const 1)) (then
          (call $ret (i32.add (i32.mul (global.get $post) (i32.const 10)) (i32.const 7)))
          (call $set0 (i32.const 2))
          (return (i32.const 1))))
        (global.set $post (i32.add (global.get $post) (i32.const 1)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $retyieldlater1 $RetYieldLater)
(assert_return (invoke "run") (u32.const 7))
(assert_return (invoke "run") (u32.const 17))
(assert_return (invoke "run") (u32.const 27))

;; Result through memory: `(result string)` via
;; `canon task.return (result string) (memory ...)` (the lift needs a
;; (memory ...) option too, else validation fails: "`memory` is required"),
;; called from the callback after one YIELD with ("hello" at 100, 5). run = "hello"
(component definition $ResultString
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $retstr (canon task.return (result string) (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "retstr" (func $retstr (param i32 i32)))
      (data (memory 0) (i32.const 100) "hello")
      (func (export "run") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $retstr (i32.const 100) (i32.const 5)) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "retstr" (func $retstr))))))
    (func (export "run") async (result string) (canon lift (core func $i "run") async (callback (func $i "cb")) (memory $mm "mem"))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $resultstring1 $ResultString)
(assert_return (invoke "run") (str.const "hello"))

;; Result through memory: `(result (list u32))` via task.return with
;; (memory ...), straight from run: (ptr 200, length 3) holding 1, 20, 300.
(component definition $ResultList
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $retlist (canon task.return (result (list u32)) (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "retlist" (func $retlist (param i32 i32)))
      (data (memory 0) (i32.const 200) "\01\00\00\00\14\00\00\00\2c\01\00\00")
      (func (export "run") (result i32) (call $retlist (i32.const 200) (i32.const 3)) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "retlist" (func $retlist))))))
    (func (export "run") async (result (list u32)) (canon lift (core func $i "run") async (callback (func $i "cb")) (memory $mm "mem"))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $resultlist1 $ResultList)
(assert_return (invoke "run") (list.const (u32.const 1) (u32.const 20) (u32.const 300)))

;; Param string through realloc: run(s: string) is lifted with (memory ...)
;; (realloc ...); the host's string is copied to realloc'd memory and run gets
;; (ptr, len). run keeps them, YIELDs once, and returns
;;   len * 1000 + first byte + last byte: run("hello") = 5000 + 104 + 111 = 5215
(component definition $ParamString
  (component $D
    (core module $mm (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $r) (local.get 3)))
      (local.get $r)))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (global $p (mut i32) (i32.const 0))
      (global $n (mut i32) (i32.const 0))
      (func (export "run") (param i32 i32) (result i32) (global.set $p (local.get 0)) (global.set $n (local.get 1)) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (call $ret (i32.add (i32.mul (global.get $n) (i32.const 1000))
          (i32.add (i32.load8_u (global.get $p)) (i32.load8_u (i32.sub (i32.add (global.get $p) (global.get $n)) (i32.const 1))))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (param "s" string) (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")) (memory $mm "mem") (realloc (func $mm "realloc")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $paramstring1 $ParamString)
(assert_return (invoke "run" (str.const "hello")) (u32.const 5215))

;; String param and string result through two components: run(s) async-calls
;; C.rev(s) (lowered with memory and realloc: the result string is allocated
;; in run's memory, (ptr, len) written at 16); C YIELDs once, reverses the
;; string and task.returns it; run WAITs for the subtask and task.returns it.
;;   run("abcde") = "edcba"
(component definition $StringThrough
  (component $C
    (core module $mm (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $r) (local.get 3)))
      (local.get $r)))
    (core instance $mm (instantiate $mm))
    (core func $retstr (canon task.return (result string) (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "retstr" (func $retstr (param i32 i32)))
      (global $p (mut i32) (i32.const 0))
      (global $n (mut i32) (i32.const 0))
      (func (export "rev") (param i32 i32) (result i32) (global.set $p (local.get 0)) (global.set $n (local.get 1)) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $i i32)
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $i) (global.get $n)))
          (i32.store8 (i32.add (i32.const 4000) (local.get $i))
            (i32.load8_u (i32.sub (i32.add (global.get $p) (global.get $n)) (i32.add (local.get $i) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (call $retstr (i32.const 4000) (global.get $n))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "retstr" (func $retstr))))))
    (func (export "rev") async (param "s" string) (result string) (canon lift (core func $i "rev") async (callback (func $i "cb")) (memory $mm "mem") (realloc (func $mm "realloc")))))
  (instance $c (instantiate $C))
  (component $D
    (import "rev" (func $rev async (param "s" string) (result string)))
    (core module $mm (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $r) (local.get 3)))
      (local.get $r)))
    (core instance $mm (instantiate $mm))
    (core func $rev (canon lower (func $rev) async (memory $mm "mem") (realloc (func $mm "realloc"))))
    (core func $retstr (canon task.return (result string) (memory $mm "mem")))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "rev" (func $rev (param i32 i32 i32) (result i32)))
      (import "" "retstr" (func $retstr (param i32 i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (func (export "run") (param i32 i32) (result i32)
        (local $st i32) (local $set i32)
        (local.set $st (call $rev (local.get 0) (local.get 1) (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $retstr (i32.load (i32.const 16)) (i32.load (i32.const 20)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "rev" (func $rev)) (export "retstr" (func $retstr)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (param "s" string) (result string) (canon lift (core func $i "run") async (callback (func $i "cb")) (memory $mm "mem") (realloc (func $mm "realloc")))))
  (instance $d (instantiate $D (with "rev" (func $c "rev"))))
  (export "run" (func $d "run")))
(component instance $stringthrough1 $StringThrough)
(assert_return (invoke "run" (str.const "abcde")) (str.const "edcba"))

;; Backpressure: Y.bpon (sync) does backpressure.inc, so run's async call of
;; f(1) does not start: STARTING (0) | handle 1 << 4 = 16. run joins it to set
;; 2 and YIELDs; the callback polls the set (NONE, 0: still not started),
;; calls Y.bpoff (backpressure.dec) and WAITs; SUBTASK events then arrive with
;; states STARTED (1) and RETURNED (2), appended as digits.
;;   run = 16 * 100000 + poll 0 * 10000 + states 12 * 10 + (101 - 100) = 1600121
(component definition $Backpressure
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core func $bpinc (canon backpressure.inc))
    (core func $bpdec (canon backpressure.dec))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (import "" "bpinc" (func $bpinc))
      (import "" "bpdec" (func $bpdec))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0))
      
      (func (export "bpon") (call $bpinc))
      (func (export "bpoff") (call $bpdec)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0)) (export "bpinc" (func $bpinc)) (export "bpdec" (func $bpdec))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb"))))
    (func (export "bpon") (canon lift (core func $i "bpon")))
    (func (export "bpoff") (canon lift (core func $i "bpoff"))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (import "bpon" (func $bpon ))
    (import "bpoff" (func $bpoff ))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $bpon (canon lower (func $bpon)))
    (core func $bpoff (canon lower (func $bpoff)))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $poll (canon waitable-set.poll (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "bpon" (func $bpon ))
      (import "" "bpoff" (func $bpoff ))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "poll" (func $poll (param i32 i32) (result i32)))
      (global $st (mut i32) (i32.const 0))
      (global $set (mut i32) (i32.const 0))
      (global $poll (mut i32) (i32.const -1))
      (global $acc (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (call $bpon)
        (global.set $st (call $f (i32.const 1) (i32.const 16)))
        (global.set $set (call $wsnew))
        (call $join (i32.shr_u (global.get $st) (i32.const 4)) (global.get $set))
        (i32.const 1))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (if (i32.lt_s (global.get $poll) (i32.const 0)) (then
          (global.set $poll (call $poll (global.get $set) (i32.const 32)))
          (call $bpoff)
          (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
        (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 10)) (local.get $p)))
        (if (i32.ne (local.get $p) (i32.const 2)) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 100000)) (i32.mul (global.get $poll) (i32.const 10000)))
          (i32.add (i32.mul (global.get $acc) (i32.const 10)) (i32.sub (i32.load (i32.const 16)) (i32.const 100)))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "bpon" (func $bpon)) (export "bpoff" (func $bpoff)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "poll" (func $poll))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f")) (with "bpon" (func $y "bpon")) (with "bpoff" (func $y "bpoff"))))
  (export "run" (func $d "run")))
(component instance $backpressure1 $Backpressure)
(assert_return (invoke "run") (u32.const 1600121))

;; subtask.cancel (async) of a STARTING subtask (Y under backpressure): it
;; never starts and resolves at once as CANCELLED_BEFORE_STARTED (3), so it can
;; be dropped; then backpressure is released.
;;   run = status 16 * 100 + cancel 3 = 1603
(component definition $CancelStarting
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core func $bpinc (canon backpressure.inc))
    (core func $bpdec (canon backpressure.dec))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (import "" "bpinc" (func $bpinc))
      (import "" "bpdec" (func $bpdec))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0))
      
      (func (export "bpon") (call $bpinc))
      (func (export "bpoff") (call $bpdec)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0)) (export "bpinc" (func $bpinc)) (export "bpdec" (func $bpdec))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb"))))
    (func (export "bpon") (canon lift (core func $i "bpon")))
    (func (export "bpoff") (canon lift (core func $i "bpoff"))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (import "bpon" (func $bpon ))
    (import "bpoff" (func $bpoff ))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $bpon (canon lower (func $bpon)))
    (core func $bpoff (canon lower (func $bpoff)))
    (core func $ret (canon task.return (result u32)))
    (core func $sdrop (canon subtask.drop))
    (core func $cancel (canon subtask.cancel async))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "bpon" (func $bpon ))
      (import "" "bpoff" (func $bpoff ))
      (import "" "ret" (func $ret (param i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "cancel" (func $cancel (param i32) (result i32)))
      (func (export "run") (result i32)
        (local $st i32) (local $c i32)
        (call $bpon)
        (local.set $st (call $f (i32.const 1) (i32.const 16)))
        (local.set $c (call $cancel (i32.shr_u (local.get $st) (i32.const 4))))
        (call $sdrop (i32.shr_u (local.get $st) (i32.const 4)))
        (call $bpoff)
        (call $ret (i32.add (i32.mul (local.get $st) (i32.const 100)) (local.get $c)))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "bpon" (func $bpon)) (export "bpoff" (func $bpoff)) (export "ret" (func $ret)) (export "sdrop" (func $sdrop)) (export "cancel" (func $cancel))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f")) (with "bpon" (func $y "bpon")) (with "bpoff" (func $y "bpoff"))))
  (export "run" (func $d "run")))
(component instance $cancelstarting1 $CancelStarting)
(assert_return (invoke "run") (u32.const 1603))

;; subtask.cancel (async) of a STARTED callee that WAITs on an empty set: the
;; callee's callback gets TASK_CANCELLED (6, 0, 0) (recorded as 600, read back
;; by the sync W.seen), calls task.cancel and EXITs. If cancel returns BLOCKED
;; (-1) run WAITs for the SUBTASK event (digit 9 then event, state); otherwise
;; it has the state at once. wasmtime resumes the waiting callee inside
;; subtask.cancel, so cancel returns CANCELLED_BEFORE_RETURNED (4) directly.
;;   run = 17 * 1000000 + 4 * 100000 + 600 + (nothing written at 16) 0 = 17400600
(component definition $CancelStarted
  (component $W
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $wsnew (canon waitable-set.new))
    (core func $tcancel (canon task.cancel))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "tcancel" (func $tcancel))
      (global $seen (mut i32) (i32.const 0))
      (func (export "seen") (result i32) (global.get $seen))
      
      (func (export "f") (result i32) (i32.or (i32.const 2) (i32.shl (call $wsnew) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $a i32) (param $b i32) (result i32)
        (global.set $seen (i32.add (i32.mul (local.get $e) (i32.const 100)) (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b))))
        (if (i32.eq (local.get $e) (i32.const 6)) (then (call $tcancel) (return (i32.const 0))))
        unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "wsnew" (func $wsnew)) (export "tcancel" (func $tcancel))))))
    (func (export "f") async (result u32) (canon lift (core func $i "f") async (callback (func $i "cb"))))
    (func (export "seen") (result u32) (canon lift (core func $i "seen"))))
  (instance $w (instantiate $W))
  (component $D
    (import "f" (func $f async (result u32)))
    (import "seen" (func $seen (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $seen (canon lower (func $seen)))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $cancel (canon subtask.cancel async))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "seen" (func $seen (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "cancel" (func $cancel (param i32) (result i32)))
      (global $st (mut i32) (i32.const 0))
      (global $c (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $set i32)
        (global.set $st (call $f (i32.const 16)))
        (global.set $c (call $cancel (i32.shr_u (global.get $st) (i32.const 4))))
        (if (i32.eq (global.get $c) (i32.const -1)) (then
          (local.set $set (call $wsnew))
          (call $join (i32.shr_u (global.get $st) (i32.const 4)) (local.get $set))
          (return (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))))
        (call $sdrop (i32.shr_u (global.get $st) (i32.const 4)))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.mul (global.get $c) (i32.const 100000)))
          (i32.add (call $seen) (i32.load (i32.const 16)))))
        (i32.const 0))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.const 900000))
          (i32.add (i32.add (i32.mul (local.get $e) (i32.const 10000)) (i32.mul (local.get $p) (i32.const 1000)))
            (i32.add (call $seen) (i32.load (i32.const 16))))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "seen" (func $seen)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "cancel" (func $cancel))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $w "f")) (with "seen" (func $w "seen"))))
  (export "run" (func $d "run")))
(component instance $cancelstarted1 $CancelStarted)
(assert_return (invoke "run") (u32.const 17400600))

;; subtask.cancel (async) of a STARTED callee that YIELDs: on TASK_CANCELLED
;; (6) it task.returns 77 anyway (allowed: cancellation is only a request), so
;; the subtask resolves RETURNED (2) with its value written at 16.
;; Unlike CancelStarted, wasmtime does not run the yielding callee inside
;; subtask.cancel: cancel returns BLOCKED (-1), run WAITs and gets SUBTASK (1)
;; with state RETURNED (2). (CanonicalABI.md's request_cancellation would
;; resume a YIELDing callback thread too, as it is cancellable, and give 2.)
;;   run = 17 * 1000000 + 9 * 100000 + 1 * 10000 + 2 * 1000 + 600 + 77 = 17912677
(component definition $CancelReturns
  (component $W
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (global $seen (mut i32) (i32.const 0))
      (func (export "seen") (result i32) (global.get $seen))
      
      (func (export "f") (result i32) (i32.const 1))
      (func (export "cb") (param $e i32) (param $a i32) (param $b i32) (result i32)
        (global.set $seen (i32.add (i32.mul (local.get $e) (i32.const 100)) (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b))))
        (if (i32.eq (local.get $e) (i32.const 6)) (then (call $ret (i32.const 77)) (return (i32.const 0))))
        (i32.const 1)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "f") async (result u32) (canon lift (core func $i "f") async (callback (func $i "cb"))))
    (func (export "seen") (result u32) (canon lift (core func $i "seen"))))
  (instance $w (instantiate $W))
  (component $D
    (import "f" (func $f async (result u32)))
    (import "seen" (func $seen (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $seen (canon lower (func $seen)))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $cancel (canon subtask.cancel async))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "seen" (func $seen (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "cancel" (func $cancel (param i32) (result i32)))
      (global $st (mut i32) (i32.const 0))
      (global $c (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $set i32)
        (global.set $st (call $f (i32.const 16)))
        (global.set $c (call $cancel (i32.shr_u (global.get $st) (i32.const 4))))
        (if (i32.eq (global.get $c) (i32.const -1)) (then
          (local.set $set (call $wsnew))
          (call $join (i32.shr_u (global.get $st) (i32.const 4)) (local.get $set))
          (return (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))))
        (call $sdrop (i32.shr_u (global.get $st) (i32.const 4)))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.mul (global.get $c) (i32.const 100000)))
          (i32.add (call $seen) (i32.load (i32.const 16)))))
        (i32.const 0))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.const 900000))
          (i32.add (i32.add (i32.mul (local.get $e) (i32.const 10000)) (i32.mul (local.get $p) (i32.const 1000)))
            (i32.add (call $seen) (i32.load (i32.const 16))))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "seen" (func $seen)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "cancel" (func $cancel))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $w "f")) (with "seen" (func $w "seen"))))
  (export "run" (func $d "run")))
(component instance $cancelreturns1 $CancelReturns)
(assert_return (invoke "run") (u32.const 17912677))

;; subtask.cancel (async) of a STARTED callee that YIELDs and calls
;; task.cancel on TASK_CANCELLED (6): as in CancelReturns, cancel returns
;; BLOCKED (-1); the SUBTASK event then has state CANCELLED_BEFORE_RETURNED (4).
;;   run = 17 * 1000000 + 9 * 100000 + 1 * 10000 + 4 * 1000 + 600 + 0 = 17914600
(component definition $CancelYielder
  (component $W
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $tcancel (canon task.cancel))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "tcancel" (func $tcancel))
      (global $seen (mut i32) (i32.const 0))
      (func (export "seen") (result i32) (global.get $seen))
      
      (func (export "f") (result i32) (i32.const 1))
      (func (export "cb") (param $e i32) (param $a i32) (param $b i32) (result i32)
        (global.set $seen (i32.add (i32.mul (local.get $e) (i32.const 100)) (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b))))
        (if (i32.eq (local.get $e) (i32.const 6)) (then (call $tcancel) (return (i32.const 0))))
        (i32.const 1)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "tcancel" (func $tcancel))))))
    (func (export "f") async (result u32) (canon lift (core func $i "f") async (callback (func $i "cb"))))
    (func (export "seen") (result u32) (canon lift (core func $i "seen"))))
  (instance $w (instantiate $W))
  (component $D
    (import "f" (func $f async (result u32)))
    (import "seen" (func $seen (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $seen (canon lower (func $seen)))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core func $cancel (canon subtask.cancel async))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "seen" (func $seen (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (import "" "cancel" (func $cancel (param i32) (result i32)))
      (global $st (mut i32) (i32.const 0))
      (global $c (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $set i32)
        (global.set $st (call $f (i32.const 16)))
        (global.set $c (call $cancel (i32.shr_u (global.get $st) (i32.const 4))))
        (if (i32.eq (global.get $c) (i32.const -1)) (then
          (local.set $set (call $wsnew))
          (call $join (i32.shr_u (global.get $st) (i32.const 4)) (local.get $set))
          (return (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))))
        (call $sdrop (i32.shr_u (global.get $st) (i32.const 4)))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.mul (global.get $c) (i32.const 100000)))
          (i32.add (call $seen) (i32.load (i32.const 16)))))
        (i32.const 0))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (call $ret (i32.add (i32.add (i32.mul (global.get $st) (i32.const 1000000)) (i32.const 900000))
          (i32.add (i32.add (i32.mul (local.get $e) (i32.const 10000)) (i32.mul (local.get $p) (i32.const 1000)))
            (i32.add (call $seen) (i32.load (i32.const 16))))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "seen" (func $seen)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop)) (export "cancel" (func $cancel))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $w "f")) (with "seen" (func $w "seen"))))
  (export "run" (func $d "run")))
(component instance $cancelyielder1 $CancelYielder)
(assert_return (invoke "run") (u32.const 17914600))

;; Trap: task.return called twice by one task.
(component definition $TrapRetTwice
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (call $ret (i32.const 1)) (call $ret (i32.const 2)) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $traprettwice1 $TrapRetTwice)
(assert_trap (invoke "run") "`task.return` or `task.cancel` called more than once for current task")

;; Trap: task.return whose type (result u64) is not the export's (result u32).
(component definition $TrapRetType
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret64 (canon task.return (result u64)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret64" (func $ret64 (param i64)))
      (func (export "run") (result i32) (call $ret64 (i64.const 1)) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret64" (func $ret64))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $traprettype1 $TrapRetType)
(assert_trap (invoke "run") "invalid `task.return` signature and/or options for current task")

;; Trap: the task EXITs (after one YIELD) without calling task.return.
(component definition $TrapNoRet
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $trapnoret1 $TrapNoRet)
(assert_trap (invoke "run") "async-lifted export failed to produce a result")

;; Trap: WAIT on a new, empty set with nothing else pending can never wake;
;; wasmtime: "deadlock detected: event loop cannot make further progress".
(component definition $TrapWaitEmpty
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (func (export "run") (result i32) (i32.or (i32.const 2) (i32.shl (call $wsnew) (i32.const 4))))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $ret (i32.const 1)) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "wsnew" (func $wsnew))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $trapwaitempty1 $TrapWaitEmpty)
(assert_trap (invoke "run") "deadlock detected")

;; Trap: callback code 3 (POLL in older drafts) is not a valid code (MAX is 2).
(component definition $TrapCode3
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $ret (i32.const 1)) (i32.const 3)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $trapcode31 $TrapCode3)
(assert_trap (invoke "run") "unsupported callback code")

;; Trap: subtask.drop of a subtask (f(3), STARTED) that has not resolved.
(component definition $TrapSubtaskDrop
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (func (export "run") (result i32)
        (call $sdrop (i32.shr_u (call $f (i32.const 3) (i32.const 16)) (i32.const 4)))
        (call $ret (i32.const 1)) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $trapsubtaskdrop1 $TrapSubtaskDrop)
(assert_trap (invoke "run") "cannot drop a subtask which has not yet resolved")

;; Trap: waitable-set.drop of a set a task is waiting on. X.waiter (async)
;; joins its call of Y.f(5) to a set and WAITs on it; run then calls X.dropper
;; (sync), which drops that set. wasmtime 48 returns to run as soon as
;; waiter's own async call of Y.f blocks (see EagerStartNested), before waiter
;; stores the set, so dropper drops handle 0 and traps differently.
;; wasmtime-48: differs as written (48 gives the trap "unknown handle index 0")
(component definition $TrapSetDropWaiter
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $X
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $wsdrop (canon waitable-set.drop))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "wsdrop" (func $wsdrop (param i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $set (mut i32) (i32.const 0))
      (func (export "waiter") (result i32)
        (local $st i32)
        (local.set $st (call $f (i32.const 5) (i32.const 16)))
        (global.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (global.get $set))
        (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h)) (call $ret (i32.load (i32.const 16))) (i32.const 0))
      (func (export "dropper") (call $wsdrop (global.get $set))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "wsdrop" (func $wsdrop)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "waiter") async (result u32) (canon lift (core func $i "waiter") async (callback (func $i "cb"))))
    (func (export "dropper") (canon lift (core func $i "dropper"))))
  (instance $x (instantiate $X (with "f" (func $y "f"))))
  (component $D
    (import "waiter" (func $waiter async (result u32)))
    (import "dropper" (func $dropper ))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $waiter (canon lower (func $waiter) async (memory $mm "mem")))
    (core func $dropper (canon lower (func $dropper)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "waiter" (func $waiter (param i32) (result i32)))
      (import "" "dropper" (func $dropper ))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32)
        (drop (call $waiter (i32.const 16)))
        (call $dropper)
        (call $ret (i32.const 1)) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "waiter" (func $waiter)) (export "dropper" (func $dropper)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "waiter" (func $x "waiter")) (with "dropper" (func $x "dropper"))))
  (export "run" (func $d "run")))
(component instance $trapsetdropwaiter1 $TrapSetDropWaiter)
(assert_trap (invoke "run") "cannot drop waitable set with waiters")

;; As TrapSetDropWaiter, but run YIELDs once before calling X.dropper from
;; its callback, so waiter has surely run and is WAITing on the set.
(component definition $TrapSetDropWaiterLater
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $X
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $wsdrop (canon waitable-set.drop))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "wsdrop" (func $wsdrop (param i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $set (mut i32) (i32.const 0))
      (func (export "waiter") (result i32)
        (local $st i32)
        (local.set $st (call $f (i32.const 5) (i32.const 16)))
        (global.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (global.get $set))
        (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h)) (call $ret (i32.load (i32.const 16))) (i32.const 0))
      (func (export "dropper") (call $wsdrop (global.get $set))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "wsdrop" (func $wsdrop)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "waiter") async (result u32) (canon lift (core func $i "waiter") async (callback (func $i "cb"))))
    (func (export "dropper") (canon lift (core func $i "dropper"))))
  (instance $x (instantiate $X (with "f" (func $y "f"))))
  (component $D
    (import "waiter" (func $waiter async (result u32)))
    (import "dropper" (func $dropper ))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $waiter (canon lower (func $waiter) async (memory $mm "mem")))
    (core func $dropper (canon lower (func $dropper)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "waiter" (func $waiter (param i32) (result i32)))
      (import "" "dropper" (func $dropper ))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32)
        (drop (call $waiter (i32.const 16)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (call $dropper)
        (call $ret (i32.const 1)) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "waiter" (func $waiter)) (export "dropper" (func $dropper)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "waiter" (func $x "waiter")) (with "dropper" (func $x "dropper"))))
  (export "run" (func $d "run")))
(component instance $trapsetdropwaiterlater1 $TrapSetDropWaiterLater)
(assert_trap (invoke "run") "cannot drop waitable set with waiters")

;; Trap: the callback returns WAIT with a subtask handle (1) in place of a
;; waitable set.
(component definition $TrapWaitNotSet
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32)
        (i32.or (i32.const 2) (i32.shl (i32.shr_u (call $f (i32.const 3) (i32.const 16)) (i32.const 4)) (i32.const 4))))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $ret (i32.const 1)) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $trapwaitnotset1 $TrapWaitNotSet)
(assert_trap (invoke "run") "handle is not an waitable-set")

;; Trap: task.cancel from a task whose caller has not requested cancellation.
(component definition $TrapTaskCancel
  (component $D
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $tcancel (canon task.cancel))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "tcancel" (func $tcancel))
      (func (export "run") (result i32) (call $tcancel) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "tcancel" (func $tcancel))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D))
  (export "run" (func $d "run")))
(component instance $traptaskcancel1 $TrapTaskCancel)
(assert_trap (invoke "run") "`task.cancel` called by task which has not been cancelled")

;; A sync-lifted function of another component (C.add) called with a sync
;; lower from the async export's callback (after one YIELD).
;;   run = add(40, 2) = 42
(component definition $SyncToSync
  (component $C
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core module $m
      (import "" "mem" (memory 1))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem"))))))
    (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add"))))
  (instance $c (instantiate $C))
  (component $D
    (import "add" (func $add (param "a" u32) (param "b" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $add (canon lower (func $add)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "add" (func $add (param i32 i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (call $ret (call $add (i32.const 40) (i32.const 2))) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "add" (func $add)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "add" (func $c "add"))))
  (export "run" (func $d "run")))
(component instance $synctosync1 $SyncToSync)
(assert_return (invoke "run") (u32.const 42))

;; A sync lower of an async callback-lifted callee that task.returns at once
;; (Y.f(0) = 100), from run's core code: the result comes back as the core
;; result. run = 100
(component definition $SyncLowerAsyncImm
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (call $ret (call $f (i32.const 0))) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $synclowerasyncimm1 $SyncLowerAsyncImm)
(assert_return (invoke "run") (u32.const 100))

;; A sync lower of an async callee that YIELDs 4 times first (Y.f(4)): the
;; async export's task blocks in the call until f returns. run = 104
(component definition $SyncLowerAsyncYield
  (component $Y
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core func $get0 (canon context.get i32 0))
    (core func $set0 (canon context.set i32 0))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (import "" "get0" (func $get0 (result i32)))
      (import "" "set0" (func $set0 (param i32)))
      (func (export "f") (param $n i32) (result i32)
        (if (i32.eqz (local.get $n)) (then (call $ret (i32.const 100)) (return (i32.const 0))))
        (call $set0 (i32.shl (local.get $n) (i32.const 8)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (local $c i32)
        (local.set $c (i32.add (call $get0) (i32.const 1)))
        (call $set0 (local.get $c))
        (if (i32.lt_u (i32.and (local.get $c) (i32.const 255)) (i32.shr_u (local.get $c) (i32.const 8)))
          (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (i32.shr_u (local.get $c) (i32.const 8))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret)) (export "get0" (func $get0)) (export "set0" (func $set0))))))
    (func (export "f") async (param "n" u32) (result u32) (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (param "n" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32) (call $ret (call $f (i32.const 4))) (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $synclowerasyncyield1 $SyncLowerAsyncYield)
(assert_return (invoke "run") (u32.const 104))

;; The same export invoked three times in one instance, state in globals of
;; both components: C.inc YIELDs once, then returns its counter + 1; run WAITs
;; for it and returns (own counter + 1) * 100 + C's value.
;;   runs = 101, 202, 303
(component definition $TwiceGlobals
  (component $C
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ret" (func $ret (param i32)))
      (global $n (mut i32) (i32.const 0))
      (func (export "inc") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (call $ret (global.get $n)) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ret" (func $ret))))))
    (func (export "inc") async (result u32) (canon lift (core func $i "inc") async (callback (func $i "cb")))))
  (instance $c (instantiate $C))
  (component $D
    (import "inc" (func $inc async (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $inc (canon lower (func $inc) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "inc" (func $inc (param i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (global $n (mut i32) (i32.const 0))
      (func (export "run") (result i32)
        (local $set i32)
        (call $join (i32.shr_u (call $inc (i32.const 16)) (i32.const 4)) (local.tee $set (call $wsnew)))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param $e i32) (param $h i32) (param $p i32) (result i32)
        (call $sdrop (local.get $h))
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (call $ret (i32.add (i32.mul (global.get $n) (i32.const 100)) (i32.load (i32.const 16))))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "inc" (func $inc)) (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "inc" (func $c "inc"))))
  (export "run" (func $d "run")))
(component instance $twiceglobals1 $TwiceGlobals)
(assert_return (invoke "run") (u32.const 101))
(assert_return (invoke "run") (u32.const 202))
(assert_return (invoke "run") (u32.const 303))
