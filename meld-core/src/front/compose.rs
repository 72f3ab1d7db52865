//! Stage 0: several component files → one composed component.
//!
//! Inputs are linked by name: an import of one input is satisfied by the
//! export of the same name of another input, type-checked by `wac-graph`.
//! Inputs are instantiated in dependency order; imports nobody exports stay
//! imports of the composition (e.g. WASI); exports nobody consumes become
//! exports of the composition. wac-graph is on a newer wasmparser line than
//! the rest of meld, so only bytes cross this boundary.

use crate::{Error, Result};
use std::collections::BTreeMap;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

fn link_err(e: impl std::fmt::Display) -> Error {
    Error::Link(e.to_string())
}

/// Compose `inputs` into one component.
pub fn compose(inputs: &[&[u8]]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let mut packages = Vec::new();
    for (i, bytes) in inputs.iter().enumerate() {
        crate::front::precheck::check_component(bytes)
            .map_err(|e| Error::Link(format!("input {}: {e}", i + 1)))?;
        let pkg = Package::from_bytes(
            &format!("meld:input{i}"),
            None,
            bytes.to_vec(),
            graph.types_mut(),
        )
        .map_err(|e| Error::Invalid(format!("input {}: {e:#}", i + 1)))?;
        packages.push(graph.register_package(pkg).map_err(link_err)?);
    }

    // Who exports what; two inputs exporting one name cannot be linked.
    let worlds: Vec<_> = packages.iter().map(|p| graph[*p].ty()).collect();
    let mut exporter: BTreeMap<String, usize> = BTreeMap::new();
    for (i, w) in worlds.iter().enumerate() {
        for name in graph.types()[*w].exports.keys() {
            if let Some(j) = exporter.insert(name.clone(), i) {
                return Err(Error::Link(format!(
                    "inputs {} and {} both export `{name}`",
                    j + 1,
                    i + 1
                )));
            }
        }
    }
    // deps[i] = the inputs whose exports input i imports.
    let mut links: Vec<Vec<(String, usize)>> = vec![Vec::new(); inputs.len()];
    for (i, w) in worlds.iter().enumerate() {
        for name in graph.types()[*w].imports.keys() {
            if let Some(&j) = exporter.get(name) {
                if j != i {
                    links[i].push((name.clone(), j));
                }
            }
        }
    }
    if links.iter().all(|l| l.is_empty()) {
        return Err(Error::Link(
            "no import of any input matches an export of another input".into(),
        ));
    }
    let order = topo_order(&links)?;

    let mut instances = vec![None; inputs.len()];
    let mut consumed = std::collections::BTreeSet::new();
    for &i in &order {
        let inst = graph.instantiate(packages[i]);
        for (name, j) in &links[i] {
            let from = instances[*j].expect("dependencies are instantiated first");
            let export = graph.alias_instance_export(from, name).map_err(link_err)?;
            graph
                .set_instantiation_argument(inst, name, export)
                .map_err(|e| {
                    Error::Link(format!(
                        "`{name}` of input {} → input {}: {e}",
                        j + 1,
                        i + 1
                    ))
                })?;
            consumed.insert(name.clone());
        }
        instances[i] = Some(inst);
    }
    for &i in &order {
        let names: Vec<String> = graph.types()[worlds[i]].exports.keys().cloned().collect();
        for name in names {
            if consumed.contains(&name) {
                continue;
            }
            let inst = instances[i].expect("every input is instantiated");
            let export = graph.alias_instance_export(inst, &name).map_err(link_err)?;
            graph.export(export, &name).map_err(link_err)?;
        }
    }
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| Error::Link(format!("{e:#}")))
}

/// Inputs in an order where every input comes after the ones it imports from.
fn topo_order(links: &[Vec<(String, usize)>]) -> Result<Vec<usize>> {
    let n = links.len();
    let mut state = vec![0u8; n]; // 0 new, 1 visiting, 2 done
    let mut order = Vec::with_capacity(n);
    fn visit(
        i: usize,
        links: &[Vec<(String, usize)>],
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<()> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                return Err(Error::Link(format!(
                    "input {} is part of an import cycle",
                    i + 1
                )))
            }
            _ => {}
        }
        state[i] = 1;
        for (_, j) in &links[i] {
            visit(*j, links, state, order)?;
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..n {
        visit(i, links, &mut state, &mut order)?;
    }
    Ok(order)
}
