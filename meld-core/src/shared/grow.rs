//! `memory.grow` of one region: `[delta] -> [old pages or -1]`.
//!
//! The region may not pass its own maximum (its memory's declared one, or
//! 65536 pages). Otherwise the one memory grows by `delta` pages and every
//! region laid out above this one moves up by as much (one `memory.copy`
//! of everything above, then the bytes it left are zeroed: they are this
//! region's new pages). Bases of the moved regions go up by `delta` pages;
//! pointers components hold are region-relative, so nothing else changes.
//! A region laid out last moves nothing: its new pages are the memory's
//! fresh (zeroed) ones.

use super::Layout;
use wasm_encoder::{BlockType, Function, Instruction as I};

pub(super) fn helper(layout: &Layout, m: u32) -> Function {
    let r = &layout.regions[m as usize];
    let pos = layout.order.iter().position(|x| *x == m).unwrap_or(0);
    let above: Vec<u32> = layout.order[pos + 1..].to_vec();
    // param 0: delta; locals: 1 old (i32), 2 dbytes (i64), 3 end (i32)
    let mut f = Function::new([
        (1, wasm_encoder::ValType::I32),
        (1, wasm_encoder::ValType::I64),
        (1, wasm_encoder::ValType::I32),
    ]);
    let (delta, old, dbytes, end) = (0, 1, 2, 3);
    let mut e = |i: I<'_>| {
        f.instruction(&i);
    };
    e(I::GlobalGet(r.bytes));
    e(I::I64Const(16));
    e(I::I64ShrU);
    e(I::I32WrapI64);
    e(I::LocalSet(old));
    // Past the region's maximum: -1.
    e(I::LocalGet(old));
    e(I::I64ExtendI32U);
    e(I::LocalGet(delta));
    e(I::I64ExtendI32U);
    e(I::I64Add);
    e(I::I64Const(r.maximum as i64));
    e(I::I64GtU);
    e(I::If(BlockType::Empty));
    e(I::I32Const(-1));
    e(I::Return);
    e(I::End);
    e(I::LocalGet(delta));
    e(I::I32Eqz);
    e(I::If(BlockType::Empty));
    e(I::LocalGet(old));
    e(I::Return);
    e(I::End);
    e(I::LocalGet(delta));
    e(I::MemoryGrow(0));
    e(I::I32Const(-1));
    e(I::I32Eq);
    e(I::If(BlockType::Empty));
    e(I::I32Const(-1));
    e(I::Return);
    e(I::End);
    e(I::LocalGet(delta));
    e(I::I64ExtendI32U);
    e(I::I64Const(16));
    e(I::I64Shl);
    e(I::LocalSet(dbytes));
    if !above.is_empty() {
        // end = base + bytes: where the regions above start.
        e(I::GlobalGet(r.base));
        e(I::GlobalGet(r.bytes));
        e(I::I32WrapI64);
        e(I::I32Add);
        e(I::LocalSet(end));
        // memory.copy(end + dbytes, end, old_total - end)
        e(I::LocalGet(end));
        e(I::LocalGet(dbytes));
        e(I::I32WrapI64);
        e(I::I32Add);
        e(I::LocalGet(end));
        e(I::MemorySize(0));
        e(I::I64ExtendI32U);
        e(I::I64Const(16));
        e(I::I64Shl);
        e(I::LocalGet(dbytes));
        e(I::I64Sub);
        e(I::I32WrapI64);
        e(I::LocalGet(end));
        e(I::I32Sub);
        e(I::MemoryCopy {
            src_mem: 0,
            dst_mem: 0,
        });
        e(I::LocalGet(end));
        e(I::I32Const(0));
        e(I::LocalGet(dbytes));
        e(I::I32WrapI64);
        e(I::MemoryFill(0));
        for s in &above {
            let b = layout.regions[*s as usize].base;
            e(I::GlobalGet(b));
            e(I::LocalGet(dbytes));
            e(I::I32WrapI64);
            e(I::I32Add);
            e(I::GlobalSet(b));
        }
    }
    e(I::GlobalGet(r.bytes));
    e(I::LocalGet(dbytes));
    e(I::I64Add);
    e(I::GlobalSet(r.bytes));
    e(I::LocalGet(old));
    e(I::End);
    f
}
