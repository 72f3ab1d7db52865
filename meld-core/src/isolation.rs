//! Memory, table and handle isolation of a fused module.
//!
//! In the composition, a component's core code can only reach the memories
//! and tables of its own component instance; only adapters (and the builtins
//! they call) touch two. The fused module puts everything in one index
//! space, so this check proves the merge kept that property: every memory or
//! table index that a component's code or data/element segments name in the
//! fused module belongs to that component instance.
//!
//! Resource handles are capabilities, kept per component instance. The
//! second half of the check proves that every resource intrinsic a
//! component's code imports acts on its own instance's handle table: each
//! `resource.new` / `resource.rep` / `resource.drop` shim and each boundary
//! thunk it imports has that instance's table baked in, and it imports no
//! embedder intrinsic (`[resource-new|rep|drop]`) and no host function
//! carrying handles directly (those go through a boundary thunk of its own
//! instance, which converts them through its table).

use crate::builtins::Builtin;
use crate::graph::{Def, Graph, NodeKind};
use crate::merge::{self, Merged};
use crate::Result;
use std::collections::BTreeMap;
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// Outcome of [`check`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IsolationReport {
    /// Component-owned core instances whose code was checked.
    pub nodes_checked: usize,
    /// Memory and table references checked.
    pub references: usize,
    /// Resource intrinsics and host functions carrying handles, imported by
    /// component code, checked.
    pub handle_imports: usize,
    /// Human-readable violations; empty when isolation holds.
    pub violations: Vec<String>,
}

/// Translate and merge `component`, then check isolation.
pub fn check(component: &[u8]) -> Result<IsolationReport> {
    let graph = crate::front::translate::translate(component)?;
    let merged = merge::merge(&graph)?;
    Ok(check_merged(&graph, &merged))
}

/// `--memory shared`: [`check`] (component code names only its own
/// memories, tables and handle tables), then the composition fused with
/// `--memory shared` and [`crate::shared::verify::check`]ed (every access
/// to a memory is bounds-checked against, and rebased onto, that memory's
/// region). Together: no component reaches another's region or meld's.
pub fn check_regions(
    component: &[u8],
) -> Result<(IsolationReport, crate::shared::verify::RegionReport)> {
    let report = check(component)?;
    let opts = crate::FuseOptions {
        memory: crate::MemoryMode::Shared,
        serial: true,
        ..Default::default()
    };
    let fused = crate::fuse(&[component], &opts)?;
    Ok((report, crate::shared::verify::check(&fused.wasm)))
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Space {
    Memory,
    Table,
}

/// Indices named in a node's code and segments, in the node's own spaces.
fn references(wasm: &[u8]) -> (Vec<(Space, u32)>, u32, u32) {
    let mut refs = Vec::new();
    let (mut imported_mems, mut imported_tables) = (0, 0);
    for payload in Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            Payload::ImportSection(r) => {
                for imp in r.into_imports().flatten() {
                    match imp.ty {
                        TypeRef::Memory(_) => imported_mems += 1,
                        TypeRef::Table(_) => imported_tables += 1,
                        _ => {}
                    }
                }
            }
            Payload::DataSection(r) => {
                for d in r.into_iter().flatten() {
                    if let wasmparser::DataKind::Active { memory_index, .. } = d.kind {
                        refs.push((Space::Memory, memory_index));
                    }
                }
            }
            Payload::ElementSection(r) => {
                for e in r.into_iter().flatten() {
                    if let wasmparser::ElementKind::Active { table_index, .. } = e.kind {
                        refs.push((Space::Table, table_index.unwrap_or(0)));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                if let Ok(mut ops) = body.get_operators_reader() {
                    while !ops.eof() {
                        match ops.read() {
                            Ok(op) => op_refs(&op, &mut refs),
                            Err(_) => break,
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (refs, imported_mems, imported_tables)
}

fn op_refs(op: &Operator<'_>, out: &mut Vec<(Space, u32)>) {
    use Operator::*;
    let mem = |out: &mut Vec<_>, m: u32| out.push((Space::Memory, m));
    let tab = |out: &mut Vec<_>, t: u32| out.push((Space::Table, t));
    match op {
        I32Load { memarg }
        | I64Load { memarg }
        | F32Load { memarg }
        | F64Load { memarg }
        | I32Load8S { memarg }
        | I32Load8U { memarg }
        | I32Load16S { memarg }
        | I32Load16U { memarg }
        | I64Load8S { memarg }
        | I64Load8U { memarg }
        | I64Load16S { memarg }
        | I64Load16U { memarg }
        | I64Load32S { memarg }
        | I64Load32U { memarg }
        | I32Store { memarg }
        | I64Store { memarg }
        | F32Store { memarg }
        | F64Store { memarg }
        | I32Store8 { memarg }
        | I32Store16 { memarg }
        | I64Store8 { memarg }
        | I64Store16 { memarg }
        | I64Store32 { memarg }
        | V128Load { memarg }
        | V128Store { memarg } => mem(out, memarg.memory),
        MemorySize { mem: m } | MemoryGrow { mem: m } | MemoryFill { mem: m } => mem(out, *m),
        MemoryCopy { dst_mem, src_mem } => {
            mem(out, *dst_mem);
            mem(out, *src_mem);
        }
        MemoryInit { mem: m, .. } => mem(out, *m),
        TableGet { table }
        | TableSet { table }
        | TableSize { table }
        | TableGrow { table }
        | TableFill { table } => tab(out, *table),
        TableCopy {
            dst_table,
            src_table,
        } => {
            tab(out, *dst_table);
            tab(out, *src_table);
        }
        TableInit { table, .. } => tab(out, *table),
        CallIndirect { table_index, .. } | ReturnCallIndirect { table_index, .. } => {
            tab(out, *table_index)
        }
        _ => {}
    }
}

/// Check isolation of an already merged graph.
pub fn check_merged(graph: &Graph, merged: &Merged) -> IsolationReport {
    // Owner (component instance) of every fused memory and table: the
    // component whose module defines it.
    let mut owners: BTreeMap<(Space, u32), u32> = BTreeMap::new();
    let mut per_node = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        let (refs, imported_mems, imported_tables) = references(&node.wasm);
        let maps = &merged.maps[i];
        if let NodeKind::Component { component, .. } = node.kind {
            for m in maps.memories.iter().skip(imported_mems as usize) {
                owners.insert((Space::Memory, *m), component);
            }
            for t in maps.tables.iter().skip(imported_tables as usize) {
                owners.insert((Space::Table, *t), component);
            }
        }
        per_node.push(refs);
    }
    let mut report = IsolationReport::default();
    for (i, node) in graph.nodes.iter().enumerate() {
        let NodeKind::Component { component, .. } = node.kind else {
            continue;
        };
        report.nodes_checked += 1;
        let maps = &merged.maps[i];
        for (space, local) in &per_node[i] {
            report.references += 1;
            let list = match space {
                Space::Memory => &maps.memories,
                Space::Table => &maps.tables,
            };
            let Some(fused) = list.get(*local as usize) else {
                report
                    .violations
                    .push(format!("{}: {space:?} {local} does not exist", node.label));
                continue;
            };
            match owners.get(&(*space, *fused)) {
                Some(owner) if *owner == component => {}
                owner => report.violations.push(format!(
                    "{} (component {component}) reaches {space:?} {fused} owned by {}",
                    node.label,
                    owner.map_or("no component".to_string(), |o| format!("component {o}"))
                )),
            }
        }
        handle_imports(graph, i, component, &mut report);
    }
    report
}

/// The handle-capability half: what node `i` (code of component instance
/// `component`) imports for resource handles.
fn handle_imports(graph: &Graph, i: usize, component: u32, report: &mut IsolationReport) {
    let node = &graph.nodes[i];
    for arg in &node.args {
        // A may-leave guard stands in front of the function it wraps.
        let mut arg = *arg;
        while let Def::Item { instance, .. } = arg {
            match graph.nodes.get(instance) {
                Some(n) if n.kind == NodeKind::Builtin(Builtin::MayLeave) => match n.args.get(1) {
                    Some(inner) => arg = *inner,
                    None => break,
                },
                _ => break,
            }
        }
        let table = match arg {
            Def::Item { instance, .. } => match graph.nodes.get(instance).map(|n| &n.kind) {
                Some(NodeKind::Builtin(
                    Builtin::ResNew { table, .. } | Builtin::ResRep { table, .. },
                )) => *table,
                Some(NodeKind::Builtin(Builtin::ResDrop(s))) => s.table,
                Some(NodeKind::Builtin(Builtin::Boundary { instance })) => *instance,
                _ => continue,
            },
            Def::Host(h) => {
                let Some(f) = graph.host_funcs.get(h) else {
                    continue;
                };
                let intrinsic = ["[resource-new]", "[resource-rep]", "[resource-drop]"]
                    .iter()
                    .any(|p| f.field.starts_with(p));
                if !intrinsic && !f.handles {
                    continue;
                }
                report.handle_imports += 1;
                report.violations.push(format!(
                    "{} (component {component}) imports `{}` `{}` directly: its handles would \
                     be the embedder's, shared by every instance",
                    node.label, f.module, f.field
                ));
                continue;
            }
        };
        report.handle_imports += 1;
        if table != component {
            report.violations.push(format!(
                "{} (component {component}) imports a resource intrinsic of component \
                 {table}'s handle table",
                node.label
            ));
        }
    }
}
