//! Stage 4: merged sections → module bytes, validated.
//!
//! Section order follows the core spec; everything is emitted in index order
//! or sorted order, so the same input always gives the same bytes.
//!
//! **Takes** [`crate::merge`]'s sections and bodies and the graph.
//! **Hands on** the module's bytes: dead functions dropped ([`dce`]),
//! indices renumbered in place, the `meld:abi` record ([`abi`]) and names
//! appended, validated. **Leaves** the WIT world section to
//! [`crate::front::world`] (appended after validation) and the component
//! shell to [`crate::wrap`], whose import plan it carries out while writing.

pub mod abi;
pub mod dce;
pub(crate) mod funcmap;

use crate::graph::Graph;
use crate::merge::Merged;
use crate::{Error, Result};
use abi::{AbiExports, AbiRecord};
use funcmap::{perr, reenc, FuncMap};
use std::collections::BTreeSet;
use wasm_encoder::reencode::Reencode;
use wasm_encoder::{
    CustomSection, DataCountSection, ElementSection, EntityType, ExportKind, ExportSection,
    FunctionSection, GlobalSection, ImportSection, Module, NameMap, NameSection, Section,
    StartSection, TableSection, TypeSection,
};

/// Assemble the final module.
///
/// Dead functions are dropped on the way ([`crate::encode::dce::live_map`], from the
/// call sites merge recorded in [`crate::merge::bodies`]): the module is written
/// once, at its final size, and the merged sections are dropped before it is
/// validated, to keep the peak memory down. `wrapping` (`--component`):
/// repeated host imports are moved behind a table as the wrapper needs
/// ([`crate::wrap::indirect`]) while the module is written, and the module
/// is not validated here but inside the wrapped component that holds it.
pub fn encode(
    graph: &Graph,
    mut m: Merged,
    record: &mut AbiRecord,
    extra: &AbiExports,
    component_type: impl FnOnce() -> Result<Option<crate::front::world::Payload>>,
    parallel: bool,
    wrapping: bool,
) -> Result<Encoded> {
    let imported = graph.host_funcs.len() as u32;
    let mut roots = std::mem::take(&mut m.roots);
    roots.extend(record.exports.iter().map(|e| e.func));
    roots.extend(
        extra
            .items
            .values()
            .filter(|(kind, _)| *kind == ExportKind::Func)
            .map(|(_, i)| *i),
    );
    roots.extend(m.start);
    // Reallocs the record names are exported (`cabi_realloc<N>`), hence
    // roots already; naming them here keeps that from being load-bearing.
    roots.extend(
        record
            .imports
            .iter()
            .map(|i| &i.options)
            .chain(record.exports.iter().map(|e| &e.options))
            .filter_map(|o| o.realloc_index),
    );
    let (dce, removed) =
        crate::encode::dce::live_map(imported, m.code.len(), roots, |i| m.code.callees(i));
    let new = |i: u32| {
        dce.get(i as usize).copied().flatten().ok_or_else(|| {
            Error::Internal(format!("function {i} named by the ABI record was removed"))
        })
    };
    for e in &mut record.exports {
        e.func = new(e.func)?;
        if let Some(r) = e.options.realloc_index.as_mut() {
            *r = new(*r)?;
        }
    }
    for i in &mut record.imports {
        if let Some(r) = i.options.realloc_index.as_mut() {
            *r = new(*r)?;
        }
    }
    // The record keeps the numbering after dead-code removal (what the
    // wrapper's plan is made from); `map` adds the wrapper's import rewrite.
    let defined = dce[imported as usize..].iter().flatten().count() as u32;
    let wrap = wrapping.then(|| {
        let plan = crate::wrap::indirect::plan(record);
        let rewrite = crate::wrap::indirect::rewrite(&plan, &m.host_types, defined);
        (plan, rewrite)
    });
    let thunk_types: &[u32] = wrap.as_ref().map_or(&[], |(_, r)| &r.thunk_types);
    // What the module will hold, against the format's limits: a refusal
    // names the limit instead of failing validation below.
    crate::limits::check_format(&crate::limits::OutputCounts {
        functions: u64::from(imported) + u64::from(defined) + thunk_types.len() as u64,
        imports: u64::from(imported),
        exports: (record.exports.len() + extra.items.len()) as u64,
        types: m.types.len() as u64,
        memories: u64::from(m.counts.memories),
        tables: u64::from(m.counts.tables),
        globals: u64::from(m.counts.globals),
        tags: u64::from(m.counts.tags),
        element_segments: u64::from(m.counts.elements),
        data_segments: u64::from(m.data_count),
    })?;
    let map = match &wrap {
        None => dce,
        Some((_, r)) => with_import_rewrite(&dce, r, defined),
    };
    let new = |i: u32| {
        map.get(i as usize)
            .copied()
            .flatten()
            .ok_or_else(|| Error::Internal(format!("function {i} named by an export was removed")))
    };
    let gone: BTreeSet<u32> = wrap
        .as_ref()
        .map_or_else(Default::default, |(p, _)| p.gone());
    let mut fmap = FuncMap(&map);

    let mut head = Module::new();
    let mut types = TypeSection::new();
    for (params, results) in m.types.keys() {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
    }
    head.section(&types);

    let mut imports = ImportSection::new();
    for (f, (h, ty)) in graph.host_funcs.iter().zip(&m.host_types).enumerate() {
        if !gone.contains(&(f as u32)) {
            imports.import(&h.module, &h.field, EntityType::Function(*ty));
        }
    }
    if !graph.host_funcs.is_empty() {
        head.section(&imports);
    }
    let mut functions = FunctionSection::new();
    for (i, ty) in m.func_types.iter().enumerate() {
        if map[imported as usize + i].is_some() {
            functions.function(*ty);
        }
    }
    for ty in thunk_types {
        functions.function(*ty);
    }
    head.section(&functions);
    let mut tables = TableSection::new();
    let merged_tables = contents(&m.tables);
    reenc(fmap.parse_table_section(&mut tables, reader(&merged_tables)?))?;
    let thunk_table = tables.len();
    if !thunk_types.is_empty() {
        tables.table(crate::wrap::indirect::funcref_table(
            thunk_types.len() as u32
        ));
        for (slot, ty) in thunk_types.iter().enumerate() {
            let params = m
                .types
                .get_index(*ty as usize)
                .map(|(sig, _)| sig.0.len())
                .ok_or_else(|| Error::Internal(format!("thunk of an unknown type {ty}")))?;
            let thunk = crate::wrap::indirect::thunk(params as u32, *ty, slot as u32, thunk_table);
            m.code.push_decoded(&thunk.into_raw_body())?;
        }
    }
    head.section(&tables);
    head.section(&m.memories);
    if m.counts.tags > 0 {
        head.section(&m.tags);
    }
    let mut globals = GlobalSection::new();
    let merged_globals = contents(&m.globals);
    reenc(fmap.parse_global_section(&mut globals, reader(&merged_globals)?))?;
    head.section(&globals);

    let mut exports = ExportSection::new();
    let mut seen = BTreeSet::new();
    for e in &record.exports {
        if !seen.insert(e.name.clone()) {
            return Err(Error::Internal(format!("duplicate export `{}`", e.name)));
        }
        // The record keeps the numbering before the import rewrite.
        let func = wrap
            .as_ref()
            .map_or(e.func, |(_, r)| r.map[e.func as usize]);
        exports.export(&e.name, ExportKind::Func, func);
    }
    for (name, (kind, idx)) in &extra.items {
        if !seen.insert(name.clone()) {
            return Err(Error::Internal(format!("duplicate export `{name}`")));
        }
        let idx = match kind {
            ExportKind::Func => new(*idx)?,
            _ => *idx,
        };
        exports.export(name, *kind, idx);
    }
    if !thunk_types.is_empty() {
        exports.export(
            crate::wrap::indirect::TABLE_EXPORT,
            ExportKind::Table,
            thunk_table,
        );
    }
    head.section(&exports);

    if let Some(start) = m.start {
        head.section(&StartSection {
            function_index: new(start)?,
        });
    }
    let mut elements = ElementSection::new();
    let merged_elements = contents(&m.elements);
    reenc(fmap.parse_element_section(&mut elements, reader(&merged_elements)?))?;
    head.section(&elements);
    if m.data_count > 0 {
        head.section(&DataCountSection {
            count: m.data_count,
        });
    }
    let head = head.finish();

    let mut tail = Vec::new();
    m.data.append_to(&mut tail);
    m.data = Default::default();
    let mut names = NameSection::new();
    names.module("meld-fused");
    let funcs = function_names(graph, &m, &map);
    names.functions(&funcs);
    names.append_to(&mut tail);
    append_custom(&mut tail, abi::SECTION, record.to_compact_json().as_bytes());
    // The inputs' DWARF, converted once the merged bodies are written and
    // dropped, straight into the output after the other custom sections.
    let debug = DebugPlan::new(&mut m, imported, &map);
    let code_len = m.code.section_len(imported, &map);

    let mut bytes = Vec::with_capacity(head.len() + code_len + tail.len() + WORLD_ROOM);
    bytes.extend_from_slice(&head);
    drop(head);
    m.code.write_section(&mut bytes, imported, &map);
    drop(m);
    bytes.extend_from_slice(&tail);
    drop(tail);
    let validate = |bytes: &[u8]| {
        if wrapping {
            Ok(())
        } else {
            check(bytes, parallel)
        }
    };
    // Validation does not look into custom sections: the DWARF is converted
    // on a second thread meanwhile and appended after it.
    let dwarf = match debug {
        None => validate(&bytes).map(|()| None)?,
        Some(debug) if parallel => std::thread::scope(|s| {
            let job = s.spawn(|| debug.relocate(graph));
            let valid = validate(&bytes);
            let dwarf = job
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("DWARF relocation panicked".into())));
            valid?;
            dwarf.map(Some)
        })?,
        Some(debug) => {
            validate(&bytes)?;
            Some(debug.relocate(graph)?)
        }
    };
    if let Some(sections) = dwarf {
        bytes.reserve_exact(sections.iter().map(|(_, d)| d.len() + 32).sum());
        for (name, data) in sections {
            append_custom(&mut bytes, name, &data);
        }
    }
    // The world goes last, in a custom section, whose contents validation
    // does not look at: appending it after validating lets the world finish
    // decoding (on the other thread) meanwhile. Its framing is checked here.
    if let Some(ct) = component_type()? {
        let at = bytes.len();
        append_custom(&mut bytes, ct.section(), ct.data());
        check_custom_section(&bytes[at..], ct.section())?;
    }
    Ok(Encoded {
        wasm: bytes,
        removed_functions: removed,
        wrap_plan: wrap.map(|(plan, r)| (plan, r.thunk_types)),
    })
}

/// What relocating the inputs' DWARF needs from the merged module
/// ([`crate::debug`]): where each body of a module with DWARF came from
/// and where it is written, and those modules' global maps.
struct DebugPlan {
    nodes: Vec<crate::debug::NodeDebug>,
    placements: Vec<Option<crate::debug::Placement>>,
    globals: Vec<Vec<u32>>,
}

impl DebugPlan {
    /// `None` when no module carries DWARF (or it is stripped).
    fn new(m: &mut Merged, imported: u32, map: &[Option<u32>]) -> Option<Self> {
        if m.debug.is_empty() {
            return None;
        }
        let mut wanted = vec![false; m.code.len()];
        for b in m.debug.iter().flat_map(|n| &n.bodies) {
            wanted[b.body as usize] = true;
        }
        let nodes = std::mem::take(&mut m.debug);
        let globals = nodes
            .iter()
            .map(|n| m.maps[n.node].globals.clone())
            .collect();
        Some(DebugPlan {
            placements: m.code.placements(imported, map, |i| wanted[i]),
            nodes,
            globals,
        })
    }

    /// The relocated `.debug_*` sections (name, contents).
    fn relocate(&self, graph: &Graph) -> Result<Vec<(&'static str, Vec<u8>)>> {
        let sources: Vec<crate::debug::convert::Source> = self
            .nodes
            .iter()
            .zip(&self.globals)
            .map(|(n, globals)| {
                let node = &graph.nodes[n.node];
                crate::debug::convert::Source {
                    label: &node.label,
                    sections: crate::debug::sections(&node.wasm),
                    map: crate::debug::addr::AddressMap::new(&n.bodies, &self.placements),
                    globals,
                }
            })
            .collect();
        crate::debug::convert::relocate(&sources)
    }
}

/// `dce` (merged index → index after dead-code removal) followed by the
/// wrapper's import rewrite `r`, with one more entry per thunk (thunk bodies
/// are appended after the merged ones).
fn with_import_rewrite(
    dce: &[Option<u32>],
    r: &crate::wrap::indirect::Rewrite,
    defined: u32,
) -> Vec<Option<u32>> {
    let thunks = (0..r.thunk_types.len() as u32).map(|k| Some(r.kept_imports + defined + k));
    dce.iter()
        .map(|f| f.map(|f| r.map[f as usize]))
        .chain(thunks)
        .collect()
}

/// The function names by new index: host imports, then merged functions.
/// A moved import's name goes with its thunk; of two functions that became
/// one (an identical repeated import) the first keeps its name.
fn function_names(graph: &Graph, m: &Merged, map: &[Option<u32>]) -> NameMap {
    let host_names: Vec<String> = graph
        .host_funcs
        .iter()
        .map(|h| format!("host:{}#{}", h.module, h.field))
        .collect();
    let mut merged: Vec<(u32, &str)> = m.func_names.iter().collect();
    merged.sort_by_key(|(i, _)| *i);
    let mut entries: Vec<(u32, &str)> = host_names
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u32, n.as_str()))
        .chain(merged)
        .filter_map(|(i, n)| map.get(i as usize).copied().flatten().map(|i| (i, n)))
        .collect();
    entries.sort_by_key(|(i, _)| *i);
    entries.dedup_by_key(|(i, _)| *i);
    let mut funcs = NameMap::new();
    for (i, n) in entries {
        funcs.append(i, n);
    }
    funcs
}

/// The contents of a section merge built (its count and items, without the
/// size prefix), to be read back with a wasmparser section reader.
fn contents<S: Section>(section: &S) -> Vec<u8> {
    let mut v = Vec::new();
    section.encode(&mut v);
    let prefix = v.iter().position(|b| b & 0x80 == 0).map_or(0, |p| p + 1);
    v.drain(..prefix);
    v
}

fn reader<'a, T: wasmparser::FromReader<'a>>(
    bytes: &'a [u8],
) -> Result<wasmparser::SectionLimited<'a, T>> {
    wasmparser::SectionLimited::new(wasmparser::BinaryReader::new(bytes, 0)).map_err(perr)
}

/// The encoded module.
pub struct Encoded {
    pub wasm: Vec<u8>,
    pub removed_functions: u32,
    /// With `wrapping`: the repeated host imports now behind the table, and
    /// the type of each thunk in slot order.
    pub wrap_plan: Option<(crate::wrap::indirect::Plan, Vec<u32>)>,
}

/// Append a custom section to encoded module bytes.
fn append_custom(bytes: &mut Vec<u8>, name: &str, data: &[u8]) {
    use wasm_encoder::Encode;
    let section = CustomSection {
        name: name.into(),
        data: data.into(),
    };
    bytes.push(0);
    section.encode(bytes);
}

/// Room left at the end of the module for the world section, so that
/// appending it seldom reallocates (worlds of WASI programs are a few KiB).
const WORLD_ROOM: usize = 16 * 1024;

/// `section` (bytes from its id on) is exactly one custom section named `name`.
fn check_custom_section(section: &[u8], name: &str) -> Result<()> {
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    module.extend_from_slice(section);
    let mut customs = 0;
    for payload in wasmparser::Parser::new(0).parse_all(&module) {
        match payload.map_err(|e| Error::OutputInvalid(e.to_string()))? {
            wasmparser::Payload::CustomSection(c) if c.name() == name => customs += 1,
            wasmparser::Payload::Version { .. } | wasmparser::Payload::End(_) => {}
            other => {
                return Err(Error::OutputInvalid(format!(
                    "unexpected {:?} after the module",
                    other.as_section().map(|(id, _)| id)
                )))
            }
        }
    }
    if customs != 1 {
        return Err(Error::OutputInvalid(format!(
            "the `{name}` section did not encode"
        )));
    }
    Ok(())
}

fn check(bytes: &[u8], parallel: bool) -> Result<()> {
    if let Err(e) = validate_with(bytes, parallel) {
        // Debugging aid for meld developers: keep the invalid module.
        if let Some(path) = std::env::var_os("MELD_DUMP_INVALID") {
            let _ = std::fs::write(path, bytes);
        }
        return Err(e);
    }
    Ok(())
}

/// Below this much code, validating on a second thread costs more than it
/// saves.
const SERIAL_VALIDATION_BYTES: usize = 32 * 1024;

/// Validate a fused core module with the features meld emits.
///
/// Module-level validation runs on this thread; function bodies are split
/// between it and one more thread (the bodies are independent), which is
/// what the fuse time is mostly spent on. The first error in function order
/// is reported, so the outcome does not depend on scheduling.
pub fn validate(bytes: &[u8]) -> Result<()> {
    validate_with(bytes, true)
}

/// [`validate`], optionally all on the calling thread.
pub fn validate_with(bytes: &[u8], parallel: bool) -> Result<()> {
    validate_split(bytes, crate::front::translate::features(), false, parallel)
        .map_err(|e| Error::OutputInvalid(e.to_string()))
}

/// Validate a component meld made (the wrapped `--component` output) the
/// same way: everything but function bodies first, then the bodies of every
/// module it holds in two halves.
pub fn validate_component_with(bytes: &[u8], parallel: bool) -> Result<()> {
    let mut features = crate::front::translate::features();
    features.insert(wasmparser::WasmFeatures::COMPONENT_MODEL);
    validate_split(bytes, features, true, parallel)
        .map_err(|e| Error::OutputInvalid(format!("wrapped component: {e}")))
}

/// What [`validate_split`] reports: wasmparser's error, or a nested module
/// where none may be.
enum SplitError {
    Wasm(wasmparser::BinaryReaderError),
    Nested,
    Panicked,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::Wasm(e) => write!(f, "{e}"),
            SplitError::Nested => write!(f, "a core module must not nest"),
            SplitError::Panicked => write!(f, "validation thread panicked"),
        }
    }
}

fn validate_split(
    bytes: &[u8],
    features: wasmparser::WasmFeatures,
    nested: bool,
    parallel: bool,
) -> std::result::Result<(), SplitError> {
    let err = SplitError::Wasm;
    let mut validator = wasmparser::Validator::new_with_features(features);
    let mut funcs = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match validator.payload(&payload.map_err(err)?).map_err(err)? {
            wasmparser::ValidPayload::Func(f, body) => funcs.push((f, body)),
            wasmparser::ValidPayload::Parser(_) if !nested => return Err(SplitError::Nested),
            wasmparser::ValidPayload::Parser(_)
            | wasmparser::ValidPayload::Ok
            | wasmparser::ValidPayload::End(_) => {}
        }
    }
    let check_bodies = |chunk: Vec<(
        wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
        wasmparser::FunctionBody<'_>,
    )>| {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        for (f, body) in chunk {
            let mut v = f.into_validator(allocs);
            v.validate(&body).map_err(err)?;
            allocs = v.into_allocations();
        }
        Ok::<(), SplitError>(())
    };
    // Two halves with about the same amount of code.
    let total: usize = funcs.iter().map(|(_, b)| b.range().len()).sum();
    let mut split = 0;
    let mut acc = 0;
    while split < funcs.len() && acc * 2 < total {
        acc += funcs[split].1.range().len();
        split += 1;
    }
    if !parallel || total < SERIAL_VALIDATION_BYTES {
        return check_bodies(funcs);
    }
    let second = funcs.split_off(split);
    let first = funcs;
    std::thread::scope(|s| {
        let other = s.spawn(|| check_bodies(second));
        let a = check_bodies(first);
        let b = other.join().unwrap_or(Err(SplitError::Panicked));
        a.and(b)
    })
}
