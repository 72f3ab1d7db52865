//! Merging the function bodies: each node's code section re-encoded under
//! the node's index maps ([`crate::merge`] fixes every map first). Nodes are
//! independent, so with enough code the nodes are split in two runs of
//! about equal code size, one per thread, and the two results are joined in
//! node order: the output is the same either way.

use crate::debug::{BodyMove, NodeDebug};
use crate::graph::{Graph, NodeKind};
use crate::merge::bodies::Bodies;
use crate::merge::{parse_err, reenc, NodeMaps, Remap};
use crate::{Error, Result};
use std::ops::Range;

/// Below this much code a second thread costs more than it saves.
const SERIAL_BYTES: usize = 32 * 1024;

/// The bodies of every node, in node order, the number of FACT list loops
/// replaced by `memory.copy`, and (for the nodes `dwarf` marks) where each
/// body went ([`crate::debug`]).
pub(crate) fn merge_code(
    graph: &Graph,
    maps: &[NodeMaps],
    code: &[Option<Range<usize>>],
    dwarf: &[bool],
    parallel: bool,
) -> Result<(Bodies, usize, Vec<NodeDebug>)> {
    let size = |i: usize| code[i].as_ref().map_or(0, |r| r.len());
    let total: usize = (0..code.len()).map(size).sum();
    let run = |nodes: Range<usize>, bytes: usize| {
        // Merged bodies are about as long as the inputs' (an index may grow
        // by a byte); reserving up front avoids doubling the buffer.
        let mut out = Bodies::with_capacity(bytes + bytes / 8);
        let mut copies = 0;
        let mut moves = Vec::new();
        for i in nodes {
            if let Some(range) = &code[i] {
                let first = out.len();
                copies += merge_node_code(graph, i, &maps[i], range.clone(), &mut out)?;
                if dwarf.get(i).copied().unwrap_or(false) {
                    moves.push(body_moves(&graph.nodes[i].wasm, i, range, first, &out)?);
                }
            }
        }
        Ok::<_, Error>((out, copies, moves))
    };
    if !parallel || total < SERIAL_BYTES {
        return run(0..code.len(), total);
    }
    let mut split = 0;
    let mut first = 0;
    while split < code.len() && first * 2 < total {
        first += size(split);
        split += 1;
    }
    let ((mut a, copies_a, mut moves), (b, copies_b, moves_b)) = std::thread::scope(|s| {
        let other = s.spawn(|| run(split..code.len(), total - first));
        // The first half's buffer gets room for the second, appended to it.
        let a = run(0..split, total);
        let b = other
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("merge thread panicked".into())));
        Ok::<_, Error>((a?, b?))
    })?;
    let base = a.len() as u32;
    a.append(b)?;
    moves.extend(moves_b.into_iter().map(|mut n| {
        for b in &mut n.bodies {
            b.body += base;
        }
        n
    }));
    Ok((a, copies_a + copies_b, moves))
}

/// Where the bodies of node `node` (its module `wasm`, code section
/// contents at `code`) went: bodies `first..` of `out`.
fn body_moves(
    wasm: &[u8],
    node: usize,
    code: &Range<usize>,
    first: usize,
    out: &Bodies,
) -> Result<NodeDebug> {
    let reader = wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(
        &wasm[code.clone()],
        code.start,
    ))
    .map_err(parse_err)?;
    let mut bodies = Vec::new();
    for (k, body) in reader.into_iter().enumerate() {
        let range = body.map_err(parse_err)?.range();
        let at = first + k;
        let breaks = crate::debug::offsets::breaks(&wasm[range.clone()], out.body(at))?;
        bodies.push(BodyMove {
            old: (range.start - code.start) as u32..(range.end - code.start) as u32,
            body: at as u32,
            breaks,
        });
    }
    Ok(NodeDebug { node, bodies })
}
/// Re-encode the bodies of node `i` (its code section at `range`) into
/// `out`; returns the number of bulk copies made.
fn merge_node_code(
    graph: &Graph,
    i: usize,
    maps: &NodeMaps,
    range: Range<usize>,
    out: &mut Bodies,
) -> Result<usize> {
    let node = &graph.nodes[i];
    let wasm: &[u8] = &node.wasm;
    let reader = wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(
        &wasm[range.clone()],
        range.start,
    ))
    .map_err(parse_err)?;
    // FACT's list loops become `memory.copy` (adapter modules only: the
    // rewrite relies on the checks FACT emits before each loop).
    let adapter = matches!(node.kind, NodeKind::Adapter { .. });
    let mut copies = 0;
    for body in reader {
        let body = body.map_err(parse_err)?;
        let mut r = Remap { maps };
        if adapter {
            let (f, n) = reenc(crate::merge::bulk_copy::reencode_body(&mut r, body))?;
            copies += n;
            out.push_decoded(&f.into_raw_body())?;
        } else {
            crate::merge::fastcode::reencode_body(&mut r, wasm, body, out)?;
        }
    }
    Ok(copies)
}
