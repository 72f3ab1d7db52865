;; A component instance may not be entered again while it is on the call
;; stack. The assertions check wasmtime's reason, "cannot enter component
;; instance": the unfused error's cause, and fused the name of the trap
;; function in the backtrace (`meld:trap:cannot enter component instance`;
;; see traps.wast). As in traps.wast, each trap gets a fresh instance of the
;; segment's definition.

;; Self re-entry: $selfish lifts its core function `inner` and lowers it again
;; for a second core instance inside the same component instance.
;;   direct() = 7 (never re-enters); loop() = inner() via the lowered import
(component definition $C
  (component $selfish
    (core module $a
      (func (export "inner") (result i32) (i32.const 5))
      (func (export "direct") (result i32) (i32.const 7)))
    (core instance $a (instantiate $a))
    (func $inner (result u32) (canon lift (core func $a "inner")))
    (core func $inner-lowered (canon lower (func $inner)))
    (core module $b
      (import "" "inner" (func $inner (result i32)))
      (func (export "loop") (result i32) (call $inner)))
    (core instance $b (instantiate $b (with "" (instance (export "inner" (func $inner-lowered))))))
    (func (export "direct") (result u32) (canon lift (core func $a "direct")))
    (func (export "loop") (result u32) (canon lift (core func $b "loop"))))
  (component $fwd
    (import "direct" (func $direct (result u32)))
    (import "loop" (func $loop (result u32)))
    (core func $direct (canon lower (func $direct)))
    (core func $loop (canon lower (func $loop)))
    (core module $m
      (import "" "direct" (func $direct (result i32)))
      (import "" "loop" (func $loop (result i32)))
      (func (export "direct") (result i32) (call $direct))
      (func (export "loop") (result i32) (call $loop)))
    (core instance $i (instantiate $m (with "" (instance (export "direct" (func $direct)) (export "loop" (func $loop))))))
    (func (export "direct") (result u32) (canon lift (core func $i "direct")))
    (func (export "loop") (result u32) (canon lift (core func $i "loop"))))
  (instance $s (instantiate $selfish))
  (instance $f (instantiate $fwd (with "direct" (func $s "direct")) (with "loop" (func $s "loop"))))
  (export "direct" (func $f "direct"))
  (export "loop" (func $f "loop"))
  (export "loop-direct" (func $s "loop")))
(component instance $c1 $C)
(assert_return (invoke "direct") (u32.const 7))
(assert_return (invoke "direct") (u32.const 7))
(assert_trap (invoke "loop") "cannot enter component instance")
(component instance $c2 $C)
(assert_trap (invoke "loop-direct") "cannot enter component instance")

;; Calling into an ancestor: the outer component lifts a function of its own
;; core instance and hands it to $kid, which calls it. wasmtime 48 trapped
;; here; the current component model and wasmtime 49 run it (ancestors.wast
;; has the other parent/child shapes). $kid's sibling call is fine too.
;;   sibling() = 10 + five() from $five (another child); up() = root-six() + 1
(component definition $C
  (core module $rootm (func (export "six") (result i32) (i32.const 6)))
  (core instance $rooti (instantiate $rootm))
  (func $root-six (result u32) (canon lift (core func $rooti "six")))
  (component $five
    (core module $m (func (export "five") (result i32) (i32.const 5)))
    (core instance $i (instantiate $m))
    (func (export "five") (result u32) (canon lift (core func $i "five"))))
  (component $kid
    (import "five" (func $five (result u32)))
    (import "six" (func $six (result u32)))
    (core func $five (canon lower (func $five)))
    (core func $six (canon lower (func $six)))
    (core module $m
      (import "" "five" (func $five (result i32)))
      (import "" "six" (func $six (result i32)))
      (func (export "sibling") (result i32) (i32.add (call $five) (i32.const 10)))
      (func (export "up") (result i32) (i32.add (call $six) (i32.const 1))))
    (core instance $i (instantiate $m (with "" (instance (export "five" (func $five)) (export "six" (func $six))))))
    (func (export "sibling") (result u32) (canon lift (core func $i "sibling")))
    (func (export "up") (result u32) (canon lift (core func $i "up"))))
  (instance $five (instantiate $five))
  (instance $kid (instantiate $kid (with "five" (func $five "five")) (with "six" (func $root-six))))
  (export "sibling" (func $kid "sibling"))
  (export "up" (func $kid "up")))
(component instance $c1 $C)
(assert_return (invoke "sibling") (u32.const 15))
(assert_return (invoke "up") (u32.const 7))
