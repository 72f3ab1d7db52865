//! The fused module's start function, run once the wrapper has filled its
//! tables.
//!
//! In a wrapped component, host imports that need a memory or a realloc are
//! reached through funcref tables (wit-component's shim table, and meld's
//! own table of repeated host imports, [`super::indirect`]) that a fix-up
//! instance fills only after the fused module is instantiated. A core start
//! function that calls such an import while the module is being
//! instantiated would find an empty slot (`uninitialized element`), where
//! the unfused composition runs it. So the wrapper takes the start section
//! out of the module, exports the start function as [`START_EXPORT`], and
//! instantiates, after every fix-up, a one-function module whose own start
//! calls it. Nothing else runs in between: the host sees the same order of
//! calls as from the composition.

use crate::{Error, Result};
use wasm_encoder::{ExportKind, ExportSection, RawSection};
use wasmparser::{Parser, Payload};

/// Export name of the deferred start function.
pub const START_EXPORT: &str = "cabi_meld_start";

fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Internal(format!("wrapping: cannot parse the fused module: {e}"))
}

/// `fused` without its start section and with the start function exported
/// as [`START_EXPORT`]; `None` when the module has no start function.
pub fn defer(fused: &[u8]) -> Result<Option<Vec<u8>>> {
    let Some(start) = start_func(fused)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(fused.len() + 32);
    out.extend_from_slice(&fused[..8]);
    let mut exported = false;
    for payload in Parser::new(0).parse_all(fused) {
        let payload = payload.map_err(perr)?;
        match &payload {
            Payload::ExportSection(r) => {
                let mut s = ExportSection::new();
                for e in r.clone() {
                    let e = e.map_err(perr)?;
                    s.export(e.name, super::export_kind(e.kind), e.index);
                }
                s.export(START_EXPORT, ExportKind::Func, start);
                push(&mut out, &s);
                exported = true;
            }
            Payload::StartSection { .. } => {
                // The export section comes right before the start section
                // in the binary format; a module without exports gets one
                // in its place.
                if !exported {
                    let mut s = ExportSection::new();
                    s.export(START_EXPORT, ExportKind::Func, start);
                    push(&mut out, &s);
                    exported = true;
                }
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    push(
                        &mut out,
                        &RawSection {
                            id,
                            data: &fused[range],
                        },
                    );
                }
            }
        }
    }
    Ok(Some(out))
}

fn push(out: &mut Vec<u8>, section: &impl wasm_encoder::Section) {
    out.push(section.id());
    wasm_encoder::Encode::encode(section, out);
}

fn start_func(fused: &[u8]) -> Result<Option<u32>> {
    for payload in Parser::new(0).parse_all(fused) {
        match payload.map_err(perr)? {
            Payload::StartSection { func, .. } => return Ok(Some(func)),
            Payload::CodeSectionStart { .. } => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

/// The starter: a module importing one function and calling it from its
/// start section.
pub fn starter_module() -> wasm_encoder::Module {
    let mut m = wasm_encoder::Module::new();
    let mut types = wasm_encoder::TypeSection::new();
    types.ty().function([], []);
    m.section(&types);
    let mut imports = wasm_encoder::ImportSection::new();
    imports.import("", "start", wasm_encoder::EntityType::Function(0));
    m.section(&imports);
    m.section(&wasm_encoder::StartSection { function_index: 0 });
    m
}
