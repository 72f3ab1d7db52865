;; More shapes of callback-lifted callees that suspend (docs/async.md,
;; "Suspended callees"); async_suspend.wast has the rules. Each definition
;; is one segment, run as written and fused+wrapped.

;; A string result lowered by task.return before the callee waits: the
;; caller's realloc gets it, the start returns RETURNED.
;;   run = 2 * 1000 + len 3 * 10 + ('h' first, copied) 1 = 2031
(component definition $S1
  (component $callee
    (core module $mm
      (memory (export "mem") 1)
      (data (i32.const 64) "hey")
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 512)))
    (core instance $mm (instantiate $mm))
    (core func $rets (canon task.return (result string) (memory $mm "mem")))
    (core func $wsnew (canon waitable-set.new))
    (core module $m
      (import "" "rets" (func $rets (param i32 i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (func (export "greet") (result i32)
        (call $rets (i32.const 64) (i32.const 3))
        (i32.or (i32.const 2) (i32.shl (call $wsnew) (i32.const 4))))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "rets" (func $rets)) (export "wsnew" (func $wsnew))))))
    (func (export "greet") async (result string)
      (canon lift (core func $i "greet") async (callback (func $i "cb"))
        (memory $mm "mem") (realloc (func $mm "realloc")))))
  (instance $callee (instantiate $callee))
  (component $caller
    (import "greet" (func $greet async (result string)))
    (core module $mm
      (memory (export "mem") 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024)))
    (core instance $mm (instantiate $mm))
    (core func $greet (canon lower (func $greet) async (memory $mm "mem") (realloc (func $mm "realloc"))))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "greet" (func $greet (param i32) (result i32)))
      (func (export "run") (result i32)
        (local $s i32)
        (local.set $s (call $greet (i32.const 100)))
        (i32.add (i32.add (i32.mul (local.get $s) (i32.const 1000)) (i32.mul (i32.load (i32.const 104)) (i32.const 10)))
          (i32.and (i32.eq (i32.load (i32.const 100)) (i32.const 1024))
                   (i32.eq (i32.load8_u (i32.const 1024)) (i32.const 104))))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "greet" (func $greet))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $caller (instantiate $caller (with "greet" (func $callee "greet"))))
  (export "run" (func $caller "run")))
(component instance $s1 $S1)
(assert_return (invoke "run") (u32.const 2031))

;; A subtask handle is numbered with the caller's resource handles and
;; sets: resource 1, subtask 2 (1 | 2 << 4 = 33), set 3; the resource
;; dropped, the next set reuses 1:  33 * 10 + 3 + 1 * 1000 = 1333
(component definition $S2
  (component $callee
    (core module $m
      (func (export "ayield") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m))
    (func (export "ayield") async (result u32)
      (canon lift (core func $i "ayield") async (callback (func $i "cb")))))
  (instance $callee (instantiate $callee))
  (component $caller
    (import "ayield" (func $ayield async (result u32)))
    (type $r (resource (rep i32)))
    (core func $rnew (canon resource.new $r))
    (core func $rdrop (canon resource.drop $r))
    (core func $wsnew (canon waitable-set.new))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ayield (canon lower (func $ayield) async (memory $mm "mem")))
    (core module $m
      (import "" "ayield" (func $ayield (param i32) (result i32)))
      (import "" "rnew" (func $rnew (param i32) (result i32)))
      (import "" "rdrop" (func $rdrop (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (func (export "run") (result i32)
        (local $r i32) (local $a i32) (local $s i32)
        (local.set $r (call $rnew (i32.const 9)))
        (local.set $a (call $ayield (i32.const 16)))
        (local.set $s (call $wsnew))
        (call $rdrop (local.get $r))
        (i32.add (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $s))
                 (i32.mul (call $wsnew) (i32.const 1000)))))
    (core instance $i (instantiate $m (with "" (instance
      (export "ayield" (func $ayield)) (export "rnew" (func $rnew))
      (export "rdrop" (func $rdrop)) (export "wsnew" (func $wsnew))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $caller (instantiate $caller (with "ayield" (func $callee "ayield"))))
  (export "run" (func $caller "run")))
(component instance $s2 $S2)
(assert_return (invoke "run") (u32.const 1333))

;; Two callers in two instances: each subtask is handle 1 of its own
;; caller's table.  a.run + b.run * 100 = 17 + 1700 = 1717
(component definition $S3
  (component $callee
    (core module $m
      (func (export "ayield") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m))
    (func (export "ayield") async (result u32)
      (canon lift (core func $i "ayield") async (callback (func $i "cb")))))
  (instance $callee (instantiate $callee))
  (component $one
    (import "ayield" (func $ayield async (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ayield (canon lower (func $ayield) async (memory $mm "mem")))
    (core module $m
      (import "" "ayield" (func $ayield (param i32) (result i32)))
      (func (export "run") (result i32) (call $ayield (i32.const 16))))
    (core instance $i (instantiate $m (with "" (instance (export "ayield" (func $ayield))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $a (instantiate $one (with "ayield" (func $callee "ayield"))))
  (instance $b (instantiate $one (with "ayield" (func $callee "ayield"))))
  (component $top
    (import "a" (func $a (result u32)))
    (import "b" (func $b (result u32)))
    (core func $a (canon lower (func $a)))
    (core func $b (canon lower (func $b)))
    (core module $m
      (import "" "a" (func $a (result i32)))
      (import "" "b" (func $b (result i32)))
      (func (export "run") (result i32)
        (i32.add (call $a) (i32.mul (call $b) (i32.const 100)))))
    (core instance $i (instantiate $m (with "" (instance (export "a" (func $a)) (export "b" (func $b))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $top (instantiate $top (with "a" (func $a "run")) (with "b" (func $b "run"))))
  (export "run" (func $top "run")))
(component instance $s3 $S3)
(assert_return (invoke "run") (u32.const 1717))

;; The callee's side: while its task waits on set 1 of its table, a sync
;; function of the same instance polls that set (NONE, payload (0, 0) over
;; -1s) and makes a set (2):  0 * 100 + 0 + 2 = 2
(component definition $S4
  (component $callee
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $wsnew (canon waitable-set.new))
    (core func $poll (canon waitable-set.poll (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "poll" (func $poll (param i32 i32) (result i32)))
      (func (export "await") (result i32)
        (i32.or (i32.const 2) (i32.shl (call $wsnew) (i32.const 4))))
      (func (export "peek") (result i32)
        (local $e i32)
        (i32.store (i32.const 8) (i32.const -1))
        (i32.store (i32.const 12) (i32.const -1))
        (local.set $e (call $poll (i32.const 1) (i32.const 8)))
        (i32.add (i32.mul (local.get $e) (i32.const 100))
          (i32.add (i32.add (i32.load (i32.const 8)) (i32.load (i32.const 12))) (call $wsnew))))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "wsnew" (func $wsnew)) (export "poll" (func $poll))))))
    (func (export "await") async (result u32)
      (canon lift (core func $i "await") async (callback (func $i "cb"))))
    (func (export "peek") (result u32) (canon lift (core func $i "peek"))))
  (instance $callee (instantiate $callee))
  (component $caller
    (import "await" (func $await async (result u32)))
    (import "peek" (func $peek (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $await (canon lower (func $await) async (memory $mm "mem")))
    (core func $peek (canon lower (func $peek)))
    (core module $m
      (import "" "await" (func $await (param i32) (result i32)))
      (import "" "peek" (func $peek (result i32)))
      (func (export "run") (result i32)
        (drop (call $await (i32.const 16)))
        (call $peek)))
    (core instance $i (instantiate $m (with "" (instance
      (export "await" (func $await)) (export "peek" (func $peek))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $caller (instantiate $caller
    (with "await" (func $callee "await")) (with "peek" (func $callee "peek"))))
  (export "run" (func $caller "run")))
(component instance $s4 $S4)
(assert_return (invoke "run") (u32.const 2))

;; Three pending callees of one instance (subtasks 1, 2, 3), then a callee
;; there that returns and yields (RETURNED, no handle):
;;   run  = (17 + 33 + 49) * 10000 + 2 * 1000 + 50 (yret(5)) = 992050
;; and, with those still pending, an async call of a sync-lifted function
;; of that instance (it is not busy):
;;   run2 = 2 * 100 + 42 (double(21)) = 242
(component definition $S5
  (component $callee
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "" "ret" (func $ret (param i32)))
      (func (export "ayield") (result i32) (i32.const 1))
      (func (export "yret") (param i32) (result i32)
        (call $ret (i32.mul (local.get 0) (i32.const 10))) (i32.const 1))
      (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
    (func (export "ayield") async (result u32)
      (canon lift (core func $i "ayield") async (callback (func $i "cb"))))
    (func (export "yret") async (param "n" u32) (result u32)
      (canon lift (core func $i "yret") async (callback (func $i "cb"))))
    (func (export "double") async (param "x" u32) (result u32)
      (canon lift (core func $i "double"))))
  (instance $callee (instantiate $callee))
  (component $caller
    (import "ayield" (func $ayield async (result u32)))
    (import "yret" (func $yret async (param "n" u32) (result u32)))
    (import "double" (func $double async (param "x" u32) (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ayield (canon lower (func $ayield) async (memory $mm "mem")))
    (core func $yret (canon lower (func $yret) async (memory $mm "mem")))
    (core func $double (canon lower (func $double) async (memory $mm "mem")))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "ayield" (func $ayield (param i32) (result i32)))
      (import "" "yret" (func $yret (param i32 i32) (result i32)))
      (import "" "double" (func $double (param i32 i32) (result i32)))
      (func (export "run") (result i32)
        (local $sum i32)
        (local.set $sum (call $ayield (i32.const 16)))
        (local.set $sum (i32.add (local.get $sum) (call $ayield (i32.const 16))))
        (local.set $sum (i32.add (local.get $sum) (call $ayield (i32.const 16))))
        (i32.add (i32.mul (local.get $sum) (i32.const 10000))
          (i32.add (i32.mul (call $yret (i32.const 5) (i32.const 20)) (i32.const 1000))
                   (i32.load (i32.const 20)))))
      (func (export "run2") (result i32)
        (drop (call $ayield (i32.const 16)))
        (i32.add (i32.mul (call $double (i32.const 21) (i32.const 24)) (i32.const 100))
                 (i32.load (i32.const 24)))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $mm "mem")) (export "ayield" (func $ayield))
      (export "yret" (func $yret)) (export "double" (func $double))))))
    (func (export "run") (result u32) (canon lift (core func $i "run")))
    (func (export "run2") (result u32) (canon lift (core func $i "run2"))))
  (instance $caller (instantiate $caller (with "ayield" (func $callee "ayield"))
    (with "yret" (func $callee "yret")) (with "double" (func $callee "double"))))
  (export "run" (func $caller "run"))
  (export "run2" (func $caller "run2")))
(component instance $s5 $S5)
(assert_return (invoke "run") (u32.const 992050))
(assert_return (invoke "run2") (u32.const 242))

;; Misuse of a subtask handle and of sets with one: joining a subtask to a
;; handle that is not a set, dropping a set through subtask.drop, and
;; waitable-set.drop of a subtask.
(component definition $S6
  (component $callee
    (core module $m
      (func (export "ayield") (result i32) (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $i (instantiate $m))
    (func (export "ayield") async (result u32)
      (canon lift (core func $i "ayield") async (callback (func $i "cb")))))
  (instance $callee (instantiate $callee))
  (component $caller
    (import "ayield" (func $ayield async (result u32)))
    (core module $mm (memory (export "mem") 1))
    (core instance $mm (instantiate $mm))
    (core func $ayield (canon lower (func $ayield) async (memory $mm "mem")))
    (core func $wsnew (canon waitable-set.new))
    (core func $wsdrop (canon waitable-set.drop))
    (core func $join (canon waitable.join))
    (core func $sdrop (canon subtask.drop))
    (core module $m
      (import "" "ayield" (func $ayield (param i32) (result i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "wsdrop" (func $wsdrop (param i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "sdrop" (func $sdrop (param i32)))
      (func (export "join-not-set") (result i32)
        (local $a i32) (local $b i32)
        (local.set $a (i32.shr_u (call $ayield (i32.const 16)) (i32.const 4)))
        (local.set $b (i32.shr_u (call $ayield (i32.const 16)) (i32.const 4)))
        (call $join (local.get $a) (local.get $b))
        (i32.const 0))
      (func (export "sdrop-set") (result i32)
        (drop (call $ayield (i32.const 16)))
        (call $sdrop (call $wsnew))
        (i32.const 0))
      (func (export "wsdrop-subtask") (result i32)
        (call $wsdrop (i32.shr_u (call $ayield (i32.const 16)) (i32.const 4)))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "" (instance
      (export "ayield" (func $ayield)) (export "wsnew" (func $wsnew)) (export "wsdrop" (func $wsdrop))
      (export "join" (func $join)) (export "sdrop" (func $sdrop))))))
    (func (export "join-not-set") (result u32) (canon lift (core func $i "join-not-set")))
    (func (export "sdrop-set") (result u32) (canon lift (core func $i "sdrop-set")))
    (func (export "wsdrop-subtask") (result u32) (canon lift (core func $i "wsdrop-subtask"))))
  (instance $caller (instantiate $caller (with "ayield" (func $callee "ayield"))))
  (export "join-not-set" (func $caller "join-not-set"))
  (export "sdrop-set" (func $caller "sdrop-set"))
  (export "wsdrop-subtask" (func $caller "wsdrop-subtask")))
(component instance $s6 $S6)
(assert_trap (invoke "join-not-set") "handle is not an waitable-set")
(component instance $s6b $S6)
(assert_trap (invoke "sdrop-set") "handle is not a waitable")
(component instance $s6c $S6)
(assert_trap (invoke "wsdrop-subtask") "handle is not a waitable-set")
