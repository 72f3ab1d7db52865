//! Dead-function elimination on the fused module.
//!
//! A defined function is live when an export, the start function, an element
//! segment or a global initialiser names it, or a live function calls or
//! `ref.func`s it. Everything else (adapters nobody calls, builtins of unused
//! transcoders, module helpers only the dropped exports of inner modules
//! used) is dropped and function indices are renumbered. Imports are always
//! kept: they are the module's interface.

use crate::Result;
use wasm_encoder::reencode::Reencode;
use wasm_encoder::{CodeSection, FunctionSection, Module};
use wasmparser::{ExternalKind, Operator, Parser, Payload};

/// Result of [`eliminate`].
pub struct Dce {
    pub wasm: Vec<u8>,
    /// Old function index → new index (`None` = removed).
    pub map: Vec<Option<u32>>,
    pub removed: u32,
}

use crate::encode::funcmap::{copy_section, perr, reenc, FuncMap};

fn refs_in_ops(mut ops: wasmparser::OperatorsReader<'_>, out: &mut Vec<u32>) -> Result<()> {
    while !ops.eof() {
        match ops.read().map_err(perr)? {
            Operator::Call { function_index }
            | Operator::ReturnCall { function_index }
            | Operator::RefFunc { function_index } => out.push(function_index),
            _ => {}
        }
    }
    Ok(())
}

/// Drop unreachable defined functions from a module's bytes (the fusion
/// pipeline itself does this while encoding, from what merge recorded; see
/// [`live_map`] and [`crate::merge::bodies`]).
pub fn eliminate(wasm: &[u8]) -> Result<Dce> {
    // Pass 1: roots and call edges.
    let mut imported = 0u32;
    let mut roots: Vec<u32> = Vec::new();
    let mut edges: Vec<Vec<u32>> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(perr)? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp.map_err(perr)?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(perr)?;
                    if e.kind == ExternalKind::Func {
                        roots.push(e.index);
                    }
                }
            }
            Payload::StartSection { func, .. } => roots.push(func),
            Payload::GlobalSection(r) => {
                for g in r {
                    refs_in_ops(
                        g.map_err(perr)?.init_expr.get_operators_reader(),
                        &mut roots,
                    )?;
                }
            }
            Payload::ElementSection(r) => {
                for e in r {
                    match e.map_err(perr)?.items {
                        wasmparser::ElementItems::Functions(fs) => {
                            for f in fs {
                                roots.push(f.map_err(perr)?);
                            }
                        }
                        wasmparser::ElementItems::Expressions(_, es) => {
                            for ex in es {
                                refs_in_ops(ex.map_err(perr)?.get_operators_reader(), &mut roots)?;
                            }
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut out = Vec::new();
                refs_in_ops(body.get_operators_reader().map_err(perr)?, &mut out)?;
                edges.push(out);
            }
            _ => {}
        }
    }
    let (map, removed) = live_map(imported, edges.len(), roots, |i| edges[i].iter().copied());
    let live: Vec<bool> = map.iter().map(Option::is_some).collect();

    // Pass 2: rewrite.
    let mut module = Module::new();
    let mut remap = FuncMap(&map);
    let mut func_no = imported;
    let mut code_no = imported;
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(perr)?;
        match &payload {
            Payload::FunctionSection(r) => {
                for t in r.clone() {
                    let t = t.map_err(perr)?;
                    if live[func_no as usize] {
                        funcs.function(t);
                    }
                    func_no += 1;
                }
                module.section(&funcs);
            }
            Payload::CodeSectionStart { .. } => {}
            Payload::CodeSectionEntry(body) => {
                if live[code_no as usize] {
                    patch_calls(wasm, body, &map, &mut code)?;
                }
                code_no += 1;
                if code_no == func_no {
                    module.section(&code);
                }
            }
            Payload::ExportSection(r) => {
                let mut s = wasm_encoder::ExportSection::new();
                reenc(remap.parse_export_section(&mut s, r.clone()))?;
                module.section(&s);
            }
            other => copy_section(other, wasm, &mut remap, &mut module)?,
        }
    }
    Ok(Dce {
        wasm: module.finish(),
        map,
        removed,
    })
}

/// Which functions are live, and their indices once the others are gone.
///
/// Functions `0..imported` are imports (always kept), `imported + i` is
/// defined function `i`, whose body names `callees(i)`. Live: the roots and
/// everything a live body names, transitively. Returns old index → new index
/// (`None` = removed) and the number removed; a root or callee out of range
/// is ignored (validation reports it).
pub fn live_map<I: Iterator<Item = u32>>(
    imported: u32,
    defined: usize,
    roots: Vec<u32>,
    callees: impl Fn(usize) -> I,
) -> (Vec<Option<u32>>, u32) {
    let total = imported as usize + defined;
    let mut live = vec![false; total];
    for l in live.iter_mut().take(imported as usize) {
        *l = true;
    }
    let mut stack = roots;
    while let Some(f) = stack.pop() {
        let Some(slot) = live.get_mut(f as usize) else {
            continue;
        };
        if *slot && f >= imported {
            continue;
        }
        *slot = true;
        if f >= imported {
            stack.extend(
                callees((f - imported) as usize)
                    .filter(|g| live.get(*g as usize).is_some_and(|l| !*l)),
            );
        }
    }
    let mut map = Vec::with_capacity(total);
    let mut next = 0u32;
    for l in &live {
        map.push(if *l {
            next += 1;
            Some(next - 1)
        } else {
            None
        });
    }
    (map, total as u32 - next)
}

/// Copy a function body, rewriting only the function indices of `call`,
/// `return_call` and `ref.func` (the only places a body names a function);
/// every other byte is copied as it is.
fn patch_calls(
    wasm: &[u8],
    body: &wasmparser::FunctionBody<'_>,
    map: &[Option<u32>],
    code: &mut CodeSection,
) -> Result<()> {
    use wasm_encoder::Encode;
    let range = body.range();
    let mut out = Vec::with_capacity(range.len() + 8);
    let mut last = range.start;
    let mut ops = body.get_operators_reader().map_err(perr)?;
    while !ops.eof() {
        let at = ops.original_position();
        let (Operator::Call { function_index: f }
        | Operator::ReturnCall { function_index: f }
        | Operator::RefFunc { function_index: f }) = ops.read().map_err(perr)?
        else {
            continue;
        };
        // All three are one opcode byte followed by the index.
        let new = map.get(f as usize).copied().flatten().ok_or_else(|| {
            crate::Error::Internal(format!("live code names removed function {f}"))
        })?;
        out.extend_from_slice(&wasm[last..=at]);
        new.encode(&mut out);
        last = ops.original_position();
    }
    out.extend_from_slice(&wasm[last..range.end]);
    code.raw(&out);
    Ok(())
}
