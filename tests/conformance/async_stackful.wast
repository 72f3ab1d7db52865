;; Stackful async lifts (`canon lift async` without a callback): the task
;; runs on the caller's stack; its blocking built-ins (waitable-set.wait,
;; thread.yield) run the loop there (docs/async.md).

;; A stackful export that task.returns at once. f = 5
(component definition $S
  (core func $ret (canon task.return (result u32)))
  (core module $m
    (import "" "ret" (func $ret (param i32)))
    (func (export "f") (call $ret (i32.const 5))))
  (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
  (func (export "f") async (result u32) (canon lift (core func $i "f") async)))
(component instance $s $S)
(assert_return (invoke "f") (u32.const 5))

;; A stackful export that async-calls a callback-lifted callee which yields
;; twice, then blocks in waitable-set.wait until its SUBTASK event:
;;   call status 1 | 1 << 4 = 17; event 1, handle 1, status 2; result 102
;;   17 * 100000 + 1 * 10000 + 1 * 1000 + 2 * 100 + (102 - 100) = 1711202
(component definition $W
  (component $Y
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "ret" (func $ret (param i32)))
      (global $n (mut i32) (i32.const 0))
      (func (export "f") (result i32) (global.set $n (i32.const 0)) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (if (i32.lt_u (global.get $n) (i32.const 2)) (then (return (i32.const 1))))
        (call $ret (i32.add (i32.const 100) (global.get $n)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
    (func (export "f") async (result u32)
      (canon lift (core func $i "f") async (callback (func $i "cb")))))
  (instance $y (instantiate $Y))
  (component $D
    (import "f" (func $f async (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $f (canon lower (func $f) async (memory $mm "mem")))
    (core func $ret (canon task.return (result u32)))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $wait (canon waitable-set.wait (memory $mm "mem")))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "wait" (func $wait (param i32 i32) (result i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (func (export "run")
        (local $st i32) (local $set i32) (local $ev i32)
        (local.set $st (call $f (i32.const 16)))
        (local.set $set (call $wsnew))
        (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
        (local.set $ev (call $wait (local.get $set) (i32.const 32)))
        (call $sdrop (i32.load (i32.const 32)))
        (call $ret (i32.add
          (i32.add (i32.mul (local.get $st) (i32.const 100000)) (i32.mul (local.get $ev) (i32.const 10000)))
          (i32.add (i32.add (i32.mul (i32.load (i32.const 32)) (i32.const 1000)) (i32.mul (i32.load (i32.const 36)) (i32.const 100)))
                   (i32.sub (i32.load (i32.const 16)) (i32.const 100)))))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "f" (func $f)) (export "ret" (func $ret))
      (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "wait" (func $wait))
      (export "sdrop" (func $sdrop))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run") async)))
  (instance $d (instantiate $D (with "f" (func $y "f"))))
  (export "run" (func $d "run")))
(component instance $w $W)
(assert_return (invoke "run") (u32.const 1711202))

;; A callback-lifted export calling a stackful callee, async-lowered (the
;; callee returns at once: RETURNED, 2) and sync-lowered (its result):
;;   2 * 1000 + 7 (async result) * 10 + 7 = 2077
(component definition $C
  (component $K
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "ret" (func $ret (param i32)))
      (func (export "k") (call $ret (i32.const 7))))
    (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
    (func (export "k") async (result u32) (canon lift (core func $i "k") async)))
  (instance $k (instantiate $K))
  (component $D
    (import "k" (func $k async (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ka (canon lower (func $k) async (memory $mm "mem")))
    (core func $ks (canon lower (func $k)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ka" (func $ka (param i32) (result i32)))
      (import "" "ks" (func $ks (result i32)))
      (import "" "ret" (func $ret (param i32)))
      (func (export "run") (result i32)
        (local $st i32) (local $v i32)
        (local.set $st (call $ka (i32.const 16)))
        (local.set $v (call $ks))
        (call $ret (i32.add (i32.add (i32.mul (local.get $st) (i32.const 1000))
                                     (i32.mul (i32.load (i32.const 16)) (i32.const 10)))
                            (local.get $v)))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ka" (func $ka)) (export "ks" (func $ks))
      (export "ret" (func $ret))))))
    (func (export "run") async (result u32)
      (canon lift (core func $i "run") async (callback (func $i "cb")))))
  (instance $d (instantiate $D (with "k" (func $k "k"))))
  (export "run" (func $d "run")))
(component instance $c $C)
(assert_return (invoke "run") (u32.const 2077))

;; A stackful export that calls thread.yield three times (0 each) and
;; returns the sum + 40. run = 40
(component definition $Y
  (core func $ret (canon task.return (result u32)))
  (core func $yield (canon thread.yield))
  (core module $m
    (import "" "ret" (func $ret (param i32)))
    (import "" "yield" (func $yield (result i32)))
    (func (export "run")
      (call $ret (i32.add (i32.const 40)
        (i32.add (call $yield) (i32.add (call $yield) (call $yield)))))))
  (core instance $i (instantiate $m (with "" (instance
    (export "ret" (func $ret)) (export "yield" (func $yield))))))
  (func (export "run") async (result u32) (canon lift (core func $i "run") async)))
(component instance $yy $Y)
(assert_return (invoke "run") (u32.const 40))

;; A stackful export that blocks on an empty set: wasmtime's deadlock.
(component definition $Dl
  (core func $ret (canon task.return (result u32)))
  (core func $wsnew (canon waitable-set.new))
  (core module $mm (memory (export "mem") 1))
  (core instance $mm (instantiate $mm))
  (core func $wait (canon waitable-set.wait (memory $mm "mem")))
  (core module $m
    (import "" "ret" (func $ret (param i32)))
    (import "" "wsnew" (func $wsnew (result i32)))
    (import "" "wait" (func $wait (param i32 i32) (result i32)))
    (func (export "run") (call $ret (call $wait (call $wsnew) (i32.const 0)))))
  (core instance $i (instantiate $m (with "" (instance
    (export "ret" (func $ret)) (export "wsnew" (func $wsnew)) (export "wait" (func $wait))))))
  (func (export "run") async (result u32) (canon lift (core func $i "run") async)))
(component instance $dl $Dl)
(assert_trap (invoke "run") "deadlock detected")
