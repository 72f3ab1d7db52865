;; Calls between a component instance and its ancestors. wasmtime 48 compiled
;; every such adapter into an unconditional "cannot enter component instance"
;; trap; the component model (WebAssembly/component-model#705) and wasmtime
;; 49 run them, and meld follows (vendor/README.md). Only an adapter whose
;; lift and lower are in the same instance still traps (reentrance.wast).

;; down() : the outer component's own core code calls its nested child's
;;          export: 40 + kid.two() = 42
;; up()   : the child calls a function its parent lifted: six() + 1 = 7
;; trip() : the parent calls the child, which calls back into the parent's
;;          other core instance: 100 + (10 + six()) = 116
;; deep() : a grandchild calls its grandparent: six() * 3 = 18
(component definition $C
  (core module $rootm (func (export "six") (result i32) (i32.const 6)))
  (core instance $rooti (instantiate $rootm))
  (func $root-six (result u32) (canon lift (core func $rooti "six")))
  (component $kid
    (import "six" (func $six (result u32)))
    (core func $six (canon lower (func $six)))
    (component $grandkid
      (import "six" (func $six (result u32)))
      (core func $six (canon lower (func $six)))
      (core module $m
        (import "" "six" (func $six (result i32)))
        (func (export "deep") (result i32) (i32.mul (call $six) (i32.const 3))))
      (core instance $i (instantiate $m (with "" (instance (export "six" (func $six))))))
      (func (export "deep") (result u32) (canon lift (core func $i "deep"))))
    (instance $g (instantiate $grandkid (with "six" (func $six))))
    (core module $m
      (import "" "six" (func $six (result i32)))
      (func (export "two") (result i32) (i32.const 2))
      (func (export "up") (result i32) (i32.add (call $six) (i32.const 1)))
      (func (export "back") (result i32) (i32.add (call $six) (i32.const 10))))
    (core instance $i (instantiate $m (with "" (instance (export "six" (func $six))))))
    (func (export "two") (result u32) (canon lift (core func $i "two")))
    (func (export "up") (result u32) (canon lift (core func $i "up")))
    (func (export "back") (result u32) (canon lift (core func $i "back")))
    (export "deep" (func $g "deep")))
  (instance $kid (instantiate $kid (with "six" (func $root-six))))
  (core func $two (canon lower (func $kid "two")))
  (core func $back (canon lower (func $kid "back")))
  (core module $outer
    (import "" "two" (func $two (result i32)))
    (import "" "back" (func $back (result i32)))
    (func (export "down") (result i32) (i32.add (call $two) (i32.const 40)))
    (func (export "trip") (result i32) (i32.add (call $back) (i32.const 100))))
  (core instance $outer (instantiate $outer (with "" (instance (export "two" (func $two)) (export "back" (func $back))))))
  (func (export "down") (result u32) (canon lift (core func $outer "down")))
  (func (export "trip") (result u32) (canon lift (core func $outer "trip")))
  (export "up" (func $kid "up"))
  (export "deep" (func $kid "deep")))
(component instance $c1 $C)
(assert_return (invoke "down") (u32.const 42))
(assert_return (invoke "up") (u32.const 7))
(assert_return (invoke "trip") (u32.const 116))
(assert_return (invoke "deep") (u32.const 18))
(assert_return (invoke "down") (u32.const 42))
