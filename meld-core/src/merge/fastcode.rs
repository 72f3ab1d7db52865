//! Re-encoding a function body under an index remapping, fast: operators that
//! name no index (locals, constants, arithmetic, comparisons, conversions,
//! `br`/`br_if`/`br_table`, blocks with an empty or numeric type, ...) are
//! copied byte for byte, and the common ones that do (calls, globals, loads
//! and stores, `memory.*`) have their immediates read and re-encoded in
//! place, without going through wasmparser's full operator decoding
//! ([`scan`]). Every other operator is decoded and re-encoded through the
//! [`Reencode`] implementation. The result is the same code as
//! [`Reencode::parse_function_body`] produces, with the original encoding of
//! every operator that names no index kept (padded constants excepted: see
//! [`constant`]); a test checks it against a decode-everything reference
//! on every shipped fixture.

use crate::merge::bodies::Bodies;
use std::convert::Infallible;
use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{Encode, Instruction};
use wasmparser::{FunctionBody, ValType};

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
    let mut at = ops_start;
    // Operators from `last` to `at` are copied as they are, in one go.
    let mut last = ops_start;
    while at < range.end {
        match scan(r, wasm, at, range.end, code, &mut last) {
            Some(next) => at = next,
            None => {
                // Not one of the common operators, or malformed: decode it.
                let reader = wasmparser::BinaryReader::new(&wasm[at..range.end], at);
                let mut ops = wasmparser::OperatorsReader::new(reader);
                let op = ops.read().map_err(pe)?;
                let ins = r.instruction(op).map_err(re)?;
                let out = code.sink();
                out.extend_from_slice(&wasm[last..at]);
                let pos = out.len();
                ins.encode(out);
                if let Instruction::Call(f) | Instruction::ReturnCall(f) | Instruction::RefFunc(f) =
                    ins
                {
                    // One opcode byte, then the index.
                    code.site(pos + 1, f);
                }
                at = ops.original_position();
                last = at;
            }
        }
    }
    code.sink().extend_from_slice(&wasm[last..range.end]);
    code.end_body()
}

/// Read the common operator at `wasm[at]` without decoding it into a
/// wasmparser `Operator`. One naming no index is left in place (it is
/// copied later with the run of such operators from `*last`); one naming indices
/// is written to `code` with them mapped through `r`, after the pending run,
/// and `*last` moves past it. Returns where the next operator starts, or
/// `None` (nothing written) for any other operator or a malformed one, which
/// the caller decodes in full.
fn scan<R: Reencode<Error = Infallible> + ?Sized>(
    r: &mut R,
    wasm: &[u8],
    at: usize,
    end: usize,
    code: &mut Bodies,
    last: &mut usize,
) -> Option<usize> {
    let bytes = &wasm[..end];
    let op = *bytes.get(at)?;
    // Start re-encoding the operator at `at`: flush the pending run first.
    let mut flush = |code: &mut Bodies, next: usize| {
        code.sink().extend_from_slice(&bytes[*last..at]);
        *last = next;
    };
    match op {
        // unreachable, nop, else, end, return, drop, select, ref.is_null
        // and every numeric instruction without an immediate
        0x00 | 0x01 | 0x05 | 0x0B | 0x0F | 0x1A | 0x1B | 0x45..=0xC4 | 0xD1 => Some(at + 1),
        // br, br_if, local.get/set/tee
        0x0C | 0x0D | 0x20..=0x22 => {
            let (_, next) = leb_u32(bytes, at + 1)?;
            Some(next)
        }
        0x0E => {
            let (n, mut next) = leb_u32(bytes, at + 1)?;
            for _ in 0..=n {
                next = leb_u32(bytes, next)?.1;
            }
            Some(next)
        }
        // block, loop, if: empty or numeric block type
        0x02..=0x04 => match *bytes.get(at + 1)? {
            0x40 | 0x7B..=0x7F => Some(at + 2),
            _ => None,
        },
        0x41 => {
            let (v, next) = leb_s64(bytes, at + 1, 5)?;
            if i32::try_from(v).is_err() {
                return None;
            }
            constant(code, bytes, at, next, v, flush)
        }
        0x42 => {
            let (v, next) = leb_s64(bytes, at + 1, 10)?;
            constant(code, bytes, at, next, v, flush)
        }
        // f32.const, f64.const
        0x43 if at + 5 <= end => Some(at + 5),
        0x44 if at + 9 <= end => Some(at + 9),
        // call, return_call, ref.func
        0x10 | 0x12 | 0xD2 => {
            let (i, next) = leb_u32(bytes, at + 1)?;
            let f = r.function_index(i).ok()?;
            flush(code, next);
            let pos = op_with_index(code, op, f);
            code.site(pos, f);
            Some(next)
        }
        // global.get, global.set
        0x23 | 0x24 => {
            let (i, next) = leb_u32(bytes, at + 1)?;
            let g = r.global_index(i).ok()?;
            // Unchanged and written in one byte: kept as it is.
            if g == i && next == at + 2 {
                return Some(next);
            }
            flush(code, next);
            op_with_index(code, op, g);
            Some(next)
        }
        // loads and stores
        0x28..=0x3E => {
            let (mut flags, mut next) = leb_u32(bytes, at + 1)?;
            let mut memory = 0;
            if flags & (1 << 6) != 0 {
                flags ^= 1 << 6;
                (memory, next) = leb_u32(bytes, next)?;
            }
            if flags >= 1 << 6 {
                return None;
            }
            let (offset, next) = leb_u64(bytes, next)?;
            let mapped = r.memory_index(memory).ok()?;
            // Memory 0 staying memory 0 with a one-byte offset (the common
            // case in the first component): the bytes stay as they are.
            if mapped == 0 && memory == 0 && next == at + 3 {
                return Some(next);
            }
            let memory = mapped;
            flush(code, next);
            let out = code.sink();
            out.push(op);
            wasm_encoder::MemArg {
                offset,
                align: flags,
                memory_index: memory,
            }
            .encode(out);
            Some(next)
        }
        // memory.size, memory.grow
        0x3F | 0x40 => {
            let (m, next) = leb_u32(bytes, at + 1)?;
            let m = r.memory_index(m).ok()?;
            flush(code, next);
            op_with_index(code, op, m);
            Some(next)
        }
        0xFC => {
            let (sub, next) = leb_u32(bytes, at + 1)?;
            match sub {
                // saturating truncations (a padded sub-opcode is left to the
                // full decoder, which writes it in one byte)
                0..=7 if next == at + 2 => Some(next),
                // memory.copy dst src
                10 => {
                    let (dst, next) = leb_u32(bytes, next)?;
                    let (src, next) = leb_u32(bytes, next)?;
                    let (dst, src) = (r.memory_index(dst).ok()?, r.memory_index(src).ok()?);
                    flush(code, next);
                    let out = code.sink();
                    out.extend_from_slice(&[0xFC, 10]);
                    dst.encode(out);
                    src.encode(out);
                    Some(next)
                }
                // memory.fill
                11 => {
                    let (m, next) = leb_u32(bytes, next)?;
                    let m = r.memory_index(m).ok()?;
                    flush(code, next);
                    let out = code.sink();
                    out.extend_from_slice(&[0xFC, 11]);
                    m.encode(out);
                    Some(next)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Write a one-byte opcode and its one index; returns where the index starts.
fn op_with_index(code: &mut Bodies, op: u8, index: u32) -> usize {
    let out = code.sink();
    out.push(op);
    let pos = out.len();
    index.encode(out);
    pos
}

/// An `i32.const`/`i64.const` of `value` spanning `bytes[at..next]`: copied
/// when in its shortest form, re-encoded otherwise. Linkers leave padded
/// constants behind (relocated addresses); re-encoding them keeps the output
/// as small as a full re-encoding makes it.
#[inline(always)]
fn constant(
    code: &mut Bodies,
    bytes: &[u8],
    at: usize,
    next: usize,
    value: i64,
    mut flush: impl FnMut(&mut Bodies, usize),
) -> Option<usize> {
    if next - at != 1 + sleb_len(value) {
        flush(code, next);
        let out = code.sink();
        out.push(bytes[at]);
        value.encode(out);
    }
    Some(next)
}

/// An unsigned LEB128 of at most 32 bits at `bytes[at]`, and where it ends
/// (`None` if truncated, too long or out of range, as wasmparser rejects).
/// Most are one byte (local and label indices), read inline.
#[inline(always)]
fn leb_u32(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    match bytes.get(at) {
        Some(&b) if b < 0x80 => Some((u32::from(b), at + 1)),
        _ => leb_u32_long(bytes, at),
    }
}

#[inline(never)]
fn leb_u32_long(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    let (v, next) = leb_u64_long(bytes, at)?;
    (next - at <= 5).then_some(())?;
    Some((u32::try_from(v).ok()?, next))
}

#[inline(always)]
fn leb_u64(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    match bytes.get(at) {
        Some(&b) if b < 0x80 => Some((u64::from(b), at + 1)),
        _ => leb_u64_long(bytes, at),
    }
}

#[inline(never)]
fn leb_u64_long(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..10 {
        let b = *bytes.get(at + i)?;
        let part = u64::from(b & 0x7f);
        if i == 9 && part > 1 {
            return None;
        }
        v |= part << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, at + i + 1));
        }
    }
    None
}

/// A signed LEB128 of at most `max` bytes (5 for 32 bits, 10 for 64) whose
/// unused bits in the last byte are a proper sign extension.
#[inline(always)]
fn leb_s64(bytes: &[u8], at: usize, max: usize) -> Option<(i64, usize)> {
    match bytes.get(at) {
        // One byte: seven bits, sign-extended from bit 6.
        Some(&b) if b < 0x80 => Some((i64::from(((b << 1) as i8) >> 1), at + 1)),
        _ => leb_s64_long(bytes, at, max),
    }
}

#[inline(never)]
fn leb_s64_long(bytes: &[u8], at: usize, max: usize) -> Option<(i64, usize)> {
    let bits = if max == 5 { 32 } else { 64 };
    let mut v = 0i64;
    let mut shift = 0;
    for i in 0..max {
        let b = *bytes.get(at + i)?;
        v |= i64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            if i == max - 1 {
                // The bits beyond `bits` must repeat the sign bit.
                let used = bits - 7 * (max - 1) as u32;
                let rest = (b as i8) << 1 >> used;
                if rest != 0 && rest != -1 {
                    return None;
                }
            }
            if shift < 64 && b & 0x40 != 0 {
                v |= -1i64 << shift;
            }
            let v = if bits == 32 { i64::from(v as i32) } else { v };
            return Some((v, at + i + 1));
        }
    }
    None
}

fn sleb_len(mut v: i64) -> usize {
    let mut n = 1;
    while !(-64..64).contains(&v) {
        v >>= 7;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::Operator;

    /// The decode-every-operator re-encoding [`reencode_body`] must match.
    fn reference_body<R: Reencode<Error = Infallible>>(
        r: &mut R,
        wasm: &[u8],
        body: FunctionBody<'_>,
        code: &mut Bodies,
    ) -> Result<(), wasmparser::BinaryReaderError> {
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            locals.read()?;
        }
        let range = body.range();
        let ops_start = locals.original_position();
        code.sink().extend_from_slice(&wasm[range.start..ops_start]);
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            let at = ops.original_position();
            let op = ops.read()?;
            let len = ops.original_position() - at;
            let canonical = match &op {
                Operator::I32Const { value } => len == 1 + sleb_len(i64::from(*value)),
                Operator::I64Const { value } => len == 1 + sleb_len(*value),
                _ => true,
            };
            let index_free = match &op {
                Operator::Block { blockty }
                | Operator::Loop { blockty }
                | Operator::If { blockty } => match blockty {
                    wasmparser::BlockType::Empty => true,
                    wasmparser::BlockType::Type(t) => !matches!(t, ValType::Ref(_)),
                    wasmparser::BlockType::FuncType(_) => false,
                },
                _ => {
                    matches!(
                        wasm[at],
                        0x00 | 0x01 | 0x05 | 0x0B..=0x0F | 0x1A | 0x1B | 0x20..=0x22 | 0x41..=0xC4
                    ) || (wasm[at] == 0xFC && wasm[at + 1] <= 7)
                }
            };
            if index_free && canonical {
                code.sink()
                    .extend_from_slice(&wasm[at..ops.original_position()]);
                continue;
            }
            let ins = r.instruction(op).unwrap();
            let out = code.sink();
            let pos = out.len();
            ins.encode(out);
            if let Instruction::Call(f) | Instruction::ReturnCall(f) | Instruction::RefFunc(f) = ins
            {
                code.site(pos + 1, f);
            }
        }
        code.end_body().unwrap();
        Ok(())
    }

    /// `Shift(150)` moves every index so that encodings change length:
    /// functions and globals by +150 (one LEB byte more), memory 0 to 1 and
    /// back (the memarg flag appears and disappears), types and tables by
    /// +1. `Shift(0)` moves nothing (the scanner's keep-as-is paths).
    struct Shift(u32);

    impl Reencode for Shift {
        type Error = Infallible;
        fn function_index(&mut self, i: u32) -> Result<u32, Error> {
            Ok(i + self.0)
        }
        fn global_index(&mut self, i: u32) -> Result<u32, Error> {
            Ok(i + self.0)
        }
        fn memory_index(&mut self, i: u32) -> Result<u32, Error> {
            Ok(match (self.0, i) {
                (0, i) => i,
                (_, 0) => 1,
                (_, i) => i - 1,
            })
        }
        fn type_index(&mut self, i: u32) -> Result<u32, Error> {
            Ok(i + self.0.min(1))
        }
        fn table_index(&mut self, i: u32) -> Result<u32, Error> {
            Ok(i + self.0.min(1))
        }
    }

    fn fixtures() -> Vec<(String, Vec<u8>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut out = Vec::new();
        for dir in ["rust", "rust-debug", "bench/debug", "wat", "bench"] {
            let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
                .unwrap_or_else(|e| panic!("fixture dir {dir}: {e}"))
                .map(|e| e.unwrap().path())
                .collect();
            paths.sort();
            for p in paths {
                let bytes = match p.extension().and_then(|e| e.to_str()) {
                    Some("wasm") => std::fs::read(&p).unwrap(),
                    Some("wat") => wat::parse_file(&p).unwrap(),
                    _ => continue,
                };
                out.push((p.display().to_string(), bytes));
            }
        }
        out
    }

    /// Every function body of every core module in every shipped fixture
    /// (components' modules at any depth), re-encoded both ways.
    #[test]
    fn scanner_matches_the_full_decoder_on_every_fixture() {
        let mut bodies = 0;
        for ((name, wasm), by) in fixtures()
            .into_iter()
            .flat_map(|f| [(f.clone(), 150), (f, 0)])
        {
            let name = format!("{name} (indices + {by})");
            let mut fast = Bodies::default();
            let mut slow = Bodies::default();
            for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
                if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
                    reencode_body(&mut Shift(by), &wasm, body.clone(), &mut fast).unwrap();
                    reference_body(&mut Shift(by), &wasm, body, &mut slow).unwrap();
                    bodies += 1;
                }
            }
            assert_eq!(fast.len(), slow.len(), "{name}");
            for i in 0..fast.len() {
                assert_eq!(
                    fast.callees(i).collect::<Vec<_>>(),
                    slow.callees(i).collect::<Vec<_>>(),
                    "{name}: body {i} names other functions"
                );
            }
            let map: Vec<Option<u32>> = (0..100_000).map(Some).collect();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            fast.write_section(&mut a, 0, &map);
            slow.write_section(&mut b, 0, &map);
            assert!(a == b, "{name}: the scanner's bytes differ");
        }
        assert!(bodies > 10_000, "only {bodies} bodies compared");
    }

    /// Random byte changes inside real function bodies: the scanner never
    /// panics, and it accepts a body exactly when the full decoder does,
    /// producing the same bytes.
    #[test]
    fn mutated_bodies_agree_with_the_full_decoder() {
        let wasm = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures/rust/res-chain3.wasm"),
        )
        .unwrap();
        let ranges: Vec<std::ops::Range<usize>> = wasmparser::Parser::new(0)
            .parse_all(&wasm)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::CodeSectionEntry(b) if b.range().len() > 8 => Some(b.range()),
                _ => None,
            })
            .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut accepted, mut rejected) = (0, 0);
        for case in 0..3000 {
            // Every other case keeps the indices (the scanner's keep-as-is paths).
            let by = if case % 2 == 0 { 150 } else { 0 };
            let range = ranges[next() as usize % ranges.len()].clone();
            let mut copy = wasm.clone();
            for _ in 0..1 + next() % 3 {
                let at = range.start + 2 + next() as usize % (range.len() - 2);
                copy[at] = next() as u8;
            }
            let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
                &copy[range.clone()],
                range.start,
            ));
            let mut fast = Bodies::default();
            let mut slow = Bodies::default();
            let a = reencode_body(&mut Shift(by), &copy, body.clone(), &mut fast);
            let b = reference_body(&mut Shift(by), &copy, body, &mut slow);
            match (a, b) {
                (Ok(()), Ok(())) => {
                    let map: Vec<Option<u32>> = (0..1_000_000).map(Some).collect();
                    let (mut x, mut y) = (Vec::new(), Vec::new());
                    fast.write_section(&mut x, 0, &map);
                    slow.write_section(&mut y, 0, &map);
                    assert!(x == y, "mutated body at {range:?} re-encoded differently");
                    accepted += 1;
                }
                (Err(_), Err(_)) => rejected += 1,
                // The scanner does not track blocks: a misplaced `else` or
                // `end` is left to validation of the fused module (which
                // checks every body), as wasmparser's reader reports it.
                (Ok(()), Err(e)) if structural(e.message()) => rejected += 1,
                (a, b) => panic!("body at {range:?}: scanner {a:?}, full decoder {b:?}"),
            }
        }
        assert!(
            accepted > 300 && rejected > 300,
            "{accepted} accepted, {rejected} rejected"
        );
    }

    fn structural(message: &str) -> bool {
        ["`else` found outside", "operators remaining after end"]
            .iter()
            .any(|m| message.contains(m))
    }

    /// Malformed or unusual immediates are left to wasmparser (which reports
    /// them), never misread.
    #[test]
    fn malformed_immediates_fall_back() {
        let mut code = Bodies::default();
        let cases: &[&[u8]] = &[
            &[0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // i32.const, 6 bytes
            &[0x41, 0xff, 0xff, 0xff, 0xff, 0x4f],       // i32.const, bad sign bits
            &[0x10, 0x80, 0x80, 0x80, 0x80, 0x10],       // call, index > u32
            &[0x28, 0x80],                               // load, truncated memarg
            &[0x28, 0x80, 0x01, 0x00],                   // load, align flag 128
            &[0x44, 0x00, 0x00],                         // f64.const, truncated
            &[0x02, 0x70],                               // block (result funcref)
        ];
        for case in cases {
            let mut last = 0;
            let got = scan(&mut Shift(150), case, 0, case.len(), &mut code, &mut last);
            assert_eq!(got, None, "{case:x?}");
            assert!(code.sink().is_empty() && last == 0);
        }
        // and well-formed ones are read to their end
        let ok: &[(&[u8], usize)] = &[
            (&[0x41, 0xff, 0xff, 0xff, 0xff, 0x07], 6),
            (&[0x42, 0x7f], 2),
            (&[0x0e, 0x02, 0x00, 0x01, 0x02], 5),
            (&[0xfc, 0x0a, 0x00, 0x00], 4),
        ];
        for (case, len) in ok {
            let mut last = 0;
            let got = scan(&mut Shift(150), case, 0, case.len(), &mut code, &mut last);
            assert_eq!(got, Some(*len), "{case:x?}");
        }
    }
}
