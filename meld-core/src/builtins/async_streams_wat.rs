//! Streams and futures in the async runtime (issue 15, first slice;
//! docs/streams.md): the shared state of each stream or future lives in the
//! runtime's private memory, its two ends are handles in their instances'
//! tables (numbered with every other handle there), and element data moves
//! once, from the writer's memory to the reader's, through the copy hub
//! (`stream_shims::hub`, one `memory.copy` per rendezvous) that the
//! runtime calls through its `hub` table.
//!
//! A shared object (96 bytes, its address the id):
//!
//! ```text
//!  0 kind: 1 stream, 2 future      4 payload type id   8 element size
//! 36 numeric payload (or none)    72 payload layout (bools, for the hub)
//! 12 dropped (either end)         16 pending side: 0 none, 1 reader, 2 writer
//! 20 pending memory id   24 pending pointer   28 pending length   32 progress
//! 40 reader: instance, handle, state, event (-1: none)
//! 56 writer: instance, handle, state, event
//! ```
//!
//! End states: 0 idle, 1 copying, 2 cancelling, 3 done. Handle-table kinds:
//! 6 stream readable, 7 stream writable, 8 future readable, 9 future
//! writable; rep the shared object, aux the waitable set joined.
//! Events: STREAM_READ 2, STREAM_WRITE 3, FUTURE_READ 4, FUTURE_WRITE 5;
//! payload a copy result (COMPLETED 0, DROPPED 1, CANCELLED 2), for a
//! stream `| count << 4`.

/// The stream and future additions of the runtime.
pub const STREAMS_WAT: &str = r#"
  (table $hub (export "hub") 1 funcref)
  (type $copyt (func (param i32 i32 i32 i32 i32 i32)))
  (func $"handle is not a stream" unreachable)
  (func $"handle is not a future" unreachable)
  (func $"handle is a stream of a different type" unreachable)
  (func $"handle is a future of a different type" unreachable)
  (func $"cannot have concurrent operations active on a future/stream" unreachable)
  (func $"cannot read from future after previous read succeeded" unreachable)
  (func $"cannot write to future after previous write succeeded or readable end dropped" unreachable)
  (func $"stream or future read cancelled when no read is pending" unreachable)
  (func $"stream or future write cancelled when no write is pending" unreachable)
  (func $"cannot drop busy stream" unreachable)
  (func $"cannot drop busy future" unreachable)
  (func $"handle is not a readable end of a stream" unreachable)
  (func $"handle is not a readable end of a future" unreachable)
  (func $"cannot remove busy stream" unreachable)
  (func $"cannot remove busy future" unreachable)
  (func $"cannot lift stream after being notified that the writable end dropped" unreachable)
  (func $"cannot lift future after being notified that the writable end dropped" unreachable)
  (func $"a synchronous copy on an end that is in a waitable set" unreachable)
  (func $"cannot read after being notified that the writable end dropped" unreachable)
  (func $"cannot write after being notified that the readable end dropped" unreachable)
  (func $"cannot drop future write end without first writing a value" unreachable)
  (func $"cannot read from and write to intra-component future/stream with non-numeric payload" unreachable)
  (func $"cannot lift stream while it's in a waitable set" unreachable)
  (func $"cannot lift future while it's in a waitable set" unreachable)

  (func $sbase (param $sh i32) (param $side i32) (result i32)
    (i32.add (local.get $sh) (i32.add (i32.const 40) (i32.shl (local.get $side) (i32.const 4)))))

  ;; stream.new / future.new (`kind` 1 / 2) of instance `t`, payload type
  ;; `ty`, elements of `esize` bytes: readable | writable << 32.
  (func (export "st_new") (param $t i32) (param $kind i32) (param $ty i32) (param $esize i32) (result i64)
    (local $sh i32) (local $r i32) (local $w i32) (local $k i32)
    (local.set $sh (call $st_alloc (local.get $kind) (local.get $ty) (local.get $esize)))
    (local.set $kind (i32.load (local.get $sh)))
    (local.set $k (i32.add (i32.const 4) (i32.shl (local.get $kind) (i32.const 1))))
    (local.set $r (call $insert (local.get $t) (local.get $k) (local.get $ty) (local.get $sh) (i32.const 0)))
    (local.set $w (call $insert (local.get $t) (i32.add (local.get $k) (i32.const 1)) (local.get $ty) (local.get $sh) (i32.const 0)))
    (i32.store offset=40 (local.get $sh) (local.get $t))
    (i32.store offset=44 (local.get $sh) (local.get $r))
    (i32.store offset=56 (local.get $sh) (local.get $t))
    (i32.store offset=60 (local.get $sh) (local.get $w))
    (i64.or (i64.extend_i32_u (local.get $r)) (i64.shl (i64.extend_i32_u (local.get $w)) (i64.const 32))))

  ;; A shared object with no ends yet (`kind` as `st_new` takes it).
  (func $st_alloc (param $kind i32) (param $ty i32) (param $esize i32) (result i32)
    (local $sh i32)
    (local.set $sh (call $alloc (i32.const 96)))
    (memory.fill (local.get $sh) (i32.const 0) (i32.const 96))
    ;; `kind` | 16: a payload of numbers (or none), which one instance may
    ;; copy to itself
    (i32.store offset=36 (local.get $sh) (i32.and (i32.shr_u (local.get $kind) (i32.const 4)) (i32.const 1)))
    ;; `kind` >> 8: the payload's layout for the hub (bools to make 0/1)
    (i32.store offset=72 (local.get $sh) (i32.shr_u (local.get $kind) (i32.const 8)))
    (local.set $kind (i32.and (local.get $kind) (i32.const 15)))
    (i32.store (local.get $sh) (local.get $kind))
    (i32.store offset=4 (local.get $sh) (local.get $ty))
    (i32.store offset=8 (local.get $sh) (local.get $esize))
    (i32.store offset=52 (local.get $sh) (i32.const -1))
    (i32.store offset=68 (local.get $sh) (i32.const -1))
    (local.get $sh))

  ;; The slot of end `h` of instance `t`: a `kind` (1 stream, 2 future)
  ;; end of side `side` (0 readable, 1 writable) of payload type `ty`.
  (func $st_end (param $t i32) (param $kind i32) (param $side i32) (param $ty i32) (param $h i32) (result i32)
    (local $s i32) (local $k i32) (local $base i32)
    (local.set $s (call $any (local.get $t) (local.get $h)))
    (local.set $k (i32.load (local.get $s)))
    (local.set $base (i32.add (i32.const 4) (i32.shl (local.get $kind) (i32.const 1))))
    (if (i32.or (i32.lt_u (local.get $k) (local.get $base))
                (i32.gt_u (local.get $k) (i32.add (local.get $base) (i32.const 1))))
      (then
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (call $"handle is not a stream"))
          (else (call $"handle is not a future")))))
    (if (i32.ne (i32.load offset=4 (local.get $s)) (local.get $ty))
      (then
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (call $"handle is a stream of a different type"))
          (else (call $"handle is a future of a different type")))))
    ;; the other end (wasmtime's words for it)
    (if (i32.ne (local.get $k) (i32.add (local.get $base) (local.get $side)))
      (then (call $"cannot have concurrent operations active on a future/stream")))
    (local.get $s))

  ;; The event of side `side` of `sh` is `payload`; a set it joined wakes.
  (func $st_event (param $sh i32) (param $side i32) (param $payload i32)
    (local $b i32) (local $s i32)
    (local.set $b (call $sbase (local.get $sh) (local.get $side)))
    (i32.store offset=12 (local.get $b) (local.get $payload))
    (if (i32.eqz (i32.load offset=4 (local.get $b))) (then (return)))
    (local.set $s (call $slot (call $header (i32.load (local.get $b))) (i32.load offset=4 (local.get $b))))
    (if (i32.eqz (local.get $s)) (then (return)))
    (if (i32.load offset=12 (local.get $s))
      (then (call $wake (i32.load (local.get $b)) (i32.load offset=12 (local.get $s))))))

  ;; Deliver side `side`'s event: its payload, the end's state updated.
  (func $st_deliver (param $sh i32) (param $side i32) (result i32)
    (local $b i32) (local $p i32) (local $r i32)
    (local.set $b (call $sbase (local.get $sh) (local.get $side)))
    (local.set $p (i32.load offset=12 (local.get $b)))
    (i32.store offset=12 (local.get $b) (i32.const -1))
    ;; a copy that waited (and took part) ends when its event is delivered
    (if (i32.eq (i32.load offset=16 (local.get $sh)) (i32.add (local.get $side) (i32.const 1)))
      (then (i32.store offset=16 (local.get $sh) (i32.const 0))))
    (local.set $r (i32.and (local.get $p) (i32.const 15)))
    (i32.store offset=8 (local.get $b)
      (if (result i32) (i32.eq (i32.load (local.get $sh)) (i32.const 1))
        (then (select (i32.const 3) (i32.const 0) (i32.eq (local.get $r) (i32.const 1))))
        (else (select (i32.const 3) (i32.const 0) (i32.lt_u (local.get $r) (i32.const 2))))))
    (local.get $p))

  ;; The pending side's copy ends with `result` (its progress counted).
  (func $st_notify (param $sh i32) (param $result i32)
    (local $side i32)
    (local.set $side (i32.sub (i32.load offset=16 (local.get $sh)) (i32.const 1)))
    (i32.store offset=16 (local.get $sh) (i32.const 0))
    (call $st_event (local.get $sh) (local.get $side)
      (if (result i32) (i32.eq (i32.load (local.get $sh)) (i32.const 1))
        (then (i32.or (local.get $result) (i32.shl (i32.load offset=32 (local.get $sh)) (i32.const 4))))
        (else (local.get $result)))))

  ;; The waiting copy took part: its event says so (COMPLETED and its
  ;; count so far), and it stays open, taking more, until that event is
  ;; delivered (wasmtime's behaviour; the spec ends it at once).
  (func $st_progress (param $sh i32)
    (if (i32.eq (i32.load (local.get $sh)) (i32.const 2))
      (then (call $st_notify (local.get $sh) (i32.const 0)) (return)))
    (call $st_event (local.get $sh) (i32.sub (i32.load offset=16 (local.get $sh)) (i32.const 1))
      (i32.shl (i32.load offset=32 (local.get $sh)) (i32.const 4))))

  ;; Copy `n` elements between the pending side and (`mem`, `ptr`): the
  ;; writer's memory to the reader's, through the hub.
  (func $st_move (param $sh i32) (param $side i32) (param $mem i32) (param $ptr i32) (param $n i32)
    (local $es i32) (local $pp i32)
    (local.set $es (i32.load offset=8 (local.get $sh)))
    (if (i32.eqz (i32.mul (local.get $es) (local.get $n))) (then (return)))
    (local.set $pp (i32.add (i32.load offset=24 (local.get $sh))
                            (i32.mul (i32.load offset=32 (local.get $sh)) (local.get $es))))
    (if (local.get $side)
      (then ;; this side writes into the pending reader
        (call_indirect $hub (type $copyt)
          (i32.load offset=20 (local.get $sh)) (local.get $pp)
          (local.get $mem) (local.get $ptr)
          (i32.mul (local.get $n) (local.get $es)) (i32.load offset=72 (local.get $sh)) (i32.const 0)))
      (else ;; this side reads from the pending writer
        (call_indirect $hub (type $copyt)
          (local.get $mem) (local.get $ptr)
          (i32.load offset=20 (local.get $sh)) (local.get $pp)
          (i32.mul (local.get $n) (local.get $es)) (i32.load offset=72 (local.get $sh)) (i32.const 0)))))

  ;; {stream,future}.{read,write} (`side` 0 read, 1 write) of instance `t`
  ;; on end `h`, `n` elements at `ptr` in memory `mem`: the copy result
  ;; (with its count for a stream), or BLOCKED (-1) for an async copy that
  ;; waits; a sync copy runs ready work until it completes.
  (func (export "st_copy") (param $t i32) (param $kind i32) (param $side i32) (param $ty i32) (param $async i32)
                           (param $h i32) (param $mem i32) (param $ptr i32) (param $n i32) (result i32)
    (local $s i32) (local $sh i32) (local $b i32) (local $k i32) (local $rem i32)
    (local.set $s (call $st_end (local.get $t) (local.get $kind) (local.get $side) (local.get $ty) (local.get $h)))
    (local.set $sh (i32.load offset=8 (local.get $s)))
    (local.set $b (call $sbase (local.get $sh) (local.get $side)))
    ;; an idle end told that the other end dropped: the copy gets that
    (if (i32.and (i32.eqz (i32.load offset=8 (local.get $b)))
                 (i32.ne (i32.load offset=12 (local.get $b)) (i32.const -1)))
      (then (return (call $st_deliver (local.get $sh) (local.get $side)))))
    (if (i32.ne (i32.load offset=8 (local.get $b)) (i32.const 0))
      (then
        (if (i32.eq (i32.load offset=8 (local.get $b)) (i32.const 3))
          (then
            (if (i32.eq (local.get $kind) (i32.const 2))
              (then
                (if (local.get $side)
                  (then (call $"cannot write to future after previous write succeeded or readable end dropped"))
                  (else (call $"cannot read from future after previous read succeeded")))))
            (if (local.get $side)
              (then (call $"cannot write after being notified that the readable end dropped"))
              (else (call $"cannot read after being notified that the writable end dropped")))))
        (call $"cannot have concurrent operations active on a future/stream")))
    (if (i32.and (i32.eqz (local.get $async)) (i32.ne (i32.load offset=12 (local.get $s)) (i32.const 0)))
      (then (call $"a synchronous copy on an end that is in a waitable set")))
    (i32.store offset=8 (local.get $b) (i32.const 1))
    (block $done
      ;; the other end dropped
      (if (i32.load offset=12 (local.get $sh))
        (then (call $st_event (local.get $sh) (local.get $side) (i32.const 1)) (br $done)))
      ;; the other end is the host's: the host copies
      (if (i32.load offset=76 (local.get $sh))
        (then
          (local.set $k (call $hs_start (local.get $sh) (local.get $side) (local.get $mem) (local.get $ptr) (local.get $n)))
          (if (i32.ne (local.get $k) (i32.const -1))
            (then (call $hs_done (local.get $sh) (local.get $side) (local.get $k))))
          (br $done)))
      ;; nobody waiting: this copy waits
      (if (i32.eqz (i32.load offset=16 (local.get $sh)))
        (then
          (i32.store offset=16 (local.get $sh) (i32.add (local.get $side) (i32.const 1)))
          (i32.store offset=20 (local.get $sh) (local.get $mem))
          (i32.store offset=24 (local.get $sh) (local.get $ptr))
          (i32.store offset=28 (local.get $sh) (local.get $n))
          (i32.store offset=32 (local.get $sh) (i32.const 0))
          (br $done)))
      ;; the other side waits: a rendezvous
      (if (i32.and (i32.eqz (i32.load offset=36 (local.get $sh)))
                   (i32.eq (local.get $t)
                           (i32.load (call $sbase (local.get $sh) (i32.sub (i32.const 1) (local.get $side))))))
        (then (call $"cannot read from and write to intra-component future/stream with non-numeric payload")))
      (local.set $rem (i32.sub (i32.load offset=28 (local.get $sh)) (i32.load offset=32 (local.get $sh))))
      (if (local.get $rem)
        (then
          (local.set $k (select (local.get $rem) (local.get $n) (i32.lt_u (local.get $rem) (local.get $n))))
          (if (local.get $k)
            (then
              (call $st_move (local.get $sh) (local.get $side) (local.get $mem) (local.get $ptr) (local.get $k))
              (i32.store offset=32 (local.get $sh) (i32.add (i32.load offset=32 (local.get $sh)) (local.get $k)))
              (call $st_progress (local.get $sh))))
          (if (i32.and (i32.eqz (local.get $k)) (i32.eq (local.get $kind) (i32.const 1)))
            (then
              ;; a zero-length copy meets a waiting one: it completes, the
              ;; other waits on (the spec's rule)
              (call $st_event (local.get $sh) (local.get $side) (i32.const 0))
              (br $done)))
          (call $st_event (local.get $sh) (local.get $side)
            (if (result i32) (i32.eq (local.get $kind) (i32.const 1))
              (then (i32.shl (local.get $k) (i32.const 4)))
              (else (i32.const 0))))
          (br $done)))
      ;; the waiting side asked for nothing
      (if (i32.and (local.get $side) (i32.eqz (local.get $n)))
        (then (call $st_event (local.get $sh) (local.get $side) (i32.const 0)) (br $done)))
      (call $st_notify (local.get $sh) (i32.const 0))
      (i32.store offset=16 (local.get $sh) (i32.add (local.get $side) (i32.const 1)))
      (i32.store offset=20 (local.get $sh) (local.get $mem))
      (i32.store offset=24 (local.get $sh) (local.get $ptr))
      (i32.store offset=28 (local.get $sh) (local.get $n))
      (i32.store offset=32 (local.get $sh) (i32.const 0)))
    (call $st_finish (local.get $sh) (local.get $side) (local.get $async)))

  ;; The end's event now (delivered), or BLOCKED, or (sync) run ready work
  ;; until it comes.
  (func $st_finish (param $sh i32) (param $side i32) (param $async i32) (result i32)
    (local $b i32)
    (local.set $b (call $sbase (local.get $sh) (local.get $side)))
    (if (i32.eq (i32.load offset=12 (local.get $b)) (i32.const -1))
      (then
        (if (local.get $async) (then (return (i32.const -1))))
        (if (i32.eqz (global.get $may_block))
          (then (call $"cannot block a synchronous task before returning")))
        (loop $next
          (if (i32.eq (i32.load offset=12 (local.get $b)) (i32.const -1))
            (then
              (if (call $run_one (i32.const -1)) (then (br $next)))
              (if (call $host_progress) (then (br $next)))
              (call $stuck))))))
    (call $st_deliver (local.get $sh) (local.get $side)))

  ;; {stream,future}.cancel-{read,write}: the end's copy ends (CANCELLED,
  ;; with what it has copied) unless it already has its event.
  (func (export "st_cancel") (param $t i32) (param $kind i32) (param $side i32) (param $ty i32) (param $async i32)
                             (param $h i32) (result i32)
    (local $s i32) (local $sh i32) (local $b i32) (local $r i32)
    (local.set $s (call $st_end (local.get $t) (local.get $kind) (local.get $side) (local.get $ty) (local.get $h)))
    (local.set $sh (i32.load offset=8 (local.get $s)))
    (local.set $b (call $sbase (local.get $sh) (local.get $side)))
    (if (i32.ne (i32.load offset=8 (local.get $b)) (i32.const 1))
      (then
        (if (local.get $side)
          (then (call $"stream or future write cancelled when no write is pending"))
          (else (call $"stream or future read cancelled when no read is pending")))))
    (i32.store offset=8 (local.get $b) (i32.const 2))
    ;; a copy the host has not finished: the host cancels it (its result
    ;; now, or its event later)
    (if (i32.and (i32.ne (i32.load offset=76 (local.get $sh)) (i32.const 0))
                 (i32.eq (i32.load offset=12 (local.get $b)) (i32.const -1)))
      (then
        ;; (a synchronous cancel, out of the bridge's set meanwhile)
        (call $hs_leave (i32.load offset=76 (local.get $sh)))
        (local.set $r (call $hs_cancel (i32.load offset=80 (local.get $sh)) (local.get $side)
                        (i32.load offset=76 (local.get $sh))))
        (call $host_join (i32.load offset=76 (local.get $sh)))
        (if (i32.ne (local.get $r) (i32.const -1))
          (then
            (global.set $hostpending (i32.sub (global.get $hostpending) (i32.const 1)))
            (global.set $hostcopies (i32.sub (global.get $hostcopies) (i32.const 1)))
            (call $hs_done (local.get $sh) (local.get $side) (local.get $r))))
        (return (call $st_finish (local.get $sh) (local.get $side) (local.get $async)))))
    (if (i32.eq (i32.load offset=12 (local.get $b)) (i32.const -1))
      (then
        (if (i32.eq (i32.load offset=16 (local.get $sh)) (i32.add (local.get $side) (i32.const 1)))
          (then (call $st_notify (local.get $sh) (i32.const 2)))))
      (else
        ;; a copy that completed (in part) but was not reported yet is
        ;; reported as cancelled, with its count (as wasmtime does)
        (if (i32.eqz (i32.and (i32.load offset=12 (local.get $b)) (i32.const 15)))
          (then (i32.store offset=12 (local.get $b) (i32.or (i32.load offset=12 (local.get $b)) (i32.const 2)))))))
    (call $st_finish (local.get $sh) (local.get $side) (local.get $async)))

  ;; {stream,future}.drop-{readable,writable}: the handle goes; the other
  ;; side's waiting copy ends DROPPED.
  (func (export "st_drop") (param $t i32) (param $kind i32) (param $side i32) (param $ty i32) (param $h i32)
    (local $s i32) (local $sh i32) (local $b i32) (local $st i32)
    (local.set $s (call $st_end (local.get $t) (local.get $kind) (local.get $side) (local.get $ty) (local.get $h)))
    (local.set $sh (i32.load offset=8 (local.get $s)))
    (local.set $b (call $sbase (local.get $sh) (local.get $side)))
    (local.set $st (i32.load offset=8 (local.get $b)))
    (if (i32.or (i32.eq (local.get $st) (i32.const 1)) (i32.eq (local.get $st) (i32.const 2)))
      (then
        (if (local.get $side)
          (then
            (if (i32.eq (local.get $kind) (i32.const 1))
              (then (call $"cannot drop busy stream"))
              (else (call $"cannot drop busy future"))))
          (else
            (if (i32.eq (local.get $kind) (i32.const 1))
              (then (call $"cannot remove busy stream"))
              (else (call $"cannot remove busy future")))))))
    (if (i32.and (i32.and (i32.eq (local.get $kind) (i32.const 2)) (local.get $side))
                 (i32.ne (local.get $st) (i32.const 3)))
      (then (call $"cannot drop future write end without first writing a value")))
    (call $free (call $header (local.get $t)) (local.get $s) (local.get $h))
    (i32.store offset=4 (local.get $b) (i32.const 0))
    ;; the other end is the host's: drop ours there
    (if (i32.load offset=76 (local.get $sh))
      (then
        (call $hs_drop (i32.load offset=80 (local.get $sh)) (local.get $side) (i32.load offset=76 (local.get $sh)))
        (call $hmap_set (i32.load offset=76 (local.get $sh)) (i32.const 0) (i32.const 0))
        (i32.store offset=76 (local.get $sh) (i32.const 0))
        (i32.store offset=12 (local.get $sh) (i32.const 1))
        (return)))
    (if (i32.eqz (i32.load offset=12 (local.get $sh)))
      (then
        (i32.store offset=12 (local.get $sh) (i32.const 1))
        (if (i32.load offset=16 (local.get $sh))
          (then (call $st_notify (local.get $sh) (i32.const 1)))
          (else
            ;; an idle stream end still held gets the notice (wasmtime)
            (local.set $b (call $sbase (local.get $sh) (i32.sub (i32.const 1) (local.get $side))))
            (if (i32.and (i32.eq (local.get $kind) (i32.const 1))
                  (i32.and (i32.ne (i32.load offset=4 (local.get $b)) (i32.const 0))
                    (i32.and (i32.eqz (i32.load offset=8 (local.get $b)))
                             (i32.eq (i32.load offset=12 (local.get $b)) (i32.const -1)))))
              (then
                (call $st_event (local.get $sh) (i32.sub (i32.const 1) (local.get $side)) (i32.const 1)))))))))

  ;; {stream,future}.transfer: readable end `h` of instance `src` moves to
  ;; instance `dst` (a new handle there, of payload type `dty` as `dst`
  ;; sees it: a payload holding handles has a type per instance).
  (func (export "st_transfer") (param $kind i32) (param $src i32) (param $h i32) (param $dst i32) (param $dty i32) (result i32)
    (local $sh i32) (local $n i32)
    (local.set $sh (call $st_take (local.get $kind) (local.get $src) (local.get $h)))
    (local.set $n (call $insert (local.get $dst)
                    (i32.add (i32.const 4) (i32.shl (local.get $kind) (i32.const 1)))
                    (local.get $dty) (local.get $sh) (i32.const 0)))
    (i32.store offset=40 (local.get $sh) (local.get $dst))
    (i32.store offset=44 (local.get $sh) (local.get $n))
    (local.get $n))

  ;; Readable end `h` of instance `src` leaves its table (lifted): its
  ;; shared object.
  (func $st_take (param $kind i32) (param $src i32) (param $h i32) (result i32)
    (local $s i32) (local $sh i32) (local $k i32)
    (local.set $s (call $any (local.get $src) (local.get $h)))
    (local.set $k (i32.add (i32.const 4) (i32.shl (local.get $kind) (i32.const 1))))
    (if (i32.ne (i32.load (local.get $s)) (local.get $k))
      (then
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (call $"handle is not a readable end of a stream"))
          (else (call $"handle is not a readable end of a future")))))
    (if (i32.load offset=12 (local.get $s))
      (then
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (call $"cannot lift stream while it's in a waitable set"))
          (else (call $"cannot lift future while it's in a waitable set")))))
    (local.set $sh (i32.load offset=8 (local.get $s)))
    (if (i32.and (i32.ne (i32.load offset=48 (local.get $sh)) (i32.const 0))
                 (i32.ne (i32.load offset=48 (local.get $sh)) (i32.const 3)))
      (then
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (call $"cannot remove busy stream"))
          (else (call $"cannot remove busy future")))))
    (if (i32.eq (i32.load offset=48 (local.get $sh)) (i32.const 3))
      (then
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (call $"cannot lift stream after being notified that the writable end dropped"))
          (else (call $"cannot lift future after being notified that the writable end dropped")))))
    (call $free (call $header (local.get $src)) (local.get $s) (local.get $h))
    (i32.store offset=44 (local.get $sh) (i32.const 0))
    (local.get $sh))

  ;; --- Host streams and futures (docs/streams.md, "At the host boundary").
  ;; A stream or future one end of which is the host's keeps, in its
  ;; shared object: 76 the host's handle of the end the module holds there
  ;; (its writable end when the module writes, its readable end when it
  ;; reads), 80 the host type (the bridge's numbering), 84 the buffer in
  ;; the bridge's memory of a copy in flight, 88 the hub's id of the
  ;; bridge's side (its memory, or its site for elements with strings or
  ;; lists), 92 the blocks a write placed with the bridge's realloc;
  ;; a read in flight keeps its target at 20 (memory id) and 24 (pointer).
  ;; Elements pass through the bridge's memory: the hub copies them there
  ;; (from a writer) or from there (to a reader), the host's own
  ;; `stream.write`/`stream.read` take them from or put them there.

  ;; Readable end `h` (of a `kind` stream or future) of instance `t` goes
  ;; to the host, as host type `hty`, through the bridge memory `bmem`:
  ;; the host's readable handle.
  (func (export "st_to_host") (param $t i32) (param $kind i32) (param $hty i32) (param $bmem i32) (param $h i32) (result i32)
    (local $sh i32) (local $v i64) (local $wh i32) (local $r i32) (local $n i32) (local $es i32)
    (local.set $sh (call $st_take (local.get $kind) (local.get $t) (local.get $h)))
    ;; the host's own stream coming back: its handle again
    (if (local.tee $r (i32.load offset=76 (local.get $sh)))
      (then
        (call $hs_leave (local.get $r))
        (call $hmap_set (local.get $r) (i32.const 0) (i32.const 0))
        (i32.store offset=76 (local.get $sh) (i32.const 0))
        (return (local.get $r))))
    (local.set $v (call $hs_new (local.get $hty)))
    (local.set $wh (i32.wrap_i64 (i64.shr_u (local.get $v) (i64.const 32))))
    (i32.store offset=76 (local.get $sh) (local.get $wh))
    (i32.store offset=80 (local.get $sh) (local.get $hty))
    (i32.store offset=88 (local.get $sh) (local.get $bmem))
    (call $hmap_set (local.get $wh) (i32.const -1) (local.get $sh))
    (call $host_join (local.get $wh))
    ;; a write waiting for a reader goes to the host now
    (if (i32.and (i32.eq (i32.load offset=16 (local.get $sh)) (i32.const 2))
                 (i32.eq (i32.load offset=68 (local.get $sh)) (i32.const -1)))
      (then
        (i32.store offset=16 (local.get $sh) (i32.const 0))
        (local.set $es (i32.load offset=8 (local.get $sh)))
        (local.set $n (i32.sub (i32.load offset=28 (local.get $sh)) (i32.load offset=32 (local.get $sh))))
        (local.set $r (call $hs_start (local.get $sh) (i32.const 1) (i32.load offset=20 (local.get $sh))
                        (i32.add (i32.load offset=24 (local.get $sh))
                                 (i32.mul (i32.load offset=32 (local.get $sh)) (local.get $es)))
                        (local.get $n)))
        (if (i32.ne (local.get $r) (i32.const -1))
          (then (call $hs_done (local.get $sh) (i32.const 1) (local.get $r))))))
    ;; the writer is gone: so is the host's writable end
    (if (i32.and (i32.ne (i32.load offset=12 (local.get $sh)) (i32.const 0))
                 (i32.eqz (i32.load offset=60 (local.get $sh))))
      (then
        (call $hs_drop (local.get $hty) (i32.const 1) (local.get $wh))
        (call $hmap_set (local.get $wh) (i32.const 0) (i32.const 0))
        (i32.store offset=76 (local.get $sh) (i32.const 0))))
    (i32.wrap_i64 (local.get $v)))

  ;; The host's readable end `rh` (host type `hty`) comes into instance
  ;; `t` as a `kind` end of payload type `ty` (`kind` and `esize` as
  ;; `st_new` takes them): its handle there.
  (func (export "st_from_host") (param $t i32) (param $kind i32) (param $ty i32) (param $esize i32)
                                (param $hty i32) (param $bmem i32) (param $rh i32) (result i32)
    (local $sh i32) (local $r i32)
    (local.set $sh (call $st_alloc (local.get $kind) (local.get $ty) (local.get $esize)))
    (local.set $r (call $insert (local.get $t)
                    (i32.add (i32.const 4) (i32.shl (i32.load (local.get $sh)) (i32.const 1)))
                    (local.get $ty) (local.get $sh) (i32.const 0)))
    (i32.store offset=40 (local.get $sh) (local.get $t))
    (i32.store offset=44 (local.get $sh) (local.get $r))
    (i32.store offset=76 (local.get $sh) (local.get $rh))
    (i32.store offset=80 (local.get $sh) (local.get $hty))
    (i32.store offset=88 (local.get $sh) (local.get $bmem))
    (call $hmap_set (local.get $rh) (i32.const -1) (local.get $sh))
    (call $host_join (local.get $rh))
    (local.get $r))

  ;; Side `side`'s copy of `n` elements at (`mem`, `ptr`) on a host stream:
  ;; the host's result, or -1 when it is in flight (its event comes
  ;; through `host_progress`).
  (func $hs_start (param $sh i32) (param $side i32) (param $mem i32) (param $ptr i32) (param $n i32) (result i32)
    (local $bytes i32) (local $buf i32) (local $r i32) (local $mark i32)
    (local.set $bytes (i32.mul (local.get $n) (i32.load offset=8 (local.get $sh))))
    (local.set $buf (call $hs_alloc (local.get $bytes)))
    (i32.store offset=84 (local.get $sh) (local.get $buf))
    (i32.store offset=20 (local.get $sh) (local.get $mem))
    (i32.store offset=24 (local.get $sh) (local.get $ptr))
    (i32.store offset=92 (local.get $sh) (i32.const 0))
    (if (i32.and (local.get $side) (i32.ne (local.get $bytes) (i32.const 0)))
      (then
        ;; the strings and lists the copy places in the bridge's memory are
        ;; this copy's, freed with its buffer
        (local.set $mark (call $hs_mark))
        (call_indirect $hub (type $copyt)
          (i32.load offset=88 (local.get $sh)) (local.get $buf) (local.get $mem) (local.get $ptr)
          (local.get $bytes) (i32.load offset=72 (local.get $sh)) (i32.const 0))
        (i32.store offset=92 (local.get $sh) (call $hs_cut (local.get $mark)))))
    (local.set $r (call $hs_copy (i32.load offset=80 (local.get $sh)) (local.get $side)
                    (i32.load offset=76 (local.get $sh)) (local.get $buf) (local.get $n)))
    (if (i32.eq (local.get $r) (i32.const -1))
      (then
        (global.set $hostpending (i32.add (global.get $hostpending) (i32.const 1)))
        (global.set $hostcopies (i32.add (global.get $hostcopies) (i32.const 1)))))
    (local.get $r))

  ;; The host's copy for side `side` ended with `r`: a read's elements
  ;; move from the buffer to their target, the buffer is freed, the end's
  ;; event is `r`.
  (func $hs_done (param $sh i32) (param $side i32) (param $r i32)
    (local $n i32) (local $bytes i32)
    (local.set $n
      (if (result i32) (i32.eq (i32.load (local.get $sh)) (i32.const 1))
        (then (i32.shr_u (local.get $r) (i32.const 4)))
        (else (i32.eqz (i32.and (local.get $r) (i32.const 15))))))
    (local.set $bytes (i32.mul (local.get $n) (i32.load offset=8 (local.get $sh))))
    (if (i32.and (i32.eqz (local.get $side)) (i32.ne (local.get $bytes) (i32.const 0)))
      (then
        (call_indirect $hub (type $copyt)
          (i32.load offset=20 (local.get $sh)) (i32.load offset=24 (local.get $sh))
          (i32.load offset=88 (local.get $sh)) (i32.load offset=84 (local.get $sh))
          (local.get $bytes) (i32.load offset=72 (local.get $sh)) (i32.const 0))))
    (call $hs_free (i32.load offset=84 (local.get $sh)))
    (i32.store offset=84 (local.get $sh) (i32.const 0))
    (call $hs_free_chain (i32.load offset=92 (local.get $sh)))
    (i32.store offset=92 (local.get $sh) (i32.const 0))
    ;; what the host placed with the bridge's realloc for reads is freed
    ;; once no host copy is in flight (which read it belongs to is unknown)
    (if (i32.and (i32.eqz (local.get $side)) (i32.eqz (global.get $hostcopies)))
      (then (call $hs_free_chain (call $hs_cut (i32.const 0)))))
    (if (i32.eq (i32.and (local.get $r) (i32.const 15)) (i32.const 1))
      (then (i32.store offset=12 (local.get $sh) (i32.const 1))))
    (call $st_event (local.get $sh) (local.get $side) (local.get $r)))

  ;; A stream or future end with an undelivered event: its event code and
  ;; shared object (0: none).
  (func $st_pending_event (param $s i32) (result i32 i32)
    (local $k i32) (local $sh i32) (local $side i32)
    (local.set $k (i32.load (local.get $s)))
    (if (i32.or (i32.lt_u (local.get $k) (i32.const 6)) (i32.gt_u (local.get $k) (i32.const 9)))
      (then (return (i32.const 0) (i32.const 0))))
    (local.set $sh (i32.load offset=8 (local.get $s)))
    (local.set $side (i32.and (i32.sub (local.get $k) (i32.const 6)) (i32.const 1)))
    (if (i32.eq (i32.load offset=12 (call $sbase (local.get $sh) (local.get $side))) (i32.const -1))
      (then (return (i32.const 0) (i32.const 0))))
    (i32.sub (local.get $k) (i32.const 4))
    (local.get $sh))

  ;; Whether slot `s` (a subtask or a stream/future end) has an
  ;; undelivered event.
  (func $slot_has_event (param $s i32) (result i32)
    (local $code i32) (local $sh i32)
    (if (i32.eq (i32.load (local.get $s)) (i32.const 4))
      (then (return (i32.ne (i32.and (i32.load offset=8 (local.get $s)) (i32.const 256)) (i32.const 0)))))
    (call $st_pending_event (local.get $s))
    (local.set $sh) (local.set $code)
    (i32.ne (local.get $code) (i32.const 0)))
"#;
