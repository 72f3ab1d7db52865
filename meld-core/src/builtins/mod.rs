//! Runtime intrinsics that live inside the fused module.
//!
//! Each builtin is a tiny core module, written in WAT, that the graph
//! instantiates like any other module: the merge stage wires its imports
//! (e.g. the two memories of a transcoder) and copies its items into the
//! fused module. Later builtins (resource tables, task state, stream rings)
//! follow the same shape: a module with imports the graph resolves.
//!
//! **Takes** requests from [`crate::graph`] (which intrinsic, which memories,
//! which constants). **Hands on** module bytes: the fixed ones prebuilt
//! ([`prebuilt`], checked against their WAT), the ones with baked-in constants
//! emitted with wasm-encoder ([`shims`]). **Leaves** wiring and index
//! rewriting to [`crate::merge`]; a builtin never learns where it lands.

pub mod may_leave;
pub mod prebuilt;
pub mod resources;
pub mod shims;
pub mod transcode;

use crate::{Error, Result};
use resources::{DropShim, Mode};
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
    /// The resource runtime: handle tables and call scopes (see [`resources`]).
    ResRuntime,
    /// The resource transfer glue (`transfer_own`, `transfer_borrow`); its
    /// composition-specific part is a generated glue-info module.
    ResGlue,
    /// `resource.new` of type table `key` (a `TypeResourceTableIndex`) in instance `table`.
    ResNew { table: u32, key: u32, mode: Mode },
    /// `resource.rep` of type table `key` in instance `table`.
    ResRep { table: u32, key: u32, mode: Mode },
    /// `resource.drop` of a type the composition defines.
    ResDrop(DropShim),
    /// `resource.drop` of a host resource in instance `table`, ending a host
    /// borrow when the handle is one.
    HostDrop { table: u32, res: u32 },
    /// The wrapper around an exported resource's destructor (imports the
    /// destructor; exports `dtor` and the `suppress` global).
    DtorWrapper,
    /// A module generated for one composition (the resource glue info, an
    /// export's borrow thunk), built by the graph.
    Generated,
}

const FLAGS_WAT: &str = r#"(module
  (global (export "flags") (mut i32) (i32.const 1)))"#;

const TRAP_WAT: &str = r#"(module
  (func (export "trap") (param i32) unreachable))"#;

impl Builtin {
    /// The builtin's WAT source (for the composition-specific ones, the
    /// reference of what [`shims`] emits).
    pub fn wat(&self) -> String {
        match self {
            Builtin::Flags => FLAGS_WAT.to_string(),
            Builtin::Trap => TRAP_WAT.to_string(),
            Builtin::Transcode(op) => op.module_wat(),
            Builtin::ResRuntime => resources::RUNTIME_WAT.to_string(),
            Builtin::ResGlue => resources::GLUE_WAT.to_string(),
            Builtin::ResNew { table, key, mode } => {
                resources::new_or_rep_shim("new", *table, *key, *mode)
            }
            Builtin::ResRep { table, key, mode } => {
                resources::new_or_rep_shim("rep", *table, *key, *mode)
            }
            Builtin::ResDrop(shim) => resources::drop_shim(shim),
            Builtin::HostDrop { table, res } => resources::host_drop_shim(*table, *res),
            Builtin::DtorWrapper => resources::DTOR_WAT.to_string(),
            Builtin::Generated => String::new(),
        }
    }
}

/// The module bytes of a builtin: prebuilt for the fixed ones
/// ([`prebuilt`]), emitted for those with baked-in constants ([`shims`]).
/// Nothing is assembled from WAT at fuse time.
pub fn module_bytes(builtin: Builtin) -> Result<Arc<Vec<u8>>> {
    if let Some(bytes) = prebuilt::bytes(builtin) {
        return Ok(Arc::new(bytes.to_vec()));
    }
    Ok(Arc::new(match builtin {
        Builtin::ResNew { table, key, mode } => shims::new_or_rep("new", table, key, mode),
        Builtin::ResRep { table, key, mode } => shims::new_or_rep("rep", table, key, mode),
        Builtin::ResDrop(shim) => shims::resource_drop(&shim),
        Builtin::HostDrop { table, res } => shims::host_drop(table, res),
        _ => {
            return Err(Error::Internal(format!(
                "builtin {builtin:?} is neither prebuilt nor emitted"
            )))
        }
    }))
}

/// Assemble generated builtin WAT (not cached).
pub fn assemble(what: &str, wat: &str) -> Result<Arc<Vec<u8>>> {
    wat::parse_str(wat)
        .map(Arc::new)
        .map_err(|e| Error::Internal(format!("builtin {what} does not assemble: {e}")))
}

/// Index of the item exported as `name` by a builtin module.
pub fn export_index(wasm: &[u8], name: &str) -> Result<u32> {
    export_indices(wasm)
        .remove(name)
        .ok_or_else(|| Error::Internal(format!("builtin module has no export `{name}`")))
}

/// Every export of a builtin module: name → item index.
pub fn export_indices(wasm: &[u8]) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ExportSection(reader)) = payload {
            for e in reader.into_iter().flatten() {
                out.insert(e.name.to_string(), e.index);
            }
        }
    }
    out
}
