//! The ABI record: for every host import and every export of the fused
//! module, the Canonical ABI options a host needs to call it or serve it
//! (memory, realloc, post-return, string encoding).
//!
//! It is embedded as the `meld:abi` custom section (UTF-8 JSON) and written by
//! `meld fuse --emit-import-map FILE`. Memories and reallocs are referred to
//! by the names under which the fused module exports them. See `docs/abi.md`.

use crate::graph::{AbiOptions, Graph};
use crate::merge::Merged;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Custom section name of the embedded record.
pub const SECTION: &str = "meld:abi";
/// Version of the record's layout.
pub const VERSION: u32 = 1;

/// The whole record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AbiRecord {
    pub version: u32,
    pub imports: Vec<ImportAbi>,
    pub exports: Vec<ExportAbi>,
}

/// One host import.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportAbi {
    pub module: String,
    pub field: String,
    /// Function index in the fused module.
    pub func: u32,
    /// Component instance that lowered the import.
    pub component: u32,
    #[serde(flatten)]
    pub options: Options,
}

/// One export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportAbi {
    pub name: String,
    /// Function index in the fused module.
    pub func: u32,
    /// Component instance that lifted the export.
    pub component: u32,
    #[serde(flatten)]
    pub options: Options,
    /// Export name of the post-return function, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_return: Option<String>,
}

/// Memory, realloc and string encoding, by export name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
/// A field that does not apply (`None`) is left out of the JSON.
pub struct Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_index: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realloc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realloc_index: Option<u32>,
    pub string_encoding: String,
    /// `--memory shared`: where the memory's region is in the one memory
    /// (`memory_index` is then 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// `--memory shared`: one memory of the multi-memory layout, now a region
/// of memory 0. Pointers the component passes are relative to the region:
/// the host adds the current value of the exported global `base` (it
/// changes when a region laid out below grows) and checks them against
/// `bytes`, the region's size.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Region {
    /// The memory's index in the multi-memory layout.
    pub memory_index: u32,
    /// Export name of the region's base (a mutable i32 global).
    pub base: String,
    /// Export name of the region's size in bytes (a mutable i64 global).
    pub bytes: String,
}

/// Extra exports the record needs (memories, reallocs, post-returns).
#[derive(Debug, Default)]
pub struct AbiExports {
    /// name → (kind, index), sorted by name.
    pub items: BTreeMap<String, (wasm_encoder::ExportKind, u32)>,
}

/// Export name of memory `i` of the fused module.
pub fn memory_export(i: u32) -> String {
    format!("cabi_memory{i}")
}

/// Export name of realloc function `i` of the fused module.
pub fn realloc_export(i: u32) -> String {
    format!("cabi_realloc{i}")
}

/// Export name of the post-return function of export `name`.
pub fn post_return_export(name: &str) -> String {
    format!("cabi_post_{name}")
}

fn options(m: &Merged, o: &AbiOptions, extra: &mut AbiExports) -> Result<Options> {
    let memory_index = match o.memory {
        Some(d) => Some(m.resolve(d)?.1),
        None => None,
    };
    let realloc_index = match o.realloc {
        Some(d) => Some(m.resolve(d)?.1),
        None => None,
    };
    let memory = memory_index.map(|i| {
        let n = memory_export(i);
        extra
            .items
            .insert(n.clone(), (wasm_encoder::ExportKind::Memory, i));
        n
    });
    let realloc = realloc_index.map(|i| {
        let n = realloc_export(i);
        extra
            .items
            .insert(n.clone(), (wasm_encoder::ExportKind::Func, i));
        n
    });
    Ok(Options {
        memory,
        memory_index,
        realloc,
        realloc_index,
        string_encoding: o.string_encoding.to_string(),
        region: None,
    })
}

/// Build the record and the exports it refers to.
pub fn record(graph: &Graph, m: &Merged) -> Result<(AbiRecord, AbiExports)> {
    let mut extra = AbiExports::default();
    let mut imports = Vec::new();
    for (i, h) in graph.host_funcs.iter().enumerate() {
        imports.push(ImportAbi {
            module: h.module.clone(),
            field: h.field.clone(),
            func: i as u32,
            component: h.abi.component,
            options: options(m, &h.abi, &mut extra)?,
        });
    }
    for (name, def) in &graph.dtor_exports {
        let idx = m.resolve(*def)?.1;
        extra
            .items
            .insert(name.clone(), (wasm_encoder::ExportKind::Func, idx));
    }
    let mut exports = Vec::new();
    for e in &graph.exports {
        let func = m.resolve(e.func)?.1;
        let post_return = match e.abi.post_return {
            Some(d) => {
                let idx = m.resolve(d)?.1;
                let n = post_return_export(&e.name);
                extra
                    .items
                    .insert(n.clone(), (wasm_encoder::ExportKind::Func, idx));
                Some(n)
            }
            None => None,
        };
        exports.push(ExportAbi {
            name: e.name.clone(),
            func,
            component: e.abi.component,
            options: options(m, &e.abi, &mut extra)?,
            post_return,
        });
    }
    Ok((
        AbiRecord {
            version: VERSION,
            imports,
            exports,
        },
        extra,
    ))
}

impl AbiRecord {
    /// The record as pretty JSON (the `--emit-import-map` format).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the ABI record always serialises")
    }

    /// The record as compact JSON (the embedded `meld:abi` section: same
    /// content, no whitespace).
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).expect("the ABI record always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields that do not apply are left out, and a record written with
    /// `null`s (as earlier versions did) still reads back the same.
    #[test]
    fn absent_and_null_fields_read_the_same() {
        let with_nulls = r#"{"version":1,"imports":[{"module":"m","field":"f","func":0,
            "component":1,"memory":null,"memory_index":null,"realloc":null,
            "realloc_index":null,"string_encoding":"utf8"}],"exports":[{"name":"e",
            "func":3,"component":0,"memory":"cabi_memory1","memory_index":1,
            "realloc":null,"realloc_index":null,"string_encoding":"utf16",
            "post_return":null}]}"#;
        let record: AbiRecord = serde_json::from_str(with_nulls).unwrap();
        assert_eq!(record.imports[0].options.memory, None);
        assert_eq!(record.exports[0].options.memory_index, Some(1));
        assert_eq!(record.exports[0].post_return, None);
        let compact = record.to_compact_json();
        assert!(!compact.contains("null"), "{compact}");
        assert!(!compact.contains("realloc"), "{compact}");
        assert_eq!(serde_json::from_str::<AbiRecord>(&compact).unwrap(), record);
    }
}
