//! DWARF debug information carried through fusion (`--debug keep`).
//!
//! In a WebAssembly module, a DWARF code address is an offset from the start
//! of the code section's contents (the byte after the section size, where
//! the body count is); a function's `DW_AT_low_pc` is where its body's
//! contents start (after the body size: its locals, then its code), its
//! `DW_AT_high_pc` where the body ends. Fusion moves every body and changes
//! bytes inside it (indices are re-encoded, so LEB128 lengths change), so
//! every address is translated in three steps:
//!
//! 1. **merge** ([`crate::merge`]) records, for each body of a module that
//!    carries DWARF, where it came from in that module ([`BodyMove::old`]),
//!    which merged body it became, and its *offset map*: the offsets inside
//!    the body where the difference between old and new positions changes
//!    ([`offsets::breaks`], found by walking the old and the new body's
//!    operators side by side; only done when DWARF is kept).
//! 2. **encode** ([`crate::encode`]) decides which bodies are written and
//!    where: each kept body's final start and the shifts its renumbered call
//!    indices cause ([`crate::merge::bodies::Bodies::placements`]). Dropped
//!    bodies have none.
//! 3. **relocate** ([`convert::relocate`]): every unit of every copy of every
//!    module with DWARF is converted with gimli's reader and writer into one
//!    DWARF set, its addresses translated through [`addr::AddressMap`]:
//!    `DW_AT_low_pc`/`DW_AT_high_pc`, range lists, location lists, line
//!    programs (split per function) and any other address attribute.
//!    Addresses in dropped bodies are tombstoned (`0xffffffff`, what linkers
//!    write) and their line rows, ranges and locations left out.
//!
//! A module instantiated twice is converted twice: each copy's units name its
//! own code. Adapters and builtins carry no DWARF.
//!
//! **Takes** the body moves from merge and the placements from encode.
//! **Hands on** the `.debug_*` custom sections, which encoding appends after
//! the `meld:abi` section (converted on a second thread while the module is
//! validated). `meld wrap` uses [`relocate_module`] when its import plan
//! renumbers calls. **Leaves** everything else alone: with
//! `--debug strip`, or when no input module has DWARF, nothing here runs and
//! the output is what it is without this stage.

pub mod addr;
pub mod convert;
pub mod offsets;

use std::ops::Range;

/// What to do with the inputs' DWARF (`meld fuse --debug`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DebugInfo {
    /// Relocate every module's DWARF into the fused module (when there is
    /// any).
    #[default]
    Keep,
    /// Leave it out: the output is what it is for inputs without DWARF.
    Strip,
}

/// One function body of a module with DWARF, as merge moved it.
#[derive(Debug, Clone)]
pub struct BodyMove {
    /// The body's contents (locals and code) in the source module, as
    /// offsets from the start of that module's code section contents.
    pub old: Range<u32>,
    /// The merged body it became ([`crate::merge::bodies::Bodies`] index).
    pub body: u32,
    /// (old offset, new offset) inside the body, ascending, from `(0, 0)`:
    /// an offset maps like the last break at or before it
    /// ([`offsets::map`]).
    pub breaks: Vec<(u32, u32)>,
}

/// The bodies of one node (one copy of a module) that carries DWARF.
#[derive(Debug, Clone)]
pub struct NodeDebug {
    /// The node in [`crate::graph::Graph::nodes`].
    pub node: usize,
    /// Its bodies in code-section order.
    pub bodies: Vec<BodyMove>,
}

/// Where a merged body ended up in the written code section.
#[derive(Debug, Clone)]
pub struct Placement {
    /// Start of its contents, from the start of the code section contents.
    pub start: u32,
    /// Length of its contents.
    pub len: u32,
    /// (merged offset, final offset) breaks from renumbered call indices.
    pub shifts: Vec<(u32, u32)>,
}

/// Whether a module carries DWARF: a `.debug_info` custom section (the other
/// sections only make sense with it). Reads only section headers.
pub fn has_dwarf(wasm: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .map_while(|p| p.ok())
        .any(|p| matches!(p, wasmparser::Payload::CustomSection(c) if c.name() == ".debug_info"))
}

/// The `.debug_*` custom sections of a module, by name (borrowed).
pub fn sections(wasm: &[u8]) -> Vec<(&str, &[u8])> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(wasmparser::Payload::CustomSection(c)) if c.name().starts_with(".debug_") => {
                out.push((c.name(), c.data()))
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    out
}

/// The DWARF of `core` (a module whose bodies were re-encoded into
/// `bodies` one for one, in order, and then written by
/// [`crate::merge::bodies::Bodies::write_section`] with `imported` and
/// `map`) relocated to the written code section. For `meld wrap`, whose
/// import plan renumbers calls ([`crate::wrap::given::apply`]).
pub fn relocate_module(
    core: &[u8],
    bodies: &crate::merge::bodies::Bodies,
    imported: u32,
    map: &[Option<u32>],
) -> crate::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut moves = Vec::new();
    let mut base = 0;
    for payload in wasmparser::Parser::new(0).parse_all(core) {
        match payload.map_err(crate::merge::parse_err)? {
            wasmparser::Payload::CodeSectionStart { range, .. } => base = range.start,
            wasmparser::Payload::CodeSectionEntry(body) => {
                let r = body.range();
                moves.push(BodyMove {
                    old: (r.start - base) as u32..(r.end - base) as u32,
                    body: moves.len() as u32,
                    breaks: vec![(0, 0)],
                });
            }
            _ => {}
        }
    }
    let placements = bodies.placements(imported, map, |_| true);
    convert::relocate(&[convert::Source {
        label: "the module",
        sections: sections(core),
        map: addr::AddressMap::new(&moves, &placements),
        globals: &[],
    }])
}
