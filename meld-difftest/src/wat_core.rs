//! Core-wasm code pieces for the generated compositions: constants, data
//! segments, the hash and string helpers, and the walkers that checksum a
//! value in memory or in flat core values (split out of `wat_gen`).

#![allow(unused_imports)]

use std::collections::HashMap;
use std::fmt::Write;

use super::case::{CanonOpts, Case, MutSide};
use super::layout::{self, CoreTy};
use super::rng::Rng;
use super::types::{Encoding, FuncSig, Ty, TyId, Types};
use super::values::{Image, Lowerer, Val, HASH_INIT, HASH_MUL};
use super::wat_gen::*;

// ---------------------------------------------------------------------------
// Core code.

pub(super) fn const_expr((ty, bits): (CoreTy, u64)) -> String {
    match ty {
        CoreTy::I32 => format!("(i32.const {})", bits as u32 as i32),
        CoreTy::I64 => format!("(i64.const {})", bits as i64),
        CoreTy::F32 => format!("(f32.reinterpret_i32 (i32.const {}))", bits as u32 as i32),
        CoreTy::F64 => format!("(f64.reinterpret_i64 (i64.const {}))", bits as i64),
    }
}

pub(super) fn data_segment(img: &Image) -> String {
    let mut s = format!("(data (i32.const {}) \"", img.base);
    for b in &img.bytes {
        write!(s, "\\{b:02x}").unwrap();
    }
    s + "\")"
}

pub(super) const REALLOC: &str = r#"
    ;; Bump allocator: honours the alignment (a bad one sets $bad, which goes
    ;; into the checksum), grows memory, copies the old contents on
    ;; reallocation.
    (func $realloc (export "realloc") (param $old i32) (param $osz i32) (param $align i32) (param $nsz i32) (result i32)
      (local $p i32) (local $end i32)
      (if (i32.or (i32.eqz (local.get $align))
                  (i32.or (i32.gt_u (local.get $align) (i32.const 8))
                          (i32.and (local.get $align) (i32.sub (local.get $align) (i32.const 1)))))
        (then (global.set $bad (i32.const 1)) (local.set $align (i32.const 8))))
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $p) (local.get $nsz)))
      (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
        (then
          (if (i32.eq (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 65535))
                                                       (i32.shl (memory.size) (i32.const 16)))
                                              (i32.const 16)))
                      (i32.const -1))
            (then unreachable))))
      (global.set $heap (local.get $end))
      (if (local.get $old)
        (then (memory.copy (local.get $p) (local.get $old)
                (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))
      (local.get $p))
"#;

pub(super) fn hash_fn() -> String {
    format!(
        r#"
    (func $hw (param $x i64) (local $t i64)
      (local.set $t (i64.mul (i64.xor (global.get $h) (local.get $x)) (i64.const {})))
      (global.set $h (i64.xor (local.get $t) (i64.shr_u (local.get $t) (i64.const 32)))))
"#,
        HASH_MUL as i64
    )
}

/// The name of the string checksum function for `enc`.
pub(super) fn str_fn_name(enc: Encoding) -> &'static str {
    match enc {
        Encoding::Utf8 => "$str_utf8",
        Encoding::Utf16 => "$str_utf16",
        Encoding::Latin1Utf16 => "$str_latin1utf16",
    }
}

/// `$str_<enc> (ptr, len)`: checksums a string in encoding `enc`.
pub(super) fn string_fn(enc: Encoding) -> String {
    let (setup, align_check) = match enc {
        Encoding::Utf8 => ("(local.set $n (local.get $len))", ""),
        Encoding::Utf16 => (
            "(local.set $n (local.get $len)) (local.set $wide (i32.const 1))",
            "(if (i32.and (i32.ne (local.get $n) (i32.const 0)) (i32.and (local.get $ptr) (i32.const 1))) (then (call $hw (i64.const 0xa11c))))",
        ),
        Encoding::Latin1Utf16 => (
            "(local.set $n (i32.and (local.get $len) (i32.const 0x7fffffff))) (local.set $wide (i32.shr_u (local.get $len) (i32.const 31)))",
            "(if (i32.and (i32.ne (local.get $n) (i32.const 0)) (i32.and (local.get $ptr) (i32.const 1))) (then (call $hw (i64.const 0xa11c))))",
        ),
    };
    format!(
        r#"
    ;; string in {enc}: length in code units, then each unit
    (func {name} (param $ptr i32) (param $len i32) (local $n i32) (local $wide i32) (local $i i32)
      {setup}
      {align_check}
      (call $hw (i64.extend_i32_u (local.get $n)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (call $hw (i64.extend_i32_u
            (if (result i32) (local.get $wide)
              (then (i32.load16_u (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 1)))))
              (else (i32.load8_u (i32.add (local.get $ptr) (local.get $i)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next))))
"#,
        enc = enc.wat_name(),
        name = str_fn_name(enc)
    )
}

/// The checksum word of a primitive, from an expression of its flat type.
/// The value is taken raw: the canonical ABI lowers `bool` as exactly 0 / 1,
/// small unsigned integers zero-extended and small signed ones
/// sign-extended, so anything else changes the checksum.
pub(super) fn prim_word(ty: &Ty, v: &str) -> String {
    match ty {
        Ty::Bool | Ty::U8 | Ty::U16 | Ty::U32 | Ty::Char => format!("(i64.extend_i32_u {v})"),
        Ty::S8 | Ty::S16 | Ty::S32 => format!("(i64.extend_i32_s {v})"),
        Ty::U64 | Ty::S64 => v.to_string(),
        Ty::F32 => format!("(i64.extend_i32_u (i32.reinterpret_f32 {v}))"),
        Ty::F64 => format!("(i64.reinterpret_f64 {v})"),
        _ => unreachable!("not a primitive: {ty:?}"),
    }
}

/// The checksum word of a primitive loaded from memory at `addr`.
pub(super) fn prim_load_word(ty: &Ty, addr: &str) -> String {
    match ty {
        // raw: a stored `true` is exactly 1
        Ty::Bool | Ty::U8 => format!("(i64.load8_u {addr})"),
        Ty::S8 => format!("(i64.load8_s {addr})"),
        Ty::U16 => format!("(i64.load16_u {addr})"),
        Ty::S16 => format!("(i64.load16_s {addr})"),
        Ty::U32 | Ty::Char | Ty::F32 => format!("(i64.load32_u {addr})"),
        Ty::S32 => format!("(i64.load32_s {addr})"),
        Ty::U64 | Ty::S64 | Ty::F64 => format!("(i64.load {addr})"),
        _ => unreachable!("not a primitive: {ty:?}"),
    }
}

pub(super) fn load_uint(size: u32, addr: &str) -> String {
    match size {
        1 => format!("(i32.load8_u {addr})"),
        2 => format!("(i32.load16_u {addr})"),
        4 => format!("(i32.load {addr})"),
        _ => unreachable!(),
    }
}

/// Reads local `l` (of core type `have`) as core type `want`, the way the
/// canonical ABI reads a joined variant slot.
pub(super) fn conv(l: u32, have: CoreTy, want: CoreTy) -> String {
    use CoreTy::*;
    let g = format!("(local.get {l})");
    match (have, want) {
        _ if have == want => g,
        (I64, I32) => format!("(i32.wrap_i64 {g})"),
        (I32, F32) => format!("(f32.reinterpret_i32 {g})"),
        (I64, F32) => format!("(f32.reinterpret_i32 (i32.wrap_i64 {g}))"),
        (I64, F64) => format!("(f64.reinterpret_i64 {g})"),
        _ => panic!("cannot read {want:?} from a {have:?} slot"),
    }
}

/// The name suffix of walkers for strings in `enc`.
pub(super) fn enc_tag(enc: Encoding) -> &'static str {
    &str_fn_name(enc)[5..]
}

/// The memory walker of type `id` with strings in `enc`.
pub(super) fn walker(id: TyId, enc: Encoding) -> String {
    format!("$w{id}_{}", enc_tag(enc))
}

/// The list walker of list type `id` with strings in `enc`.
pub(super) fn list_walker(id: TyId, enc: Encoding) -> String {
    format!("$l{id}_{}", enc_tag(enc))
}

/// For each type node in `ids`: a memory walker `$w<id>_<enc> (param $p i32)`
/// that checksums a value stored at `$p`, and for a list type a list walker
/// `$l<id>_<enc> (ptr, len)`.
pub(super) fn memory_walkers(types: &Types, ids: &[TyId], enc: Encoding) -> String {
    let str_fn = str_fn_name(enc);
    let mut out = String::new();
    for &id in ids {
        let ty = types.get(id);
        let mut body = String::new();
        let at = |off: u32| {
            if off == 0 {
                "(local.get $p)".to_string()
            } else {
                format!("(i32.add (local.get $p) (i32.const {off}))")
            }
        };
        match ty {
            t if t.is_primitive() => {
                write!(body, "(call $hw {})", prim_load_word(t, "(local.get $p)")).unwrap();
            }
            Ty::String => write!(
                body,
                "(call {str_fn} (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))"
            )
            .unwrap(),
            Ty::List(e) | Ty::Map(e) => {
                write!(
                    body,
                    "(call {} (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))",
                    list_walker(id, enc)
                )
                .unwrap();
                let esz = layout::size(types, *e);
                let ealign = layout::alignment(types, *e);
                write!(
                    out,
                    r#"
    (func {lw} (param $ptr i32) (param $len i32) (local $i i32)
      (if (i32.and (i32.ne (local.get $len) (i32.const 0)) (i32.ne (i32.and (local.get $ptr) (i32.const {amask})) (i32.const 0)))
        (then (call $hw (i64.const 0xa11c))))
      (call $hw (i64.extend_i32_u (local.get $len)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (call {ew} (i32.add (local.get $ptr) (i32.mul (local.get $i) (i32.const {esz}))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next))))
"#,
                    amask = ealign - 1,
                    lw = list_walker(id, enc),
                    ew = walker(*e, enc),
                )
                .unwrap();
            }
            Ty::Record(fs) | Ty::Tuple(fs) => {
                for (f, off) in fs.iter().zip(layout::field_offsets(types, fs)) {
                    write!(body, "\n      (call {} {})", walker(*f, enc), at(off)).unwrap();
                }
            }
            Ty::Flags(n) => {
                // raw: bits past the last flag are stored as 0
                let size = layout::flags_size(*n);
                write!(
                    body,
                    "(call $hw (i64.extend_i32_u {}))",
                    load_uint(size, "(local.get $p)"),
                )
                .unwrap();
            }
            _ => {
                let cases = types.cases(id).unwrap();
                let ds = layout::disc_size(cases.len());
                let poff = layout::payload_offset(types, &cases);
                write!(
                    body,
                    "(local.set $d {})\n      (call $hw (i64.extend_i32_u (local.get $d)))",
                    load_uint(ds, "(local.get $p)")
                )
                .unwrap();
                for (k, c) in cases.iter().enumerate() {
                    if let Some(t) = c {
                        write!(
                            body,
                            "\n      (if (i32.eq (local.get $d) (i32.const {k})) (then (call {} {})))",
                            walker(*t, enc),
                            at(poff)
                        )
                        .unwrap();
                    }
                }
            }
        }
        write!(
            out,
            "\n    (func {} (param $p i32) (local $d i32)\n      {body})\n",
            walker(id, enc)
        )
        .unwrap();
    }
    out
}

/// Code that changes the checksum on a non-canonical value (the generated
/// code never traps).
const ODD: &str = "(call $hw (i64.const 0x0dd))";

/// Reads the next flat slot as `want`. An i32 / f32 in an i64 slot must be
/// zero-extended (as the canonical ABI joins variant payloads).
pub(super) fn next_slot(
    slots: &[(u32, CoreTy)],
    pos: &mut usize,
    want: CoreTy,
    out: &mut String,
) -> String {
    let (l, have) = slots[*pos];
    *pos += 1;
    if have == CoreTy::I64 && matches!(want, CoreTy::I32 | CoreTy::F32) {
        write!(
            out,
            "\n      (if (i64.ne (i64.shr_u (local.get {l}) (i64.const 32)) (i64.const 0)) (then {ODD}))"
        )
        .unwrap();
    }
    conv(l, have, want)
}

/// Checks that a flat slot the current variant case does not use is zero
/// (the canonical ABI fills them so).
pub(super) fn zero_slot((l, have): (u32, CoreTy)) -> String {
    let nonzero = match have {
        CoreTy::I32 => format!("(local.get {l})"),
        CoreTy::I64 => format!("(i64.ne (local.get {l}) (i64.const 0))"),
        CoreTy::F32 => format!("(i32.reinterpret_f32 (local.get {l}))"),
        CoreTy::F64 => format!("(i64.ne (i64.reinterpret_f64 (local.get {l})) (i64.const 0))"),
    };
    format!("\n      (if {nonzero} (then {ODD}))")
}

/// Inline code that checksums a value held in flat locals. `slots` are the
/// locals (index, declared core type) the value's flat values live in.
pub(super) fn flat_walk(
    types: &Types,
    enc: Encoding,
    id: TyId,
    slots: &[(u32, CoreTy)],
    pos: &mut usize,
    out: &mut String,
) {
    let flat = layout::flatten(types, id);
    let ty = types.get(id);
    match ty {
        t if t.is_primitive() => {
            let v = next_slot(slots, pos, flat[0], out);
            write!(out, "\n      (call $hw {})", prim_word(t, &v)).unwrap();
        }
        Ty::String | Ty::List(_) | Ty::Map(_) => {
            let ptr = next_slot(slots, pos, CoreTy::I32, out);
            let len = next_slot(slots, pos, CoreTy::I32, out);
            let f = if matches!(ty, Ty::String) {
                str_fn_name(enc).to_string()
            } else {
                list_walker(id, enc)
            };
            write!(out, "\n      (call {f} {ptr} {len})").unwrap();
        }
        Ty::Record(fs) | Ty::Tuple(fs) => {
            for f in fs {
                flat_walk(types, enc, *f, slots, pos, out);
            }
        }
        Ty::Flags(_) => {
            // raw: bits past the last flag are lowered as 0
            let v = next_slot(slots, pos, CoreTy::I32, out);
            write!(out, "\n      (call $hw (i64.extend_i32_u {v}))").unwrap();
        }
        _ => {
            let cases = types.cases(id).unwrap();
            let disc = next_slot(slots, pos, CoreTy::I32, out);
            write!(out, "\n      (call $hw (i64.extend_i32_u {disc}))").unwrap();
            let payload = &slots[*pos..*pos + flat.len() - 1];
            for (k, c) in cases.iter().enumerate() {
                let mut inner = String::new();
                let mut used = 0;
                if let Some(t) = c {
                    flat_walk(types, enc, *t, payload, &mut used, &mut inner);
                }
                for slot in &payload[used..] {
                    inner.push_str(&zero_slot(*slot));
                }
                if !inner.is_empty() {
                    write!(
                        out,
                        "\n      (if (i32.eq {disc} (i32.const {k})) (then {inner}))"
                    )
                    .unwrap();
                }
            }
            *pos += flat.len() - 1;
        }
    }
}

/// Heap start and initial page count for a memory whose data ends at `end`.
/// At the edge, the heap starts right at the end of memory, so every
/// allocation grows it (and an empty one sits exactly at the end).
pub(super) fn heap_and_pages(end: u32, at_edge: bool) -> (u32, u32) {
    let heap = layout::align_to(end, 8) + 16;
    if at_edge {
        let pages = heap.div_ceil(65536);
        (pages * 65536, pages)
    } else {
        (heap, (heap + 65536).div_ceil(65536))
    }
}

/// `post_return`: the instance and name of the post-return function.
pub(super) fn canon_opts_text(
    o: &CanonOpts,
    inst: &str,
    post_return: Option<(&str, &str)>,
) -> String {
    let mut s = String::new();
    if o.memory {
        write!(s, " (memory ${inst} \"mem\")").unwrap();
    }
    if o.realloc {
        write!(s, " (realloc (func ${inst} \"realloc\"))").unwrap();
    }
    if let Some(e) = o.encoding {
        write!(s, " string-encoding={}", e.wat_name()).unwrap();
    }
    if let (true, Some((pi, p))) = (o.post_return, post_return) {
        write!(s, " (post-return (func ${pi} \"{p}\"))").unwrap();
    }
    s
}

/// The checksum helpers.
pub(super) fn module_prelude(w: &mut String) {
    w.push_str(&hash_fn());
    for enc in Encoding::ALL {
        w.push_str(&string_fn(enc));
    }
}

/// The memory walkers of every function, each in the given side's encoding
/// (a type shared by functions with different encodings gets one walker
/// per encoding).
pub(super) fn all_walkers(case: &Case, caller_side: bool) -> String {
    let mut out = String::new();
    for enc in Encoding::ALL {
        let mut roots = Vec::new();
        for f in &case.funcs {
            let side_enc = if caller_side {
                f.caller_enc
            } else {
                f.callee_enc
            };
            if side_enc == enc {
                roots.push(f.sig.params_tuple);
                roots.extend(f.sig.result);
            }
        }
        if !roots.is_empty() {
            let ids = case.types.reachable(&roots);
            out.push_str(&memory_walkers(&case.types, &ids, enc));
        }
    }
    out
}
