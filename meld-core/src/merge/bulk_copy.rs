//! Bulk copies: FACT's per-element list loop → one `memory.copy`.
//!
//! wasmtime's adapter compiler (FACT, `trampoline.rs`: `translate_list` with
//! `begin_translate_sequence` / `end_translate_sequence`) copies a list
//! between two memories element by element. For a list whose elements are
//! plain scalars, or records/tuples of plain scalars laid out identically on
//! both sides without padding, that loop moves exactly the bytes
//! `[src, src + len * size)` to `[dst, dst + len * size)`, which one
//! `memory.copy` does much faster. This pass rewrites adapter function bodies
//! (and only those: see [`crate::merge`]) while they are copied into the
//! fused module; anything it does not recognise exactly is left untouched.
//!
//! # What FACT emits (32-bit memories), and what is matched
//!
//! Before the loop FACT has already
//! - computed the source byte length `len * size`, trapping if it overflows
//!   32 bits (`calculate_list_byte_len`),
//! - checked that the source pointer is aligned and that the whole source
//!   range lies in the source memory (`validate_guest_pointer`),
//! - called the destination `realloc` and checked the result the same way
//!   (alignment and the whole destination range in bounds).
//!
//! Those checks stay as they are. Then it emits, with `SIZE` the element size
//! (equal on both sides here):
//!
//! ```text
//! block
//!   local.get LEN  local.tee R  i32.eqz  br_if 0      ;; empty list: done
//!   local.get SA   local.set S                          ;; cursors
//!   local.get DA   local.set D
//!   loop
//!     { local.get D  local.get S  <load> o  <store> o }+  ;; one per scalar
//!     local.get S  i32.const SIZE  i32.add  local.set S
//!     local.get D  i32.const SIZE  i32.add  local.set D
//!     local.get R  i32.const -1  i32.add  local.tee R  br_if 0
//!   end
//! end
//! ```
//!
//! A loop is rewritten only if every `<load>`/`<store>` pair moves bits
//! unchanged (`i32.load8_u|s`→`i32.store8`, `i32.load16_u|s`→`i32.store16`,
//! `i32.load`→`i32.store`, `i64.load`→`i64.store`, `f32.load`→`f32.store`,
//! `f64.load`→`f64.store`; wasm float loads/stores are bit-exact), each pair
//! uses the same offset on both sides, all loads name one memory and all
//! stores one memory, and the pairs tile `[0, SIZE)` exactly: no gap, so no
//! padding byte of the source is copied into the destination (which the
//! element loop never writes), and no overlap. `bool`, `char`, enums, partial
//! flags, variants, strings and nested lists all emit other code inside the
//! loop body and are never matched.
//!
//! # The replacement
//!
//! The block header (the empty-list test and the cursor set-up) is kept
//! verbatim; the `loop` becomes
//!
//! ```text
//!   [local.get R  i32.const (u32::MAX / SIZE)  i32.gt_u  if unreachable end]
//!   local.get D  local.get S  local.get R  [i32.const SIZE  i32.mul]
//!   memory.copy DST SRC
//!   S += R * SIZE;  D += R * SIZE;  R = 0            ;; the loop's final state
//! ```
//!
//! The overflow guard never fires after FACT's own check but keeps the rewrite
//! sound on its own. With both ranges already checked in bounds, the loop
//! could not trap, so neither can `memory.copy`; when source and destination
//! are the same memory and `realloc` returned an overlapping range,
//! `memory.copy` has memmove semantics, i.e. the destination receives the
//! source as it was before the copy, which is what the Canonical ABI
//! specifies (it lifts the whole list before lowering it).

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{BlockType, Function, Instruction};
use wasmparser::{FunctionBody, MemArg, Operator};

/// Re-encode `func`, replacing every FACT scalar-list loop it recognises by a
/// `memory.copy`. Returns the function and the number of loops replaced.
pub fn reencode_body<R: Reencode + ?Sized>(
    r: &mut R,
    func: FunctionBody<'_>,
) -> Result<(Function, usize), Error<R::Error>> {
    let mut f = r.new_function_with_parsed_locals(&func)?;
    let mut reader = func.get_operators_reader()?;
    let mut ops = Vec::new();
    while !reader.eof() {
        ops.push(reader.read()?);
    }
    let mut replaced = 0;
    let mut i = 0;
    while i < ops.len() {
        if let Some(m) = match_loop(&ops[i..]) {
            // Header kept as is.
            for op in &ops[i..i + HEADER] {
                f.instruction(&r.instruction(op.clone())?);
            }
            emit_copy(
                &mut f,
                &m,
                r.memory_index(m.dst_mem)?,
                r.memory_index(m.src_mem)?,
            );
            f.instruction(&Instruction::End); // the block
            replaced += 1;
            i += m.len;
        } else {
            f.instruction(&r.instruction(ops[i].clone())?);
            i += 1;
        }
    }
    Ok((f, replaced))
}

/// Operators of the block header kept verbatim: `block`, the empty test and
/// the two cursor initialisations.
const HEADER: usize = 9;

/// A recognised loop.
#[derive(Debug, PartialEq, Eq)]
struct Match {
    /// Remaining-count local `R` (equal to the length when the loop starts).
    remaining: u32,
    src_cur: u32,
    dst_cur: u32,
    src_mem: u32,
    dst_mem: u32,
    /// Element size in bytes (same on both sides).
    size: u32,
    /// Operators covered, from `block` to its `end` inclusive.
    len: usize,
}

/// Width in bytes of a bit-preserving load/store pair, with their memargs.
fn scalar_move<'a>(
    load: &'a Operator<'_>,
    store: &'a Operator<'_>,
) -> Option<(u32, MemArg, MemArg)> {
    use Operator::*;
    let (w, l, s) = match (load, store) {
        (I32Load8U { memarg: l } | I32Load8S { memarg: l }, I32Store8 { memarg: s }) => (1, l, s),
        (I32Load16U { memarg: l } | I32Load16S { memarg: l }, I32Store16 { memarg: s }) => {
            (2, l, s)
        }
        (I32Load { memarg: l }, I32Store { memarg: s }) => (4, l, s),
        (F32Load { memarg: l }, F32Store { memarg: s }) => (4, l, s),
        (I64Load { memarg: l }, I64Store { memarg: s }) => (8, l, s),
        (F64Load { memarg: l }, F64Store { memarg: s }) => (8, l, s),
        _ => return None,
    };
    Some((w, *l, *s))
}

fn match_loop(ops: &[Operator<'_>]) -> Option<Match> {
    use Operator::*;
    let local = |i: usize| -> Option<u32> {
        match ops.get(i)? {
            LocalGet { local_index } => Some(*local_index),
            _ => None,
        }
    };
    let set = |i: usize| -> Option<u32> {
        match ops.get(i)? {
            LocalSet { local_index } => Some(*local_index),
            _ => None,
        }
    };
    let is = |i: usize, want: &Operator<'_>| ops.get(i) == Some(want);
    let i32c = |i: usize| -> Option<i32> {
        match ops.get(i)? {
            I32Const { value } => Some(*value),
            _ => None,
        }
    };

    // Header.
    if !is(
        0,
        &Block {
            blockty: wasmparser::BlockType::Empty,
        },
    ) {
        return None;
    }
    let len_local = local(1)?;
    let remaining = match ops.get(2)? {
        LocalTee { local_index } => *local_index,
        _ => return None,
    };
    if !(is(3, &I32Eqz) && is(4, &BrIf { relative_depth: 0 })) {
        return None;
    }
    let src_addr = local(5)?;
    let src_cur = set(6)?;
    let dst_addr = local(7)?;
    let dst_cur = set(8)?;
    if !is(
        9,
        &Loop {
            blockty: wasmparser::BlockType::Empty,
        },
    ) {
        return None;
    }
    let locals = [len_local, remaining, src_addr, src_cur, dst_addr, dst_cur];
    for (a, x) in locals.iter().enumerate() {
        if locals[a + 1..].contains(x) {
            return None;
        }
    }

    // Body: scalar moves.
    let mut at = 10;
    let mut pieces: Vec<(u64, u32)> = Vec::new();
    let mut mems: Option<(u32, u32)> = None;
    while local(at) == Some(dst_cur) && local(at + 1) == Some(src_cur) {
        let (w, l, s) = scalar_move(ops.get(at + 2)?, ops.get(at + 3)?)?;
        if l.offset != s.offset {
            return None;
        }
        match mems {
            None => mems = Some((l.memory, s.memory)),
            Some(m) if m == (l.memory, s.memory) => {}
            Some(_) => return None,
        }
        pieces.push((l.offset, w));
        at += 4;
    }
    let (src_mem, dst_mem) = mems?;

    // Cursor advances and the count-down.
    let size = i32c(at + 1)?;
    if !(local(at) == Some(src_cur)
        && is(at + 2, &I32Add)
        && set(at + 3) == Some(src_cur)
        && local(at + 4) == Some(dst_cur)
        && i32c(at + 5) == Some(size)
        && is(at + 6, &I32Add)
        && set(at + 7) == Some(dst_cur)
        && local(at + 8) == Some(remaining)
        && i32c(at + 9) == Some(-1)
        && is(at + 10, &I32Add)
        && is(
            at + 11,
            &LocalTee {
                local_index: remaining,
            },
        )
        && is(at + 12, &BrIf { relative_depth: 0 })
        && is(at + 13, &End)
        && is(at + 14, &End))
    {
        return None;
    }
    if size <= 0 {
        return None;
    }
    let size = size as u32;

    // The moves must tile [0, size) exactly.
    pieces.sort();
    let mut next = 0u64;
    for (off, w) in &pieces {
        if *off != next {
            return None;
        }
        next += u64::from(*w);
    }
    if next != u64::from(size) {
        return None;
    }

    Some(Match {
        remaining,
        src_cur,
        dst_cur,
        src_mem,
        dst_mem,
        size,
        len: at + 15,
    })
}

/// The loop's replacement (everything between the header and the block's
/// `end`), with memory indices already mapped.
fn emit_copy(f: &mut wasm_encoder::Function, m: &Match, dst_mem: u32, src_mem: u32) {
    use Instruction as I;
    let bytes = |f: &mut wasm_encoder::Function| {
        f.instruction(&I::LocalGet(m.remaining));
        if m.size != 1 {
            f.instruction(&I::I32Const(m.size as i32));
            f.instruction(&I::I32Mul);
        }
    };
    if m.size != 1 {
        f.instruction(&I::LocalGet(m.remaining));
        f.instruction(&I::I32Const((u32::MAX / m.size) as i32));
        f.instruction(&I::I32GtU);
        f.instruction(&I::If(BlockType::Empty));
        f.instruction(&I::Unreachable);
        f.instruction(&I::End);
    }
    f.instruction(&I::LocalGet(m.dst_cur));
    f.instruction(&I::LocalGet(m.src_cur));
    bytes(f);
    f.instruction(&I::MemoryCopy { dst_mem, src_mem });
    for cur in [m.src_cur, m.dst_cur] {
        f.instruction(&I::LocalGet(cur));
        bytes(f);
        f.instruction(&I::I32Add);
        f.instruction(&I::LocalSet(cur));
    }
    f.instruction(&I::I32Const(0));
    f.instruction(&I::LocalSet(m.remaining));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse the operators of the only function of `wat`.
    fn body_ops(wat: &str) -> Vec<Operator<'static>> {
        let bytes: &'static [u8] = Box::leak(wat::parse_str(wat).unwrap().into_boxed_slice());
        for p in wasmparser::Parser::new(0).parse_all(bytes) {
            if let wasmparser::Payload::CodeSectionEntry(body) = p.unwrap() {
                let mut r = body.get_operators_reader().unwrap();
                let mut v = Vec::new();
                while !r.eof() {
                    v.push(r.read().unwrap());
                }
                return v;
            }
        }
        panic!("no function")
    }

    fn fact_loop(body: &str, size: i32) -> String {
        format!(
            r#"(module (memory $a 1) (memory $b 1)
              (func (param $len i32) (param $sa i32) (param $da i32)
                (local $r i32) (local $s i32) (local $d i32)
                block
                  local.get $len local.tee $r i32.eqz br_if 0
                  local.get $sa local.set $s
                  local.get $da local.set $d
                  loop
                    {body}
                    local.get $s i32.const {size} i32.add local.set $s
                    local.get $d i32.const {size} i32.add local.set $d
                    local.get $r i32.const -1 i32.add local.tee $r br_if 0
                  end
                end))"#
        )
    }

    fn matched(body: &str, size: i32) -> Option<Match> {
        match_loop(&body_ops(&fact_loop(body, size)))
    }

    #[test]
    fn u8_list_matches() {
        let m = matched("local.get $d local.get $s i32.load8_u $a i32.store8 $b", 1).unwrap();
        assert_eq!((m.src_mem, m.dst_mem, m.size), (0, 1, 1));
        assert_eq!((m.remaining, m.src_cur, m.dst_cur), (3, 4, 5));
    }

    #[test]
    fn f64_pair_record_matches() {
        let body = "local.get $d local.get $s f64.load $a f64.store $b \
                    local.get $d local.get $s f64.load $a offset=8 f64.store $b offset=8";
        assert_eq!(matched(body, 16).unwrap().size, 16);
    }

    #[test]
    fn padding_is_not_copied() {
        // record { a: u8, b: u32 }: bytes 1..4 are padding.
        let body = "local.get $d local.get $s i32.load8_u $a i32.store8 $b \
                    local.get $d local.get $s i32.load $a offset=4 i32.store $b offset=4";
        assert_eq!(matched(body, 8), None);
    }

    #[test]
    fn value_changing_moves_are_not_matched() {
        // bool: canonicalised with a select.
        let body =
            "local.get $d i32.const 1 i32.const 0 local.get $s i32.load8_u $a select i32.store8 $b";
        assert_eq!(matched(body, 1), None);
        // partial flags: masked.
        let body = "local.get $d local.get $s i32.load8_u $a i32.const 7 i32.and i32.store8 $b";
        assert_eq!(matched(body, 1), None);
        // offsets differ.
        let body = "local.get $d local.get $s i32.load $a offset=4 i32.store $b";
        assert_eq!(matched(body, 4), None);
        // width mismatch (load8 into store16).
        let body = "local.get $d local.get $s i32.load8_u $a i32.store16 $b";
        assert_eq!(matched(body, 2), None);
    }

    #[test]
    fn size_must_match_the_moves() {
        let body = "local.get $d local.get $s i32.load $a i32.store $b";
        assert!(matched(body, 4).is_some());
        assert_eq!(matched(body, 8), None);
    }
}
