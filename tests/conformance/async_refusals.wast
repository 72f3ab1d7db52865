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
