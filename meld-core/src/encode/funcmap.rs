//! Re-encoding a module under a function-index map: the part shared by the
//! dead-code pass ([`crate::encode::dce`]) and the wrapper's import rewrite
//! ([`crate::wrap`]). Each of them handles the function, code, import and
//! export sections itself; every other section goes through [`copy_section`].

use crate::{Error, Result};
use std::collections::BTreeSet;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{Module, NameMap, NameSection, RawSection};
use wasmparser::Payload;

/// Old function index → new index (`None`: the function is gone).
pub struct FuncMap<'a>(pub &'a [Option<u32>]);

impl Reencode for FuncMap<'_> {
    type Error = std::convert::Infallible;
    fn function_index(&mut self, i: u32) -> Result<u32, reencode::Error<Self::Error>> {
        Ok(self
            .0
            .get(i as usize)
            .copied()
            .flatten()
            .unwrap_or(u32::MAX))
    }
}

pub(crate) fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Internal(format!("cannot parse the fused module: {e}"))
}

pub(crate) fn reenc<T>(r: Result<T, reencode::Error<std::convert::Infallible>>) -> Result<T> {
    r.map_err(|e| Error::Internal(format!("cannot re-encode the fused module: {e}")))
}

/// Copy one section of `wasm` into `module`, rewriting function indices in
/// start, element, global and name sections; other sections are copied
/// verbatim. The header and end payloads are skipped.
pub fn copy_section(
    payload: &Payload<'_>,
    wasm: &[u8],
    map: &mut FuncMap<'_>,
    module: &mut Module,
) -> Result<()> {
    match payload {
        Payload::StartSection { func, .. } => {
            module.section(&wasm_encoder::StartSection {
                function_index: reenc(map.function_index(*func))?,
            });
        }
        Payload::ElementSection(r) => {
            let mut s = wasm_encoder::ElementSection::new();
            reenc(map.parse_element_section(&mut s, r.clone()))?;
            module.section(&s);
        }
        Payload::GlobalSection(r) => {
            let mut s = wasm_encoder::GlobalSection::new();
            reenc(map.parse_global_section(&mut s, r.clone()))?;
            module.section(&s);
        }
        Payload::CustomSection(c) => {
            if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                module.section(&rename(names, map.0)?);
            } else {
                module.section(&wasm_encoder::CustomSection {
                    name: c.name().into(),
                    data: c.data().into(),
                });
            }
        }
        Payload::Version { .. } | Payload::End(_) => {}
        other => {
            if let Some((id, range)) = other.as_section() {
                module.section(&RawSection {
                    id,
                    data: &wasm[range],
                });
            }
        }
    }
    Ok(())
}

/// The name section with only the functions still present, renumbered.
fn rename(names: wasmparser::NameSectionReader<'_>, map: &[Option<u32>]) -> Result<NameSection> {
    let mut out = NameSection::new();
    for sub in names {
        match sub.map_err(perr)? {
            wasmparser::Name::Module { name, .. } => out.module(name),
            wasmparser::Name::Function(m) => {
                let mut kept = BTreeSet::new();
                let mut nm = NameMap::new();
                let mut entries = Vec::new();
                for n in m {
                    let n = n.map_err(perr)?;
                    if let Some(Some(new)) = map.get(n.index as usize) {
                        entries.push((*new, n.name));
                    }
                }
                // Name maps must be sorted by (new) index.
                entries.sort_by_key(|(i, _)| *i);
                for (i, name) in entries {
                    if kept.insert(i) {
                        nm.append(i, name);
                    }
                }
                out.functions(&nm);
            }
            _ => {}
        }
    }
    Ok(out)
}
