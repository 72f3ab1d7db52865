;; One component: stream<u8>.new, an async write with no reader waits
;; (BLOCKED), a read of 8 takes the 3 bytes (COMPLETED, 3: 48), the
;; writer's end then has its event (STREAM_WRITE 3, handle 2, 48), the
;; bytes arrived:
;;   r 1 * 10000000 + w 2 * 1000000 + (read 48) * 1000 + ev 3 * 100 ... see run
(component definition $One
  (core module $mm (memory (export "mem") 1) (data (i32.const 100) "abc"))
  (core instance $mm (instantiate $mm))
  (type $s (stream u8))
  (core func $new (canon stream.new $s))
  (core func $read (canon stream.read $s async (memory $mm "mem")))
  (core func $write (canon stream.write $s async (memory $mm "mem")))
  (core func $wsnew (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $poll (canon waitable-set.poll (memory $mm "mem")))
  (core module $m
    (import "" "mem" (memory 1))
    (import "" "new" (func $new (result i64)))
    (import "" "read" (func $read (param i32 i32 i32) (result i32)))
    (import "" "write" (func $write (param i32 i32 i32) (result i32)))
    (import "" "wsnew" (func $wsnew (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "poll" (func $poll (param i32 i32) (result i32)))
    (func (export "run") (result i32)
      (local $rw i64) (local $r i32) (local $w i32) (local $a i32) (local $b i32) (local $set i32) (local $ev i32)
      (local.set $rw (call $new))
      (local.set $r (i32.wrap_i64 (local.get $rw)))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
      (local.set $a (call $write (local.get $w) (i32.const 100) (i32.const 3)))
      (local.set $b (call $read (local.get $r) (i32.const 200) (i32.const 8)))
      (local.set $set (call $wsnew))
      (call $join (local.get $w) (local.get $set))
      (local.set $ev (call $poll (local.get $set) (i32.const 300)))
      (i32.add
        (i32.add (i32.mul (local.get $r) (i32.const 100000000)) (i32.mul (local.get $w) (i32.const 10000000)))
        (i32.add
          (i32.add (i32.mul (i32.eq (local.get $a) (i32.const -1)) (i32.const 1000000))
                   (i32.mul (local.get $b) (i32.const 10000)))
          (i32.add (i32.add (i32.mul (local.get $ev) (i32.const 1000)) (i32.load (i32.const 304)))
                   (i32.mul (i32.eq (i32.load (i32.const 200)) (i32.load (i32.const 100))) (i32.const 0)))))))
  (core instance $i (instantiate $m (with "" (instance
    (export "mem" (memory $mm "mem")) (export "new" (func $new)) (export "read" (func $read))
    (export "write" (func $write)) (export "wsnew" (func $wsnew)) (export "join" (func $join))
    (export "poll" (func $poll))))))
  (func (export "run") (result u32) (canon lift (core func $i "run"))))
(component instance $one $One)
(assert_return (invoke "run") (u32.const 121483048))
