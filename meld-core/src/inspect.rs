//! `meld inspect`: what a composition (or a fused module) is made of.
//!
//! For a component: the flattened instance graph (component instances, core
//! modules, adapters, builtins, and which export satisfies each import), the
//! host imports and exports with their Canonical ABI options, and the WIT
//! world. For a fused core module: its `meld:abi` record and embedded world.

use crate::encode::abi;
use crate::front::precheck::{classify, BinaryKind};
use crate::graph::{Def, Graph, NodeKind};
use crate::{merge, Error, Result};
use serde::Serialize;
use std::fmt;

/// One core-module instantiation in the graph.
#[derive(Debug, Serialize)]
pub struct NodeReport {
    pub index: usize,
    pub label: String,
    /// `component`, `adapter` or `builtin`.
    pub kind: String,
    pub component_instance: Option<u32>,
    /// One line per import: `module::name <- source`.
    pub imports: Vec<String>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `component` or `fused-core-module`.
    pub input: String,
    pub component_instances: Option<u32>,
    pub nodes: Vec<NodeReport>,
    pub abi: Option<abi::AbiRecord>,
    pub wit: Option<String>,
    /// The `meld:provenance` record of a meld output that has one.
    pub provenance: Option<crate::provenance::Provenance>,
}

fn describe(graph: &Graph, def: Def) -> String {
    match def {
        Def::Host(h) => {
            let f = &graph.host_funcs[h];
            format!("host {}#{}", f.module, f.field)
        }
        Def::Item {
            instance,
            kind,
            index,
        } => format!("{} {kind:?} {index}", graph.nodes[instance].label),
    }
}

fn import_names(wasm: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ImportSection(r)) = payload {
            for imp in r.into_imports().flatten() {
                out.push(format!("{}::{}", imp.module, imp.name));
            }
        }
    }
    out
}

/// Inspect a component or a fused core module.
pub fn inspect(bytes: &[u8]) -> Result<Report> {
    let kind = classify(bytes)?;
    let provenance = crate::provenance::read(bytes)?;
    let mut report = inspect_kind(bytes, kind)?;
    report.provenance = provenance;
    Ok(report)
}

fn inspect_kind(bytes: &[u8], kind: BinaryKind) -> Result<Report> {
    match kind {
        BinaryKind::Component => {
            let graph = crate::front::translate::translate(bytes)?;
            let merged = merge::merge(&graph)?;
            let (record, _) = abi::record(&graph, &merged)?;
            let nodes = graph
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let names = import_names(&n.wasm);
                    NodeReport {
                        index: i,
                        label: n.label.clone(),
                        kind: match n.kind {
                            NodeKind::Component { .. } => "component",
                            NodeKind::Adapter { .. } => "adapter",
                            NodeKind::Builtin(_) => "builtin",
                        }
                        .to_string(),
                        component_instance: match n.kind {
                            NodeKind::Component { component, .. } => Some(component),
                            _ => None,
                        },
                        imports: n
                            .args
                            .iter()
                            .enumerate()
                            .map(|(j, d)| {
                                let name = names.get(j).cloned().unwrap_or_default();
                                format!("{name} <- {}", describe(&graph, *d))
                            })
                            .collect(),
                    }
                })
                .collect();
            Ok(Report {
                input: "component".into(),
                component_instances: Some(graph.component_instances),
                nodes,
                abi: Some(record),
                wit: crate::front::world::wit_text(bytes).ok(),
                provenance: None,
            })
        }
        BinaryKind::CoreModule => {
            let mut abi = None;
            for payload in wasmparser::Parser::new(0).parse_all(bytes) {
                if let wasmparser::Payload::CustomSection(c) =
                    payload.map_err(|e| Error::Invalid(e.to_string()))?
                {
                    if c.name() == abi::SECTION {
                        abi = Some(serde_json::from_slice(c.data()).map_err(|e| {
                            Error::Invalid(format!("malformed `{}` section: {e}", abi::SECTION))
                        })?);
                    }
                }
            }
            let abi: abi::AbiRecord = abi.ok_or_else(|| {
                Error::Invalid(format!(
                    "a core module without a `{}` section is not a meld output",
                    abi::SECTION
                ))
            })?;
            let wit = wit_component::metadata::decode(bytes)
                .ok()
                .and_then(|(_, b)| crate::front::world::print(&b.resolve, b.world).ok());
            Ok(Report {
                input: "fused-core-module".into(),
                component_instances: None,
                nodes: Vec::new(),
                abi: Some(abi),
                wit,
                provenance: None,
            })
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "input: {}", self.input)?;
        if let Some(n) = self.component_instances {
            writeln!(f, "component instances: {n}")?;
        }
        if !self.nodes.is_empty() {
            writeln!(f, "\ncore instances (in instantiation order):")?;
            for n in &self.nodes {
                writeln!(f, "  [{}] {} ({})", n.index, n.label, n.kind)?;
                for i in &n.imports {
                    writeln!(f, "      {i}")?;
                }
            }
        }
        if let Some(abi) = &self.abi {
            writeln!(f, "\nhost imports:")?;
            for i in &abi.imports {
                writeln!(
                    f,
                    "  {}#{}  (component {}, memory {}, realloc {}, {})",
                    i.module,
                    i.field,
                    i.component,
                    i.options.memory.as_deref().unwrap_or("-"),
                    i.options.realloc.as_deref().unwrap_or("-"),
                    i.options.string_encoding
                )?;
            }
            writeln!(f, "\nexports:")?;
            for e in &abi.exports {
                writeln!(
                    f,
                    "  {}  (component {}, memory {}, realloc {}, post-return {}, {})",
                    e.name,
                    e.component,
                    e.options.memory.as_deref().unwrap_or("-"),
                    e.options.realloc.as_deref().unwrap_or("-"),
                    e.post_return.as_deref().unwrap_or("-"),
                    e.options.string_encoding
                )?;
            }
        }
        if let Some(w) = &self.wit {
            writeln!(f, "\nworld:\n{w}")?;
        }
        if let Some(p) = &self.provenance {
            writeln!(f, "\nprovenance ({}):\n{p}", crate::provenance::SECTION)?;
        }
        Ok(())
    }
}
