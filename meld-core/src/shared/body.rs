//! Function bodies in `--memory shared`: every memory instruction rebased
//! onto its region of the one memory and bounds-checked against it.
//!
//! Instructions that name no memory are copied byte for byte. An access
//! `load offset=o` of width `w` at address `a` to memory `m` becomes
//!
//! ```text
//! local.tee $a  i64.extend_i32_u  i64.const o+w  i64.add
//! global.get $bytes_m  i64.gt_u  if  call $oob  end
//! local.get $a  [global.get $base_m  i32.add]  load offset=o (memory 0)
//! ```
//!
//! (a store first parks its value in a scratch local), except in the region
//! laid out last when no region below it grows ([`Layout::tail`]): its base
//! is a constant added to the offset, and the engine's own bounds check (the
//! memory ends where the region ends) is the region's. The check is the one
//! the engine makes for a memory of its own, `a + o + w > size`, in 64 bits
//! so nothing wraps; `$oob` makes an access no memory can satisfy, so the
//! trap is the engine's own out-of-bounds trap. The base add is left out for
//! the region laid out first (its base is 0 and never moves).

use super::{Layout, Region};
use crate::{Error, Result};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Instruction as I, ValType};
use wasmparser::{FunctionBody, Operator};

/// Rewrites memory indices to 0 (the one memory) and adds `shift` to every
/// `memarg` offset; everything else as is.
struct ToZero {
    shift: u64,
}

impl Reencode for ToZero {
    type Error = std::convert::Infallible;
    fn memory_index(
        &mut self,
        _: u32,
    ) -> std::result::Result<u32, wasm_encoder::reencode::Error<Self::Error>> {
        Ok(0)
    }
    fn mem_arg(
        &mut self,
        arg: wasmparser::MemArg,
    ) -> std::result::Result<wasm_encoder::MemArg, wasm_encoder::reencode::Error<Self::Error>> {
        Ok(wasm_encoder::MemArg {
            offset: arg.offset + self.shift,
            align: arg.align.into(),
            memory_index: 0,
        })
    }
}

/// How a memory instruction with a `memarg` uses the stack.
enum Access {
    /// `[addr] -> [..]`.
    Load,
    /// `[addr, value] -> [..]` (stores, and the lane loads/stores).
    WithValue(ValType),
}

/// The access kind of an instruction with a `memarg`, or `None` for one
/// without. Atomics are refused by name.
fn access(op: &Operator<'_>) -> Result<Option<(Access, wasmparser::MemArg)>> {
    use Operator as O;
    let v = |t| Access::WithValue(t);
    Ok(Some(match *op {
        O::I32Load { memarg }
        | O::I64Load { memarg }
        | O::F32Load { memarg }
        | O::F64Load { memarg }
        | O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::V128Load { memarg }
        | O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load8Splat { memarg }
        | O::V128Load16Splat { memarg }
        | O::V128Load32Splat { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load32Zero { memarg }
        | O::V128Load64Zero { memarg } => (Access::Load, memarg),
        O::I32Store { memarg } | O::I32Store8 { memarg } | O::I32Store16 { memarg } => {
            (v(ValType::I32), memarg)
        }
        O::I64Store { memarg }
        | O::I64Store8 { memarg }
        | O::I64Store16 { memarg }
        | O::I64Store32 { memarg } => (v(ValType::I64), memarg),
        O::F32Store { memarg } => (v(ValType::F32), memarg),
        O::F64Store { memarg } => (v(ValType::F64), memarg),
        O::V128Store { memarg }
        | O::V128Load8Lane { memarg, .. }
        | O::V128Load16Lane { memarg, .. }
        | O::V128Load32Lane { memarg, .. }
        | O::V128Load64Lane { memarg, .. }
        | O::V128Store8Lane { memarg, .. }
        | O::V128Store16Lane { memarg, .. }
        | O::V128Store32Lane { memarg, .. }
        | O::V128Store64Lane { memarg, .. } => (v(ValType::V128), memarg),
        O::MemoryDiscard { .. } => return Err(refused(op)),
        // Atomics (all under the 0xfe prefix) are refused by the caller.
        _ => return Ok(None),
    }))
}

/// The prefix byte of every threads-proposal (atomic) instruction.
const ATOMIC_PREFIX: u8 = 0xfe;

fn refused(op: &Operator<'_>) -> Error {
    let name = format!("{op:?}");
    let name = name.split([' ', '{']).next().unwrap_or("");
    Error::Unsupported(format!(
        "`--memory shared`: the instruction {name} (threads / memory-control proposal) \
         cannot be rebased onto a region; use `--memory multi`"
    ))
}

/// Scratch locals a body needs, appended after its own.
struct Scratch {
    first: u32,
    types: Vec<ValType>,
}

impl Scratch {
    /// The `k`-th scratch local of type `t` (k < 3), added on first use.
    fn get(&mut self, t: ValType, k: usize) -> u32 {
        let mut seen = 0;
        for (i, have) in self.types.iter().enumerate() {
            if *have == t {
                if seen == k {
                    return self.first + i as u32;
                }
                seen += 1;
            }
        }
        for _ in seen..=k {
            self.types.push(t);
        }
        self.first + self.types.len() as u32 - 1
    }
}

/// Whether any instruction of `body` grows memory `m` (for the layout).
pub(super) fn grown(body: &FunctionBody<'_>, grows: &mut [bool]) -> Result<()> {
    let mut ops = body.get_operators_reader().map_err(perr)?;
    while !ops.eof() {
        if let Operator::MemoryGrow { mem } = ops.read().map_err(perr)? {
            if let Some(g) = grows.get_mut(mem as usize) {
                *g = true;
            }
        }
    }
    Ok(())
}

fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Invalid(e.to_string())
}

/// One rewritten body (locals and instructions, without the size prefix).
pub(super) fn rewrite(
    wasm: &[u8],
    body: &FunctionBody<'_>,
    params: u32,
    layout: &Layout,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut locals = Vec::new();
    let mut count = params;
    for l in body.get_locals_reader().map_err(perr)? {
        let (n, t) = l.map_err(perr)?;
        let t = RoundtripReencoder
            .val_type(t)
            .map_err(|e| Error::Invalid(format!("cannot re-encode a local: {e}")))?;
        count = count.saturating_add(n);
        locals.push((n, t));
    }
    let mut scratch = Scratch {
        first: count,
        types: Vec::new(),
    };
    let mut code = Vec::new();
    let mut ops = body.get_operators_reader().map_err(perr)?;
    while !ops.eof() {
        let at = ops.original_position();
        let op = ops.read().map_err(perr)?;
        let end = ops.original_position();
        if wasm.get(at) == Some(&ATOMIC_PREFIX) {
            return Err(refused(&op));
        }
        if !memory_op(&op, layout, &mut scratch, &mut code)? {
            code.extend_from_slice(&wasm[at..end]);
        }
    }
    for t in &scratch.types {
        locals.push((1, *t));
    }
    let mut f = wasm_encoder::Function::new(locals);
    f.raw(code);
    let mut encoded = Vec::new();
    wasm_encoder::Encode::encode(&f, &mut encoded);
    // `Function` encodes with its size prefix: drop it.
    let prefix = encoded
        .iter()
        .position(|b| b & 0x80 == 0)
        .map_or(0, |p| p + 1);
    out.extend_from_slice(&encoded[prefix..]);
    Ok(())
}

fn emit(code: &mut Vec<u8>, ins: I<'_>) {
    wasm_encoder::Encode::encode(&ins, code);
}

/// The region of memory `m`.
fn region(layout: &Layout, m: u32) -> Result<&Region> {
    layout
        .regions
        .get(m as usize)
        .ok_or_else(|| Error::Invalid(format!("memory {m} does not exist")))
}

/// `[a] -> []` trapping unless `a + extra <= size(r)`; `a` is left in
/// local `a` (`tee`) or read from it (`!tee`: it is already there).
fn check(code: &mut Vec<u8>, layout: &Layout, r: &Region, a: u32, extra: Extra) {
    emit(code, I::LocalGet(a));
    emit(code, I::I64ExtendI32U);
    match extra {
        Extra::Const(0) => {}
        Extra::Const(n) => {
            emit(code, I::I64Const(n as i64));
            emit(code, I::I64Add);
        }
        Extra::Local(n) => {
            emit(code, I::LocalGet(n));
            emit(code, I::I64ExtendI32U);
            emit(code, I::I64Add);
        }
    }
    emit(code, I::GlobalGet(r.bytes));
    emit(code, I::I64GtU);
    emit(code, I::If(wasm_encoder::BlockType::Empty));
    emit(code, I::Call(layout.oob));
    emit(code, I::End);
}

#[derive(Clone, Copy)]
enum Extra {
    Const(u64),
    Local(u32),
}

/// `[] -> [a + base(r)]` for an address in local `a`.
fn rebased(code: &mut Vec<u8>, r: &Region, a: u32) {
    emit(code, I::LocalGet(a));
    if !r.fixed {
        emit(code, I::GlobalGet(r.base));
        emit(code, I::I32Add);
    }
}

/// Emit the rewrite of `op` if it names a memory; `false` if it does not.
fn memory_op(
    op: &Operator<'_>,
    layout: &Layout,
    scratch: &mut Scratch,
    code: &mut Vec<u8>,
) -> Result<bool> {
    use Operator as O;
    match *op {
        O::MemorySize { mem } => {
            let r = region(layout, mem)?;
            emit(code, I::GlobalGet(r.bytes));
            emit(code, I::I64Const(16));
            emit(code, I::I64ShrU);
            emit(code, I::I32WrapI64);
        }
        O::MemoryGrow { mem } => emit(code, I::Call(region(layout, mem)?.grow)),
        O::MemoryFill { mem } => {
            let r = region(layout, mem)?;
            let (a, b, c) = three(scratch);
            emit(code, I::LocalSet(c));
            emit(code, I::LocalSet(b));
            emit(code, I::LocalSet(a));
            check(code, layout, r, a, Extra::Local(c));
            rebased(code, r, a);
            emit(code, I::LocalGet(b));
            emit(code, I::LocalGet(c));
            emit(code, I::MemoryFill(0));
        }
        O::MemoryCopy { dst_mem, src_mem } => {
            let (d, s) = (region(layout, dst_mem)?, region(layout, src_mem)?);
            let (a, b, c) = three(scratch);
            emit(code, I::LocalSet(c));
            emit(code, I::LocalSet(b));
            emit(code, I::LocalSet(a));
            check(code, layout, d, a, Extra::Local(c));
            check(code, layout, s, b, Extra::Local(c));
            rebased(code, d, a);
            rebased(code, s, b);
            emit(code, I::LocalGet(c));
            emit(
                code,
                I::MemoryCopy {
                    src_mem: 0,
                    dst_mem: 0,
                },
            );
        }
        O::MemoryInit { data_index, mem } => {
            let r = region(layout, mem)?;
            let (a, b, c) = three(scratch);
            emit(code, I::LocalSet(c));
            emit(code, I::LocalSet(b));
            emit(code, I::LocalSet(a));
            check(code, layout, r, a, Extra::Local(c));
            rebased(code, r, a);
            emit(code, I::LocalGet(b));
            emit(code, I::LocalGet(c));
            emit(code, I::MemoryInit { mem: 0, data_index });
        }
        _ => {
            let Some((kind, memarg)) = access(op)? else {
                return Ok(false);
            };
            let r = region(layout, memarg.memory)?;
            // The region laid out last, at a base that never moves, ends
            // where the memory ends: the engine's own check of
            // `addr + (base + offset) + width <= memory size` (no wrap: the
            // effective address is computed wide) is the region's check.
            if layout.tail == Some(memarg.memory) && r.start + memarg.offset <= u64::from(u32::MAX)
            {
                emit(code, to_zero(op, r.start)?);
                return Ok(true);
            }
            let width = 1u64 << memarg.max_align;
            let a = scratch.get(ValType::I32, 0);
            let value = match kind {
                Access::Load => None,
                Access::WithValue(t) => {
                    let v = scratch.get(t, if t == ValType::I32 { 1 } else { 0 });
                    emit(code, I::LocalSet(v));
                    Some(v)
                }
            };
            emit(code, I::LocalSet(a));
            check(code, layout, r, a, Extra::Const(memarg.offset + width));
            rebased(code, r, a);
            if let Some(v) = value {
                emit(code, I::LocalGet(v));
            }
            emit(code, to_zero(op, 0)?);
        }
    }
    Ok(true)
}

fn three(scratch: &mut Scratch) -> (u32, u32, u32) {
    (
        scratch.get(ValType::I32, 0),
        scratch.get(ValType::I32, 1),
        scratch.get(ValType::I32, 2),
    )
}

fn to_zero<'a>(op: &Operator<'a>, shift: u64) -> Result<I<'a>> {
    ToZero { shift }
        .instruction(op.clone())
        .map_err(|e| Error::Invalid(format!("cannot re-encode: {e}")))
}
