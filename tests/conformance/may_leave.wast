;; The may-leave rule: while the host runs a component's realloc (to lower
;; an export's string parameter) or post-return, and while an adapter runs a
;; callee's realloc, the component may not call out of its instance; the
;; call traps with "cannot leave component instance". Outside those windows
;; the same call is fine. (The trap assertions name that reason: unfused it is
;; wasmtime's message, fused the name of the trap function in the backtrace,
;; as in traps.wast.)
;;   ping()         = 9 ($other's function, called directly)
;;   take("abc")    : the host calls $leaky's realloc, which calls out -> trap
;;   give()         : $leaky's post-return calls out                   -> trap
;;   relay()        : $user passes "hello" to $leaky: the adapter runs
;;                    $leaky's realloc, which calls out                -> trap
;;   calm("abc")    = 3 ($calm's realloc does not call out)
(component definition $C
  (component $other
    (core module $m (func (export "ping") (result i32) (i32.const 9)))
    (core instance $i (instantiate $m))
    (func (export "ping") (result u32) (canon lift (core func $i "ping"))))
  (instance $other (instantiate $other))
  (component $leaky
    (import "ping" (func $ping (result u32)))
    (core func $ping (canon lower (func $ping)))
    (core module $m
      (import "" "ping" (func $ping (result i32)))
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (drop (call $ping))
        (local.set $p (global.get $bump))
        (global.set $bump (i32.add (global.get $bump) (local.get 3)))
        (local.get $p))
      (func (export "take") (param i32 i32) (result i32) (local.get 1))
      (func (export "give") (result i32)
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 0))
        (i32.const 0))
      (func (export "give-post") (param i32) (drop (call $ping))))
    (core instance $i (instantiate $m (with "" (instance (export "ping" (func $ping))))))
    (func (export "take") (param "s" string) (result u32)
      (canon lift (core func $i "take") (memory $i "mem") (realloc (func $i "realloc"))))
    (func (export "give") (result string)
      (canon lift (core func $i "give") (memory $i "mem") (realloc (func $i "realloc"))
        (post-return (func $i "give-post")))))
  (instance $leaky (instantiate $leaky (with "ping" (func $other "ping"))))
  (component $calm
    (core module $m
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $bump))
        (global.set $bump (i32.add (global.get $bump) (local.get 3)))
        (local.get $p))
      (func (export "calm") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "calm") (param "s" string) (result u32)
      (canon lift (core func $i "calm") (memory $i "mem") (realloc (func $i "realloc")))))
  (instance $calm (instantiate $calm))
  (component $user
    (import "take" (func $take (param "s" string) (result u32)))
    (core module $mem
      (memory (export "mem") 1)
      (data (i32.const 0) "hello"))
    (core instance $mem (instantiate $mem))
    (core func $take (canon lower (func $take) (memory $mem "mem")))
    (core module $m
      (import "" "take" (func $take (param i32 i32) (result i32)))
      (func (export "relay") (result i32) (call $take (i32.const 0) (i32.const 5))))
    (core instance $i (instantiate $m (with "" (instance (export "take" (func $take))))))
    (func (export "relay") (result u32) (canon lift (core func $i "relay"))))
  (instance $user (instantiate $user (with "take" (func $leaky "take"))))
  (export "ping" (func $other "ping"))
  (export "take" (func $leaky "take"))
  (export "give" (func $leaky "give"))
  (export "relay" (func $user "relay"))
  (export "calm" (func $calm "calm")))
(component instance $c1 $C)
(assert_return (invoke "ping") (u32.const 9))
(assert_return (invoke "calm" (str.const "abc")) (u32.const 3))
(assert_trap (invoke "take" (str.const "abc")) "cannot leave component instance")
(component instance $c2 $C)
(assert_trap (invoke "give") "cannot leave component instance")
(component instance $c3 $C)
(assert_trap (invoke "relay") "cannot leave component instance")

;; resource.new and resource.drop are calls out of the instance too
;; (resource.rep is not): made from a realloc the host runs, they trap.
;;   keep("ab") in mode 0 = 2 (the realloc only reads a rep: allowed)
;;   keep("ab") in mode 1: the realloc calls resource.new  -> trap
;;   keep("ab") in mode 2: the realloc calls resource.drop -> trap
(component definition $R
  (component $res
    (type $t (resource (rep i32)))
    (core func $new (canon resource.new $t))
    (core func $drop (canon resource.drop $t))
    (core func $rep (canon resource.rep $t))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (memory (export "mem") 1)
      (global $bump (mut i32) (i32.const 1024))
      ;; 0 = only read a rep, 1 = resource.new, 2 = resource.drop
      (global $mode (mut i32) (i32.const 0))
      (global $h (mut i32) (i32.const 0))
      (func $alloc (param i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $bump))
        (global.set $bump (i32.add (global.get $bump) (local.get 0)))
        (local.get $p))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (if (i32.eq (global.get $mode) (i32.const 0))
          (then (drop (call $rep (global.get $h)))))
        (if (i32.eq (global.get $mode) (i32.const 1))
          (then (drop (call $new (i32.const 7)))))
        (if (i32.eq (global.get $mode) (i32.const 2))
          (then (call $drop (global.get $h))))
        (call $alloc (local.get 3)))
      (func $init (global.set $h (call $new (i32.const 5))))
      (start $init)
      (func (export "keep") (param i32 i32) (result i32) (local.get 1))
      (func (export "set-mode") (param i32) (global.set $mode (local.get 0))))
    (core instance $i (instantiate $m (with "" (instance
      (export "new" (func $new)) (export "drop" (func $drop)) (export "rep" (func $rep))))))
    (func (export "set-mode") (param "m" u32) (canon lift (core func $i "set-mode")))
    (func (export "keep") (param "s" string) (result u32)
      (canon lift (core func $i "keep") (memory $i "mem") (realloc (func $i "realloc")))))
  (instance $r (instantiate $res))
  (export "set-mode" (func $r "set-mode"))
  (export "keep" (func $r "keep")))
(component instance $r1 $R)
(assert_return (invoke "keep" (str.const "ab")) (u32.const 2))
(invoke "set-mode" (u32.const 1))
(assert_trap (invoke "keep" (str.const "ab")) "cannot leave component instance")
(component instance $r2 $R)
(invoke "set-mode" (u32.const 2))
(assert_trap (invoke "keep" (str.const "ab")) "cannot leave component instance")
