//! The async runtime's event loop on one stack (docs/async.md, "The event
//! loop on one stack"), part of [`super::async_rt_wat`]'s text: pending
//! tasks (`$tsave`, `$tresume`), subtask events and the sets they wake
//! (`$raise`, `$wake`), the choice of ready work (`$pick`, `$run_one`,
//! `$round`), blocking (`$block`, `$stuck`), async host calls
//! (`host_sub`, `$host_progress`), and the async export's loop
//! (`aexp_begin`, `aexp_step`).

/// The loop's functions, inserted into the runtime after `end_async`.
pub const LOOP_WAT: &str = r#"
  ;; Keep the suspended task of frame `f` (the top) as a pending task:
  ;; `state` 1 yielded (ready now), 2 waiting on `set`; `cb` its callback.
  (func $tsave (param $f i32) (param $state i32) (param $set i32) (param $cb funcref)
    (local $i i32) (local $r i32) (local $new i32) (local $n i32)
    (block $found
      (loop $next
        (if (i32.ge_u (local.get $i) (global.get $tcap))
          (then
            (local.set $n (i32.add (i32.shl (global.get $tcap) (i32.const 1)) (i32.const 16)))
            (local.set $new (call $alloc (i32.mul (local.get $n) (i32.const 96))))
            (memory.fill (local.get $new) (i32.const 0) (i32.mul (local.get $n) (i32.const 96)))
            (memory.copy (local.get $new) (global.get $trecs) (i32.mul (global.get $tcap) (i32.const 96)))
            (drop (table.grow $ttab (ref.null func) (i32.shl (i32.sub (local.get $n) (global.get $tcap)) (i32.const 2))))
            (global.set $trecs (local.get $new))
            (global.set $tcap (local.get $n))))
        (local.set $r (i32.add (global.get $trecs) (i32.mul (local.get $i) (i32.const 96))))
        (br_if $found (i32.eqz (i32.load (local.get $r))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (local.get $r) (local.get $state))
    (i32.store offset=4 (local.get $r) (i32.const 0))
    (if (i32.eq (local.get $state) (i32.const 1))
      (then (i32.store offset=4 (local.get $r) (call $next_seq))))
    (i32.store offset=8 (local.get $r) (local.get $set))
    (i32.store offset=12 (local.get $r) (i32.const 0))
    (memory.copy (i32.add (local.get $r) (i32.const 32)) (local.get $f) (i32.const 64))
    ;; not on the stack any more: not busy, no scope, no async caller below
    (i32.store offset=36 (local.get $r)
      (i32.or (i32.and (i32.load offset=4 (local.get $f)) (i32.const -57)) (i32.const 128)))
    (table.copy $ttab $calls (i32.shl (local.get $i) (i32.const 2))
                (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3)) (i32.const 3))
    (table.set $ttab (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 3)) (local.get $cb))
    ;; an event may already be waiting in its set
    (if (i32.eq (local.get $state) (i32.const 2))
      (then (call $wake (i32.load (local.get $f)) (local.get $set)))))

  (func $next_seq (result i32)
    (global.set $seq (i32.add (global.get $seq) (i32.const 1)))
    (i32.sub (global.get $seq) (i32.const 1)))

  ;; Subtask `h` of instance `t` has status `st`: an event for its caller
  ;; unless that status is already its status.
  (func $raise (param $t i32) (param $h i32) (param $st i32)
    (local $s i32)
    (local.set $s (call $slot (call $header (local.get $t)) (local.get $h)))
    (if (i32.eqz (local.get $s)) (then (return)))
    (if (i32.ne (i32.load (local.get $s)) (i32.const 4)) (then (return)))
    (if (i32.eq (i32.and (i32.load offset=8 (local.get $s)) (i32.const 15)) (local.get $st))
      (then (return)))
    (i32.store offset=8 (local.get $s) (i32.or (local.get $st) (i32.const 256)))
    (if (i32.load offset=12 (local.get $s))
      (then (call $wake (local.get $t) (i32.load offset=12 (local.get $s))))))

  ;; Set `set` of instance `t` has an event: pending tasks waiting on it
  ;; become ready, in the order their events came.
  (func $wake (param $t i32) (param $set i32)
    (local $i i32) (local $r i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $tcap)))
        (local.set $r (i32.add (global.get $trecs) (i32.mul (local.get $i) (i32.const 96))))
        (if (i32.and (i32.eq (i32.load (local.get $r)) (i32.const 2))
              (i32.and (i32.eqz (i32.load offset=4 (local.get $r)))
                (i32.and (i32.eq (i32.load offset=8 (local.get $r)) (local.get $set))
                         (i32.eq (i32.load offset=32 (local.get $r)) (local.get $t)))))
          (then (i32.store offset=4 (local.get $r) (call $next_seq))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; The ready work with the lowest order below `limit` whose instance may
  ;; be entered: a pending start (kind 1) or a pending task (kind 2), with
  ;; its index; (0, 0) when there is none.
  (func $pick (param $limit i32) (result i32 i32)
    (local $i i32) (local $r i32) (local $best i32) (local $kind i32) (local $idx i32)
    (local.set $best (local.get $limit))
    (if (global.get $nready)
      (then
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
            (local.set $r (i32.add (global.get $precs) (i32.mul (local.get $i) (i32.const 192))))
            (if (i32.and (i32.eq (i32.load (local.get $r)) (i32.const 2))
                         (i32.lt_u (i32.load offset=4 (local.get $r)) (local.get $best)))
              (then
                (local.set $best (i32.load offset=4 (local.get $r)))
                (local.set $kind (i32.const 1))
                (local.set $idx (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $tcap)))
        (local.set $r (i32.add (global.get $trecs) (i32.mul (local.get $i) (i32.const 96))))
        (if (i32.and
              (i32.and (i32.ne (i32.load (local.get $r)) (i32.const 0))
                       (i32.ne (i32.load (local.get $r)) (i32.const 3)))
              (i32.and (i32.ne (i32.load offset=4 (local.get $r)) (i32.const 0))
                       (i32.lt_u (i32.load offset=4 (local.get $r)) (local.get $best))))
          (then
            (if (i32.eqz (i32.load offset=4 (call $inst (i32.load offset=32 (local.get $r)))))
              (then
                (local.set $best (i32.load offset=4 (local.get $r)))
                (local.set $kind (i32.const 2))
                (local.set $idx (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $kind) (local.get $idx))

  ;; Run one piece of ready work ordered below `limit`; 0 if there is none.
  (func $run_one (param $limit i32) (result i32)
    (local $kind i32) (local $idx i32)
    (call $pick (local.get $limit))
    (local.set $idx) (local.set $kind)
    (if (i32.eqz (local.get $kind)) (then (return (i32.const 0))))
    (if (i32.eq (local.get $kind) (i32.const 2))
      (then (call $tresume (local.get $idx)))
      (else (call $run_start (local.get $idx))))
    (i32.const 1))

  ;; Resume pending task `i`: its frame back on the stack, its callback
  ;; called with its event (NONE after a yield; a waiting task takes the
  ;; first event of its set), then its callback code handled as `$end`
  ;; does (it may suspend again).
  (func $tresume (param $i i32)
    (local $r i32) (local $f i32) (local $need i32) (local $mb i32) (local $p i32)
    (local $ev i32) (local $h i32) (local $st i32) (local $code i32) (local $s i32)
    (local.set $r (i32.add (global.get $trecs) (i32.mul (local.get $i) (i32.const 96))))
    (local.set $p (call $inst (i32.load offset=32 (local.get $r))))
    (if (i32.eq (i32.load (local.get $r)) (i32.const 2))
      (then
        (if (i32.load offset=12 (local.get $r))
          (then (local.set $ev (i32.const 6)))
          (else
            (call $take (i32.load offset=32 (local.get $r)) (i32.load offset=8 (local.get $r)))
            (local.set $st) (local.set $h) (local.set $ev)))
        (if (i32.eqz (local.get $ev))
          (then (i32.store offset=4 (local.get $r) (i32.const 0)) (return)))
        (local.set $s (call $any (i32.load offset=32 (local.get $r)) (i32.load offset=8 (local.get $r))))
        (i32.store offset=8 (local.get $s) (i32.sub (i32.load offset=8 (local.get $s)) (i32.const 1)))
        (i32.store offset=12 (local.get $p) (i32.sub (i32.load offset=12 (local.get $p)) (i32.const 1))))
      (else
        (if (i32.load offset=12 (local.get $r)) (then (local.set $ev (i32.const 6))))
        (i32.store offset=8 (local.get $p) (i32.sub (i32.load offset=8 (local.get $p)) (i32.const 1)))
        (global.set $yielded (i32.sub (global.get $yielded) (i32.const 1)))))
    ;; TASK_CANCELLED delivered: the task may call task.cancel (flag 256)
    (if (i32.eq (local.get $ev) (i32.const 6))
      (then (i32.store offset=36 (local.get $r) (i32.or (i32.load offset=36 (local.get $r)) (i32.const 256)))))
    (i32.store (local.get $r) (i32.const 3))
    (local.set $need (i32.mul (i32.add (global.get $tdepth) (i32.const 1)) (i32.const 3)))
    (if (i32.gt_u (local.get $need) (table.size $calls))
      (then (drop (table.grow $calls (ref.null func) (i32.sub (local.get $need) (table.size $calls))))))
    (local.set $mb (global.get $may_block))
    (local.set $f (call $frame (global.get $tdepth)))
    (memory.copy (local.get $f) (i32.add (local.get $r) (i32.const 32)) (i32.const 64))
    (i32.store offset=36 (local.get $f) (local.get $mb))
    (global.set $tdepth (i32.add (global.get $tdepth) (i32.const 1)))
    (table.copy $calls $ttab (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3))
                (i32.shl (local.get $i) (i32.const 2)) (i32.const 3))
    (call $busy (i32.load (local.get $f)) (i32.const 1))
    (call $res_enter (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.store offset=4 (local.get $f) (i32.or (i32.load offset=4 (local.get $f)) (i32.const 40)))
    (global.set $may_block (i32.ne (i32.and (i32.load offset=4 (local.get $f)) (i32.const 5)) (i32.const 0)))
    (local.set $code (call_indirect $ttab (type $cbt) (local.get $ev) (local.get $h) (local.get $st)
      (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 3))))
    (loop $again
      (if (i32.eq (call $end (local.get $code)
                    (table.get $ttab (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 3))))
                  (i32.const -1))
        (then
          (local.set $code (call_indirect $ttab (type $cbt) (i32.const 0) (i32.const 0) (i32.const 0)
            (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 3))))
          (br $again))))
    ;; (the records may have moved while it ran)
    (i32.store (i32.add (global.get $trecs) (i32.mul (local.get $i) (i32.const 96))) (i32.const 0)))

  ;; A round of the loop for a yield: the work ready before it runs.
  (func $round
    (local $limit i32)
    (local.set $limit (call $next_seq))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (call $run_one (local.get $limit))))
        (br $next))))

  ;; Block the task on top until set `h` of instance `t` has an event,
  ;; running ready work meanwhile (on this stack, above the blocked task);
  ;; the event is delivered: (event, handle, status). When nothing can
  ;; run: a deadlock, unless a blocked wait below has its event (wasmtime
  ;; would resume that task first; this stack cannot).
  (func $block (param $t i32) (param $h i32) (result i32 i32 i32)
    (local $s i32) (local $ev i32) (local $a i32) (local $b i32) (local $i i32) (local $w i32)
    (if (i32.eqz (global.get $waits)) (then (global.set $waits (call $alloc (i32.const 8192)))))
    (if (i32.ge_u (global.get $nwaits) (i32.const 1024))
      (then (call $"meld: one-stack runtime: more than 1024 nested blocking waits")))
    (local.set $w (i32.add (global.get $waits) (i32.shl (global.get $nwaits) (i32.const 3))))
    (i32.store (local.get $w) (local.get $t))
    (i32.store offset=4 (local.get $w) (local.get $h))
    (global.set $nwaits (i32.add (global.get $nwaits) (i32.const 1)))
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (i32.store offset=8 (local.get $s) (i32.add (i32.load offset=8 (local.get $s)) (i32.const 1)))
    (block $got
      (loop $next
        (call $take (local.get $t) (local.get $h))
        (local.set $b) (local.set $a) (local.set $ev)
        (br_if $got (local.get $ev))
        (br_if $next (call $run_one (i32.const -1)))
        (br_if $next (call $host_progress))
        (global.set $nwaits (i32.sub (global.get $nwaits) (i32.const 1)))
        (call $stuck)))
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (i32.store offset=8 (local.get $s) (i32.sub (i32.load offset=8 (local.get $s)) (i32.const 1)))
    (global.set $nwaits (i32.sub (global.get $nwaits) (i32.const 1)))
    (local.get $ev) (local.get $a) (local.get $b))

  ;; Nothing can run and the task on top must wait: a deadlock, unless a
  ;; blocked wait below has its event or a sync wait below is done
  ;; (wasmtime would resume that task first; this stack cannot).
  (func $stuck
    (local $i i32) (local $w i32)
    (loop $below
      (if (i32.lt_u (local.get $i) (global.get $nwaits))
        (then
          (local.set $w (i32.add (global.get $waits) (i32.shl (local.get $i) (i32.const 3))))
          (if (call $has_event (i32.load (local.get $w)) (i32.load offset=4 (local.get $w)))
            (then (call $"meld: one-stack runtime: a task below on the stack must resume before the one above it finishes (not supported yet)")))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $below))))
    (call $"deadlock detected: event loop cannot make further progress"))

  ;; An async host call (`async_shims::host_call`) of instance `t`
  ;; returned `st`: a call the host has not finished gets a subtask here
  ;; (its type word -2: a host call), and the host's subtask joins the
  ;; bridge's set. Returns the status with this table's handle.
  (func (export "host_sub") (param $t i32) (param $st i32) (result i32)
    (local $wh i32) (local $h i32)
    (if (i32.ge_u (i32.and (local.get $st) (i32.const 15)) (i32.const 2))
      (then (return (local.get $st))))
    (local.set $wh (i32.shr_u (local.get $st) (i32.const 4)))
    (local.set $h (call $insert (local.get $t) (i32.const 4) (i32.const -2)
                    (i32.and (local.get $st) (i32.const 15)) (i32.const 0)))
    (call $hmap_set (local.get $wh) (local.get $t) (local.get $h))
    (global.set $hostpending (i32.add (global.get $hostpending) (i32.const 1)))
    (call $host_join (local.get $wh))
    (i32.or (i32.and (local.get $st) (i32.const 15)) (i32.shl (local.get $h) (i32.const 4))))

  ;; The host's waitable `wh` stands for (`a`, `b`): a subtask (instance,
  ;; handle here) or a host stream end (-1, its shared object).
  (func $hmap_set (param $wh i32) (param $a i32) (param $b i32)
    (local $new i32) (local $n i32)
    (if (i32.ge_u (local.get $wh) (global.get $hcap))
      (then
        (local.set $n (i32.add (i32.shl (local.get $wh) (i32.const 1)) (i32.const 16)))
        (local.set $new (call $alloc (i32.shl (local.get $n) (i32.const 3))))
        (memory.fill (local.get $new) (i32.const 0) (i32.shl (local.get $n) (i32.const 3)))
        (memory.copy (local.get $new) (global.get $hmap) (i32.shl (global.get $hcap) (i32.const 3)))
        (global.set $hmap (local.get $new))
        (global.set $hcap (local.get $n))))
    (i32.store (i32.add (global.get $hmap) (i32.shl (local.get $wh) (i32.const 3))) (local.get $a))
    (i32.store offset=4 (i32.add (global.get $hmap) (i32.shl (local.get $wh) (i32.const 3))) (local.get $b)))

  ;; Nothing here can run: wait for the host (blocking the whole module,
  ;; as the host sees it) if an async host call is in flight; its event
  ;; becomes its subtask's here. 0 when there is none.
  (func $host_progress (result i32)
    (if (i32.eqz (global.get $hostpending)) (then (return (i32.const 0))))
    (call $host_wait)
    (call $host_event)
    (i32.const 1))

  ;; The host's event `ev` on its waitable `wh`, with `st`.
  (func $host_event (param $ev i32) (param $wh i32) (param $st i32)
    (local $m i32)
    (local.set $m (i32.add (global.get $hmap) (i32.shl (local.get $wh) (i32.const 3))))
    ;; a copy of a host stream or future (STREAM_READ .. FUTURE_WRITE): the
    ;; in-module end's copy ends with it (we hold the host's writable end
    ;; when the module writes, its readable end when the module reads)
    (if (i32.and (i32.ge_u (local.get $ev) (i32.const 2)) (i32.le_u (local.get $ev) (i32.const 5)))
      (then
        (global.set $hostpending (i32.sub (global.get $hostpending) (i32.const 1)))
        (global.set $hostcopies (i32.sub (global.get $hostcopies) (i32.const 1)))
        (call $hs_done (i32.load offset=4 (local.get $m))
          (i32.and (local.get $ev) (i32.const 1)) (local.get $st))
        (return)))
    (if (i32.ne (local.get $ev) (i32.const 1)) (then (return)))
    (call $raise (i32.load (local.get $m)) (i32.load offset=4 (local.get $m))
                 (i32.and (local.get $st) (i32.const 15)))
    (if (i32.ge_u (i32.and (local.get $st) (i32.const 15)) (i32.const 2))
      (then
        (call $host_drop (local.get $wh))
        (global.set $hostpending (i32.sub (global.get $hostpending) (i32.const 1))))))

  ;; Whether set `h` of instance `t` has an undelivered event.
  (func $has_event (param $t i32) (param $h i32) (result i32)
    (local $hd i32) (local $i i32) (local $s i32)
    (local.set $hd (call $header (local.get $t)))
    (block $done
      (loop $next
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.gt_u (local.get $i) (i32.load offset=4 (local.get $hd))))
        (local.set $s (call $slot (local.get $hd) (local.get $i)))
        (if (i32.and (i32.eq (i32.load offset=12 (local.get $s)) (local.get $h))
                     (i32.ge_u (i32.load (local.get $s)) (i32.const 4)))
          (then (if (call $slot_has_event (local.get $s)) (then (return (i32.const 1))))))
        (br $next)))
    (i32.const 0))

  ;; An async export called by the host (`async_shims::async_export`): a
  ;; fresh task of instance `inst` that may block, whose task.return (type
  ;; `ty`, memory id `mem`, encoding `enc`) calls the host's `ret`.
  (func (export "aexp_begin") (param $inst i32) (param $ty i32) (param $mem i32) (param $enc i32) (param $ret funcref)
    (local $f i32) (local $need i32)
    (call $turn)
    (local.set $need (i32.mul (i32.add (global.get $tdepth) (i32.const 1)) (i32.const 3)))
    (if (i32.gt_u (local.get $need) (table.size $calls))
      (then (drop (table.grow $calls (ref.null func) (i32.sub (local.get $need) (table.size $calls))))))
    (local.set $f (call $push (local.get $inst) (i32.const 43)))
    (call $res_enter (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.store offset=8 (local.get $f) (local.get $ty))
    (i32.store offset=12 (local.get $f) (local.get $mem))
    (i32.store offset=16 (local.get $f) (local.get $enc))
    (i32.store offset=20 (local.get $f) (i32.const 1))
    (table.set $calls (i32.add (i32.mul (i32.sub (global.get $tdepth) (i32.const 1)) (i32.const 3)) (i32.const 1))
               (local.get $ret))
    (call $busy (local.get $inst) (i32.const 1))
    (global.set $may_block (i32.const 1)))

  ;; The async export's callback code: (1, ..) when it exited; else the
  ;; event its callback is called with, after a round of the loop (YIELD)
  ;; or once its set has an event (WAIT; its instance may be entered
  ;; meanwhile).
  (func (export "aexp_step") (param $code i32) (param $cb funcref) (result i32 i32 i32 i32)
    (local $c i32) (local $f i32) (local $inst i32) (local $set i32)
    (local $ev i32) (local $a i32) (local $b i32)
    (local.set $c (i32.and (local.get $code) (i32.const 15)))
    (local.set $f (call $top))
    (local.set $inst (i32.load (local.get $f)))
    (if (i32.eqz (local.get $c))
      (then
        (if (i32.eqz (i32.and (i32.load offset=4 (local.get $f)) (i32.const 4)))
          (then (call $"async-lifted export failed to produce a result")))
        (call $pop)
        (return (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))
    (if (i32.gt_u (local.get $c) (i32.const 2))
      (then (call $"unsupported callback code")))
    ;; After task.return the host has its result: the rest of the task is
    ;; pending work for later turns of the loop, as in wasmtime.
    (if (i32.and (i32.load offset=4 (local.get $f)) (i32.const 4))
      (then
        (drop (call $end (local.get $code) (local.get $cb)))
        (return (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))
    (call $busy (local.get $inst) (i32.const -1))
    (if (i32.eq (local.get $c) (i32.const 1))
      (then (call $round))
      (else
        (local.set $set (i32.shr_u (local.get $code) (i32.const 4)))
        (call $ws (local.get $inst) (local.get $set))
        (call $block (local.get $inst) (local.get $set))
        (local.set $b) (local.set $a) (local.set $ev)))
    (call $busy (local.get $inst) (i32.const 1))
    (i32.const 0) (local.get $ev) (local.get $a) (local.get $b))

  ;; The code an async export called by the host returns once its task
  ;; has exited: EXIT, or, while the module copies to or from a host
  ;; stream, WAIT on the bridge's set, so that wasmtime calls the export's
  ;; callback (`aexp_cb`) with the host's next event, as it keeps running
  ;; the composition's tasks: nothing else would resume the module when the
  ;; host copies.
  ;; Work left ready (a task that yielded after `task.return`) makes it
  ;; YIELD, so that wasmtime calls the callback again to run it, as wasmtime
  ;; runs such a task.
  (func $aexp_exit (export "aexp_exit") (result i32)
    (local $kind i32)
    (if (global.get $hostcopies)
      (then (return (i32.or (i32.const 2) (i32.shl (call $hs_set) (i32.const 4))))))
    (call $pick (i32.const -1))
    (drop)
    (local.set $kind)
    (i32.ne (local.get $kind) (i32.const 0)))

  ;; The callback of every async export: the host's event (none after a
  ;; YIELD), then a round of the work ready.
  (func (export "aexp_cb") (param $ev i32) (param $wh i32) (param $st i32) (result i32)
    (call $host_event (local.get $ev) (local.get $wh) (local.get $st))
    (call $round)
    (call $aexp_exit))
"#;
