//! `--memory shared`: the fused module with one memory instead of many.
//!
//! **Takes** the encoded, validated multi-memory module (with its custom
//! sections) and its [`AbiRecord`]. **Hands on** the same module with every
//! memory laid out as a *region* of memory 0, validated again, and the
//! record naming each region's base. Multi-memory output never passes
//! through here, so it stays byte-identical.
//!
//! Why a pass over the finished module rather than in merge: every memory
//! access of the fused module (component code, FACT adapters, transcoders,
//! the resource runtime) is rewritten the same way, and none of the index
//! spaces merge fixed changes (helpers, types and globals are appended), so
//! the name, ABI and world sections stay valid as written.
//!
//! * **Regions.** Memory `i` of the multi-memory module becomes region `i`:
//!   two mutable globals, `base` (i32, where it starts) and `bytes` (i64,
//!   its size), both exported (`cabi_memory<i>_base`, `cabi_memory<i>_bytes`)
//!   when the record names the memory. Regions start on page boundaries.
//! * **Accesses** are checked and rebased inline ([`body`]); an access out
//!   of its region traps with the engine's out-of-bounds trap.
//! * **Growth** ([`grow`]): `memory.grow` of region `r` grows the memory and
//!   moves the regions laid out above `r` up with one `memory.copy`, zeroing
//!   the pages `r` gained. Regions that no code grows are laid out first,
//!   so they never move and growing ones have fewer neighbours to move; the
//!   first region's base is 0 forever, so its accesses skip the add.
//! * **Data segments** land at `base + offset`; a segment that does not fit
//!   its region gets an offset no memory can hold, so instantiation fails
//!   as it does unfused.

mod body;
mod grow;
pub mod verify;

use crate::encode::abi::AbiRecord;
use crate::{Error, Result};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, MemorySection, MemoryType, Module, RawSection, TypeSection, ValType,
};
use wasmparser::{Parser, Payload};

/// Page size of wasm memories.
pub const PAGE: u64 = 65536;
/// The most pages a 32-bit memory (and so every region together) can have.
const MAX_PAGES: u64 = 65536;

/// One memory of the multi-memory module, as a region.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// Global holding the region's start in the one memory (i32).
    pub base: u32,
    /// Global holding the region's size in bytes (i64).
    pub bytes: u32,
    /// Its grow helper (`[i32] -> [i32]`).
    pub grow: u32,
    /// Laid out first: base 0 forever.
    pub fixed: bool,
    /// Initial and maximum size, in pages.
    pub initial: u64,
    pub maximum: u64,
    /// Start at instantiation, in bytes.
    pub start: u64,
}

/// Where every region is, and meld's helper functions.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// By memory index of the multi-memory module.
    pub regions: Vec<Region>,
    /// Layout order: memory indices, lowest address first.
    pub order: Vec<u32>,
    /// The function making an out-of-bounds access (`[] -> []`).
    pub oob: u32,
    /// The region laid out last, when no region below it grows: its base is
    /// fixed and it ends where the memory ends, so its loads and stores need
    /// no check of their own ([`body`]).
    pub tail: Option<u32>,
}

fn reenc<T>(r: std::result::Result<T, wasm_encoder::reencode::Error>) -> Result<T> {
    r.map_err(|e| Error::Invalid(format!("cannot re-encode: {e}")))
}

fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Invalid(e.to_string())
}

/// Custom section describing the regions (JSON, [`LayoutRecord`]).
pub const SECTION: &str = "meld:regions";

/// The `meld:regions` section: where each memory of the multi-memory
/// layout is, which globals hold its base and size, and meld's helpers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct LayoutRecord {
    /// By memory index of the multi-memory layout.
    pub regions: Vec<RegionRecord>,
    /// The function making the out-of-bounds access.
    pub oob: u32,
    /// The region laid out last when no region below it grows: its base is
    /// fixed, the memory ends where it ends, and its loads and stores carry
    /// the base in their offset, unchecked (the engine's check is the
    /// region's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<u32>,
}

/// One region in [`LayoutRecord`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RegionRecord {
    /// Global index of the base (i32) and of the size in bytes (i64).
    pub base_global: u32,
    pub bytes_global: u32,
    /// The region's grow helper.
    pub grow: u32,
    /// Start and size at instantiation, in bytes; maximum in pages.
    pub start: u64,
    pub initial_bytes: u64,
    pub maximum_pages: u64,
}

/// The `meld:regions` record of a `--memory shared` module, if it has one.
pub fn layout(wasm: &[u8]) -> Option<LayoutRecord> {
    Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p {
            Ok(Payload::CustomSection(c)) if c.name() == SECTION => {
                serde_json::from_slice(c.data()).ok()
            }
            _ => None,
        })
        .next()
}

fn layout_record(layout: &Layout) -> String {
    let record = LayoutRecord {
        regions: layout
            .regions
            .iter()
            .map(|r| RegionRecord {
                base_global: r.base,
                bytes_global: r.bytes,
                grow: r.grow,
                start: r.start,
                initial_bytes: r.initial * PAGE,
                maximum_pages: r.maximum,
            })
            .collect(),
        oob: layout.oob,
        tail: layout.tail,
    };
    serde_json::to_string(&record).unwrap_or_default()
}

/// Export names of region `i`'s base and size globals.
pub fn base_export(i: u32) -> String {
    format!("cabi_memory{i}_base")
}
pub fn bytes_export(i: u32) -> String {
    format!("cabi_memory{i}_bytes")
}

/// `--memory shared --component`: the wrapper lifts and lowers with the
/// canonical options as they are, so a pointer would be taken as absolute.
/// Until the wrapper converts pointers, a host import or export whose
/// signature passes memory is refused, by name.
pub fn check_wrappable(record: &AbiRecord) -> Result<()> {
    let imports = record
        .imports
        .iter()
        .map(|i| (format!("import `{}#{}`", i.module, i.field), &i.options));
    let exports = record
        .exports
        .iter()
        .map(|e| (format!("export `{}`", e.name), &e.options));
    for (what, o) in imports.chain(exports) {
        if o.memory.is_some() {
            return Err(Error::Unsupported(format!(
                "`--memory shared --component`: the {what} passes pointers into memory, \
                 which the wrapper does not convert to region-relative ones yet; use the \
                 core output (`--memory shared` without `--component`) or `--memory multi`"
            )));
        }
    }
    Ok(())
}

/// Lay every memory of `wasm` out in one; see the module docs.
///
/// `bases` pairs a memory with a mutable i32 global of the module that is
/// to hold its region's base (the region thunks' global,
/// `graph::region_thunk`): it becomes the region's base global. With
/// `absolute`, the host sees absolute pointers (the thunks convert them),
/// so the record names no region for it.
pub fn lower(
    wasm: &[u8],
    record: &mut AbiRecord,
    parallel: bool,
    bases: &[(u32, u32)],
    absolute: bool,
) -> Result<Vec<u8>> {
    // First pass: counts, memories, which memories grow.
    let mut types: Vec<u32> = Vec::new(); // params per type
    let mut func_types: Vec<u32> = Vec::new();
    let (mut imported_funcs, mut imported_globals, mut defined_globals) = (0u32, 0u32, 0u32);
    let mut type_count = 0u32;
    let mut memories: Vec<(u64, u64)> = Vec::new();
    let mut grows = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(perr)? {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(perr)?.params().len() as u32);
                }
                type_count = types.len() as u32;
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    match imp.map_err(perr)?.ty {
                        wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) => {
                            imported_funcs += 1;
                            func_types.push(t);
                        }
                        wasmparser::TypeRef::Global(_) => imported_globals += 1,
                        wasmparser::TypeRef::Memory(_) => {
                            return Err(Error::Unsupported(
                                "`--memory shared`: the fused module imports a memory".into(),
                            ))
                        }
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    func_types.push(t.map_err(perr)?);
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    let m = m.map_err(perr)?;
                    if m.memory64 || m.shared || m.page_size_log2.is_some() {
                        return Err(Error::Unsupported(
                            "`--memory shared`: 64-bit, shared (threads) or custom-page-size \
                             memories cannot be regions; use `--memory multi`"
                                .into(),
                        ));
                    }
                    memories.push((m.initial, m.maximum.unwrap_or(MAX_PAGES)));
                }
                grows = vec![false; memories.len()];
            }
            Payload::GlobalSection(r) => defined_globals = r.count(),
            Payload::CodeSectionEntry(b) => body::grown(&b, &mut grows)?,
            _ => {}
        }
    }
    let defined_funcs = func_types.len() as u32 - imported_funcs;
    let n = memories.len() as u32;
    if n == 0 {
        // No memory, so no memory instruction: nothing to lay out.
        return Ok(wasm.to_vec());
    }
    if defined_funcs == 0 {
        // The helpers go after the defined functions' bodies.
        return Err(Error::Unsupported(
            "`--memory shared`: a module with memories but no functions".into(),
        ));
    }
    // Appended: types `[] -> []` and `[i32] -> [i32]`; functions oob, then
    // one grow helper per region; globals base, bytes per region.
    let (void_ty, grow_ty) = (type_count, type_count + 1);
    let oob = imported_funcs + defined_funcs;
    let first_global = imported_globals + defined_globals;
    let mut order: Vec<u32> = (0..n).filter(|i| !grows[*i as usize]).collect();
    order.extend((0..n).filter(|i| grows[*i as usize]));
    let mut regions: Vec<Region> = memories
        .iter()
        .enumerate()
        .map(|(i, (initial, maximum))| Region {
            base: first_global + 2 * i as u32,
            bytes: first_global + 2 * i as u32 + 1,
            grow: oob + 1 + i as u32,
            fixed: false,
            initial: *initial,
            maximum: *maximum,
            start: 0,
        })
        .collect();
    let mut preset = std::collections::BTreeMap::new();
    for &(m, g) in bases {
        let r = regions
            .get_mut(m as usize)
            .ok_or_else(|| Error::Internal(format!("region base for memory {m}")))?;
        if g < imported_globals || g >= first_global {
            return Err(Error::Internal(format!("region base global {g}")));
        }
        if let Some(other) = preset.insert(g, m) {
            if other != m {
                return Err(Error::Internal(format!("global {g} is two regions' base")));
            }
        }
        if r.base != first_global + 2 * m && r.base != g {
            return Err(Error::Internal(format!("memory {m} has two base globals")));
        }
        r.base = g;
    }
    let mut pages = 0u64;
    for (k, m) in order.iter().enumerate() {
        let r = &mut regions[*m as usize];
        r.fixed = k == 0;
        r.start = pages * PAGE;
        pages += r.initial;
    }
    if pages > MAX_PAGES {
        return Err(Error::Limit {
            what: "pages of all memories together (`--memory shared`)".into(),
            count: pages,
            limit: MAX_PAGES,
            remedy: "use `--memory multi`".into(),
        });
    }
    let growing = grows.iter().filter(|g| **g).count();
    let tail = (growing <= 1).then(|| order.last().copied()).flatten();
    let layout = Layout {
        regions,
        order,
        oob,
        tail,
    };

    // Second pass: write the module.
    let mut module = Module::new();
    let mut code = CodeSection::new();
    let mut body_buf = Vec::new();
    let mut func_no = imported_funcs;
    let mut globals_written = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(perr)?;
        // A module without a global section gets one for the regions, in
        // its place (before the first section that follows it).
        if let Some((id, _)) = payload.as_section() {
            let after_globals = matches!(id, 7..=12);
            if after_globals && !globals_written {
                let mut s = GlobalSection::new();
                add_globals(&mut s, &layout);
                module.section(&s);
                globals_written = true;
            }
        }
        match &payload {
            Payload::TypeSection(r) => {
                let mut s = TypeSection::new();
                reenc(RoundtripReencoder.parse_type_section(&mut s, r.clone()))?;
                s.ty().function([], []);
                s.ty().function([ValType::I32], [ValType::I32]);
                module.section(&s);
            }
            Payload::FunctionSection(_) => {
                let mut s = FunctionSection::new();
                for t in &func_types[imported_funcs as usize..] {
                    s.function(*t);
                }
                s.function(void_ty);
                for _ in 0..n {
                    s.function(grow_ty);
                }
                module.section(&s);
            }
            Payload::MemorySection(_) => {
                let mut s = MemorySection::new();
                s.memory(MemoryType {
                    minimum: pages,
                    maximum: None,
                    memory64: false,
                    shared: false,
                    page_size_log2: None,
                });
                module.section(&s);
            }
            Payload::GlobalSection(r) => {
                let mut s = GlobalSection::new();
                for (i, g) in r.clone().into_iter().enumerate() {
                    let g = g.map_err(perr)?;
                    let ty = reenc(RoundtripReencoder.global_type(g.ty))?;
                    let init = match preset.get(&(imported_globals + i as u32)) {
                        Some(m) => {
                            ConstExpr::i32_const(layout.regions[*m as usize].start as u32 as i32)
                        }
                        None => reenc(RoundtripReencoder.const_expr(g.init_expr))?,
                    };
                    s.global(ty, &init);
                }
                add_globals(&mut s, &layout);
                module.section(&s);
                globals_written = true;
            }
            Payload::ExportSection(r) => {
                let mut s = ExportSection::new();
                let mut names = Vec::new();
                for e in r.clone() {
                    let e = e.map_err(perr)?;
                    let (kind, index) = match e.kind {
                        wasmparser::ExternalKind::Memory => {
                            names.push((e.name.to_string(), e.index));
                            (ExportKind::Memory, 0)
                        }
                        k => (RoundtripKind::kind(k), e.index),
                    };
                    s.export(e.name, kind, index);
                }
                // The memories the record names get their region's globals
                // beside them (the wrapper's own `memory` export does not).
                names.retain(|(n, _)| n.starts_with("cabi_memory"));
                for (name, m) in &names {
                    let r = &layout.regions[*m as usize];
                    s.export(&format!("{name}_base"), ExportKind::Global, r.base);
                    s.export(&format!("{name}_bytes"), ExportKind::Global, r.bytes);
                }
                module.section(&s);
            }
            Payload::CodeSectionStart { .. } => {}
            Payload::CodeSectionEntry(b) => {
                let params = types
                    .get(func_types[func_no as usize] as usize)
                    .copied()
                    .unwrap_or(0);
                func_no += 1;
                body_buf.clear();
                body::rewrite(wasm, b, params, &layout, &mut body_buf)?;
                code.raw(&body_buf);
                if func_no == imported_funcs + defined_funcs {
                    helpers(&mut code, &layout);
                    module.section(&code);
                }
            }
            Payload::DataSection(r) => {
                let mut s = DataSection::new();
                for d in r.clone() {
                    let d = d.map_err(perr)?;
                    match d.kind {
                        wasmparser::DataKind::Passive => {
                            s.passive(d.data.iter().copied());
                        }
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => {
                            let at = data_offset(&layout, memory_index, &offset_expr, d.data)?;
                            s.active(0, &ConstExpr::i32_const(at as i32), d.data.iter().copied());
                        }
                    }
                }
                module.section(&s);
            }
            Payload::CustomSection(c) if c.name() == crate::encode::abi::SECTION => {
                rebase_record(record, &layout, absolute);
                module.section(&wasm_encoder::CustomSection {
                    name: c.name().into(),
                    data: record.to_compact_json().as_bytes().into(),
                });
            }
            // DWARF names code offsets the rewrite moves (fusion leaves it
            // out in shared mode; one here would be stale).
            Payload::CustomSection(c) if c.name().starts_with(".debug_") => {}
            other => {
                if let Some((id, range)) = other.as_section() {
                    module.section(&RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    module.section(&wasm_encoder::CustomSection {
        name: SECTION.into(),
        data: layout_record(&layout).as_bytes().into(),
    });
    let out = module.finish();
    crate::encode::validate_with(&out, parallel).inspect_err(|_| {
        if let Some(path) = std::env::var_os("MELD_DUMP_INVALID") {
            let _ = std::fs::write(path, &out);
        }
    })?;
    Ok(out)
}

/// Export kinds other than memories, unchanged.
struct RoundtripKind;
impl RoundtripKind {
    fn kind(k: wasmparser::ExternalKind) -> ExportKind {
        use wasmparser::ExternalKind as K;
        match k {
            K::Func | K::FuncExact => ExportKind::Func,
            K::Table => ExportKind::Table,
            K::Memory => ExportKind::Memory,
            K::Global => ExportKind::Global,
            K::Tag => ExportKind::Tag,
        }
    }
}

fn add_globals(s: &mut GlobalSection, layout: &Layout) {
    for r in &layout.regions {
        s.global(
            GlobalType {
                val_type: ValType::I32,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i32_const(r.start as u32 as i32),
        );
        s.global(
            GlobalType {
                val_type: ValType::I64,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i64_const((r.initial * PAGE) as i64),
        );
    }
}

/// Where an active segment of memory `m` at `offset` lands: its region's
/// start plus the offset, or `u32::MAX` (beyond any memory) when it does
/// not fit the region, so instantiation traps as it does unfused.
fn data_offset(
    layout: &Layout,
    m: u32,
    offset: &wasmparser::ConstExpr<'_>,
    data: &[u8],
) -> Result<u32> {
    let k = const_i32(offset).ok_or_else(|| {
        Error::Unsupported(
            "`--memory shared`: a data segment whose offset is not a constant expression \
             of i32.const, i32.add, i32.sub and i32.mul"
                .into(),
        )
    })?;
    let r = layout
        .regions
        .get(m as usize)
        .ok_or_else(|| Error::Invalid(format!("data segment for memory {m}")))?;
    if u64::from(k) + data.len() as u64 > r.initial * PAGE {
        return Ok(u32::MAX);
    }
    Ok((r.start + u64::from(k)) as u32)
}

/// The value of a constant i32 expression (extended-const arithmetic
/// included: merge has already put initialisers in place of the immutable
/// globals it read), or `None` for anything else.
fn const_i32(e: &wasmparser::ConstExpr<'_>) -> Option<u32> {
    use wasmparser::Operator as O;
    let mut stack: Vec<u32> = Vec::new();
    for op in e.get_operators_reader().into_iter() {
        match op.ok()? {
            O::I32Const { value } => stack.push(value as u32),
            op @ (O::I32Add | O::I32Sub | O::I32Mul) => {
                let (b, a) = (stack.pop()?, stack.pop()?);
                stack.push(match op {
                    O::I32Add => a.wrapping_add(b),
                    O::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                });
            }
            O::End => break,
            _ => return None,
        }
    }
    match stack.as_slice() {
        [k] => Some(*k),
        _ => None,
    }
}

/// The record after lowering: every memory is memory 0 (exported under
/// its old name too), with the region's base and size named beside it.
fn rebase_record(record: &mut AbiRecord, layout: &Layout, absolute: bool) {
    let opts = record
        .imports
        .iter_mut()
        .map(|i| &mut i.options)
        .chain(record.exports.iter_mut().map(|e| &mut e.options));
    for o in opts {
        if let (Some(name), Some(i)) = (&o.memory, o.memory_index) {
            if (i as usize) < layout.regions.len() {
                o.region = (!absolute).then(|| crate::encode::abi::Region {
                    memory_index: i,
                    base: format!("{name}_base"),
                    bytes: format!("{name}_bytes"),
                });
                o.memory_index = Some(0);
            }
        }
    }
}

/// The appended functions: the out-of-bounds access, then each region's
/// grow helper.
fn helpers(code: &mut CodeSection, layout: &Layout) {
    let mut f = wasm_encoder::Function::new([]);
    f.instructions()
        .i32_const(-1)
        .i64_load(wasm_encoder::MemArg {
            offset: u64::from(u32::MAX),
            align: 0,
            memory_index: 0,
        })
        .drop()
        .unreachable()
        .end();
    code.function(&f);
    for m in 0..layout.regions.len() as u32 {
        code.function(&grow::helper(layout, m));
    }
}
