//! Host imports lowered by several components with different options.
//!
//! A component can give each core import name only one lowering, but two
//! components of a composition may lower the same host function with their
//! own memories (two Rust guests both printing, say). For the wrapper, every
//! such repeat is turned from an import into an in-module thunk that calls
//! through slot `k` of a funcref table the module exports as
//! [`TABLE_EXPORT`]; the wrapper lowers the host function once per repeat
//! with that component's options and fills the table after the main instance
//! exists (the shim-table / fix-up pattern). Encoding carries the plan out
//! while it writes the module ([`rewrite`] is the renumbering), so the
//! module is not written twice.

use crate::encode::abi::{AbiRecord, Options};
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::Function;

/// Export name of the table of repeated host imports.
pub const TABLE_EXPORT: &str = "cabi_meld_imports";

/// One repeated host import, now reached through table slot `slot`.
#[derive(Debug, Clone)]
pub struct Indirect {
    pub module: String,
    pub field: String,
    pub options: Options,
    pub slot: u32,
}

/// What happens to the host imports for wrapping.
#[derive(Debug, Default)]
pub struct Plan {
    /// Repeats with options different from the first lowering of the same
    /// name (function index, slot), in slot order.
    pub indirect: Vec<(u32, Indirect)>,
    /// Repeats identical to an earlier import: function index → the earlier
    /// import's index. They are merged into it.
    pub alias: BTreeMap<u32, u32>,
}

/// Classify every import of `record` (whose positions are function indices).
pub fn plan(record: &AbiRecord) -> Plan {
    let mut first: BTreeMap<(&str, &str), (u32, &Options)> = BTreeMap::new();
    let mut plan = Plan::default();
    for i in &record.imports {
        match first.get(&(i.module.as_str(), i.field.as_str())) {
            None => {
                first.insert((&i.module, &i.field), (i.func, &i.options));
            }
            Some((f, o)) if *o == &i.options => {
                plan.alias.insert(i.func, *f);
            }
            Some(_) => {
                let slot = plan.indirect.len() as u32;
                plan.indirect.push((
                    i.func,
                    Indirect {
                        module: i.module.clone(),
                        field: i.field.clone(),
                        options: i.options.clone(),
                        slot,
                    },
                ));
            }
        }
    }
    plan
}

impl Plan {
    /// The imports that leave the import section.
    pub fn gone(&self) -> BTreeSet<u32> {
        self.alias
            .keys()
            .copied()
            .chain(self.indirect.iter().map(|(f, _)| *f))
            .collect()
    }
}

/// The function renumbering that carries out `plan` (see [`rewrite`]).
#[derive(Debug)]
pub struct Rewrite {
    /// Old function index (after dead-code removal) → new index.
    pub map: Vec<u32>,
    /// Imports left.
    pub kept_imports: u32,
    /// The type of each thunk, in slot order (thunk `k` is function
    /// `kept_imports + defined + k`).
    pub thunk_types: Vec<u32>,
}

/// Renumber functions for `plan`: kept imports first, then the `defined`
/// functions, then one thunk per repeat moved behind the table (in slot
/// order); an identical repeat takes its first import's index.
/// `import_types[f]` is the type of import `f`.
pub fn rewrite(plan: &Plan, import_types: &[u32], defined: u32) -> Rewrite {
    let imported = import_types.len() as u32;
    let removed: BTreeMap<u32, u32> = plan.indirect.iter().map(|(f, i)| (*f, i.slot)).collect();
    let kept = imported - removed.len() as u32 - plan.alias.len() as u32;
    let mut map: Vec<u32> = Vec::with_capacity((imported + defined) as usize);
    let mut next_import = 0;
    for f in 0..imported {
        if let Some(first) = plan.alias.get(&f) {
            // The first import of the name precedes its repeats.
            let m = map[*first as usize];
            map.push(m);
            continue;
        }
        match removed.get(&f) {
            Some(slot) => map.push(kept + defined + slot),
            None => {
                map.push(next_import);
                next_import += 1;
            }
        }
    }
    map.extend((0..defined).map(|d| kept + d));
    let mut thunks: Vec<(u32, u32)> = removed
        .iter()
        .map(|(f, slot)| (*slot, import_types[*f as usize]))
        .collect();
    thunks.sort();
    Rewrite {
        map,
        kept_imports: kept,
        thunk_types: thunks.into_iter().map(|(_, t)| t).collect(),
    }
}

/// The table of thunk targets, `n` funcrefs.
pub fn funcref_table(n: u32) -> wasm_encoder::TableType {
    wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: u64::from(n),
        maximum: Some(u64::from(n)),
        shared: false,
    }
}

/// The thunk of `slot`: its `params` forwarded to `call_indirect` of table
/// `table` with type `type_idx`.
pub fn thunk(params: u32, type_idx: u32, slot: u32, table: u32) -> Function {
    let mut f = Function::new([]);
    let mut ins = f.instructions();
    for i in 0..params {
        ins.local_get(i);
    }
    ins.i32_const(slot as i32);
    ins.call_indirect(table, type_idx);
    ins.end();
    f
}
