//! Proof that every memory access of a `--memory shared` module is
//! checked against, and rebased onto, one region: see [`check`].
//!
//! Reads the `meld:regions` section ([`super::LayoutRecord`]) and walks
//! every function but meld's own helpers (the out-of-bounds function and
//! the grow helpers it names). Each instruction that touches memory must be
//! immediately preceded by the guard [`super::body`] writes, with the size
//! global and base global of ONE region, the same address local in the check
//! and the access, and (for accesses with a `memarg`) the checked length
//! equal to the instruction's offset plus width. No function but a grow
//! helper may write a region's globals, `memory.grow` appears only in the
//! grow helpers, and the out-of-bounds function is exactly an access no
//! memory can hold. Together with [`crate::isolation`] (component code names
//! only its own memories, which the rewrite maps to their regions) this
//! proves no component code reaches outside its region.

use super::LayoutRecord;
use std::collections::BTreeMap;
use wasmparser::{Operator as O, Parser, Payload};

/// Outcome of [`check`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RegionReport {
    pub regions: usize,
    /// Memory instructions proven guarded.
    pub accesses: usize,
    pub violations: Vec<String>,
}

/// Check a `--memory shared` module (see the module docs).
pub fn check(wasm: &[u8]) -> RegionReport {
    let mut report = RegionReport::default();
    let mut layout: Option<LayoutRecord> = None;
    let mut imported = 0u32;
    let mut bodies = Vec::new();
    let mut memories = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Err(e) => {
                report.violations.push(e.to_string());
                return report;
            }
            Ok(Payload::ImportSection(r)) => {
                imported += r
                    .into_imports()
                    .flatten()
                    .filter(|i| matches!(i.ty, wasmparser::TypeRef::Func(_)))
                    .count() as u32
            }
            Ok(Payload::MemorySection(r)) => memories += r.count(),
            Ok(Payload::CodeSectionEntry(b)) => bodies.push(b),
            Ok(Payload::CustomSection(c)) if c.name() == super::SECTION => {
                layout = serde_json::from_slice(c.data()).ok()
            }
            Ok(_) => {}
        }
    }
    match memories {
        // Valid without a memory: no instruction can touch one.
        0 => return report,
        1 => {}
        n => report.violations.push(format!("{n} memories, not one")),
    }
    let Some(layout) = layout else {
        report.violations.push("no `meld:regions` section".into());
        return report;
    };
    report.regions = layout.regions.len();
    // size global -> base global, per region.
    let pairs: BTreeMap<u32, u32> = layout
        .regions
        .iter()
        .map(|r| (r.bytes_global, r.base_global))
        .collect();
    let fixed: Vec<u32> = layout
        .regions
        .iter()
        .filter(|r| r.start == 0)
        .map(|r| r.bytes_global)
        .collect();
    let region_globals: Vec<u32> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
    let grows: Vec<u32> = layout.regions.iter().map(|r| r.grow).collect();
    // The tail region must be the one that starts highest.
    let tail_start = layout.tail.and_then(|t| {
        let start = layout.regions.get(t as usize)?.start;
        let highest = layout.regions.iter().map(|r| r.start).max()?;
        (start == highest).then_some(start)
    });
    for (i, body) in bodies.iter().enumerate() {
        let f = imported + i as u32;
        let ops: Vec<O<'_>> = match body
            .get_operators_reader()
            .and_then(|r| r.into_iter().collect::<Result<Vec<_>, _>>())
        {
            Ok(ops) => ops,
            Err(e) => {
                report.violations.push(format!("function {f}: {e}"));
                continue;
            }
        };
        if f == layout.oob {
            let exact = matches!(
                ops.as_slice(),
                [O::I32Const { value: -1 }, O::I64Load { memarg }, O::Drop, O::Unreachable, O::End]
                    if memarg.offset == u64::from(u32::MAX)
            );
            if !exact {
                report
                    .violations
                    .push(format!("function {f}: not the out-of-bounds access"));
            }
            continue;
        }
        if grows.contains(&f) {
            continue;
        }
        for (k, op) in ops.iter().enumerate() {
            let bad = |what: &str| format!("function {f}, instruction {k}: {what}");
            match op {
                O::GlobalSet { global_index } if region_globals.contains(global_index) => {
                    report.violations.push(bad("writes a region global"));
                }
                O::MemoryGrow { .. } | O::MemoryDiscard { .. } => {
                    report
                        .violations
                        .push(bad("grows memory outside a grow helper"));
                }
                _ => {}
            }
            let Some(guards) = guarded(op) else { continue };
            report.accesses += 1;
            if let Guard::Unknown = guards {
                report
                    .violations
                    .push(bad("a memory instruction meld never guards"));
                continue;
            }
            // In the tail region: the base in the offset puts the access at
            // or above the tail's start, and the memory ends where the
            // tail ends.
            if let (Guard::Access { .. }, Some(start)) = (guards, tail_start) {
                if memarg(op).is_some_and(|m| m.offset >= start) {
                    continue;
                }
            }
            if let Err(e) = proven(&ops[..k], guards, &pairs, &fixed, layout.oob) {
                report.violations.push(bad(&e));
            }
        }
    }
    report
}

/// What an instruction's guard must look like.
#[derive(Clone, Copy)]
enum Guard {
    /// A `memarg` access: checked length, and a value pushed after the address.
    Access { len: u64, value: bool },
    /// `memory.fill` / `memory.init` (one check), `memory.copy` (two).
    Bulk { checks: usize, after: usize },
    /// A memory instruction the lowering never leaves (atomics).
    Unknown,
}

fn guarded(op: &O<'_>) -> Option<Guard> {
    match op {
        O::MemoryFill { .. } | O::MemoryInit { .. } => Some(Guard::Bulk {
            checks: 1,
            after: 2,
        }),
        O::MemoryCopy { .. } => Some(Guard::Bulk {
            checks: 2,
            after: 1,
        }),
        O::MemorySize { .. } => None,
        _ => {
            if !format!("{op:?}").contains("memarg") {
                return None;
            }
            let Some(memarg) = memarg(op) else {
                return Some(Guard::Unknown);
            };
            let name = format!("{op:?}");
            let value = name.contains("Store") || name.contains("Lane");
            Some(Guard::Access {
                len: memarg.offset + (1u64 << memarg.max_align),
                value,
            })
        }
    }
}

fn memarg(op: &O<'_>) -> Option<wasmparser::MemArg> {
    // Every operator with a memarg, read back through the visitor names.
    use wasmparser::Operator::*;
    match *op {
        I32Load { memarg }
        | I64Load { memarg }
        | F32Load { memarg }
        | F64Load { memarg }
        | I32Load8S { memarg }
        | I32Load8U { memarg }
        | I32Load16S { memarg }
        | I32Load16U { memarg }
        | I64Load8S { memarg }
        | I64Load8U { memarg }
        | I64Load16S { memarg }
        | I64Load16U { memarg }
        | I64Load32S { memarg }
        | I64Load32U { memarg }
        | I32Store { memarg }
        | I64Store { memarg }
        | F32Store { memarg }
        | F64Store { memarg }
        | I32Store8 { memarg }
        | I32Store16 { memarg }
        | I64Store8 { memarg }
        | I64Store16 { memarg }
        | I64Store32 { memarg }
        | V128Load { memarg }
        | V128Load8x8S { memarg }
        | V128Load8x8U { memarg }
        | V128Load16x4S { memarg }
        | V128Load16x4U { memarg }
        | V128Load32x2S { memarg }
        | V128Load32x2U { memarg }
        | V128Load8Splat { memarg }
        | V128Load16Splat { memarg }
        | V128Load32Splat { memarg }
        | V128Load64Splat { memarg }
        | V128Load32Zero { memarg }
        | V128Load64Zero { memarg }
        | V128Store { memarg }
        | V128Load8Lane { memarg, .. }
        | V128Load16Lane { memarg, .. }
        | V128Load32Lane { memarg, .. }
        | V128Load64Lane { memarg, .. }
        | V128Store8Lane { memarg, .. }
        | V128Store16Lane { memarg, .. }
        | V128Store32Lane { memarg, .. }
        | V128Store64Lane { memarg, .. } => Some(memarg),
        // Atomics are refused when lowering: one here is a violation.
        _ => None,
    }
}

/// `pre` ends with the guard `g` asks for.
fn proven(
    pre: &[O<'_>],
    g: Guard,
    pairs: &BTreeMap<u32, u32>,
    fixed: &[u32],
    oob: u32,
) -> Result<(), String> {
    let mut at = pre.len();
    let mut back = |n: usize| -> Result<&[O<'_>], String> {
        at = at.checked_sub(n).ok_or("no guard before it")?;
        Ok(&pre[at..at + n])
    };
    back_check(&mut back, g, pairs, fixed, oob)
}

type Back<'b, 'a> = dyn FnMut(usize) -> Result<&'b [O<'a>], String> + 'b;

fn back_check<'b, 'a>(
    back: &mut Back<'b, 'a>,
    g: Guard,
    pairs: &BTreeMap<u32, u32>,
    fixed: &[u32],
    oob: u32,
) -> Result<(), String> {
    // Operands pushed after the rebased address(es).
    let (checks, after, len) = match g {
        Guard::Access { len, value } => (1, usize::from(value), Some(len)),
        Guard::Bulk { checks, after } => (checks, after, None),
        Guard::Unknown => return Err("unguardable".into()),
    };
    for _ in 0..after {
        if !matches!(back(1)?, [O::LocalGet { .. }]) {
            return Err("operand not from a local".into());
        }
    }
    // Rebased addresses (last one first), then the checks (last one first).
    let mut rebased = Vec::new();
    for _ in 0..checks {
        let (local, base) = match back(1)? {
            [O::I32Add] => match back(2)? {
                [O::LocalGet { local_index }, O::GlobalGet { global_index }] => {
                    (*local_index, Some(*global_index))
                }
                _ => return Err("address not rebased".into()),
            },
            [O::LocalGet { local_index }] => (*local_index, None),
            _ => return Err("address not from the checked local".into()),
        };
        rebased.push((local, base));
    }
    for (local, base) in rebased {
        let bytes = match back(5)? {
            [O::GlobalGet { global_index }, O::I64GtU, O::If { .. }, O::Call { function_index }, O::End]
                if *function_index == oob =>
            {
                *global_index
            }
            _ => return Err("no bounds check".into()),
        };
        match (pairs.get(&bytes), base) {
            (Some(b), Some(base)) if *b == base => {}
            (Some(_), None) if fixed.contains(&bytes) => {}
            _ => return Err("checked against one region, rebased onto another".into()),
        }
        let checked = match len {
            Some(len) => match back(4)? {
                [O::LocalGet { local_index }, O::I64ExtendI32U, O::I64Const { value }, O::I64Add]
                    if *local_index == local && *value as u64 == len =>
                {
                    true
                }
                [O::LocalGet { local_index }, O::I64ExtendI32U, _, _] if *local_index == local => {
                    return Err("checked length is not the access's".into())
                }
                _ => false,
            },
            None => matches!(back(5)?,
                [O::LocalGet { local_index }, O::I64ExtendI32U, O::LocalGet { .. },
                 O::I64ExtendI32U, O::I64Add] if *local_index == local),
        };
        if !checked {
            return Err("bounds check is not on the accessed address".into());
        }
    }
    Ok(())
}
