//! Host imports lowered by several components with different options.
//!
//! A component can give each core import name only one lowering, but two
//! components of a composition may lower the same host function with their
//! own memories (two Rust guests both printing, say). For the wrapper, every
//! such repeat is turned from an import into an in-module thunk that calls
//! through slot `k` of a funcref table the module exports as
//! [`TABLE_EXPORT`]; the wrapper lowers the host function once per repeat
//! with that component's options and fills the table after the main instance
//! exists (the shim-table / fix-up pattern).

use crate::abi::{AbiRecord, Options};
use crate::bodies::Bodies;
use crate::funcmap::{copy_section, perr, reenc, FuncMap};
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasm_encoder::reencode::Reencode;
use wasm_encoder::{Function, Module};
use wasmparser::{Parser, Payload, TypeRef};

/// Export name of the table of repeated host imports.
pub const TABLE_EXPORT: &str = "cabi_meld_imports";

/// One repeated host import, now reached through table slot `slot`.
#[derive(Debug, Clone)]
pub struct Indirect {
    pub module: String,
    pub field: String,
    pub options: Options,
    pub slot: u32,
}

/// What happens to the host imports for wrapping.
#[derive(Debug, Default)]
pub struct Plan {
    /// Repeats with options different from the first lowering of the same
    /// name (function index, slot), in slot order.
    pub indirect: Vec<(u32, Indirect)>,
    /// Repeats identical to an earlier import: function index → the earlier
    /// import's index. They are merged into it.
    pub alias: BTreeMap<u32, u32>,
}

/// Classify every import of `record` (whose positions are function indices).
pub fn plan(record: &AbiRecord) -> Plan {
    let mut first: BTreeMap<(&str, &str), (u32, &Options)> = BTreeMap::new();
    let mut plan = Plan::default();
    for i in &record.imports {
        match first.get(&(i.module.as_str(), i.field.as_str())) {
            None => {
                first.insert((&i.module, &i.field), (i.func, &i.options));
            }
            Some((f, o)) if *o == &i.options => {
                plan.alias.insert(i.func, *f);
            }
            Some(_) => {
                let slot = plan.indirect.len() as u32;
                plan.indirect.push((
                    i.func,
                    Indirect {
                        module: i.module.clone(),
                        field: i.field.clone(),
                        options: i.options.clone(),
                        slot,
                    },
                ));
            }
        }
    }
    plan
}

/// Rewrite `wasm` so every identical repeat is merged into its first import
/// and every other repeat becomes a thunk through the exported table. Also
/// returns each slot's core signature, in slot order.
pub fn apply(wasm: &[u8], plan: &Plan) -> Result<(Vec<u8>, Vec<wasmparser::FuncType>)> {
    if plan.indirect.is_empty() && plan.alias.is_empty() {
        return Ok((wasm.to_vec(), Vec::new()));
    }
    let removed: BTreeMap<u32, u32> = plan.indirect.iter().map(|(f, i)| (*f, i.slot)).collect();
    let alias = &plan.alias;
    let gone = |f: u32| removed.contains_key(&f) || alias.contains_key(&f);
    // First pass: counts and the types of the removed imports.
    let (mut imported, mut defined, mut tables) = (0u32, 0u32, 0u32);
    let mut has_table_section = false;
    let mut removed_types: BTreeMap<u32, u32> = BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(perr)? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(perr)?;
                    match imp.ty {
                        TypeRef::Func(t) => {
                            if removed.contains_key(&imported) {
                                removed_types.insert(imported, t);
                            }
                            imported += 1;
                        }
                        TypeRef::Table(_) => tables += 1,
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => defined += r.count(),
            Payload::TableSection(r) => {
                has_table_section = true;
                tables += r.count();
            }
            _ => {}
        }
    }
    // Old function index → new: kept imports first, then defined functions,
    // then one thunk per removed import (in slot order).
    let kept = imported - removed.len() as u32 - alias.len() as u32;
    let mut map: Vec<u32> = Vec::with_capacity((imported + defined) as usize);
    let mut next_import = 0;
    for f in 0..imported {
        if let Some(first) = alias.get(&f) {
            // The first import of the name precedes its repeats.
            let m = map[*first as usize];
            map.push(m);
            continue;
        }
        match removed.get(&f) {
            Some(slot) => map.push(kept + defined + slot),
            None => {
                map.push(next_import);
                next_import += 1;
            }
        }
    }
    for d in 0..defined {
        map.push(kept + d);
    }
    let table_idx = tables;
    let mut thunks: Vec<(u32, u32)> = removed_types
        .iter()
        .map(|(f, t)| (removed[f], *t))
        .collect();
    thunks.sort();

    let mut module = Module::new();
    let opt_map: Vec<Option<u32>> = map.iter().map(|i| Some(*i)).collect();
    let mut remap = FuncMap(&opt_map);
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut seen_code = 0u32;
    // Bodies go through the fast scanner (most operators are copied as they
    // are); the map is applied while scanning, so writing the section maps
    // every index to itself.
    let mut code = Bodies::with_capacity(wasm.len());
    let mut import_no = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(perr)?;
        match &payload {
            Payload::TypeSection(r) => {
                for t in r.clone().into_iter_err_on_gc_types() {
                    types.push(t.map_err(perr)?);
                }
                copy_section(&payload, wasm, &mut remap, &mut module)?;
            }
            Payload::ImportSection(r) => {
                let mut s = wasm_encoder::ImportSection::new();
                for imp in r.clone().into_imports() {
                    let imp = imp.map_err(perr)?;
                    let is_func = matches!(imp.ty, TypeRef::Func(_));
                    if !(is_func && gone(import_no)) {
                        let ty = reenc(remap.entity_type(imp.ty))?;
                        s.import(imp.module, imp.name, ty);
                    }
                    if is_func {
                        import_no += 1;
                    }
                }
                module.section(&s);
            }
            Payload::FunctionSection(r) => {
                let mut s = wasm_encoder::FunctionSection::new();
                for t in r.clone() {
                    s.function(t.map_err(perr)?);
                }
                for (_, t) in &thunks {
                    s.function(*t);
                }
                module.section(&s);
                if !has_table_section && !thunks.is_empty() {
                    module.section(&table_section(thunks.len() as u32));
                }
            }
            Payload::TableSection(r) => {
                let mut s = wasm_encoder::TableSection::new();
                for t in r.clone() {
                    reenc(remap.parse_table(&mut s, t.map_err(perr)?))?;
                }
                if !thunks.is_empty() {
                    s.table(funcref_table(thunks.len() as u32));
                }
                module.section(&s);
            }
            Payload::ExportSection(r) => {
                let mut s = wasm_encoder::ExportSection::new();
                reenc(remap.parse_export_section(&mut s, r.clone()))?;
                if !thunks.is_empty() {
                    s.export(TABLE_EXPORT, wasm_encoder::ExportKind::Table, table_idx);
                }
                module.section(&s);
            }
            Payload::CodeSectionStart { .. } => {}
            Payload::CodeSectionEntry(body) => {
                // The module is not validated yet (that happens once, as
                // part of the wrapped component): a body that does not
                // decode is invalid output, which the caller may blame on
                // the input.
                crate::fastcode::reencode_body(&mut remap, wasm, body.clone(), &mut code)
                    .map_err(|e| Error::OutputInvalid(e.to_string()))?;
                seen_code += 1;
                if seen_code == defined {
                    for (slot, t) in &thunks {
                        let f = thunk(&types[*t as usize], *t, *slot, table_idx)?;
                        code.push_decoded(&f.into_raw_body())?;
                    }
                    let total = kept + defined + thunks.len() as u32;
                    let identity: Vec<Option<u32>> = (0..total).map(Some).collect();
                    let mut section = Vec::new();
                    code.write_section(&mut section, kept, &identity);
                    // `write_section` wrote the id and size too.
                    module.section(&wasm_encoder::RawSection {
                        id: section[0],
                        data: &section[1 + leb_len(&section[1..])..],
                    });
                }
            }
            other => copy_section(other, wasm, &mut remap, &mut module)?,
        }
    }
    if defined == 0 {
        return Err(Error::Internal(
            "wrapping: fused module defines no function".into(),
        ));
    }
    let sigs = thunks
        .iter()
        .map(|(_, t)| types[*t as usize].clone())
        .collect();
    Ok((module.finish(), sigs))
}

/// Length of the LEB128 at the start of `bytes`.
fn leb_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| b & 0x80 == 0)
        .map_or(bytes.len(), |p| p + 1)
}

fn funcref_table(n: u32) -> wasm_encoder::TableType {
    wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: u64::from(n),
        maximum: Some(u64::from(n)),
        shared: false,
    }
}

fn table_section(n: u32) -> wasm_encoder::TableSection {
    let mut s = wasm_encoder::TableSection::new();
    s.table(funcref_table(n));
    s
}

fn thunk(ty: &wasmparser::FuncType, type_idx: u32, slot: u32, table: u32) -> Result<Function> {
    let mut f = Function::new([]);
    let mut ins = f.instructions();
    for i in 0..ty.params().len() as u32 {
        ins.local_get(i);
    }
    ins.i32_const(slot as i32);
    ins.call_indirect(table, type_idx);
    ins.end();
    Ok(f)
}
