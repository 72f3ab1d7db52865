;; What this slice of meld's async support refuses, each with one error
;; naming it (docs/async.md); every segment still runs as written.

;; A stackful async lift (`canon lift async` without a callback).
;; meld: unsupported stackful async lift
(component definition $S
  (core func $ret (canon task.return (result u32)))
  (core module $m
    (import "" "ret" (func $ret (param i32)))
    (func (export "f") (call $ret (i32.const 5))))
  (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
  (func (export "f") async (result u32) (canon lift (core func $i "f") async)))
(component instance $s $S)
(assert_return (invoke "f") (u32.const 5))

;; An async export at the host boundary (a callback lift the host calls).
;; meld: unsupported async export lifted to the host
(component definition $E
  (core func $ret (canon task.return (result u32)))
  (core module $m
    (import "" "ret" (func $ret (param i32)))
    (func (export "f") (result i32) (call $ret (i32.const 6)) (i32.const 0))
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
  (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
  (func (export "f") async (result u32)
    (canon lift (core func $i "f") async (callback (func $i "cb")))))
(component instance $e $E)
(assert_return (invoke "f") (u32.const 6))
