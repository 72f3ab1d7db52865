//! Runtime intrinsics that live inside the fused module.
//!
//! Each builtin is a tiny core module, written in WAT, that the graph
//! instantiates like any other module: the merge stage wires its imports
//! (e.g. the two memories of a transcoder) and copies its items into the
//! fused module. Later builtins (resource tables, task state, stream rings)
//! follow the same shape: a module with imports the graph resolves.

pub mod transcode;

use crate::{Error, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use transcode::TranscodeOp;

/// Every kind of builtin module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Builtin {
    /// One per component instance: a mutable i32 global holding the
    /// instance's `may_leave` flag (starts at 1), exported as item 0.
    Flags,
    /// `trap(code: i32)`: FACT calls it before `unreachable`; it traps.
    Trap,
    /// A string transcoder between two memories (imports: from, to).
    Transcode(TranscodeOp),
}

const FLAGS_WAT: &str = r#"(module
  (global (export "flags") (mut i32) (i32.const 1)))"#;

const TRAP_WAT: &str = r#"(module
  (func (export "trap") (param i32) unreachable))"#;

impl Builtin {
    /// The builtin's WAT source.
    pub fn wat(&self) -> String {
        match self {
            Builtin::Flags => FLAGS_WAT.to_string(),
            Builtin::Trap => TRAP_WAT.to_string(),
            Builtin::Transcode(op) => op.module_wat(),
        }
    }
}

/// Assembled builtins, shared by every fusion in the process: assembling
/// the transcoders' WAT dominated the fuse time of small compositions.
static CACHE: std::sync::Mutex<BTreeMap<Builtin, Arc<Vec<u8>>>> =
    std::sync::Mutex::new(BTreeMap::new());

/// Assemble a builtin into module bytes (cached per process).
pub fn module_bytes(builtin: Builtin) -> Result<Arc<Vec<u8>>> {
    if let Some(b) = CACHE.lock().map_err(|_| poisoned())?.get(&builtin) {
        return Ok(b.clone());
    }
    let bytes = Arc::new(
        wat::parse_str(builtin.wat())
            .map_err(|e| Error::Internal(format!("builtin {builtin:?} does not assemble: {e}")))?,
    );
    CACHE
        .lock()
        .map_err(|_| poisoned())?
        .insert(builtin, bytes.clone());
    Ok(bytes)
}

fn poisoned() -> Error {
    Error::Internal("builtin cache poisoned".into())
}

/// Empty the builtin cache (for benchmarks measuring the cold path).
#[doc(hidden)]
pub fn clear_cache() {
    if let Ok(mut c) = CACHE.lock() {
        c.clear();
    }
}

/// Index of the item exported as `name` by a builtin module.
pub fn export_index(wasm: &[u8], name: &str) -> Result<u32> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ExportSection(reader)) = payload {
            for e in reader.into_iter().flatten() {
                if e.name == name {
                    return Ok(e.index);
                }
            }
        }
    }
    Err(Error::Internal(format!(
        "builtin module has no export `{name}`"
    )))
}
