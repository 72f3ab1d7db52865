//! The async parts of a generated composition (component-model async,
//! docs/async.md), split out of `wat_gen`:
//!
//! - a callee function lifted `async` with a `callback` (or stackful,
//!   without one, calling `task.return` and returning): its entry
//!   checksums the params as a sync one does, then hands the chosen
//!   candidate to `canon task.return` and returns EXIT (0), or returns
//!   YIELD (1) first and does the `task.return` from its callback (a
//!   global counts the yields), or calls `task.return` and then YIELDs
//!   once (the callback just EXITs);
//! - an async-lowered call in the caller: the core call returns a status,
//!   RETURNED (2) when the callee finished, else STARTED (1) | handle << 4:
//!   the caller joins the subtask to a waitable set and waits, either with
//!   a blocking `waitable-set.wait` or by returning WAIT (2 | set << 4)
//!   from `run` and going on in its callback;
//! - `run` lifted `async` with a callback (a state machine over the calls,
//!   resumed by the callback after each wait), or stackful when it waits
//!   blocking, its checksum handed to `canon task.return`;
//! - a concurrent `run`: every call first, then the waits for all the
//!   suspended subtasks at once (events in any order).
//!
//! What the async machinery itself should deliver (statuses, events, the
//! callback's NONE events) is checked but never hashed unless it is wrong
//! ([`ODD_ASYNC`]), so an async case has the same checksum as the same
//! values passed synchronously.

use std::collections::HashMap;
use std::fmt::Write;

use super::case::{CalleeLift, Case};
use super::layout::{self, CoreTy};
use super::types::TyId;
use super::values::HASH_INIT;
use super::wat_core::const_expr;
use super::wat_gen::{core_func_type_text, ty_ref, Candidates};

/// Hashed into the checksum when a status, event or callback argument is
/// not what the component model defines for the case.
pub const ODD_ASYNC: u64 = 0x0dd_a5c;

/// `canon task.return` of callee function `k`, with the lift's memory
/// (when it names one) and string encoding, as wasmtime requires.
pub fn task_return_def(case: &Case, k: usize, names: &HashMap<TyId, String>) -> String {
    let f = &case.funcs[k];
    let mut s = format!("(core func $ret{k} (canon task.return");
    if let Some(r) = f.sig.result {
        write!(s, " (result {})", ty_ref(&case.types, names, r)).unwrap();
    }
    if f.asy.task_return_memory {
        s.push_str(" (memory $libc \"mem\")");
    }
    if let Some(e) = f.lift.encoding {
        write!(s, " string-encoding={}", e.wat_name()).unwrap();
    }
    s + "))"
}

/// The params of callee function `k`'s `task.return`.
fn task_return_params(case: &Case, k: usize) -> Vec<CoreTy> {
    case.funcs[k]
        .sig
        .result
        .map(|r| layout::task_return_params(&case.types, r).0)
        .unwrap_or_default()
}

pub fn task_return_import(case: &Case, k: usize) -> String {
    format!(
        "(import \"\" \"ret{k}\" (func $ret{k}{}))",
        core_func_type_text(&task_return_params(case, k), &[])
    )
}

/// `task.return` of candidate `$k` of callee function `k`.
fn return_candidate(k: usize, cands: &Candidates) -> String {
    match cands {
        Candidates::None => format!("(call $ret{k})"),
        Candidates::Memory(table) => format!(
            "(call $ret{k} (i32.load (i32.add (i32.const {table}) (i32.shl (local.get $k) (i32.const 2)))))"
        ),
        Candidates::Flat(vals) => {
            let call = |v: &Vec<(CoreTy, u64)>| {
                let args: Vec<String> = v.iter().map(|x| const_expr(*x)).collect();
                format!("(call $ret{k} {})", args.join(" "))
            };
            let mut expr = call(vals.last().unwrap());
            for (i, v) in vals.iter().enumerate().rev().skip(1) {
                expr = format!(
                    "(if (i32.eq (local.get $k) (i32.const {i})) (then {}) (else {expr}))",
                    call(v)
                );
            }
            expr
        }
    }
}

/// The rest of an async-lifted callee entry after the candidate index is
/// in `$k` (closing the entry), and its callback `f<k>-cb`.
pub fn callee_async_tail(case: &Case, k: usize, cands: &Candidates, restore: &str) -> String {
    let ret = return_candidate(k, cands);
    let odd_event = "(i32.or (local.get $e) (i32.or (local.get $p1) (local.get $p2)))";
    let cb_head =
        format!("    (func (export \"f{k}-cb\") (param $e i32) (param $p1 i32) (param $p2 i32) (result i32) (local $k i32)");
    match case.funcs[k].asy.lift {
        CalleeLift::Sync => unreachable!("not an async lift"),
        CalleeLift::Stackful => format!("\n      {ret})\n"),
        // the callback of a task that EXITs at once is never called
        CalleeLift::Exit => format!(
            "\n      {ret}\n      (i32.const 0))\n{cb_head}\n      unreachable)\n"
        ),
        // the callback may run late (or not at all): it changes nothing,
        // and traps on a wrong event
        CalleeLift::ReturnThenYield => format!(
            "\n      {ret}\n      (i32.const 1))\n{cb_head}\n      (if {odd_event} (then unreachable))\n      (i32.const 0))\n"
        ),
        // the task's context slot 0: candidate << 8 | yields left
        CalleeLift::Yield(n) => format!(
            "\n      (call $cset (i32.or (i32.shl (local.get $k) (i32.const 8)) (i32.const {n})))\n      (i32.const 1))\n{cb_head}\n      \
             (if {odd_event} (then (global.set $h (global.get $seen)) (call $hw (i64.const {ODD_ASYNC})) (global.set $seen (global.get $h))))\n      \
             (local.set $k (i32.sub (call $cget) (i32.const 1)))\n      \
             (call $cset (local.get $k))\n      \
             (if (i32.and (local.get $k) (i32.const 255)) (then (return (i32.const 1))))\n      \
             (local.set $k (i32.shr_u (local.get $k) (i32.const 8))){restore}\n      {ret}\n      (i32.const 0))\n"
        ),
    }
}

/// The caller's async built-ins, as (name, definition, core import).
pub fn caller_builtins(case: &Case) -> Vec<(String, String, String)> {
    if !case.run_async {
        return Vec::new();
    }
    let b = |name: &str, canon: &str, ty: &str| {
        (
            name.to_string(),
            format!("(core func ${name} (canon {canon}))"),
            format!("(import \"\" \"{name}\" (func ${name} {ty}))"),
        )
    };
    vec![
        b("run_ret", "task.return (result u64)", "(param i64)"),
        b("wsnew", "waitable-set.new", "(result i32)"),
        b("join", "waitable.join", "(param i32 i32)"),
        b("sdrop", "subtask.drop", "(param i32)"),
        b(
            "wait",
            "waitable-set.wait (memory $libc \"mem\")",
            "(param i32 i32) (result i32)",
        ),
    ]
}

/// Globals (the last status, the state of an async `run`, its waitable
/// set) and helpers of the caller's core module.
pub fn caller_globals_and_helpers(case: &Case) -> String {
    let mut s = String::new();
    s.push_str("    (global $st (mut i32) (i32.const 0))\n");
    if !case.run_async {
        return s;
    }
    s.push_str("    (global $state (mut i32) (i32.const 0))\n");
    s.push_str("    (global $ws (mut i32) (i32.const 0))\n");
    // the waitable set, made at the first wait
    s.push_str(
        "    (func $set (result i32)\n      (if (i32.eqz (global.get $ws)) (then (global.set $ws (call $wsnew))))\n      (global.get $ws))\n",
    );
    if case.concurrent {
        s.push_str(&concurrent_globals_and_event(case));
        return s;
    }
    // the event for the subtask in $st: SUBTASK (1), its handle, RETURNED (2)
    write!(
        s,
        "    (func $event (param $e i32) (param $p1 i32) (param $p2 i32)\n      \
         (if (i32.or (i32.ne (local.get $e) (i32.const 1))\n            \
         (i32.or (i32.ne (local.get $p1) (i32.shr_u (global.get $st) (i32.const 4)))\n                    \
         (i32.ne (local.get $p2) (i32.const 2))))\n        \
         (then (call $hw (i64.const {ODD_ASYNC}))))\n      \
         (call $sdrop (i32.shr_u (global.get $st) (i32.const 4))))\n"
    )
    .unwrap();
    s
}

/// An async-lowered call `expr` (call `c` of the case, to function `k`):
/// the status checked, and a wait for a callee that suspends.
pub fn async_call(case: &Case, c: usize, k: usize, expr: &str, event_buf: u32) -> String {
    let f = &case.funcs[k];
    let mut s = format!("\n      (global.set $st {expr})");
    let status = "(i32.and (global.get $st) (i32.const 15))";
    if !f.asy.suspends() {
        write!(
            s,
            "\n      (if (i32.ne (global.get $st) (i32.const 2)) (then (call $hw (i64.const {ODD_ASYNC}))))"
        )
        .unwrap();
        return s;
    }
    assert!(case.run_async, "a sync run cannot wait");
    write!(
        s,
        "\n      (if (i32.ne {status} (i32.const 1)) (then (call $hw (i64.const {ODD_ASYNC}))))\n      \
         (if (i32.eq {status} (i32.const 1))\n        (then\n          \
         (call $join (i32.shr_u (global.get $st) (i32.const 4)) (call $set))"
    )
    .unwrap();
    if case.wait_in_callback {
        write!(
            s,
            "\n          (global.set $state (i32.const {}))\n          \
             (return (i32.or (i32.const 2) (i32.shl (call $set) (i32.const 4))))))",
            c + 1
        )
        .unwrap();
    } else {
        let eb = event_buf;
        write!(
            s,
            "\n          (call $event (call $wait (call $set) (i32.const {eb})) (i32.load (i32.const {eb})) (i32.load (i32.const {})))))",
            eb + 4
        )
        .unwrap();
    }
    s
}

/// An async `run`: `$step` runs the calls from state `$state` on (state
/// `s` finishes call `s - 1` and makes call `s`), returns WAIT when a call
/// must be waited for in the callback, and at the end hands the checksum
/// to `task.return` and EXITs. `calls` are each call's code (the call,
/// then the walk of its result); `locals` the flat result locals.
pub fn async_run(case: &Case, locals: &str, calls: &[(String, String)]) -> String {
    let n = calls.len();
    let mut s = format!("    (func $step (result i32){locals}");
    for i in (0..=n).rev() {
        write!(s, "\n      (block $s{i}").unwrap();
    }
    let targets: Vec<String> = (0..=n).map(|i| format!("$s{i}")).collect();
    write!(
        s,
        "\n      (br_table {} (global.get $state)))",
        targets.join(" ")
    )
    .unwrap();
    for i in 0..=n {
        if i > 0 {
            s.push_str(&calls[i - 1].1);
        }
        if i < n {
            s.push_str(&calls[i].0);
            s.push(')');
        }
    }
    s.push_str(&run_tail(case));
    s
}

// ---------------------------------------------------------------------------
// A concurrent `run`: every call first, then the waits.

/// The async-lowered calls of a concurrent `run` whose callee suspends.
fn suspending_calls(case: &Case) -> Vec<usize> {
    (0..case.order.len())
        .filter(|c| {
            let a = case.funcs[case.order[*c].0].asy;
            a.lower_async && a.suspends()
        })
        .collect()
}

/// `$st<c>` per suspending call (its status, 2 once its event came),
/// `$pending` (subtasks not yet returned), and `$event`: SUBTASK (1) for
/// one of the pending subtasks, RETURNED (2); the subtask is dropped.
fn concurrent_globals_and_event(case: &Case) -> String {
    let mut s = String::from("    (global $pending (mut i32) (i32.const 0))\n");
    let calls = suspending_calls(case);
    for c in &calls {
        writeln!(s, "    (global $st{c} (mut i32) (i32.const 0))").unwrap();
    }
    write!(
        s,
        "    (func $event (param $e i32) (param $p1 i32) (param $p2 i32) (local $hit i32)\n      \
         (if (i32.or (i32.ne (local.get $e) (i32.const 1)) (i32.ne (local.get $p2) (i32.const 2)))\n        \
         (then (call $hw (i64.const {ODD_ASYNC}))))"
    )
    .unwrap();
    for c in &calls {
        write!(
            s,
            "\n      (if (i32.and (i32.eq (i32.and (global.get $st{c}) (i32.const 15)) (i32.const 1))\n                   \
             (i32.eq (i32.shr_u (global.get $st{c}) (i32.const 4)) (local.get $p1)))\n        \
             (then (global.set $st{c} (i32.const 2)) (local.set $hit (i32.const 1))))"
        )
        .unwrap();
    }
    write!(
        s,
        "\n      (if (i32.eqz (local.get $hit)) (then (call $hw (i64.const {ODD_ASYNC}))))\n      \
         (call $sdrop (local.get $p1))\n      \
         (global.set $pending (i32.sub (global.get $pending) (i32.const 1))))\n"
    )
    .unwrap();
    s
}

/// An async-lowered call of a concurrent `run`: its status checked; a
/// started subtask joins the set and counts as pending.
pub fn concurrent_call(case: &Case, c: usize, k: usize, expr: &str) -> String {
    let f = &case.funcs[k];
    if !f.asy.suspends() {
        return format!(
            "\n      (global.set $st {expr})\n      \
             (if (i32.ne (global.get $st) (i32.const 2)) (then (call $hw (i64.const {ODD_ASYNC}))))"
        );
    }
    let status = format!("(i32.and (global.get $st{c}) (i32.const 15))");
    format!(
        "\n      (global.set $st{c} {expr})\n      \
         (if (i32.ne {status} (i32.const 1)) (then (call $hw (i64.const {ODD_ASYNC}))))\n      \
         (if (i32.eq {status} (i32.const 1))\n        (then\n          \
         (call $join (i32.shr_u (global.get $st{c}) (i32.const 4)) (call $set))\n          \
         (global.set $pending (i32.add (global.get $pending) (i32.const 1)))))"
    )
}

/// A concurrent async `run`: state 0 makes every call (walking the
/// results of the sync-lowered ones at once), then waits until no subtask
/// is pending (blocking, or WAIT from `$step` with state 1 and the
/// callback handling each event), then walks the rest in
/// [`Case::walk_order`], hands the checksum to `task.return` and EXITs.
pub fn concurrent_run(
    case: &Case,
    locals: &str,
    calls: &[(String, String)],
    event_buf: u32,
) -> String {
    let lowered_async = |c: usize| case.funcs[case.order[c].0].asy.lower_async;
    let mut s = format!(
        "    (func $step (result i32){locals}\n      (block $s1\n      (block $s0\n      \
         (br_table $s0 $s1 (global.get $state)))"
    );
    for (c, (pre, post)) in calls.iter().enumerate() {
        s.push_str(pre);
        if !lowered_async(c) {
            s.push_str(post);
        }
    }
    if case.wait_in_callback {
        s.push_str("\n      (global.set $state (i32.const 1)))");
        s.push_str(
            "\n      (if (global.get $pending)\n        \
             (then (return (i32.or (i32.const 2) (i32.shl (call $set) (i32.const 4))))))",
        );
    } else {
        write!(
            s,
            "\n      (block $done\n        (loop $next\n          \
             (br_if $done (i32.eqz (global.get $pending)))\n          \
             (call $event (call $wait (call $set) (i32.const {event_buf})) (i32.load (i32.const {event_buf})) (i32.load (i32.const {})))\n          \
             (br $next)))\n      (global.set $state (i32.const 1)))",
            event_buf + 4
        )
        .unwrap();
    }
    for c in case.walk_order() {
        if lowered_async(c) {
            s.push_str(&calls[c].1);
        }
    }
    s.push_str(&run_tail(case));
    s
}

/// The end of `$step`, `run` and `run-cb` of an async `run`.
fn run_tail(case: &Case) -> String {
    let mut s = String::from(
        "\n      (call $hw (call $seen))\n      (call $hw (i64.extend_i32_u (global.get $bad)))\n      \
         (call $run_ret (global.get $h))\n      (i32.const 0))\n",
    );
    // a stackful `run` returns nothing (it only ever waits blocking, so
    // `$step` runs to the end)
    let (result, call) = if case.run_stackful {
        ("", "(drop (call $step))")
    } else {
        (" (result i32)", "(call $step)")
    };
    write!(
        s,
        "    (func (export \"run\"){result}\n      (global.set $h (i64.const {}))\n      \
         (global.set $state (i32.const 0))\n      {call})\n",
        HASH_INIT as i64
    )
    .unwrap();
    s.push_str(
        "    (func (export \"run-cb\") (param $e i32) (param $p1 i32) (param $p2 i32) (result i32)\n      \
         (call $event (local.get $e) (local.get $p1) (local.get $p2))\n      (call $step)))\n",
    );
    s
}
