//! Renders a [`Case`] as a component composition in WAT:
//!
//! - `$callee` exports `f: <sig>` (a core function that checksums what it
//!   received, walking its own memory, and returns one of several baked-in
//!   result values, chosen by that checksum) and `seen: func() -> u64`
//!   (the checksum, mixed with the number of post-return calls so far and
//!   a flag its realloc sets on a bad alignment argument);
//! - `$caller` has the arguments baked into its memory in its own encoding,
//!   calls `f`, checksums the result in its own memory, then mixes in
//!   `seen()` and its own realloc's bad-alignment flag; it exports
//!   `run: func() -> u64`;
//!
//! The generated code itself never traps: what it finds odd (a misaligned
//! pointer, an out-of-range discriminant) only changes the checksum, so a
//! trap always comes from the canonical ABI glue.
//! - optionally, `$proxy` sits in between: it imports every `f<N>` from the
//!   callee (lowering into its own memory, in its own encoding) and exports
//!   it again, its core code forwarding the core values unchanged;
//! - the composition instantiates them and re-exports `run`.
//!
//! An async case ([`Case::is_async`]) adds callback lifts, async lowers
//! and an async `run` ([`super::wat_async`]); the callee then keeps its
//! memory, allocator and data in a `$libc` instance of its own, which its
//! `canon task.return`s name. A synchronous case renders as before.

use std::collections::HashMap;
use std::fmt::Write;

use super::case::{CalleeLift, CanonOpts, Case, MutSide};
use super::layout::{self, CoreTy};
use super::rng::Rng;
use super::types::{Encoding, FuncSig, Ty, TyId, Types};
#[allow(unused_imports)]
use super::values::{Image, Lowerer, Val, HASH_INIT, HASH_MUL};
use super::wat_async;
#[allow(unused_imports)]
use super::wat_core::*;

/// Where both sides' baked-in data starts.
pub const IMAGE_BASE: u32 = 1024;
/// The bytes around the caller's return area start as this, and the ones
/// right after it must stay so.
pub const GUARD_BYTE: u8 = 0xcc;
pub const GUARD_WORD: u64 = 0xcccc_cccc_cccc_cccc;

// ---------------------------------------------------------------------------
// Data: both sides' memory images.

/// How the caller passes its arguments.
pub enum ArgPass {
    Flat(Vec<(CoreTy, u64)>),
    /// A pointer to the params tuple in the caller's memory.
    Spilled(u32),
}

/// One call as the caller makes it.
pub struct CallData {
    pub args: ArgPass,
    /// The return area, when the result travels through memory.
    pub retptr: Option<u32>,
}

pub struct CallerData {
    pub img: Image,
    /// Per call of [`Case::order`].
    pub calls: Vec<CallData>,
    /// Per call, the mutation sites in its arguments.
    pub sites: Vec<usize>,
}

/// What the callee returns, per candidate.
pub enum Candidates {
    None,
    /// Per candidate, its flat values (one for a sync lift).
    Flat(Vec<Vec<(CoreTy, u64)>>),
    /// The address of a table of candidate addresses (u32 each).
    Memory(u32),
}

pub struct CalleeData {
    pub img: Image,
    /// Per function.
    pub candidates: Vec<Candidates>,
    /// Per function and candidate, the mutation sites in it.
    pub sites: Vec<Vec<usize>>,
}

fn fill_byte(dirty: bool) -> u8 {
    if dirty {
        0xa5
    } else {
        0
    }
}

/// Lowers `f` with `lw`, with the mutation (if any) counted from here.
fn lowering<T>(
    lw: &mut Lowerer,
    mutate: Option<usize>,
    f: impl FnOnce(&mut Lowerer) -> T,
) -> (T, usize) {
    let base = lw.sites;
    lw.mutate = mutate.map(|m| m + base);
    let out = f(lw);
    lw.mutate = None;
    (out, lw.sites - base)
}

/// The caller's memory image; `mutate` = (call, site).
pub fn caller_data(case: &Case, mutate: Option<(usize, usize)>) -> CallerData {
    let types = &case.types;
    let mut lw = Lowerer {
        types,
        enc: Encoding::Utf8,
        img: Image::new(IMAGE_BASE, fill_byte(case.dirty)),
        rng: Rng::new(case.dirt_seed ^ 0xca11e4),
        dirty: case.dirty,
        mutate: None,
        sites: 0,
    };
    let mut calls = Vec::new();
    let mut sites = Vec::new();
    for (c, &(k, j)) in case.order.iter().enumerate() {
        let f = &case.funcs[k];
        let lower = f.caller_sig(types);
        lw.enc = f.caller_enc;
        let tuple = f.sig.params_tuple;
        let val = Val::Seq(f.calls[j].clone());
        let m = mutate.filter(|m| m.0 == c).map(|m| m.1);
        let (args, n) = lowering(&mut lw, m, |lw| {
            if lower.params_spilled {
                let addr = lw
                    .img
                    .alloc(layout::size(types, tuple), layout::alignment(types, tuple));
                lw.store(tuple, &val, addr);
                ArgPass::Spilled(addr)
            } else {
                let mut flat = Vec::new();
                lw.flat(tuple, &val, &mut flat);
                ArgPass::Flat(flat)
            }
        });
        sites.push(n);
        let retptr = lower.result_in_memory.then(|| {
            let r = f.sig.result.unwrap();
            let size = layout::size(types, r) + 8;
            let addr = lw.img.alloc(size, layout::alignment(types, r));
            lw.img.fill_range(addr, size, GUARD_BYTE);
            addr
        });
        calls.push(CallData { args, retptr });
    }
    CallerData {
        img: lw.img,
        calls,
        sites,
    }
}

/// The callee's memory image; `mutate` = (function, candidate, site).
pub fn callee_data(case: &Case, mutate: Option<(usize, usize, usize)>) -> CalleeData {
    let types = &case.types;
    let mut lw = Lowerer {
        types,
        enc: Encoding::Utf8,
        img: Image::new(IMAGE_BASE, fill_byte(case.dirty)),
        rng: Rng::new(case.dirt_seed ^ 0xca11ee),
        dirty: case.dirty,
        mutate: None,
        sites: 0,
    };
    let mut all = Vec::new();
    let mut sites = Vec::new();
    for (k, f) in case.funcs.iter().enumerate() {
        lw.enc = f.callee_enc;
        let in_memory = f.callee_result_in_memory(types);
        let Some(r) = f.sig.result else {
            all.push(Candidates::None);
            sites.push(Vec::new());
            continue;
        };
        let mut flat = Vec::new();
        let mut addrs = Vec::new();
        let mut f_sites = Vec::new();
        for (i, v) in f.candidates.iter().enumerate() {
            let m = mutate.filter(|m| (m.0, m.1) == (k, i)).map(|m| m.2);
            let ((), n) = lowering(&mut lw, m, |lw| {
                if in_memory {
                    let addr = lw
                        .img
                        .alloc(layout::size(types, r), layout::alignment(types, r));
                    lw.store(r, v, addr);
                    addrs.push(addr);
                } else {
                    let mut vals = Vec::new();
                    lw.flat(r, v, &mut vals);
                    // one value for a sync lift; up to 16 for task.return
                    assert!(f.asy.lift_async() || vals.len() == 1);
                    flat.push(vals);
                }
            });
            f_sites.push(n);
        }
        sites.push(f_sites);
        all.push(if in_memory {
            let table = lw.img.alloc(4 * addrs.len() as u32, 4);
            for (i, a) in addrs.iter().enumerate() {
                lw.img.write(table + 4 * i as u32, &a.to_le_bytes());
            }
            Candidates::Memory(table)
        } else {
            Candidates::Flat(flat)
        });
    }
    CalleeData {
        img: lw.img,
        candidates: all,
        sites,
    }
}

// ---------------------------------------------------------------------------
// Component-level types.

/// Names (`$tN`) of the nominal types the signature uses, children first.
pub(super) fn nominal_names(types: &Types, roots: &[TyId]) -> (Vec<TyId>, HashMap<TyId, String>) {
    let order: Vec<TyId> = types
        .reachable(roots)
        .into_iter()
        .filter(|id| types.get(*id).is_nominal())
        .collect();
    let names = order
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, format!("t{i}")))
        .collect();
    (order, names)
}

pub(super) fn ty_ref(types: &Types, names: &HashMap<TyId, String>, id: TyId) -> String {
    if let Some(n) = names.get(&id) {
        return format!("${n}");
    }
    let r = |t: TyId| ty_ref(types, names, t);
    match types.get(id) {
        Ty::Bool => "bool".into(),
        Ty::U8 => "u8".into(),
        Ty::S8 => "s8".into(),
        Ty::U16 => "u16".into(),
        Ty::S16 => "s16".into(),
        Ty::U32 => "u32".into(),
        Ty::S32 => "s32".into(),
        Ty::U64 => "u64".into(),
        Ty::S64 => "s64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::Char => "char".into(),
        Ty::String => "string".into(),
        Ty::List(e) => format!("(list {})", r(*e)),
        // The entry tuple's two fields are the key and the value.
        Ty::Map(e) => {
            let kv: Vec<String> = types.children(*e).into_iter().map(r).collect();
            format!("(map {})", kv.join(" "))
        }
        Ty::Tuple(fs) => {
            let fs: Vec<String> = fs.iter().map(|f| r(*f)).collect();
            format!("(tuple {})", fs.join(" "))
        }
        Ty::Option(t) => format!("(option {})", r(*t)),
        Ty::Result(ok, err) => {
            let mut s = String::from("(result");
            if let Some(t) = ok {
                write!(s, " {}", r(*t)).unwrap();
            }
            if let Some(t) = err {
                write!(s, " (error {})", r(*t)).unwrap();
            }
            s + ")"
        }
        Ty::Record(_) | Ty::Variant(_) | Ty::Enum(_) | Ty::Flags(_) => {
            unreachable!("nominal types are named")
        }
    }
}

pub(super) fn ty_def(types: &Types, names: &HashMap<TyId, String>, id: TyId) -> String {
    let r = |t: TyId| ty_ref(types, names, t);
    match types.get(id) {
        Ty::Record(fs) => {
            let fs: Vec<String> = fs
                .iter()
                .enumerate()
                .map(|(i, f)| format!("(field \"f{i}\" {})", r(*f)))
                .collect();
            format!("(record {})", fs.join(" "))
        }
        Ty::Variant(cs) => {
            let cs: Vec<String> = cs
                .iter()
                .enumerate()
                .map(|(i, c)| match c {
                    Some(t) => format!("(case \"c{i}\" {})", r(*t)),
                    None => format!("(case \"c{i}\")"),
                })
                .collect();
            format!("(variant {})", cs.join(" "))
        }
        Ty::Enum(n) => {
            let cs: Vec<String> = (0..*n).map(|i| format!("\"e{i}\"")).collect();
            format!("(enum {})", cs.join(" "))
        }
        Ty::Flags(n) => {
            let cs: Vec<String> = (0..*n).map(|i| format!("\"g{i}\"")).collect();
            format!("(flags {})", cs.join(" "))
        }
        _ => unreachable!("only nominal types get definitions"),
    }
}

/// `(param "p0" T) ... (result R)` of a component function.
pub(super) fn func_type_text(
    types: &Types,
    sig: &FuncSig,
    names: &HashMap<TyId, String>,
    is_async: bool,
) -> String {
    let mut s = String::from(if is_async { " async" } else { "" });
    for (i, p) in sig.params.iter().enumerate() {
        write!(s, " (param \"p{i}\" {})", ty_ref(types, names, *p)).unwrap();
    }
    if let Some(r) = sig.result {
        write!(s, " (result {})", ty_ref(types, names, r)).unwrap();
    }
    s
}

pub(super) fn core_func_type_text(params: &[CoreTy], results: &[CoreTy]) -> String {
    let mut s = String::new();
    if !params.is_empty() {
        let ps: Vec<&str> = params.iter().map(|t| t.wat()).collect();
        write!(s, " (param {})", ps.join(" ")).unwrap();
    }
    if !results.is_empty() {
        let rs: Vec<&str> = results.iter().map(|t| t.wat()).collect();
        write!(s, " (result {})", rs.join(" ")).unwrap();
    }
    s
}

fn render_callee(case: &Case, w: &mut String, nominal: &[TyId], names: &HashMap<TyId, String>) {
    let types = &case.types;
    let res_mut = case
        .mutation
        .as_ref()
        .filter(|m| m.side == MutSide::Result)
        .map(|m| {
            let (k, j) = case.order[m.call];
            (k, case.funcs[k].selected[j], m.site)
        });
    let data = callee_data(case, res_mut);
    let img = &data.img;
    let img_len = img.bytes.len() as u32;
    // a pristine copy of the image, restored at the start of every call
    // (post-return clobbers the original)
    let pristine = layout::align_to(img.end(), 8);
    let (heap, pages) = heap_and_pages(pristine + img_len, case.callee_heap_at_edge);

    writeln!(w, "  (component $callee").unwrap();
    for id in nominal {
        let n = &names[id];
        writeln!(w, "    (type ${n}' {})", ty_def(types, names, *id)).unwrap();
        writeln!(w, "    (export ${n} \"{n}\" (type ${n}'))").unwrap();
    }
    let split = case.callee_split();
    let data_segments = |w: &mut String| {
        if img_len > 0 {
            writeln!(w, "    {}", data_segment(img)).unwrap();
            let copy = Image {
                base: pristine,
                ..img.clone()
            };
            writeln!(w, "    {}", data_segment(&copy)).unwrap();
        }
    };
    if split {
        // memory, allocator and data in an instance of their own: the
        // `canon task.return`s name the memory, and `$m` imports them
        writeln!(w, "    (core module $libc").unwrap();
        writeln!(w, "    (memory (export \"mem\") {pages})").unwrap();
        writeln!(w, "    (global $heap (mut i32) (i32.const {heap}))").unwrap();
        writeln!(
            w,
            "    (global $bad (export \"bad\") (mut i32) (i32.const 0))"
        )
        .unwrap();
        w.push_str(REALLOC);
        data_segments(w);
        writeln!(w, "    )").unwrap();
        writeln!(w, "    (core instance $libc (instantiate $libc))").unwrap();
        for (k, f) in case.funcs.iter().enumerate() {
            if f.asy.lift_async() {
                writeln!(w, "    {}", wat_async::task_return_def(case, k, names)).unwrap();
            }
        }
        let ctx = case.funcs.iter().any(|f| f.asy.suspends());
        if ctx {
            writeln!(w, "    (core func $cget (canon context.get i32 0))").unwrap();
            writeln!(w, "    (core func $cset (canon context.set i32 0))").unwrap();
        }
        writeln!(w, "    (core module $m").unwrap();
        writeln!(w, "    (import \"libc\" \"mem\" (memory 1))").unwrap();
        writeln!(w, "    (import \"libc\" \"bad\" (global $bad (mut i32)))").unwrap();
        for (k, f) in case.funcs.iter().enumerate() {
            if f.asy.lift_async() {
                writeln!(w, "    {}", wat_async::task_return_import(case, k)).unwrap();
            }
        }
        if ctx {
            writeln!(w, "    (import \"\" \"cget\" (func $cget (result i32)))").unwrap();
            writeln!(w, "    (import \"\" \"cset\" (func $cset (param i32)))").unwrap();
        }
    } else {
        writeln!(w, "    (core module $m").unwrap();
        writeln!(w, "    (memory (export \"mem\") {pages})").unwrap();
        writeln!(w, "    (global $heap (mut i32) (i32.const {heap}))").unwrap();
    }
    writeln!(w, "    (global $h (mut i64) (i64.const 0))").unwrap();
    writeln!(
        w,
        "    (global $seen (mut i64) (i64.const {}))",
        HASH_INIT as i64
    )
    .unwrap();
    writeln!(w, "    (global $post (mut i32) (i32.const 0))").unwrap();
    if !split {
        writeln!(w, "    (global $bad (mut i32) (i32.const 0))").unwrap();
        w.push_str(REALLOC);
    }
    module_prelude(w);
    w.push_str(&all_walkers(case, false));
    if !split {
        data_segments(w);
    }
    for (k, f) in case.funcs.iter().enumerate() {
        let lift = f.callee_sig(types);
        write!(
            w,
            "    (func (export \"f{k}\"){} (local $k i32) (local $ph i64)",
            core_func_type_text(&lift.params, &lift.results),
        )
        .unwrap();
        if img_len > 0 {
            write!(
                w,
                "\n      (memory.copy (i32.const {}) (i32.const {pristine}) (i32.const {img_len}))",
                img.base
            )
            .unwrap();
        }
        write!(
            w,
            "\n      (global.set $h (i64.const {}))",
            HASH_INIT as i64
        )
        .unwrap();
        let tuple = f.sig.params_tuple;
        if lift.params_spilled {
            write!(
                w,
                "\n      (if (i32.and (local.get 0) (i32.const {})) (then (call $hw (i64.const 0xa11c))))\n      (call {} (local.get 0))",
                layout::alignment(types, tuple) - 1,
                walker(tuple, f.callee_enc),
            )
            .unwrap();
        } else {
            let slots: Vec<(u32, CoreTy)> = lift
                .params
                .iter()
                .enumerate()
                .map(|(i, t)| (i as u32, *t))
                .collect();
            let mut pos = 0;
            flat_walk(types, f.callee_enc, tuple, &slots, &mut pos, w);
            assert_eq!(pos, slots.len());
        }
        // seen = mix(seen, params checksum); pick a candidate by the checksum
        write!(
            w,
            "\n      (local.set $ph (global.get $h))\n      (global.set $h (global.get $seen))\n      (call $hw (local.get $ph))\n      (global.set $seen (global.get $h))\n      (local.set $k (i32.wrap_i64 (i64.rem_u (local.get $ph) (i64.const {}))))",
            f.candidates.len().max(1)
        )
        .unwrap();
        if f.asy.lift_async() {
            // a callback restores the image too: a post-return of a call
            // made meanwhile may have clobbered it
            let restore = if img_len > 0 {
                format!(
                    "\n      (memory.copy (i32.const {}) (i32.const {pristine}) (i32.const {img_len}))",
                    img.base
                )
            } else {
                String::new()
            };
            w.push_str(&wat_async::callee_async_tail(
                case,
                k,
                &data.candidates[k],
                &restore,
            ));
            continue;
        }
        match &data.candidates[k] {
            Candidates::None => {}
            Candidates::Memory(table) => write!(
                w,
                "\n      (i32.load (i32.add (i32.const {table}) (i32.shl (local.get $k) (i32.const 2))))"
            )
            .unwrap(),
            Candidates::Flat(vals) => {
                // if k == 0 then c0 else if k == 1 then c1 ... else c_last
                let t = lift.results[0].wat();
                let mut expr = const_expr(vals.last().unwrap()[0]);
                for (i, v) in vals.iter().enumerate().rev().skip(1) {
                    expr = format!(
                        "(if (result {t}) (i32.eq (local.get $k) (i32.const {i})) (then {}) (else {expr}))",
                        const_expr(v[0])
                    );
                }
                write!(w, "\n      {expr}").unwrap();
            }
        }
        writeln!(w, ")").unwrap();
        // post-return: count, then clobber everything results point into
        writeln!(
            w,
            "    (func (export \"f{k}-post\"){}\n      (global.set $post (i32.add (global.get $post) (i32.const 1)))\n      (memory.fill (i32.const {}) (i32.const 0xee) (i32.const {img_len})))",
            core_func_type_text(&lift.results, &[]),
            img.base,
        )
        .unwrap();
    }
    writeln!(
        w,
        "    (func (export \"seen\") (result i64)\n      (global.set $h (global.get $seen))\n      (call $hw (i64.extend_i32_u (global.get $post)))\n      (call $hw (i64.extend_i32_u (global.get $bad)))\n      (global.get $h)))"
    )
    .unwrap();
    if split {
        let rets: String = (0..case.funcs.len())
            .filter(|k| case.funcs[*k].asy.lift_async())
            .map(|k| format!(" (export \"ret{k}\" (func $ret{k}))"))
            .chain(
                ["cget", "cset"]
                    .into_iter()
                    .filter(|_| case.funcs.iter().any(|f| f.asy.suspends()))
                    .map(|n| format!(" (export \"{n}\" (func ${n}))")),
            )
            .collect();
        writeln!(
            w,
            "    (core instance $i (instantiate $m\n      (with \"libc\" (instance $libc))\n      (with \"\" (instance{rets}))))"
        )
        .unwrap();
    } else {
        writeln!(w, "    (core instance $i (instantiate $m))").unwrap();
    }
    let mem_inst = if split { "libc" } else { "i" };
    for (k, f) in case.funcs.iter().enumerate() {
        let post = format!("f{k}-post");
        let how = if f.asy.lift == CalleeLift::Stackful {
            " async".to_string()
        } else if f.asy.lift_async() {
            format!(" async (callback (func $i \"f{k}-cb\"))")
        } else {
            String::new()
        };
        writeln!(
            w,
            "    (func (export \"f{k}\"){}\n      (canon lift (core func $i \"f{k}\"){how}{}))",
            func_type_text(types, &f.sig, names, f.asy.ty_async),
            canon_opts_text(&f.lift, mem_inst, Some(("i", &post)))
        )
        .unwrap();
    }
    writeln!(
        w,
        "    (func (export \"seen\") (result u64) (canon lift (core func $i \"seen\"))))"
    )
    .unwrap();
}

fn render_caller(case: &Case, w: &mut String, nominal: &[TyId], names: &HashMap<TyId, String>) {
    let types = &case.types;
    let arg_mut = case
        .mutation
        .as_ref()
        .filter(|m| m.side == MutSide::Args)
        .map(|m| (m.call, m.site));
    let data = caller_data(case, arg_mut);
    let (heap, pages) = heap_and_pages(data.img.end(), case.caller_heap_at_edge);
    // the event a blocking wait writes: in the gap before the heap
    let event_buf = layout::align_to(data.img.end(), 8);

    writeln!(w, "  (component $caller").unwrap();
    for id in nominal {
        let n = &names[id];
        writeln!(w, "    (type ${n}' {})", ty_def(types, names, *id)).unwrap();
        writeln!(w, "    (import \"{n}\" (type ${n} (eq ${n}')))").unwrap();
    }
    for (k, f) in case.funcs.iter().enumerate() {
        writeln!(
            w,
            "    (import \"f{k}\" (func $f{k}{}))",
            func_type_text(types, &f.sig, names, f.asy.ty_async)
        )
        .unwrap();
    }
    writeln!(w, "    (import \"seen\" (func $seen (result u64)))").unwrap();
    writeln!(w, "    (core module $libc").unwrap();
    writeln!(w, "    (memory (export \"mem\") {pages})").unwrap();
    writeln!(w, "    (global $heap (mut i32) (i32.const {heap}))").unwrap();
    writeln!(
        w,
        "    (global $bad (export \"bad\") (mut i32) (i32.const 0))"
    )
    .unwrap();
    w.push_str(REALLOC);
    if !data.img.bytes.is_empty() {
        writeln!(w, "    {}", data_segment(&data.img)).unwrap();
    }
    writeln!(w, "    )").unwrap();
    writeln!(w, "    (core instance $libc (instantiate $libc))").unwrap();
    for (k, f) in case.funcs.iter().enumerate() {
        writeln!(
            w,
            "    (core func $f{k}_l (canon lower (func $f{k}){}{}))",
            if f.asy.lower_async { " async" } else { "" },
            canon_opts_text(&f.lower, "libc", None)
        )
        .unwrap();
    }
    writeln!(w, "    (core func $seen_l (canon lower (func $seen)))").unwrap();
    let builtins = wat_async::caller_builtins(case);
    for (_, def, _) in &builtins {
        writeln!(w, "    {def}").unwrap();
    }
    writeln!(w, "    (core module $m").unwrap();
    writeln!(w, "    (import \"libc\" \"mem\" (memory 1))").unwrap();
    writeln!(w, "    (import \"libc\" \"bad\" (global $bad (mut i32)))").unwrap();
    for (k, f) in case.funcs.iter().enumerate() {
        let lower = f.caller_sig(types);
        writeln!(
            w,
            "    (import \"\" \"f{k}\" (func $f{k}{}))",
            core_func_type_text(&lower.params, &lower.results)
        )
        .unwrap();
    }
    writeln!(w, "    (import \"\" \"seen\" (func $seen (result i64)))").unwrap();
    for (_, _, import) in &builtins {
        writeln!(w, "    {import}").unwrap();
    }
    writeln!(w, "    (global $h (mut i64) (i64.const 0))").unwrap();
    if case.is_async() {
        w.push_str(&wat_async::caller_globals_and_helpers(case));
    }
    module_prelude(w);
    w.push_str(&all_walkers(case, true));

    // one local per call with a flat result
    let mut locals = String::new();
    let mut result_local = Vec::new();
    let mut nlocals = 0u32;
    for &(k, _) in &case.order {
        let lower = case.funcs[k].caller_sig(types);
        result_local.push(
            lower
                .results
                .first()
                .filter(|_| !case.funcs[k].asy.lower_async)
                .map(|t| {
                    write!(locals, " (local {})", t.wat()).unwrap();
                    nlocals += 1;
                    (nlocals - 1, *t)
                }),
        );
    }
    // per call: the call, then the walk of its result
    let mut calls: Vec<(String, String)> = Vec::new();
    for (c, &(k, _)) in case.order.iter().enumerate() {
        let f = &case.funcs[k];
        let call = &data.calls[c];
        let mut args: Vec<String> = match &call.args {
            ArgPass::Flat(vals) => vals.iter().map(|v| const_expr(*v)).collect(),
            ArgPass::Spilled(addr) => vec![format!("(i32.const {addr})")],
        };
        if let Some(rp) = call.retptr {
            args.push(format!("(i32.const {rp})"));
        }
        let expr = format!("(call $f{k} {})", args.join(" "));
        let mut pre = String::new();
        let mut post = String::new();
        if f.asy.lower_async && case.concurrent {
            pre.push_str(&wat_async::concurrent_call(case, c, k, &expr));
        } else if f.asy.lower_async {
            pre.push_str(&wat_async::async_call(case, c, k, &expr, event_buf));
        } else {
            match result_local[c] {
                Some((l, _)) => write!(pre, "\n      (local.set {l} {expr})").unwrap(),
                None => write!(pre, "\n      {expr}").unwrap(),
            }
        }
        if let Some(r) = f.sig.result {
            match (call.retptr, result_local[c]) {
                (Some(rp), _) => write!(
                    post,
                    "\n      (call {} (i32.const {rp}))\n      (call $hw (i64.load (i32.const {})))",
                    walker(r, f.caller_enc),
                    rp + layout::size(types, r)
                )
                .unwrap(),
                (None, Some(slot)) => {
                    let mut pos = 0;
                    flat_walk(types, f.caller_enc, r, &[slot], &mut pos, &mut post);
                }
                (None, None) => unreachable!("a result is returned somehow"),
            }
        }
        calls.push((pre, post));
    }
    if case.concurrent {
        w.push_str(&wat_async::concurrent_run(case, &locals, &calls, event_buf));
    } else if case.run_async {
        w.push_str(&wat_async::async_run(case, &locals, &calls));
    } else {
        write!(
            w,
            "    (func (export \"run\") (result i64){locals}\n      (global.set $h (i64.const {}))",
            HASH_INIT as i64
        )
        .unwrap();
        for (pre, post) in &calls {
            w.push_str(pre);
            w.push_str(post);
        }
        writeln!(
            w,
            "\n      (call $hw (call $seen))\n      (call $hw (i64.extend_i32_u (global.get $bad)))\n      (global.get $h)))"
        )
        .unwrap();
    }
    let mut exports = String::new();
    for k in 0..case.funcs.len() {
        write!(exports, " (export \"f{k}\" (func $f{k}_l))").unwrap();
    }
    for (name, _, _) in &builtins {
        write!(exports, " (export \"{name}\" (func ${name}))").unwrap();
    }
    writeln!(
        w,
        "    (core instance $i (instantiate $m\n      (with \"libc\" (instance $libc))\n      (with \"\" (instance{exports} (export \"seen\" (func $seen_l))))))"
    )
    .unwrap();
    if case.run_stackful {
        writeln!(
            w,
            "    (func (export \"run\") async (result u64) (canon lift (core func $i \"run\") async)))"
        )
        .unwrap();
    } else if case.run_async {
        writeln!(
            w,
            "    (func (export \"run\") async (result u64) (canon lift (core func $i \"run\") async (callback (func $i \"run-cb\")))))"
        )
        .unwrap();
    } else {
        writeln!(
            w,
            "    (func (export \"run\") (result u64) (canon lift (core func $i \"run\"))))"
        )
        .unwrap();
    }
}

fn render_proxy(case: &Case, w: &mut String, nominal: &[TyId], names: &HashMap<TyId, String>) {
    let types = &case.types;
    writeln!(w, "  (component $proxy").unwrap();
    for id in nominal {
        let n = &names[id];
        writeln!(w, "    (type ${n}' {})", ty_def(types, names, *id)).unwrap();
        writeln!(w, "    (import \"{n}\" (type ${n} (eq ${n}')))").unwrap();
    }
    for (k, f) in case.funcs.iter().enumerate() {
        writeln!(
            w,
            "    (import \"f{k}\" (func $f{k}{}))",
            func_type_text(types, &f.sig, names, f.asy.ty_async)
        )
        .unwrap();
    }
    // static return areas for results forwarded through memory
    let mut img = Image::new(IMAGE_BASE, 0);
    let ret_areas: Vec<Option<u32>> = case
        .funcs
        .iter()
        .map(|f| {
            let r = f.sig.result?;
            layout::lower_sig(types, &f.sig)
                .result_in_memory
                .then(|| img.alloc(layout::size(types, r), layout::alignment(types, r)))
        })
        .collect();
    let (heap, pages) = heap_and_pages(img.end(), false);
    writeln!(w, "    (core module $libc").unwrap();
    writeln!(w, "    (memory (export \"mem\") {pages})").unwrap();
    writeln!(w, "    (global $heap (mut i32) (i32.const {heap}))").unwrap();
    writeln!(w, "    (global $bad (mut i32) (i32.const 0))").unwrap();
    w.push_str(REALLOC);
    writeln!(w, "    )").unwrap();
    writeln!(w, "    (core instance $libc (instantiate $libc))").unwrap();
    let opts = |f: &super::case::FuncCase| CanonOpts {
        memory: true,
        realloc: true,
        encoding: f.proxy_enc,
        post_return: false,
    };
    for (k, f) in case.funcs.iter().enumerate() {
        writeln!(
            w,
            "    (core func $f{k}_l (canon lower (func $f{k}){}))",
            canon_opts_text(&opts(f), "libc", None)
        )
        .unwrap();
    }
    writeln!(w, "    (core module $m").unwrap();
    writeln!(w, "    (import \"libc\" \"mem\" (memory 1))").unwrap();
    for (k, f) in case.funcs.iter().enumerate() {
        let lower = layout::lower_sig(types, &f.sig);
        writeln!(
            w,
            "    (import \"\" \"f{k}\" (func $g{k}{}))",
            core_func_type_text(&lower.params, &lower.results)
        )
        .unwrap();
    }
    for (k, f) in case.funcs.iter().enumerate() {
        let lift = layout::lift_sig(types, &f.sig);
        let mut args: Vec<String> = (0..lift.params.len())
            .map(|i| format!("(local.get {i})"))
            .collect();
        let mut tail = String::new();
        if let Some(ra) = ret_areas[k] {
            args.push(format!("(i32.const {ra})"));
            tail = format!(" (i32.const {ra})");
        }
        writeln!(
            w,
            "    (func (export \"f{k}\"){}\n      (call $g{k} {}){tail})",
            core_func_type_text(&lift.params, &lift.results),
            args.join(" ")
        )
        .unwrap();
    }
    writeln!(w, "    )").unwrap();
    let mut exports = String::new();
    for k in 0..case.funcs.len() {
        write!(exports, " (export \"f{k}\" (func $f{k}_l))").unwrap();
    }
    writeln!(
        w,
        "    (core instance $i (instantiate $m\n      (with \"libc\" (instance $libc))\n      (with \"\" (instance{exports}))))"
    )
    .unwrap();
    for (k, f) in case.funcs.iter().enumerate() {
        writeln!(
            w,
            "    (func (export \"f{k}\"){}\n      (canon lift (core func $i \"f{k}\"){}))",
            func_type_text(types, &f.sig, names, f.asy.ty_async),
            canon_opts_text(&opts(f), "libc", None)
        )
        .unwrap();
    }
    writeln!(w, "  )").unwrap();
}

// ---------------------------------------------------------------------------
// The composition.

pub fn render(case: &Case) -> String {
    if let Some(s) = &case.stream {
        return s.render();
    }
    let mut roots = Vec::new();
    for f in &case.funcs {
        roots.extend(&f.sig.params);
        roots.extend(f.sig.result);
    }
    let (nominal, names) = nominal_names(&case.types, &roots);

    let mut w = String::from("(component\n");
    render_callee(case, &mut w, &nominal, &names);
    if case.has_proxy() {
        render_proxy(case, &mut w, &nominal, &names);
    }
    render_caller(case, &mut w, &nominal, &names);
    writeln!(w, "  (instance $c (instantiate $callee))").unwrap();
    let type_withs: String = nominal
        .iter()
        .map(|id| {
            let n = &names[id];
            format!("\n    (with \"{n}\" (type $c \"{n}\"))")
        })
        .collect();
    let func_withs = |from: &str| -> String {
        (0..case.funcs.len())
            .map(|k| format!("\n    (with \"f{k}\" (func ${from} \"f{k}\"))"))
            .collect()
    };
    let mut from = "c";
    if case.has_proxy() {
        writeln!(
            w,
            "  (instance $p (instantiate $proxy{type_withs}{}))",
            func_withs("c")
        )
        .unwrap();
        from = "p";
    }
    let withs = format!("{type_withs}{}", func_withs(from));
    writeln!(
        w,
        "  (instance $d (instantiate $caller{withs}\n    (with \"seen\" (func $c \"seen\"))))"
    )
    .unwrap();
    writeln!(w, "  (export \"run\" (func $d \"run\")))").unwrap();
    w
}
