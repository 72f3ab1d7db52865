//! Re-encoding a function body under an index remapping, fast: operators that
//! name no index (locals, constants, arithmetic, comparisons, conversions,
//! `br`/`br_if`/`br_table`, blocks with an empty or numeric type, ...) are
//! copied byte for byte; only the others (calls, globals, memory accesses,
//! tables, types, data, elements, tags, ...) are decoded and re-encoded
//! through the [`Reencode`] implementation. The result is the same code as
//! [`Reencode::parse_function_body`] produces, with the original encoding of
//! every untouched operator kept.

use crate::bodies::Bodies;
use std::convert::Infallible;
use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{Encode, Instruction};
use wasmparser::{FunctionBody, Operator, ValType};

/// Re-encode `body` (a function body of the module `wasm`, offsets relative
/// to the start of `wasm`) into `code`, recording where it names functions.
pub fn reencode_body<R: Reencode<Error = Infallible> + ?Sized>(
    r: &mut R,
    wasm: &[u8],
    body: FunctionBody<'_>,
    code: &mut Bodies,
) -> crate::Result<()> {
    let re = |e: Error| crate::Error::Invalid(format!("cannot re-encode: {e}"));
    let pe = |e: wasmparser::BinaryReaderError| crate::Error::Invalid(e.to_string());
    let mut locals = body.get_locals_reader().map_err(pe)?;
    for _ in 0..locals.get_count() {
        let (_, ty) = locals.read().map_err(pe)?;
        if matches!(ty, ValType::Ref(_)) {
            // Reference-typed locals may name types: take the general path.
            let mut f = r.new_function_with_parsed_locals(&body).map_err(re)?;
            let mut ops = body.get_operators_reader().map_err(pe)?;
            while !ops.eof() {
                f.instruction(&r.parse_instruction(&mut ops).map_err(re)?);
            }
            return code.push_decoded(&f.into_raw_body());
        }
    }
    let range = body.range();
    let ops_start = locals.original_position();
    let out = code.sink();
    out.reserve(range.len() + 16);
    out.extend_from_slice(&wasm[range.start..ops_start]);
    let mut last = ops_start;
    let mut ops = body.get_operators_reader().map_err(pe)?;
    while !ops.eof() {
        let at = ops.original_position();
        let op = ops.read().map_err(pe)?;
        if index_free(&op, wasm, at) && canonical(&op, ops.original_position() - at) {
            continue;
        }
        let out = code.sink();
        out.extend_from_slice(&wasm[last..at]);
        let ins = r.instruction(op).map_err(re)?;
        let pos = out.len();
        ins.encode(out);
        if let Instruction::Call(f) | Instruction::ReturnCall(f) | Instruction::RefFunc(f) = ins {
            // One opcode byte, then the index.
            code.site(pos + 1, f);
        }
        last = ops.original_position();
    }
    code.sink().extend_from_slice(&wasm[last..range.end]);
    code.end_body()
}

/// Whether a constant (`len` bytes with its opcode) is encoded in its
/// shortest form. Linkers leave padded constants behind (relocated
/// addresses); those are re-encoded, which keeps the output as small as a
/// full re-encoding makes it.
fn canonical(op: &Operator<'_>, len: usize) -> bool {
    fn sleb_len(mut v: i64) -> usize {
        let mut n = 1;
        while !(-64..64).contains(&v) {
            v >>= 7;
            n += 1;
        }
        n
    }
    match op {
        Operator::I32Const { value } => len == 1 + sleb_len(i64::from(*value)),
        Operator::I64Const { value } => len == 1 + sleb_len(*value),
        _ => true,
    }
}

/// Whether the operator at `wasm[at]` names no index of any kind.
fn index_free(op: &Operator<'_>, wasm: &[u8], at: usize) -> bool {
    use wasmparser::BlockType as B;
    match op {
        Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
            match blockty {
                B::Empty => true,
                B::Type(t) => !matches!(t, ValType::Ref(_)),
                B::FuncType(_) => false,
            }
        }
        _ => match wasm[at] {
            // unreachable, nop, else, end, br, br_if, br_table, return,
            // drop, select (untyped), local.get/set/tee, constants and
            // every numeric instruction (0x45 i32.eqz ..= 0xC4 i64.extend32_s)
            0x00 | 0x01 | 0x05 | 0x0B..=0x0F | 0x1A | 0x1B | 0x20..=0x22 | 0x41..=0xC4 => true,
            // the saturating truncations, 0xFC 0..=7 (a one-byte sub-opcode)
            0xFC => wasm.get(at + 1).is_some_and(|b| *b <= 7),
            _ => false,
        },
    }
}
