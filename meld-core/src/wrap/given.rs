//! `meld wrap`: wrapping a fused core module read back from its bytes,
//! possibly transformed since `meld fuse` wrote it (by `wasm-opt`, say).
//!
//! Nothing is taken from function indices: an optimiser renumbers, inlines,
//! merges and drops functions, and may drop imports it finds unused. So the
//! module's own `meld:abi` record ([`crate::encode::abi`]) and world
//! (`component-type:meld`) are read from its custom sections (wherever they
//! are), and the record is re-expressed for the module that is given
//! ([`resolve`]): every import is matched to the record by its name (the
//! k-th import of a name to the k-th entry of that name), every export,
//! memory, realloc and post-return the record names is looked up among the
//! module's exports. What the record names but the module no longer
//! imports is not lowered.
//!
//! The wrapper's import plan ([`super::indirect`]: repeated host imports
//! with different options behind a table) is then carried out on the given
//! module ([`apply`]), writing exactly what encoding writes when fusing with
//! `--component`; so `meld wrap` of `meld fuse`'s output is byte-identical
//! to `meld fuse --component`.
//!
//! Refused with [`Error::Wrap`]: no record or world; a record export,
//! memory, realloc or post-return the module lacks; an import the record
//! does not list (or lists fewer times); repeats with different options of
//! which some were merged or dropped (their calls can no longer be told
//! apart); signatures that no longer match the world; an invalid module.

use super::indirect::{self, Plan};
use crate::encode::abi::{self, AbiRecord, ImportAbi, Options};
use crate::encode::funcmap::{copy_section, perr, reenc, FuncMap};
use crate::merge::bodies::Bodies;
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasm_encoder::reencode::Reencode;
use wasm_encoder::{EntityType, ExportKind, Module, RawSection};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

fn werr(msg: impl Into<String>) -> Error {
    Error::Wrap(msg.into())
}

/// What [`wrap_module`] reads from the module besides its sections.
struct Info {
    imports: Vec<(String, String, u32)>,
    defined: u32,
    memories: u32,
    exports: Vec<(String, ExternalKind, u32)>,
    record: Option<AbiRecord>,
    world: Option<crate::front::world::Payload>,
}

fn read(core: &[u8]) -> Result<Info> {
    let mut info = Info {
        imports: Vec::new(),
        defined: 0,
        memories: 0,
        exports: Vec::new(),
        record: None,
        world: None,
    };
    for payload in Parser::new(0).parse_all(core) {
        match payload.map_err(|e| werr(format!("cannot parse the module: {e}")))? {
            Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                return Err(werr(
                    "this is a component; `meld wrap` takes the core module `meld fuse` writes",
                ));
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(perr)?;
                    match imp.ty {
                        TypeRef::Func(t) => {
                            info.imports
                                .push((imp.module.to_string(), imp.name.to_string(), t))
                        }
                        _ => {
                            return Err(werr(format!(
                                "import `{}#{}` is not a function; a fused module imports \
                                 only the host functions its `meld:abi` record lists",
                                imp.module, imp.name
                            )))
                        }
                    }
                }
            }
            Payload::FunctionSection(r) => info.defined = r.count(),
            Payload::MemorySection(r) => info.memories += r.count(),
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(perr)?;
                    info.exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CustomSection(c) if c.name() == abi::SECTION => {
                let record: AbiRecord = serde_json::from_slice(c.data()).map_err(|e| {
                    werr(format!(
                        "the `{}` section is not an ABI record: {e}",
                        abi::SECTION
                    ))
                })?;
                if record.version != abi::VERSION {
                    return Err(werr(format!(
                        "the `{}` record has version {}; this meld reads version {}",
                        abi::SECTION,
                        record.version,
                        abi::VERSION
                    )));
                }
                info.record = Some(record);
            }
            Payload::CustomSection(c) if c.name() == crate::front::world::SECTION => {
                info.world = Some(crate::front::world::Payload::Wit(c.data().to_vec()));
            }
            Payload::CustomSection(c) if c.name() == super::shell::SECTION => {
                info.world = Some(crate::front::world::Payload::Types(c.data().to_vec()));
            }
            _ => {}
        }
    }
    Ok(info)
}

/// Wrap a core module `meld fuse` wrote (possibly transformed since) into a
/// component with the world and ABI recorded in its own custom sections.
pub fn wrap_module(core: &[u8], parallel: bool) -> Result<Vec<u8>> {
    crate::front::precheck::classify(core)?;
    let info = read(core)?;
    let record = info.record.as_ref().ok_or_else(|| {
        werr(format!(
            "the module has no `{}` section (the ABI record `meld fuse` writes); \
             keep custom sections when transforming it",
            abi::SECTION
        ))
    })?;
    let world = info.world.as_ref().ok_or_else(|| {
        werr(format!(
            "the module has no `{}` section (the composition's WIT world) nor a `{}` \
             section (its component type); keep custom sections when transforming it",
            crate::front::world::SECTION,
            super::shell::SECTION
        ))
    })?;
    crate::encode::validate_with(core, parallel).map_err(|e| match e {
        Error::OutputInvalid(m) => werr(format!("the module does not validate: {m}")),
        other => other,
    })?;
    let resolved = resolve(record, &info)?;
    let (module, plan, thunk_types) = apply(core, &resolved)?;
    super::prepare(module, plan, &thunk_types)?
        .finish(world, &resolved, parallel)
        .map_err(|e| match e {
            Error::Unsupported(m) => werr(format!(
                "the module's imports or exports no longer match its world (a changed \
                 signature?): {m}"
            )),
            Error::OutputInvalid(m) => werr(format!("the wrapped module does not validate: {m}")),
            other => other,
        })
}

/// `record` re-expressed for the module `info` describes: one import entry
/// per function import the module has (`func` = its index), and every
/// index (`func`, `memory_index`, `realloc_index`) taken from the module's
/// exports of the names the record gives.
fn resolve(record: &AbiRecord, info: &Info) -> Result<AbiRecord> {
    // `--memory shared` with pointer-passing signatures: the wrapper would
    // take region-relative pointers as absolute.
    let regions = record
        .imports
        .iter()
        .map(|i| &i.options)
        .chain(record.exports.iter().map(|e| &e.options))
        .any(|o| o.region.is_some());
    if regions {
        crate::shared::check_wrappable(record).map_err(|e| werr(e.to_string()))?;
    }
    let export = |name: &str, kind: ExternalKind| {
        info.exports
            .iter()
            .find(|(n, k, _)| n == name && *k == kind)
            .map(|(_, _, i)| *i)
    };
    let options = |o: &Options| -> Result<Options> {
        let mut o = o.clone();
        if let Some(m) = &o.memory {
            o.memory_index = Some(export(m, ExternalKind::Memory).ok_or_else(|| {
                werr(format!(
                    "the ABI record names memory `{m}`, which the module does not export"
                ))
            })?);
        }
        if let Some(r) = &o.realloc {
            o.realloc_index = Some(export(r, ExternalKind::Func).ok_or_else(|| {
                werr(format!(
                    "the ABI record names realloc `{r}`, which the module does not export"
                ))
            })?);
        }
        Ok(o)
    };
    let mut entries: BTreeMap<(&str, &str), Vec<&ImportAbi>> = BTreeMap::new();
    for i in &record.imports {
        entries.entry((&i.module, &i.field)).or_default().push(i);
    }
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (m, f, _) in &info.imports {
        *counts.entry((m, f)).or_default() += 1;
    }
    let mut nth: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut imports = Vec::new();
    for (j, (m, f, _)) in info.imports.iter().enumerate() {
        let key = (m.as_str(), f.as_str());
        let Some(list) = entries.get(&key) else {
            return Err(werr(format!(
                "the module imports `{m}#{f}`, which its ABI record does not list"
            )));
        };
        let have = counts[&key];
        if have > list.len() {
            return Err(werr(format!(
                "the module imports `{m}#{f}` {have} times; its ABI record lists it {} times",
                list.len()
            )));
        }
        let k = nth.entry(key).or_default();
        let entry = if have == list.len() {
            list[*k]
        } else if list.iter().all(|e| e.options == list[0].options) {
            list[0]
        } else {
            return Err(werr(format!(
                "`{m}#{f}` is lowered by {} components with different memories or reallocs, \
                 but the module imports it {have} times: a tool merged or dropped some of \
                 them, so their calls can no longer be told apart (with wasm-opt, add \
                 `--skip-pass=duplicate-import-elimination`)",
                list.len()
            )));
        };
        *k += 1;
        imports.push(ImportAbi {
            module: m.clone(),
            field: f.clone(),
            func: j as u32,
            component: entry.component,
            options: options(&entry.options)?,
        });
    }
    let mut exports = Vec::new();
    for e in &record.exports {
        let func = export(&e.name, ExternalKind::Func).ok_or_else(|| {
            werr(format!(
                "the ABI record names export `{}`, which the module lacks",
                e.name
            ))
        })?;
        if let Some(p) = &e.post_return {
            export(p, ExternalKind::Func).ok_or_else(|| {
                werr(format!(
                    "the ABI record names post-return `{p}`, which the module does not export"
                ))
            })?;
        }
        let mut e = e.clone();
        e.func = func;
        e.options = options(&e.options)?;
        exports.push(e);
    }
    Ok(AbiRecord {
        version: record.version,
        imports,
        exports,
    })
}

/// Section order of the core binary format (custom sections aside).
fn rank(id: u8) -> u8 {
    match id {
        1..=5 => id * 2,
        13 => 11, // tags: after memories, before globals
        6..=9 => id * 2,
        12 => 19, // data count: after elements, before code
        10 | 11 => id * 2,
        _ => 0,
    }
}

/// `core` (whose record, resolved by [`resolve`], is `record`) as the
/// wrapper needs it: the exports `memory` and `cabi_realloc` added
/// ([`super::main_exports`]), and the import plan carried out (repeated
/// host imports merged or moved behind a table, with thunks), exactly as
/// encoding does it when fusing with `--component`. Returns the module,
/// the plan and the thunks' types.
pub fn apply(core: &[u8], record: &AbiRecord) -> Result<(Vec<u8>, Plan, Vec<u32>)> {
    let info = read(core)?;
    let import_types: Vec<u32> = info.imports.iter().map(|(_, _, t)| *t).collect();
    let imported = import_types.len() as u32;
    let plan = indirect::plan(record);
    let rw = indirect::rewrite(&plan, &import_types, info.defined);
    let thunk_types = rw.thunk_types.clone();
    let gone = plan.gone();
    let n_thunks = thunk_types.len() as u32;
    let map: Vec<Option<u32>> = rw
        .map
        .iter()
        .map(|f| Some(*f))
        .chain((0..n_thunks).map(|k| Some(rw.kept_imports + info.defined + k)))
        .collect();
    let identity = gone.is_empty();
    let mut fmap = FuncMap(&map);

    // Exports: the record's first (in its order), then the others sorted by
    // name with the wrapper's two, then the table of repeats.
    let mut extra: BTreeMap<String, (ExportKind, u32)> = BTreeMap::new();
    let is_record_export = |n: &str| record.exports.iter().any(|e| e.name == n);
    for (name, kind, idx) in &info.exports {
        if !is_record_export(name) {
            extra.insert(name.clone(), (super::export_kind(*kind), *idx));
        }
    }
    for (name, kind, idx) in super::main_exports(record, info.memories) {
        if extra.insert(name.clone(), (kind, idx)).is_some() || is_record_export(&name) {
            return Err(werr(format!(
                "the module already exports `{name}`, a name the wrapper needs for its own"
            )));
        }
    }
    for reserved in [indirect::TABLE_EXPORT, super::start::START_EXPORT] {
        if extra.contains_key(reserved) {
            return Err(werr(format!(
                "the module already exports `{reserved}`, a name the wrapper needs for its own"
            )));
        }
    }
    let mut tables_before = 0u32;
    let write_exports = |m: &mut Module, thunk_table: u32| -> Result<()> {
        let mut s = wasm_encoder::ExportSection::new();
        for e in &record.exports {
            s.export(&e.name, ExportKind::Func, rw.map[e.func as usize]);
        }
        for (name, (kind, idx)) in &extra {
            let idx = match kind {
                ExportKind::Func => *map
                    .get(*idx as usize)
                    .copied()
                    .flatten()
                    .as_ref()
                    .ok_or_else(|| {
                        Error::Internal(format!("wrapping: export `{name}` of no function"))
                    })?,
                _ => *idx,
            };
            s.export(name, *kind, idx);
        }
        if n_thunks > 0 {
            s.export(indirect::TABLE_EXPORT, ExportKind::Table, thunk_table);
        }
        m.section(&s);
        Ok(())
    };
    let thunk_table_section = || {
        let mut s = wasm_encoder::TableSection::new();
        s.table(indirect::funcref_table(n_thunks));
        s
    };

    // DWARF names code addresses, which renumbered calls move: relocated
    // (crate::debug) and written in place of the module's own.
    let mut dwarf = None;
    if !(identity && n_thunks == 0) && crate::debug::has_dwarf(core) {
        let mut pre = Bodies::default();
        for payload in Parser::new(0).parse_all(core) {
            if let Payload::CodeSectionEntry(body) = payload.map_err(perr)? {
                pre.push_decoded(&core[body.range()])?;
            }
        }
        thunk_code(&mut pre, &thunk_types, core)?;
        dwarf = Some(crate::debug::relocate_module(core, &pre, imported, &map)?);
    }
    let mut out = Module::new();
    let (mut done_funcs, mut done_tables, mut done_exports, mut done_code) =
        (false, false, false, false);
    let mut bodies = Bodies::default();
    for payload in Parser::new(0).parse_all(core) {
        let payload = payload.map_err(perr)?;
        let id = payload.as_section().map(|(id, _)| id).unwrap_or(0);
        let r = rank(id);
        // Sections the module lacks but the wrapper needs, in their place.
        if r > rank(3) && !done_funcs && n_thunks > 0 {
            let mut s = wasm_encoder::FunctionSection::new();
            for t in &thunk_types {
                s.function(*t);
            }
            out.section(&s);
            done_funcs = true;
        }
        if r > rank(4) && !done_tables && n_thunks > 0 {
            out.section(&thunk_table_section());
            done_tables = true;
        }
        if r > rank(7) && !done_exports {
            write_exports(&mut out, tables_before)?;
            done_exports = true;
        }
        if r > rank(10) && !done_code && n_thunks > 0 {
            thunk_code(&mut bodies, &thunk_types, core)?;
            write_code(&mut out, &bodies, imported, &map);
            done_code = true;
        }
        match &payload {
            Payload::ImportSection(_) => {
                let mut s = wasm_encoder::ImportSection::new();
                for (j, (m, f, t)) in info.imports.iter().enumerate() {
                    if !gone.contains(&(j as u32)) {
                        s.import(m, f, EntityType::Function(*t));
                    }
                }
                out.section(&s);
            }
            Payload::FunctionSection(r) => {
                let mut s = wasm_encoder::FunctionSection::new();
                for t in r.clone() {
                    s.function(t.map_err(perr)?);
                }
                for t in &thunk_types {
                    s.function(*t);
                }
                out.section(&s);
                done_funcs = true;
            }
            Payload::TableSection(r) => {
                let mut s = wasm_encoder::TableSection::new();
                reenc(fmap.parse_table_section(&mut s, r.clone()))?;
                tables_before = s.len();
                if n_thunks > 0 {
                    s.table(indirect::funcref_table(n_thunks));
                }
                out.section(&s);
                done_tables = true;
            }
            Payload::ExportSection(_) => {
                write_exports(&mut out, tables_before)?;
                done_exports = true;
            }
            Payload::CodeSectionStart { range, .. } if identity && n_thunks == 0 => {
                out.section(&RawSection {
                    id: 10,
                    data: &core[range.clone()],
                });
                done_code = true;
            }
            Payload::CodeSectionStart { .. } => {}
            Payload::CodeSectionEntry(body) if !(identity && n_thunks == 0) => {
                bodies.push_decoded(&core[body.range()])?;
                if bodies.len() as u32 == info.defined {
                    thunk_code(&mut bodies, &thunk_types, core)?;
                    write_code(&mut out, &bodies, imported, &map);
                    done_code = true;
                }
            }
            Payload::CodeSectionEntry(_) => {}
            Payload::CustomSection(c) if dwarf.is_some() && c.name().starts_with(".debug_") => {
                for (name, data) in dwarf.iter_mut().flat_map(std::mem::take) {
                    out.section(&wasm_encoder::CustomSection {
                        name: name.into(),
                        data: data.into(),
                    });
                }
            }
            // `--memory shared`: the layout names meld's helpers by index,
            // which the import plan may renumber.
            Payload::CustomSection(c) if c.name() == crate::shared::SECTION && !identity => {
                let mut layout: crate::shared::LayoutRecord = serde_json::from_slice(c.data())
                    .map_err(|e| werr(format!("the `{}` section: {e}", crate::shared::SECTION)))?;
                let renumber = |f: &mut u32| -> Result<()> {
                    *f = map.get(*f as usize).copied().flatten().ok_or_else(|| {
                        werr(format!(
                            "function {f} of `{}` is gone",
                            crate::shared::SECTION
                        ))
                    })?;
                    Ok(())
                };
                renumber(&mut layout.oob)?;
                for r in &mut layout.regions {
                    renumber(&mut r.grow)?;
                }
                out.section(&wasm_encoder::CustomSection {
                    name: c.name().into(),
                    data: serde_json::to_vec(&layout).unwrap_or_default().into(),
                });
            }
            other => copy_section(other, core, &mut fmap, &mut out)?,
        }
    }
    if !done_exports {
        write_exports(&mut out, tables_before)?;
    }
    if !done_code && n_thunks > 0 {
        thunk_code(&mut bodies, &thunk_types, core)?;
        write_code(&mut out, &bodies, imported, &map);
    }
    Ok((out.finish(), plan, thunk_types))
}

/// The code section of `bodies`, function indices renumbered by `map`.
fn write_code(out: &mut Module, bodies: &Bodies, imported: u32, map: &[Option<u32>]) {
    let mut v = Vec::new();
    bodies.write_section(&mut v, imported, map);
    out.section(&RawSection {
        id: 10,
        data: super::section_data(&v),
    });
}

/// Append the thunks' bodies (one per repeat behind the table).
fn thunk_code(bodies: &mut Bodies, thunk_types: &[u32], core: &[u8]) -> Result<()> {
    if thunk_types.is_empty() {
        return Ok(());
    }
    let mut params: Vec<u32> = Vec::new();
    let mut tables = 0u32;
    for payload in Parser::new(0).parse_all(core) {
        match payload.map_err(perr)? {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    params.push(ty.map_err(perr)?.params().len() as u32);
                }
            }
            Payload::TableSection(r) => tables = r.count(),
            Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    for (slot, ty) in thunk_types.iter().enumerate() {
        let p = *params
            .get(*ty as usize)
            .ok_or_else(|| Error::Internal(format!("thunk of an unknown type {ty}")))?;
        let thunk = indirect::thunk(p, *ty, slot as u32, tables);
        bodies.push_decoded(&thunk.into_raw_body())?;
    }
    Ok(())
}
