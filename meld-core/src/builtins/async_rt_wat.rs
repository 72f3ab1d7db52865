//! The text of the async runtime: the resource runtime
//! ([`super::resources::RUNTIME_WAT`]) plus the task state of this slice of
//! component-model concurrency (`docs/async.md`). It is one module because
//! wasmtime keeps waitable sets, subtasks and resource handles in one table
//! per component instance: a waitable set's handle is numbered after the
//! resource handles before it, and the other way round.
//!
//! Added state, all in the runtime's private memory:
//!
//! ```text
//! frames (64 bytes each, frame 0 = the instantiation's ambient task)
//!   0 instance (-1: the host's)      4 flags: 1 async-typed (may block),
//!   8 task.return type id              2 result pending, 4 returned,
//!  12 memory id (0: none)              8 callee instance marked busy,
//!                                     16 started by an async caller,
//!                                     32 has a borrow scope,
//!                                     64 a pending start's run (its
//!                                        subtask handle at 52)
//!  16 string encoding               20 result kind (0 memory, 1 none, 2 one value)
//!  24 return pointer                28 context slot 0   32 context slot 1
//!  36 caller's may-block            40 stashed result (i64)
//!  48 caller's instance (async calls)  52 subtask handle (flag 64)
//! instance state (16 bytes per instance): backpressure u32, busy u32,
//!   pending yielded tasks u32, pending waiting tasks u32
//! ```
//! Handle-table slots gain two kinds: 3 waitable set (rep: how many pending
//! tasks wait on it), 4 subtask (rep: its status, 0 STARTING, 1 STARTED,
//! 2 RETURNED, 3 START_CANCELLED, | 256 while that status is an undelivered event; aux: the
//! set it joined, 0 none). Their type word is -1, so no resource intrinsic
//! accepts them.
//!
//! Pending tasks: a callback-lifted task that may block (async-typed, or
//! after `task.return`) and returns `YIELD` or `WAIT` is popped and counted
//! as pending in its instance (nothing reachable from a synchronous host
//! call resumes it, as in wasmtime 48); one that may not block and returns
//! `YIELD` has its callback called at once with `EVENT_NONE` (`end_async`
//! answers -1 and the call shim calls it), as wasmtime does.
//!
//! Pending starts: see the record layout at `$precs` and docs/async.md.

/// The host's side of async host imports (`async_shims::host_bridge`, or
/// traps when the composition has none): wait for the next event of a
/// host subtask, join one to the bridge's set, drop a resolved one.
pub const HOST_IMPORTS_WAT: &str = r#"
  (import "host" "wait" (func $host_wait (result i32 i32 i32)))
  (import "host" "join" (func $host_join (param i32)))
  (import "host" "drop" (func $host_drop (param i32)))
  (import "host" "hs_new" (func $hs_new (param i32) (result i64)))
  (import "host" "hs_copy" (func $hs_copy (param i32 i32 i32 i32 i32) (result i32)))
  (import "host" "hs_cancel" (func $hs_cancel (param i32 i32 i32) (result i32)))
  (import "host" "hs_drop" (func $hs_drop (param i32 i32 i32)))
  (import "host" "hs_alloc" (func $hs_alloc (param i32) (result i32)))
  (import "host" "hs_free" (func $hs_free (param i32)))
  (import "host" "hs_set" (func $hs_set (result i32)))
  (import "host" "hs_leave" (func $hs_leave (param i32)))
  (import "host" "hs_mark" (func $hs_mark (result i32)))
  (import "host" "hs_cut" (func $hs_cut (param i32) (result i32)))
  (import "host" "hs_free_chain" (func $hs_free_chain (param i32)))
"#;

/// The async additions, inserted before the resource runtime's final `)`.
pub const ASYNC_EXT_WAT: &str = r#"
  (global $may_block (export "may_block") (mut i32) (i32.const 0))
  (global $tdepth (mut i32) (i32.const 1))
  (global $frames (mut i32) (i32.const 0))
  (global $fcap (mut i32) (i32.const 0))
  (global $istate (mut i32) (i32.const 0))
  ;; Tasks on the stack that an async caller started: in wasmtime, any
  ;; suspension of such a task (a call of its own, a wait, a yield) resumes
  ;; its caller first, with STARTED.
  (global $astarted (mut i32) (i32.const 0))
  ;; Pending tasks that yielded (runnable), over all instances.
  (global $yielded (mut i32) (i32.const 0))
  (table $calls (export "calls") 0 funcref)
  ;; Pending starts (a call into a busy or backpressured instance): records
  ;; of 192 bytes (0 state: 0 free, 1 waiting, 2 ready; 4 ready order;
  ;; 8 caller instance; 12 callee instance; 16 subtask handle; 20 call site;
  ;; 64 the prepared frame; 128 the lower's parameters as i64s), and four
  ;; functions each in $ptab (start, return, callee, the shim's resume).
  (global $precs (mut i32) (i32.const 0))
  (global $seq (mut i32) (i32.const 1))
  (global $nready (mut i32) (i32.const 0))
  ;; How many pending starts ever became ready.
  (global $readied (mut i32) (i32.const 0))
  (global $plast (mut i32) (i32.const 0))
  (table $ptab 1024 funcref)
  (type $resume (func (param i32) (result i32)))
  ;; Pending tasks (suspended callback-lifted tasks, `$tsave`): records of
  ;; 96 bytes (0 state: 0 free, 1 yielded, 2 waiting on a set, 3 running;
  ;; 4 ready order, 0 not ready; 8 the set it waits on; 32 its frame), and
  ;; four functions each in $ttab (the frame's three `calls`, its callback).
  ;; The table grows: any number of tasks may be pending.
  (global $trecs (mut i32) (i32.const 0))
  (global $tcap (mut i32) (i32.const 0))
  (table $ttab 0 funcref)
  (type $cbt (func (param i32 i32 i32) (result i32)))
  ;; Blocked waits on the stack (`$block`): (instance, set) pairs.
  (global $waits (mut i32) (i32.const 0))
  (global $nwaits (mut i32) (i32.const 0))
  (global $syncs (mut i32) (i32.const 0))
  ;; Async host calls in flight: the host's subtask handle -> (instance,
  ;; handle of its subtask here), 8 bytes each (`host_sub`).
  (global $hostpending (mut i32) (i32.const 0))
  ;; Of those, copies of host streams and futures (`$hs_start`).
  (global $hostcopies (mut i32) (i32.const 0))
  (global $hmap (mut i32) (i32.const 0))
  (global $hcap (mut i32) (i32.const 0))
  (global $tok (mut i32) (i32.const 0))

  (func $"handle is not an waitable-set" unreachable)
  (func $"handle is not a waitable-set" unreachable)
  (func $"handle is not a waitable" unreachable)
  (func $"handle is not a subtask" unreachable)
  (func $"cannot block a synchronous task before returning" unreachable)
  (func $"deadlock detected: event loop cannot make further progress" unreachable)
  (func $"backpressure counter overflow" unreachable)
  (func $"`task.cancel` called by task which has not been cancelled" unreachable)
  (func $"`task.return` or `task.cancel` called more than once for current task" unreachable)
  (func $"invalid `task.return` signature and/or options for current task" unreachable)
  (func $"async-lifted export failed to produce a result" unreachable)
  (func $"unsupported callback code" unreachable)
  (func $"cannot drop waitable set with waiters" unreachable)
  (func $"cannot drop a subtask which has not yet resolved" unreachable)
  (func $"meld: one-stack runtime: a sync-lowered caller would wait for a callee that suspended before task.return (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: a yield or wait would run a pending task (resuming pending tasks is not supported yet)" unreachable)
  (func $"meld: one-stack runtime: subtask.cancel of a pending subtask (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: a suspended task would keep handles borrowed or lent across its suspension (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: a pending start became ready while pending starts ran (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: more than 256 pending starts" unreachable)
  (func $"meld: one-stack runtime: a task started by an async call would suspend (a call, wait or yield of its own) and its caller resume first (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: a call into an instance that is busy or under backpressure would have to wait to start (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: a task below on the stack must resume before the one above it finishes (not supported yet)" unreachable)
  (func $"meld: one-stack runtime: more than 1024 nested blocking waits" unreachable)

  ;; Frame `i`'s address; the frame array grows on demand.
  (func $frame (param $i i32) (result i32)
    (local $new i32)
    (if (i32.ge_u (local.get $i) (global.get $fcap))
      (then
        (local.set $new (call $alloc (i32.mul (i32.add (i32.shl (global.get $fcap) (i32.const 1)) (i32.const 16)) (i32.const 64))))
        (memory.copy (local.get $new) (global.get $frames) (i32.mul (global.get $fcap) (i32.const 64)))
        (global.set $frames (local.get $new))
        (global.set $fcap (i32.add (i32.shl (global.get $fcap) (i32.const 1)) (i32.const 16)))))
    (i32.add (global.get $frames) (i32.mul (local.get $i) (i32.const 64))))

  (func $top (result i32) (call $frame (i32.sub (global.get $tdepth) (i32.const 1))))

  ;; Push a task running in instance `inst`; flags as in the layout.
  (func $push (param $inst i32) (param $flags i32) (result i32)
    (local $f i32)
    (local.set $f (call $frame (global.get $tdepth)))
    (memory.fill (local.get $f) (i32.const 0) (i32.const 64))
    (i32.store (local.get $f) (local.get $inst))
    (i32.store offset=4 (local.get $f) (local.get $flags))
    (i32.store offset=8 (local.get $f) (i32.const -1))
    (i32.store offset=36 (local.get $f) (global.get $may_block))
    (global.set $tdepth (i32.add (global.get $tdepth) (i32.const 1)))
    (local.get $f))

  (func $pop
    (local $f i32)
    (local.set $f (call $top))
    (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 32))
      (then (call $res_exit)))
    (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 8))
      (then (call $busy (i32.load (local.get $f)) (i32.const -1))))
    (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 16))
      (then (global.set $astarted (i32.sub (global.get $astarted) (i32.const 1)))))
    (global.set $may_block (i32.load offset=36 (local.get $f)))
    (global.set $tdepth (i32.sub (global.get $tdepth) (i32.const 1))))

  ;; Instance `inst`'s async state (backpressure, busy, pending tasks).
  (func $inst (param $inst i32) (result i32)
    (if (i32.ge_u (local.get $inst) (i32.const 4096))
      (then (call $"too many component instances with handle tables")))
    (if (i32.eqz (global.get $istate))
      (then (global.set $istate (call $alloc (i32.const 65536)))))
    (i32.add (global.get $istate) (i32.shl (local.get $inst) (i32.const 4))))

  (func $busy (param $inst i32) (param $d i32)
    (local $p i32)
    (if (i32.lt_s (local.get $inst) (i32.const 0)) (then (return)))
    (local.set $p (call $inst (local.get $inst)))
    (i32.store offset=4 (local.get $p) (i32.add (i32.load offset=4 (local.get $p)) (local.get $d)))
    (call $free_now (local.get $inst)))

  ;; Pending starts into `inst` become ready (in order) when it is free.
  (func $free_now (param $inst i32)
    (local $p i32) (local $r i32) (local $i i32)
    (if (i32.eqz (global.get $precs)) (then (return)))
    (local.set $p (call $inst (local.get $inst)))
    (if (i32.or (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))) (then (return)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
        (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $i) (i32.const 192))))
        (if (i32.and (i32.eq (i32.load (local.get $r)) (i32.const 1))
                     (i32.eq (i32.load offset=12 (local.get $r)) (local.get $inst)))
          (then
            (i32.store (local.get $r) (i32.const 2))
            (i32.store offset=4 (local.get $r) (global.get $seq))
            (global.set $seq (i32.add (global.get $seq) (i32.const 1)))
            (global.set $nready (i32.add (global.get $nready) (i32.const 1)))
            (global.set $readied (i32.add (global.get $readied) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Run ready pending start `id`: if its instance is busy or under
  ;; backpressure again it waits again; else it runs (the call shim's
  ;; resume function) and its subtask's new status is an event.
  (func $run_start (param $id i32)
    (local $r i32) (local $p i32) (local $st i32)
    (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $id) (i32.const 192))))
    (global.set $nready (i32.sub (global.get $nready) (i32.const 1)))
    (local.set $p (call $inst (i32.load offset=12 (local.get $r))))
    (if (i32.or (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))
      (then (i32.store (local.get $r) (i32.const 1)) (return)))
    (local.set $st (call_indirect $ptab (type $resume) (local.get $id)
      (i32.add (i32.shl (local.get $id) (i32.const 2)) (i32.const 3))))
    (call $raise (i32.load offset=8 (local.get $r)) (i32.load offset=16 (local.get $r))
                 (i32.and (local.get $st) (i32.const 15)))
    (i32.store (local.get $r) (i32.const 0)))

  ;; wasmtime's event loop turn where one-stack code reaches it (a call's
  ;; start, a call from the host): the pending starts that became ready
  ;; before it run in that order. One that is not ready any more waits
  ;; again; each that runs delivers its subtask's new status as an event.
  (func $turn
    (local $limit i32) (local $i i32) (local $r i32) (local $best i32) (local $was i32)
    (if (i32.eqz (global.get $nready)) (then (return)))
    (local.set $limit (global.get $seq))
    (local.set $was (global.get $readied))
    (loop $again
      (local.set $best (i32.const -1))
      (local.set $i (i32.const 0))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
          (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $i) (i32.const 192))))
          (if (i32.and (i32.eq (i32.load (local.get $r)) (i32.const 2))
                       (i32.lt_u (i32.load offset=4 (local.get $r)) (local.get $limit)))
            (then (if (i32.or (i32.lt_s (local.get $best) (i32.const 0))
                              (i32.lt_u (i32.load offset=4 (local.get $r))
                                        (i32.load offset=4 (i32.add (global.get $precs) (i32.mul (local.get $best) (i32.const 192))))))
              (then (local.set $best (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (if (i32.ge_s (local.get $best) (i32.const 0))
        (then
          (call $run_start (local.get $best))
          (br $again))))
    (if (i32.ne (global.get $readied) (local.get $was))
      (then (call $"meld: one-stack runtime: a pending start became ready while pending starts ran (not supported yet)"))))

  ;; The call just prepared cannot start (its instance is busy or under
  ;; backpressure) and its caller is async: it waits as a pending start
  ;; with a STARTING subtask in the caller's table. `callee`, `resume`: the
  ;; callee and the call shim's resume function; `site`: the shim's site.
  ;; The shim then saves the lower's parameters with `psave`.
  (func (export "defer") (param $callee funcref) (param $resume funcref) (param $site i32) (result i32)
    (local $f i32) (local $r i32) (local $id i32) (local $h i32) (local $b i32)
    (if (i32.eqz (global.get $precs))
      (then (global.set $precs (call $alloc (i32.const 49152)))))
    (block $found
      (loop $next
        (if (i32.ge_u (local.get $id) (i32.const 256))
          (then (call $"meld: one-stack runtime: more than 256 pending starts")))
        (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $id) (i32.const 192))))
        (br_if $found (i32.eqz (i32.load (local.get $r))))
        (local.set $id (i32.add (local.get $id) (i32.const 1)))
        (br $next)))
    (local.set $f (call $top))
    (local.set $b (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3)))
    (memory.copy (i32.add (local.get $r) (i32.const 64)) (local.get $f) (i32.const 64))
    (local.set $h (call $insert (i32.load offset=48 (local.get $f)) (i32.const 4) (i32.const -1) (i32.const 0) (i32.const 0)))
    (i32.store (local.get $r) (i32.const 1))
    (i32.store offset=8 (local.get $r) (i32.load offset=48 (local.get $f)))
    (i32.store offset=12 (local.get $r) (i32.load (local.get $f)))
    (i32.store offset=16 (local.get $r) (local.get $h))
    (i32.store offset=20 (local.get $r) (local.get $site))
    (table.copy $ptab $calls (i32.shl (local.get $id) (i32.const 2)) (local.get $b) (i32.const 2))
    (table.set $ptab (i32.add (i32.shl (local.get $id) (i32.const 2)) (i32.const 2)) (local.get $callee))
    (table.set $ptab (i32.add (i32.shl (local.get $id) (i32.const 2)) (i32.const 3)) (local.get $resume))
    (global.set $plast (local.get $r))
    ;; the prepared frame leaves the stack without having started
    (global.set $may_block (i32.load offset=36 (local.get $f)))
    (global.set $tdepth (i32.sub (global.get $tdepth) (i32.const 1)))
    (i32.shl (local.get $h) (i32.const 4)))

  (func (export "psave") (param $i i32) (param $v i64)
    (i64.store offset=128 (i32.add (global.get $plast) (i32.shl (local.get $i) (i32.const 3))) (local.get $v)))
  (func (export "psite") (param $id i32) (result i32)
    (i32.load offset=20 (i32.add (global.get $precs) (i32.mul (local.get $id) (i32.const 192)))))
  (func (export "pload") (param $id i32) (param $i i32) (result i64)
    (i64.load offset=128 (i32.add (i32.add (global.get $precs) (i32.mul (local.get $id) (i32.const 192)))
                                  (i32.shl (local.get $i) (i32.const 3)))))

  ;; A pending start runs (from `$turn`): its prepared frame back on the
  ;; stack, entered as `begin` does; flag 64: it has subtask handle (at 52).
  (func (export "rebegin") (param $id i32) (result i32)
    (local $r i32) (local $f i32) (local $need i32) (local $mb i32)
    (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $id) (i32.const 192))))
    (local.set $need (i32.mul (i32.add (global.get $tdepth) (i32.const 1)) (i32.const 3)))
    (if (i32.gt_u (local.get $need) (table.size $calls))
      (then (drop (table.grow $calls (ref.null func) (i32.sub (local.get $need) (table.size $calls))))))
    (local.set $mb (global.get $may_block))
    (local.set $f (call $frame (global.get $tdepth)))
    (memory.copy (local.get $f) (i32.add (local.get $r) (i32.const 64)) (i32.const 64))
    (i32.store offset=36 (local.get $f) (local.get $mb))
    (i32.store offset=52 (local.get $f) (i32.load offset=16 (local.get $r)))
    (global.set $tdepth (i32.add (global.get $tdepth) (i32.const 1)))
    (table.copy $calls $ptab (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3))
                (i32.shl (local.get $id) (i32.const 2)) (i32.const 3))
    (call $busy (i32.load (local.get $f)) (i32.const 1))
    (call $res_enter (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.store offset=4 (local.get $f) (i32.or (i32.load offset=4 (local.get $f)) (i32.const 120)))
    (global.set $astarted (i32.add (global.get $astarted) (i32.const 1)))
    (global.set $may_block (i32.and (i32.load offset=4 (local.get $f)) (i32.const 1)))
    (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3)))


  ;; Slot of live handle `h` of instance `t` (traps when unknown or free).
  (func $any (param $t i32) (param $h i32) (result i32)
    (local $s i32)
    (local.set $s (call $slot (call $header (local.get $t)) (local.get $h)))
    (if (i32.eqz (local.get $s)) (then (call $"unknown handle index")))
    (if (i32.eqz (i32.load (local.get $s))) (then (call $"unknown handle index")))
    (local.get $s))

  ;; A call from the host into instance `inst` (every export of an async
  ;; composition is entered through this): a fresh task.
  (func (export "host_enter") (param $inst i32)
    (local $f i32)
    (call $turn)
    (local.set $f (call $push (local.get $inst) (i32.const 10)))
    (call $busy (local.get $inst) (i32.const 1))
    (global.set $may_block (i32.const 0)))
  (func (export "host_exit") (call $pop))

  ;; enter-sync-call / exit-sync-call: the borrow scope plus a task. A
  ;; guest-to-guest sync call does not make its callee busy (wasmtime's
  ;; `do_not_enter` is set only around calls its event loop makes and calls
  ;; from the host).
  (func (export "sync_enter") (param $caller i32) (param $async i32) (param $callee i32)
    (call $res_enter (local.get $caller) (local.get $async) (local.get $callee))
    (drop (call $push (local.get $callee) (i32.or (i32.const 2) (i32.ne (local.get $async) (i32.const 0)))))
    (global.set $may_block (i32.ne (local.get $async) (i32.const 0))))
  (func (export "sync_exit")
    (call $res_exit)
    (call $pop))

  (func (export "ctx_get") (param $slot i32) (result i32)
    (i32.load offset=28 (i32.add (call $top) (i32.shl (local.get $slot) (i32.const 2)))))
  (func (export "ctx_set") (param $slot i32) (param $v i32)
    (i32.store offset=28 (i32.add (call $top) (i32.shl (local.get $slot) (i32.const 2))) (local.get $v)))

  (func (export "ws_new") (param $t i32) (result i32)
    (call $insert (local.get $t) (i32.const 3) (i32.const -1) (i32.const 0) (i32.const 0)))

  (func $ws (param $t i32) (param $h i32)
    (if (i32.ne (i32.load (call $any (local.get $t) (local.get $h))) (i32.const 3))
      (then (call $"handle is not an waitable-set"))))

  (func (export "ws_drop") (param $t i32) (param $h i32)
    (local $s i32)
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (if (i32.ne (i32.load (local.get $s)) (i32.const 3))
      (then (call $"handle is not a waitable-set")))
    (if (i32.load offset=8 (local.get $s))
      (then (call $"cannot drop waitable set with waiters")))
    (call $free (call $header (local.get $t)) (local.get $s) (local.get $h))
    (call $leave (local.get $t) (local.get $h)))

  ;; Subtasks of table `t` joined to set `h` leave it.
  (func $leave (param $t i32) (param $h i32)
    (local $hd i32) (local $i i32) (local $s i32)
    (local.set $hd (call $header (local.get $t)))
    (block $done
      (loop $next
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.gt_u (local.get $i) (i32.load offset=4 (local.get $hd))))
        (local.set $s (call $slot (local.get $hd) (local.get $i)))
        (if (i32.and (call $is_waitable (i32.load (local.get $s)))
                     (i32.eq (i32.load offset=12 (local.get $s)) (local.get $h)))
          (then (i32.store offset=12 (local.get $s) (i32.const 0))))
        (br $next))))

  ;; waitable-set.poll: a subtask's STARTED event is taken by the start
  ;; that made its handle, and a pending task never runs again from a
  ;; synchronous host call (wasmtime 48 runs the pending queue only while
  ;; every task on the stack waits), so no waitable ever has an event, and
  ;; no task is ever cancelled: the event is always NONE.
  (func (export "ws_poll") (param $t i32) (param $h i32) (result i32 i32 i32)
    (call $ws (local.get $t) (local.get $h))
    (call $take (local.get $t) (local.get $h)))

  ;; The first event (in handle order) of set `h` of instance `t`,
  ;; delivered: (event, handle, status), or (0, 0, 0).
  (func $take (param $t i32) (param $h i32) (result i32 i32 i32)
    (local $hd i32) (local $i i32) (local $s i32) (local $code i32) (local $sh i32)
    (local.set $hd (call $header (local.get $t)))
    (block $done
      (loop $next
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.gt_u (local.get $i) (i32.load offset=4 (local.get $hd))))
        (local.set $s (call $slot (local.get $hd) (local.get $i)))
        (if (i32.and (i32.eq (i32.load (local.get $s)) (i32.const 4))
              (i32.and (i32.eq (i32.load offset=12 (local.get $s)) (local.get $h))
                       (i32.ne (i32.and (i32.load offset=8 (local.get $s)) (i32.const 256)) (i32.const 0))))
          (then
            (i32.store offset=8 (local.get $s) (i32.and (i32.load offset=8 (local.get $s)) (i32.const 255)))
            (return (i32.const 1) (local.get $i) (i32.load offset=8 (local.get $s)))))
        ;; a stream or future end's copy result
        (if (i32.eq (i32.load offset=12 (local.get $s)) (local.get $h))
          (then
            (call $st_pending_event (local.get $s))
            (local.set $sh) (local.set $code)
            (if (local.get $code)
              (then
                (return (local.get $code) (local.get $i)
                  (call $st_deliver (local.get $sh)
                    (i32.and (i32.sub (i32.load (local.get $s)) (i32.const 6)) (i32.const 1))))))))
        (br $next)))
    (i32.const 0) (i32.const 0) (i32.const 0))

  ;; waitable-set.wait (`$async`: the async option): nothing can ever
  ;; arrive in this slice, so a task allowed to block waits forever, which
  ;; wasmtime reports as a deadlock.
  (func (export "ws_wait") (param $t i32) (param $async i32) (param $h i32) (result i32 i32 i32)
    (if (i32.eqz (local.get $async))
      (then (if (i32.eqz (global.get $may_block))
        (then (call $"cannot block a synchronous task before returning")))))
    (call $ws (local.get $t) (local.get $h))
    (call $suspends)
    (call $block (local.get $t) (local.get $h)))

  ;; waitable.join: the waitable must be one (a subtask: streams and
  ;; futures trap when made). Membership is not recorded: no waitable ever
  ;; has an event (see `ws_poll`).
  (func $is_waitable (param $k i32) (result i32)
    (i32.or (i32.eq (local.get $k) (i32.const 4))
            (i32.and (i32.ge_u (local.get $k) (i32.const 6)) (i32.le_u (local.get $k) (i32.const 9)))))
  (func $waitable (param $t i32) (param $h i32)
    (if (i32.eqz (call $is_waitable (i32.load (call $any (local.get $t) (local.get $h)))))
      (then (call $"handle is not a waitable"))))
  (func (export "join") (param $t i32) (param $w i32) (param $set i32)
    (call $waitable (local.get $t) (local.get $w))
    (if (local.get $set) (then (call $ws (local.get $t) (local.get $set))))
    (i32.store offset=12 (call $any (local.get $t) (local.get $w)) (local.get $set))
    (if (call $slot_has_event (call $any (local.get $t) (local.get $w)))
      (then (call $wake (local.get $t) (local.get $set)))))

  ;; subtask.drop: every subtask handle is of a callee that has not
  ;; returned (STARTED), which wasmtime refuses to drop.
  (func (export "subtask_drop") (param $t i32) (param $h i32)
    (local $s i32)
    (call $waitable (local.get $t) (local.get $h))
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (if (i32.ne (i32.load (local.get $s)) (i32.const 4))
      (then (call $"handle is not a subtask")))
    ;; resolved: RETURNED (2), START_CANCELLED (3) or RETURN_CANCELLED
    ;; (4), no event left
    (if (i32.or (i32.lt_u (i32.load offset=8 (local.get $s)) (i32.const 2))
                (i32.gt_u (i32.load offset=8 (local.get $s)) (i32.const 4)))
      (then (call $"cannot drop a subtask which has not yet resolved")))
    (call $free (call $header (local.get $t)) (local.get $s) (local.get $h)))

  ;; subtask.cancel: a pending start that has not started is taken out
  ;; of the queue and resolves as START_CANCELLED (3), as in wasmtime; for
  ;; a started one wasmtime would deliver CANCELLED to the pending callee's
  ;; callback, not done in this slice.
  (func (export "subtask_cancel") (param $t i32) (param $async i32) (param $h i32) (result i32)
    (local $s i32) (local $i i32) (local $r i32)
    (if (i32.eqz (local.get $async))
      (then (if (i32.eqz (global.get $may_block))
        (then (call $"cannot block a synchronous task before returning")))))
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (if (i32.ne (i32.load (local.get $s)) (i32.const 4))
      (then (call $"handle is not a subtask")))
    (if (i32.eqz (i32.load offset=8 (local.get $s)))
      (then
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
            (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $i) (i32.const 192))))
            (if (i32.and (i32.ne (i32.load (local.get $r)) (i32.const 0))
                  (i32.and (i32.eq (i32.load offset=8 (local.get $r)) (local.get $t))
                           (i32.eq (i32.load offset=16 (local.get $r)) (local.get $h))))
              (then
                (if (i32.eq (i32.load (local.get $r)) (i32.const 2))
                  (then (global.set $nready (i32.sub (global.get $nready) (i32.const 1)))))
                (i32.store (local.get $r) (i32.const 0))
                (br $done)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (i32.store offset=8 (local.get $s) (i32.const 3))
        (return (i32.const 3))))
    ;; resolved, its event not yet delivered: the status, delivered now
    (if (i32.and (i32.ge_u (i32.and (i32.load offset=8 (local.get $s)) (i32.const 15)) (i32.const 2))
                 (i32.ne (i32.and (i32.load offset=8 (local.get $s)) (i32.const 256)) (i32.const 0)))
      (then
        (i32.store offset=8 (local.get $s) (i32.and (i32.load offset=8 (local.get $s)) (i32.const 15)))
        (return (i32.load offset=8 (local.get $s)))))
    (if (i32.eq (i32.load offset=4 (local.get $s)) (i32.const -2))
      (then (call $"meld: subtask.cancel of an async host call (not supported yet)")))
    ;; a started callee, pending: a waiting one is resumed now with
    ;; TASK_CANCELLED; a yielded one gets it when it next runs (wasmtime)
    (local.set $i (i32.const 0))
    (block $none
      (loop $next
        (br_if $none (i32.ge_u (local.get $i) (global.get $tcap)))
        (local.set $r (i32.add (global.get $trecs) (i32.mul (local.get $i) (i32.const 96))))
        (if (i32.and (i32.and (i32.ne (i32.load (local.get $r)) (i32.const 0))
                              (i32.ne (i32.load (local.get $r)) (i32.const 3)))
              (i32.and (i32.eq (i32.load offset=80 (local.get $r)) (local.get $t))
                       (i32.and (i32.eq (i32.load offset=84 (local.get $r)) (local.get $h))
                                (i32.ne (i32.and (i32.load offset=36 (local.get $r)) (i32.const 64)) (i32.const 0)))))
          (then
            (i32.store offset=12 (local.get $r) (i32.const 1))
            (if (i32.eq (i32.load (local.get $r)) (i32.const 2))
              (then (call $tresume (local.get $i))))
            (br $none)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.ge_u (local.get $i) (global.get $tcap))
      (then (call $"meld: one-stack runtime: subtask.cancel of a pending subtask (not supported yet)")))
    (loop $wait
      (local.set $s (call $any (local.get $t) (local.get $h)))
      (if (i32.ge_u (i32.and (i32.load offset=8 (local.get $s)) (i32.const 15)) (i32.const 2))
        (then
          (i32.store offset=8 (local.get $s) (i32.and (i32.load offset=8 (local.get $s)) (i32.const 15)))
          (return (i32.load offset=8 (local.get $s)))))
      (if (local.get $async) (then (return (i32.const -1))))
      (if (call $run_one (i32.const -1)) (then (br $wait)))
      (if (call $host_progress) (then (br $wait))))
    (call $"deadlock detected: event loop cannot make further progress")
    (unreachable))

  (func (export "bp_add") (param $t i32) (param $d i32)
    (local $p i32) (local $v i32)
    (local.set $p (call $inst (local.get $t)))
    (local.set $v (i32.add (i32.load (local.get $p)) (local.get $d)))
    (if (i32.gt_u (local.get $v) (i32.const 0xffff))
      (then (call $"backpressure counter overflow")))
    (i32.store (local.get $p) (local.get $v))
    (if (i32.eqz (local.get $v)) (then (call $free_now (local.get $t)))))

  ;; The current task would suspend: trap if that resumed an async caller.
  (func $suspends
    (if (global.get $astarted)
      (then (call $"meld: one-stack runtime: a task started by an async call would suspend (a call, wait or yield of its own) and its caller resume first (not supported yet)"))))

  ;; thread.yield: a task that may block suspends, and wasmtime would run
  ;; any pending yielded task; one that may not block lets only pending
  ;; tasks of its own instance run (wasmtime's instance-local promotion).
  ;; Either way, with nothing pending it resumes at once.
  (func (export "yield") (param $cancellable i32) (result i32)
    (local $i i32)
    (if (global.get $may_block)
      (then
        (call $suspends)
        (call $round))
      (else
        (local.set $i (i32.load (call $top)))
        (if (i32.ge_s (local.get $i) (i32.const 0))
          (then (if (i32.or (i32.load offset=8 (call $inst (local.get $i))) (call $ready_in (local.get $i)))
            (then (call $"meld: one-stack runtime: a yield or wait would run a pending task (resuming pending tasks is not supported yet)")))))))
    (i32.const 0))

  ;; Whether a ready pending start is into instance `inst`.
  (func $ready_in (param $inst i32) (result i32)
    (local $i i32) (local $r i32)
    (if (i32.eqz (global.get $nready)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
        (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $i) (i32.const 192))))
        (if (i32.and (i32.eq (i32.load (local.get $r)) (i32.const 2))
                     (i32.eq (i32.load offset=12 (local.get $r)) (local.get $inst)))
          (then (return (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; task.cancel: only after TASK_CANCELLED was delivered (flag 256); it
  ;; resolves the task as CANCELLED_BEFORE_RETURNED (4) for its caller.
  (func (export "task_cancel")
    (local $f i32) (local $fl i32)
    (local.set $f (call $top))
    (local.set $fl (i32.load offset=4 (local.get $f)))
    (if (i32.eqz (i32.and (local.get $fl) (i32.const 256)))
      (then (call $"`task.cancel` called by task which has not been cancelled")))
    (if (i32.eqz (i32.and (local.get $fl) (i32.const 2)))
      (then (call $"`task.return` or `task.cancel` called more than once for current task")))
    (i32.store offset=4 (local.get $f) (i32.or (i32.xor (local.get $fl) (i32.const 2)) (i32.const 4)))
    (if (i32.and (local.get $fl) (i32.const 64))
      (then (call $raise (i32.load offset=48 (local.get $f)) (i32.load offset=52 (local.get $f)) (i32.const 4)))))

  ;; task.return of type `ty` with memory id `mem` (0: none) and string
  ;; encoding `enc`: checks the current task, returns (result kind, return
  ;; pointer) for the shim that calls the caller's `return` adapter.
  (func (export "task_return") (param $ty i32) (param $mem i32) (param $enc i32) (result i32 i32 i32)
    (local $f i32) (local $fl i32)
    (local.set $f (call $top))
    (local.set $fl (i32.load offset=4 (local.get $f)))
    (if (i32.eqz (i32.and (local.get $fl) (i32.const 2)))
      (then (call $"`task.return` or `task.cancel` called more than once for current task")))
    (i32.store offset=4 (local.get $f) (i32.xor (local.get $fl) (i32.const 2)))
    (if (i32.or
          (i32.or (i32.ne (local.get $ty) (i32.load offset=8 (local.get $f)))
                  (i32.ne (local.get $enc) (i32.load offset=16 (local.get $f))))
          (i32.and (i32.ne (local.get $mem) (i32.const 0))
                   (i32.ne (local.get $mem) (i32.load offset=12 (local.get $f)))))
      (then (call $"invalid `task.return` signature and/or options for current task")))
    (i32.store offset=4 (local.get $f) (i32.or (i32.load offset=4 (local.get $f)) (i32.const 4)))
    (if (i32.and (local.get $fl) (i32.const 512))
      (then (i32.store (call $sync_slot (i32.load offset=56 (local.get $f))) (i32.const 1))))
    ;; a subtask's caller sees RETURNED (an event)
    (if (i32.and (local.get $fl) (i32.const 64))
      (then (call $raise (i32.load offset=48 (local.get $f)) (i32.load offset=52 (local.get $f)) (i32.const 2))))
    (i32.load offset=20 (local.get $f))
    (i32.load offset=24 (local.get $f))
    (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3)))

  ;; Error contexts: a record in this memory (0 references, 4 string
  ;; encoding, 8 the length as the creator's options gave it, 12 bytes,
  ;; 16.. the message's bytes), its address the context's global id; each
  ;; instance's handle (kind 5) holds it as rep. Messages are small: the
  ;; shims copy them a byte at a time.
  (func $"handle is not an error-context" unreachable)
  (func $"meld: subtask.cancel of an async host call (not supported yet)" unreachable)
  (func (export "ec_new") (param $t i32) (param $nbytes i32) (param $enc i32) (param $len i32) (result i32 i32)
    (local $r i32)
    (local.set $r (call $alloc (i32.add (local.get $nbytes) (i32.const 16))))
    (i32.store (local.get $r) (i32.const 1))
    (i32.store offset=4 (local.get $r) (local.get $enc))
    (i32.store offset=8 (local.get $r) (local.get $len))
    (i32.store offset=12 (local.get $r) (local.get $nbytes))
    (call $insert (local.get $t) (i32.const 5) (i32.const -1) (local.get $r) (i32.const 0))
    (local.get $r))
  (func (export "ec_set") (param $r i32) (param $i i32) (param $b i32)
    (i32.store8 offset=16 (i32.add (local.get $r) (local.get $i)) (local.get $b)))
  (func (export "ec_get") (param $r i32) (param $i i32) (result i32)
    (i32.load8_u offset=16 (i32.add (local.get $r) (local.get $i))))
  (func $ec (param $t i32) (param $h i32) (result i32)
    (local $s i32)
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (if (i32.ne (i32.load (local.get $s)) (i32.const 5))
      (then (call $"handle is not an error-context")))
    (local.get $s))
  ;; (id, encoding, length, bytes) of handle `h` of instance `t`
  (func (export "ec_info") (param $t i32) (param $h i32) (result i32 i32 i32 i32)
    (local $r i32)
    (local.set $r (i32.load offset=8 (call $ec (local.get $t) (local.get $h))))
    (local.get $r) (i32.load offset=4 (local.get $r)) (i32.load offset=8 (local.get $r))
    (i32.load offset=12 (local.get $r)))
  (func (export "ec_drop") (param $t i32) (param $h i32)
    (local $s i32) (local $r i32)
    (local.set $s (call $ec (local.get $t) (local.get $h)))
    (local.set $r (i32.load offset=8 (local.get $s)))
    (i32.store (local.get $r) (i32.sub (i32.load (local.get $r)) (i32.const 1)))
    (call $free (call $header (local.get $t)) (local.get $s) (local.get $h)))
  ;; error-context.transfer: a new handle in `dst` for the same context
  (func (export "ec_transfer") (param $src i32) (param $h i32) (param $dst i32) (result i32)
    (local $r i32)
    (local.set $r (i32.load offset=8 (call $ec (local.get $src) (local.get $h))))
    (i32.store (local.get $r) (i32.add (i32.load (local.get $r)) (i32.const 1)))
    (call $insert (local.get $dst) (i32.const 5) (i32.const -1) (local.get $r) (i32.const 0)))

  (func (export "stash") (param $v i64)
    (local $f i32) (local $d i32)
    (local.set $f (call $top))
    (i64.store offset=40 (local.get $f) (local.get $v))
    ;; a sync-lowered caller waits for this task (`sync_wait`)
    (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 512))
      (then
        (local.set $d (call $sync_slot (i32.load offset=56 (local.get $f))))
        (i64.store offset=8 (local.get $d) (local.get $v)))))

  ;; Sync waits (`sync_wait`): 16 bytes per token modulo 1024 (0 done,
  ;; 8 the stashed result).
  (func $sync_slot (param $tok i32) (result i32)
    (if (i32.eqz (global.get $syncs)) (then (global.set $syncs (call $alloc (i32.const 16384)))))
    (i32.add (global.get $syncs) (i32.shl (i32.and (local.get $tok) (i32.const 1023)) (i32.const 4))))

  ;; After a sync-lowered call: status `st` 15 | token << 4 means its
  ;; callee suspended before task.return; the caller (which may block)
  ;; waits, running ready work on this stack, until the callee returns,
  ;; and the one-value result is where `stashed` reads it.
  (func (export "sync_wait") (param $st i32)
    (local $d i32)
    (if (i32.ne (i32.and (local.get $st) (i32.const 15)) (i32.const 15)) (then (return)))
    (local.set $d (call $sync_slot (i32.shr_u (local.get $st) (i32.const 4))))
    (loop $next
      (if (i32.eqz (i32.load (local.get $d)))
        (then
          (if (call $run_one (i32.const -1)) (then (br $next)))
          (if (call $host_progress) (then (br $next)))
          (call $stuck))))
    (i64.store offset=40 (call $frame (global.get $tdepth)) (i64.load offset=8 (local.get $d))))
  (func (export "stashed") (result i64) (i64.load offset=40 (call $frame (global.get $tdepth))))

  ;; prepare-call: a task for a call from `caller` into `callee`. `count` is
  ;; FACT's result_count_or_max_if_async, `last` the caller's last core
  ;; parameter (the return pointer when results go through memory), `sync`
  ;; 1 for a sync-lowered caller. Returns the frame index; the shim puts the
  ;; `start` and `return` functions at 3*index and 3*index+1 of `calls`.
  (func (export "prepare") (param $caller i32) (param $callee i32) (param $ty i32) (param $async i32)
                           (param $enc i32) (param $count i32) (param $mem i32) (param $last i32)
                           (param $sync i32) (result i32)
    (local $f i32) (local $kind i32) (local $need i32)
    (if (i32.and (local.get $sync) (i32.ne (local.get $async) (i32.const 0)))
      (then (if (i32.eqz (global.get $may_block))
        (then (call $"cannot block a synchronous task before returning")))))
    (local.set $kind
      (if (result i32) (local.get $sync)
        (then (if (result i32) (i32.gt_u (local.get $count) (i32.const 1))
          (then (i32.const 0))
          (else (i32.add (local.get $count) (i32.const 1)))))
        (else (if (result i32) (i32.eq (local.get $count) (i32.const -1))
          (then (i32.const 1)) (else (i32.const 0))))))
    (local.set $need (i32.mul (i32.add (global.get $tdepth) (i32.const 1)) (i32.const 3)))
    (if (i32.gt_u (local.get $need) (table.size $calls))
      (then (drop (table.grow $calls (ref.null func) (i32.sub (local.get $need) (table.size $calls))))))
    (local.set $f (call $push (local.get $callee)
      (i32.or (i32.or (i32.const 2) (i32.ne (local.get $async) (i32.const 0)))
              (select (i32.const 0) (i32.const 16) (local.get $sync)))))
    (i32.store offset=8 (local.get $f) (local.get $ty))
    (i32.store offset=48 (local.get $f) (local.get $caller))
    (i32.store offset=12 (local.get $f) (local.get $mem))
    (i32.store offset=16 (local.get $f) (local.get $enc))
    (i32.store offset=20 (local.get $f) (local.get $kind))
    (if (i32.eqz (local.get $kind)) (then (i32.store offset=24 (local.get $f) (local.get $last))))
    (i32.sub (global.get $tdepth) (i32.const 1)))

  ;; Start the prepared call, after the pending starts that are ready (a
  ;; turn of wasmtime's loop). Its instance must be free to enter: if not,
  ;; -1 for an async caller (the shim defers the call), a trap for a sync
  ;; one (it would wait).
  (func (export "begin") (result i32)
    (local $f i32) (local $p i32)
    (call $turn)
    (local.set $f (call $top))
    (local.set $p (call $inst (i32.load (local.get $f))))
    (if (i32.or (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))
      (then
        (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 16))
          (then (return (i32.const -1))))
        (call $"meld: one-stack runtime: a call into an instance that is busy or under backpressure would have to wait to start (not supported yet)")))
    (call $busy (i32.load (local.get $f)) (i32.const 1))
    ;; the callee task's borrow scope (the start adapter lends into it)
    (call $res_enter (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.store offset=4 (local.get $f) (i32.or (i32.load offset=4 (local.get $f)) (i32.const 40)))
    (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 16))
      (then (global.set $astarted (i32.add (global.get $astarted) (i32.const 1)))))
    (global.set $may_block (i32.and (i32.load offset=4 (local.get $f)) (i32.const 1)))
    (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3)))

  ;; A callback-lifted callee (or its callback) returned callback code
  ;; `code`. Returns -1 when its callback must be called now with
  ;; EVENT_NONE (a YIELD of a task that may not block), else the start's
  ;; status: RETURNED (2) when it exits, or suspends after task.return;
  ;; STARTED (1) | handle << 4 when it suspends before task.return, the
  ;; handle a new subtask in the caller's table. A suspended task is popped
  ;; and stays pending.
  (func $end (export "end_async") (param $code i32) (param $cb funcref) (result i32)
    (local $c i32) (local $f i32) (local $fl i32) (local $p i32) (local $s i32) (local $st i32)
    (local $set i32) (local $h i32)
    (local.set $c (i32.and (local.get $code) (i32.const 15)))
    (if (i32.gt_u (local.get $c) (i32.const 2))
      (then (call $"unsupported callback code")))
    (local.set $f (call $top))
    (local.set $fl (i32.load offset=4 (local.get $f)))
    (if (i32.eqz (local.get $c))
      (then
        (if (i32.eqz (i32.and (local.get $fl) (i32.const 4)))
          (then (call $"async-lifted export failed to produce a result")))
        (call $pop)
        (return (i32.const 2))))
    ;; may block: async-typed (1) or returned (4)
    (if (i32.eqz (i32.and (local.get $fl) (i32.const 5)))
      (then
        (if (i32.eq (local.get $c) (i32.const 1)) (then (return (i32.const -1))))
        (call $"cannot block a synchronous task before returning")))
    (local.set $p (call $inst (i32.load (local.get $f))))
    (if (i32.eq (local.get $c) (i32.const 2))
      (then
        (local.set $set (i32.shr_u (local.get $code) (i32.const 4)))
        (call $ws (i32.load (local.get $f)) (local.get $set))
        (local.set $s (call $any (i32.load (local.get $f)) (local.get $set)))
        (i32.store offset=8 (local.get $s) (i32.add (i32.load offset=8 (local.get $s)) (i32.const 1)))
        (i32.store offset=12 (local.get $p) (i32.add (i32.load offset=12 (local.get $p)) (i32.const 1))))
      (else
        (i32.store offset=8 (local.get $p) (i32.add (i32.load offset=8 (local.get $p)) (i32.const 1)))
        (global.set $yielded (i32.add (global.get $yielded) (i32.const 1)))))
    (if (i32.and (local.get $fl) (i32.const 4))
      (then (local.set $st (i32.const 2)))
      (else
        (if (i32.eqz (i32.and (local.get $fl) (i32.const 592)))
          (then
            (if (i32.eqz (i32.load offset=36 (local.get $f)))
              (then (call $"meld: one-stack runtime: a sync-lowered caller would wait for a callee that suspended before task.return (not supported yet)")))
            ;; its caller may block: it waits for the task (`sync_wait`)
            (global.set $tok (i32.add (global.get $tok) (i32.const 1)))
            (i32.store offset=56 (local.get $f) (global.get $tok))
            (local.set $fl (i32.or (local.get $fl) (i32.const 512)))
            (i32.store offset=4 (local.get $f) (local.get $fl))
            (i32.store (call $sync_slot (global.get $tok)) (i32.const 0))))
        (if (i32.and (local.get $fl) (i32.const 512))
          (then (local.set $st (i32.or (i32.const 15) (i32.shl (i32.load offset=56 (local.get $f)) (i32.const 4)))))
        (else (if (i32.and (local.get $fl) (i32.const 64))
          (then (local.set $st (i32.or (i32.const 1) (i32.shl (i32.load offset=52 (local.get $f)) (i32.const 4)))))
          (else
            (local.set $h (call $insert (i32.load offset=48 (local.get $f))
                            (i32.const 4) (i32.const -1) (i32.const 1) (i32.const 0)))
            ;; the task now has a subtask: its task.return raises RETURNED
            (i32.store offset=52 (local.get $f) (local.get $h))
            (i32.store offset=4 (local.get $f) (i32.or (i32.load offset=4 (local.get $f)) (i32.const 64)))
            (local.set $st (i32.or (i32.const 1) (i32.shl (local.get $h) (i32.const 4))))))))))
    ;; Its borrow scope is a stack: a pending task may not keep one open
    ;; with live borrows; without, closing it now releases its lends, which
    ;; wasmtime released as the borrows were dropped.
    (if (i32.load (call $scope))
      (then (call $"meld: one-stack runtime: a suspended task would keep handles borrowed or lent across its suspension (not supported yet)")))
    (call $tsave (local.get $f) (select (i32.const 2) (i32.const 1) (i32.eq (local.get $c) (i32.const 2)))
                 (local.get $set) (local.get $cb))
    (call $pop)
    (local.get $st))

"#;

/// The async additions after the event loop.
pub const ASYNC_EXT_TAIL_WAT: &str = r#"
  ;; A sync-lifted callee returned: its result is lowered by the shim (the
  ;; `return` adapter) with the caller's options, in the caller's task.
  (func (export "returned_sync") (result i32 i32)
    (local $f i32)
    (local.set $f (call $top))
    (i32.store offset=4 (local.get $f) (i32.or (i32.and (i32.load offset=4 (local.get $f)) (i32.const -3)) (i32.const 4)))
    (i32.load offset=20 (local.get $f))
    (i32.load offset=24 (local.get $f)))
  (func (export "end_sync") (result i32)
    (call $pop)
    (i32.const 2))
"#;

/// The async runtime's WAT: [`super::resources::RUNTIME_WAT`] with its
/// `enter`/`exit` named for the additions, and [`ASYNC_EXT_WAT`] inserted.
pub fn async_runtime_wat() -> String {
    let base = super::resources::RUNTIME_WAT
        .replace(
            r#"(func (export "enter") (param i32 i32 i32)"#,
            r#"(func $res_enter (export "enter") (param i32 i32 i32)"#,
        )
        .replace(
            r#"(func (export "exit")"#,
            r#"(func $res_exit (export "exit")"#,
        );
    let body = base
        .trim_end()
        .strip_suffix(')')
        .expect("the runtime's WAT ends with `)`");
    let body = body
        .strip_prefix("(module")
        .expect("the runtime's WAT starts with `(module`");
    format!(
        "(module{HOST_IMPORTS_WAT}{body}{ASYNC_EXT_WAT}{}{ASYNC_EXT_TAIL_WAT}{})",
        super::async_loop_wat::LOOP_WAT,
        super::async_streams_wat::STREAMS_WAT
    )
}
