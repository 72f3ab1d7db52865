//! Stage 3: the instance graph → one core module's worth of sections.
//!
//! Every node's items are copied into a single index space per kind and every
//! index inside them is rewritten with wasm-encoder's `reencode` machinery.
//! A module instantiated twice is copied twice. Index spaces are laid out as
//!
//! ```text
//! functions: [host imports][node 0 defined][node 1 defined]...[start chain]
//! others:    [node 0 defined][node 1 defined]...
//! ```
//!
//! Imports of a node are not copied: they are aliases of items defined by
//! earlier nodes (or host imports), recorded in the node's index maps.
//!
//! **Takes** the [`Graph`] (after [`crate::graph::trivial_adapters`]).
//! **Hands on** [`Merged`]: every non-code section in final index order, and
//! all function bodies in one [`bodies::Bodies`] buffer that records where
//! each body names a function. **Leaves** dead-function removal, renumbering,
//! custom sections and validation to [`crate::encode`].

pub mod bodies;
pub mod bulk_copy;
mod code;
mod fastcode;

use crate::graph::{Def, Graph, ItemKind, Node};
use crate::merge::bodies::Bodies;
use crate::{Error, Result};
use indexmap::IndexMap;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{
    DataSection, ElementSection, GlobalSection, MemorySection, TableSection, TagSection, ValType,
};
use wasmparser::{Parser, Payload, TypeRef};

/// A function signature, the key for type deduplication.
pub type FuncSig = (Vec<ValType>, Vec<ValType>);

/// Per-node maps from the node's own indices to the fused module's indices.
#[derive(Debug, Default, Clone)]
pub struct NodeMaps {
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    pub tags: Vec<u32>,
    types: Vec<u32>,
    data_base: u32,
    elem_base: u32,
    /// The node's own data and element segment counts: an index past them
    /// (possible in a function body, which the translator does not
    /// validate) must not reach another node's segments.
    data_len: u32,
    elem_len: u32,
}

impl NodeMaps {
    fn list(&self, kind: ItemKind) -> &Vec<u32> {
        match kind {
            ItemKind::Func => &self.funcs,
            ItemKind::Table => &self.tables,
            ItemKind::Memory => &self.memories,
            ItemKind::Global => &self.globals,
            ItemKind::Tag => &self.tags,
        }
    }
}

/// The merged module, section by section, ready for [`crate::encode`].
#[derive(Debug, Default)]
pub struct Merged {
    /// Deduplicated function types, in first-use order.
    pub types: IndexMap<FuncSig, u32>,
    /// Type index of each host import, in [`Graph::host_funcs`] order.
    pub host_types: Vec<u32>,
    /// Type index of each defined function, in index order.
    pub func_types: Vec<u32>,
    pub tables: TableSection,
    pub memories: MemorySection,
    pub tags: TagSection,
    pub globals: GlobalSection,
    pub elements: ElementSection,
    pub code: Bodies,
    pub data: DataSection,
    pub data_count: u32,
    pub start: Option<u32>,
    /// Function names for the name section (index, name), ascending.
    pub func_names: FuncNames,
    pub maps: Vec<NodeMaps>,
    pub counts: Counts,
    /// Adapter list loops replaced by `memory.copy` ([`crate::merge::bulk_copy`]).
    pub bulk_copies: usize,
    /// Functions named outside any body: by element segments, table and
    /// global initialisers (roots of the dead-code pass, [`crate::encode::dce`]).
    pub roots: Vec<u32>,
    /// The initialiser (bytes without the final `end`) of each defined
    /// immutable global, by merged index; `None` for mutable ones. A
    /// constant expression reading such a global gets the initialiser in its
    /// place ([`Tracked`]): in the input the global may be an import, which
    /// wasm 1 and 2 let constant expressions read, but merged it is defined
    /// here, which only the GC proposal lets them read.
    pub global_inits: Vec<Option<Vec<u8>>>,
    /// With DWARF kept ([`merge_with`]'s `debug`): for each node whose
    /// module carries DWARF, where each of its bodies went
    /// ([`crate::debug`]). Empty otherwise.
    pub debug: Vec<crate::debug::NodeDebug>,
}

/// How many items of each kind the merged module defines.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub funcs: u32,
    pub tables: u32,
    pub memories: u32,
    pub globals: u32,
    pub tags: u32,
    pub elements: u32,
}

impl Merged {
    /// The fused-module index of a graph definition.
    pub fn resolve(&self, def: Def) -> Result<(ItemKind, u32)> {
        match def {
            Def::Host(h) => Ok((ItemKind::Func, h as u32)),
            Def::Item {
                instance,
                kind,
                index,
            } => self.maps[instance]
                .list(kind)
                .get(index as usize)
                .map(|i| (kind, *i))
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "{kind:?} {index} of instance {instance} does not exist"
                    ))
                }),
        }
    }

    fn intern_type(&mut self, sig: FuncSig) -> u32 {
        let next = self.types.len() as u32;
        *self.types.entry(sig).or_insert(next)
    }
}

/// Merge every node of `graph` into one module (function bodies on two
/// threads when there is enough code).
pub fn merge(graph: &Graph) -> Result<Merged> {
    merge_with(graph, true, false)
}

/// [`merge`], optionally all on the calling thread; with `debug`, the moves
/// of the bodies of modules carrying DWARF are recorded ([`Merged::debug`]).
pub fn merge_with(graph: &Graph, parallel: bool, debug: bool) -> Result<Merged> {
    let host = graph.host_funcs.len() as u32;
    let mut m = Merged {
        host_types: vec![u32::MAX; graph.host_funcs.len()],
        counts: Counts {
            funcs: host,
            ..Counts::default()
        },
        ..Merged::default()
    };
    let mut starts = Vec::new();
    // Every section but the code first: that fixes every index map, after
    // which the bodies of different nodes can be re-encoded independently.
    let mut code = Vec::with_capacity(graph.nodes.len());
    let mut with_dwarf = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let mut maps = NodeMaps {
            data_base: m.data_count,
            elem_base: m.counts.elements,
            ..NodeMaps::default()
        };
        let (start, range, dwarf) = merge_node(&mut m, &mut maps, node)?;
        maps.data_len = m.data_count - maps.data_base;
        maps.elem_len = m.counts.elements - maps.elem_base;
        starts.extend(start);
        code.push(range);
        m.maps.push(maps);
        with_dwarf.push(debug && dwarf);
    }
    let (bodies, bulk_copies, moves) =
        crate::merge::code::merge_code(graph, &m.maps, &code, &with_dwarf, parallel)?;
    m.code = bodies;
    m.bulk_copies = bulk_copies;
    m.debug = moves;
    if let Some(h) = m.host_types.iter().position(|t| *t == u32::MAX) {
        let f = &graph.host_funcs[h];
        return Err(Error::Unsupported(format!(
            "host import `{}#{}` is re-exported without being called by any module",
            f.module, f.field
        )));
    }
    m.start = match starts.len() {
        0 => None,
        1 => Some(starts[0]),
        _ => Some(start_chain(&mut m, &starts)?),
    };
    Ok(m)
}

/// A function calling every node's start function in instantiation order.
fn start_chain(m: &mut Merged, starts: &[u32]) -> Result<u32> {
    let ty = m.intern_type((vec![], vec![]));
    m.func_types.push(ty);
    let mut f = wasm_encoder::Function::new([]);
    for s in starts {
        f.instructions().call(*s);
    }
    f.instructions().end();
    m.code.push_decoded(&f.into_raw_body())?;
    let idx = m.counts.funcs;
    m.counts.funcs += 1;
    m.func_names.push(idx, format_args!("meld:start"));
    Ok(idx)
}

pub(crate) struct Remap<'a> {
    pub(crate) maps: &'a NodeMaps,
}

type RError = reencode::Error<std::convert::Infallible>;

/// Segment `i` of a node whose segments start at `base`: out of range maps
/// to an index validation rejects, like [`lookup`].
fn segment(base: u32, len: u32, i: u32) -> u32 {
    if i < len {
        base + i
    } else {
        u32::MAX
    }
}

fn lookup(list: &[u32], i: u32) -> u32 {
    // Indices were validated by the translator; an out-of-range one cannot
    // reach this point, so map it to an index validation will reject.
    list.get(i as usize).copied().unwrap_or(u32::MAX)
}

impl Reencode for Remap<'_> {
    type Error = std::convert::Infallible;
    fn function_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(lookup(&self.maps.funcs, i))
    }
    fn table_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(lookup(&self.maps.tables, i))
    }
    fn memory_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(lookup(&self.maps.memories, i))
    }
    fn global_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(lookup(&self.maps.globals, i))
    }
    fn tag_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(lookup(&self.maps.tags, i))
    }
    fn type_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(lookup(&self.maps.types, i))
    }
    fn data_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(segment(self.maps.data_base, self.maps.data_len, i))
    }
    fn element_index(&mut self, i: u32) -> Result<u32, RError> {
        Ok(segment(self.maps.elem_base, self.maps.elem_len, i))
    }
}

/// [`Remap`] for the items outside function bodies: it also records every
/// function index it maps (the functions an element segment or a global
/// initialiser names), and writes the initialiser of a defined immutable
/// global in place of a `global.get` of it in a constant expression (see
/// [`Merged::global_inits`]).
struct Tracked<'a> {
    inner: Remap<'a>,
    calls: Vec<u32>,
    inits: &'a [Option<Vec<u8>>],
}

impl<'a> Tracked<'a> {
    fn new(maps: &'a NodeMaps, inits: &'a [Option<Vec<u8>>]) -> Self {
        Tracked {
            inner: Remap { maps },
            calls: Vec::new(),
            inits,
        }
    }
}

impl Reencode for Tracked<'_> {
    type Error = std::convert::Infallible;
    fn const_expr(&mut self, e: wasmparser::ConstExpr) -> Result<wasm_encoder::ConstExpr, RError> {
        let mut ops = e.get_operators_reader();
        let mut bytes = Vec::new();
        while !ops.is_end_then_eof() {
            let ins = self.parse_instruction(&mut ops)?;
            if let wasm_encoder::Instruction::GlobalGet(g) = ins {
                if let Some(Some(init)) = self.inits.get(g as usize) {
                    bytes.extend_from_slice(init);
                    continue;
                }
            }
            wasm_encoder::Encode::encode(&ins, &mut bytes);
        }
        Ok(wasm_encoder::ConstExpr::raw(bytes))
    }
    fn function_index(&mut self, i: u32) -> Result<u32, RError> {
        let f = self.inner.function_index(i)?;
        self.calls.push(f);
        Ok(f)
    }
    fn table_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.table_index(i)
    }
    fn memory_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.memory_index(i)
    }
    fn global_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.global_index(i)
    }
    fn tag_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.tag_index(i)
    }
    fn type_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.type_index(i)
    }
    fn data_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.data_index(i)
    }
    fn element_index(&mut self, i: u32) -> Result<u32, RError> {
        self.inner.element_index(i)
    }
}

pub(crate) fn reenc<T>(r: Result<T, RError>) -> Result<T> {
    r.map_err(|e| Error::Invalid(format!("cannot re-encode: {e}")))
}

pub(crate) fn parse_err(e: wasmparser::BinaryReaderError) -> Error {
    Error::Invalid(e.to_string())
}

/// Copy every section of one node but its code into `m`; returns its start
/// function, if any, where its code section is, and whether it carries
/// DWARF (a `.debug_info` section).
fn merge_node(
    m: &mut Merged,
    maps: &mut NodeMaps,
    node: &Node,
) -> Result<(Option<u32>, Option<std::ops::Range<usize>>, bool)> {
    let mut dwarf = false;
    let mut code = None;
    let mut start = None;
    let mut import_no = 0usize;
    let mut local_names: Vec<(u32, &str)> = Vec::new();
    let mut defined_funcs = Vec::new();
    for payload in Parser::new(0).parse_all(&node.wasm) {
        match payload.map_err(parse_err)? {
            Payload::TypeSection(reader) => {
                for group in reader.into_iter() {
                    let group = group.map_err(parse_err)?;
                    // Types of one recursion group are distinct from equal
                    // types outside it; interning them one by one would
                    // merge them, so a group of several is refused.
                    if group.types().len() > 1 {
                        return Err(Error::Unsupported(format!(
                            "recursive type groups (GC proposal) in module {}",
                            node.label
                        )));
                    }
                    for sub in group.into_types() {
                        let func =
                            match (&sub.composite_type.inner, sub.is_final, sub.supertype_idx) {
                                (wasmparser::CompositeInnerType::Func(f), true, None)
                                    if !sub.composite_type.shared =>
                                {
                                    f.clone()
                                }
                                _ => {
                                    return Err(Error::Unsupported(format!(
                                    "GC struct/array types or subtyping (GC proposal) in module {}",
                                    node.label
                                )))
                                }
                            };
                        let mut r = Remap { maps };
                        let params = func
                            .params()
                            .iter()
                            .map(|t| r.val_type(*t))
                            .collect::<Result<Vec<_>, _>>();
                        let results = func
                            .results()
                            .iter()
                            .map(|t| r.val_type(*t))
                            .collect::<Result<Vec<_>, _>>();
                        let sig = (reenc(params)?, reenc(results)?);
                        let t = m.intern_type(sig);
                        maps.types.push(t);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for imp in reader.into_imports() {
                    let imp = imp.map_err(parse_err)?;
                    let def = *node.args.get(import_no).ok_or_else(|| {
                        Error::Invalid(format!(
                            "module {} has more imports than arguments",
                            node.label
                        ))
                    })?;
                    import_no += 1;
                    let want = match imp.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => ItemKind::Func,
                        TypeRef::Table(_) => ItemKind::Table,
                        TypeRef::Memory(_) => ItemKind::Memory,
                        TypeRef::Global(_) => ItemKind::Global,
                        TypeRef::Tag(_) => ItemKind::Tag,
                    };
                    let (kind, idx) = m.resolve(def)?;
                    if kind != want {
                        return Err(Error::Invalid(format!(
                            "import `{}::{}` of {} is a {want:?} but is given a {kind:?}",
                            imp.module, imp.name, node.label
                        )));
                    }
                    if let (Def::Host(h), TypeRef::Func(t) | TypeRef::FuncExact(t)) = (def, imp.ty)
                    {
                        if m.host_types[h] == u32::MAX {
                            m.host_types[h] = lookup(&maps.types, t);
                        }
                    }
                    match kind {
                        ItemKind::Func => maps.funcs.push(idx),
                        ItemKind::Table => maps.tables.push(idx),
                        ItemKind::Memory => maps.memories.push(idx),
                        ItemKind::Global => maps.globals.push(idx),
                        ItemKind::Tag => maps.tags.push(idx),
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    let ty = ty.map_err(parse_err)?;
                    let t = lookup(&maps.types, ty);
                    m.func_types.push(t);
                    defined_funcs.push(maps.funcs.len() as u32);
                    maps.funcs.push(m.counts.funcs);
                    m.counts.funcs += 1;
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(parse_err)?;
                    // An initialiser may `ref.func` (a root, renumbered later).
                    let mut r = Tracked::new(maps, &m.global_inits);
                    reenc(r.parse_table(&mut m.tables, table))?;
                    m.roots.extend(r.calls);
                    maps.tables.push(m.counts.tables);
                    m.counts.tables += 1;
                }
            }
            Payload::MemorySection(reader) => {
                for mem in reader {
                    let mem = mem.map_err(parse_err)?;
                    m.memories.memory(
                        Remap { maps }
                            .memory_type(mem)
                            .map_err(|e| Error::Invalid(format!("cannot re-encode memory: {e}")))?,
                    );
                    maps.memories.push(m.counts.memories);
                    m.counts.memories += 1;
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    let tag = tag.map_err(parse_err)?;
                    let t = reenc(Remap { maps }.tag_type(tag))?;
                    m.tags.tag(t);
                    maps.tags.push(m.counts.tags);
                    m.counts.tags += 1;
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g.map_err(parse_err)?;
                    let mut r = Tracked::new(maps, &m.global_inits);
                    let ty = reenc(r.global_type(g.ty))?;
                    let init = reenc(r.const_expr(g.init_expr))?;
                    m.roots.extend(r.calls);
                    m.globals.global(ty, &init);
                    m.global_inits.push((!g.ty.mutable).then(|| {
                        let mut bytes = Vec::new();
                        wasm_encoder::Encode::encode(&init, &mut bytes);
                        bytes.pop(); // the final `end`
                        bytes
                    }));
                    maps.globals.push(m.counts.globals);
                    m.counts.globals += 1;
                }
            }
            Payload::StartSection { func, .. } => start = Some(lookup(&maps.funcs, func)),
            Payload::ElementSection(reader) => {
                for e in reader {
                    let e = e.map_err(parse_err)?;
                    let mut r = Tracked::new(maps, &m.global_inits);
                    reenc(r.parse_element(&mut m.elements, e))?;
                    m.roots.extend(r.calls);
                    m.counts.elements += 1;
                }
            }
            Payload::CodeSectionStart { range, .. } => code = Some(range),
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d.map_err(parse_err)?;
                    let mut r = Tracked::new(maps, &m.global_inits);
                    reenc(r.parse_data(&mut m.data, d))?;
                    m.data_count += 1;
                }
            }
            Payload::CustomSection(c) => {
                dwarf |= c.name() == ".debug_info";
                if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                    collect_func_names(names, &mut local_names);
                }
            }
            _ => {}
        }
    }
    if import_no != node.args.len() {
        return Err(Error::Invalid(format!(
            "module {} has {import_no} imports but {} arguments",
            node.label,
            node.args.len()
        )));
    }
    // Name every defined function: the module's own name if it has one
    // (the last one given, should the name section repeat an index).
    let mut named: Vec<Option<&str>> = vec![None; maps.funcs.len()];
    for (i, n) in local_names {
        if let Some(slot) = named.get_mut(i as usize) {
            *slot = Some(n);
        }
    }
    let label = &node.label;
    let builtin = matches!(node.kind, crate::graph::NodeKind::Builtin(_));
    for local in defined_funcs {
        let index = maps.funcs[local as usize];
        match named[local as usize] {
            Some(n) => m.func_names.push(index, format_args!("{label}:{n}")),
            None if builtin => m.func_names.push(index, format_args!("{label}")),
            None => m.func_names.push(index, format_args!("{label}:f{local}")),
        }
    }
    Ok((start, code, dwarf))
}

fn collect_func_names<'a>(names: wasmparser::NameSectionReader<'a>, out: &mut Vec<(u32, &'a str)>) {
    for sub in names.into_iter().flatten() {
        if let wasmparser::Name::Function(map) = sub {
            for naming in map.into_iter().flatten() {
                out.push((naming.index, naming.name));
            }
        }
    }
}

/// Function names for the name section: (index, name) in one buffer rather
/// than a string each (a real-toolchain module names thousands).
#[derive(Debug, Default)]
pub struct FuncNames {
    text: String,
    /// Function index and the end of its name in `text`.
    entries: Vec<(u32, u32)>,
}

impl FuncNames {
    fn push(&mut self, index: u32, name: std::fmt::Arguments<'_>) {
        use std::fmt::Write;
        // Writing to a `String` cannot fail.
        let _ = self.text.write_fmt(name);
        self.entries.push((index, self.text.len() as u32));
    }

    /// Every (index, name), in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        let starts = std::iter::once(0).chain(self.entries.iter().map(|(_, end)| *end));
        self.entries
            .iter()
            .zip(starts)
            .map(|((i, end), start)| (*i, &self.text[start as usize..*end as usize]))
    }
}
