//! meld: statically fuse a WebAssembly component composition into one core module.
//!
//! Pipeline (each stage its own module, typed hand-off):
//! `compose` → `translate` → `graph` → `merge` (+ `builtins`) → `encode` → `wrap`.

pub mod abi;
pub mod builtins;
pub mod compose;
pub mod dce;
pub mod encode;
mod error;
pub mod graph;
pub mod inspect;
pub mod isolation;
pub mod merge;
pub mod precheck;
pub mod translate;
pub mod world;
pub mod wrap;

pub use abi::AbiRecord;
pub use error::Error;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the fused module lays out component memories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryMode {
    /// One memory per component (multi-memory).
    #[default]
    Multi,
    /// All components share one memory (not supported yet).
    Shared,
    /// Let meld pick (currently: multi).
    Auto,
}

/// Options for [`fuse`].
#[derive(Debug, Clone, Default)]
pub struct FuseOptions {
    pub memory: MemoryMode,
    /// Wrap the fused module back into a component with the composition's
    /// world (`meld fuse --component`).
    pub component: bool,
}

/// The output of [`fuse`].
#[derive(Debug, Clone)]
pub struct Fused {
    /// The fused, validated core module.
    pub wasm: Vec<u8>,
    /// Canonical ABI options of every host import and export.
    pub abi: AbiRecord,
    /// Figures for `--stats`.
    pub stats: Stats,
}

/// What went into a fused module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub component_instances: u32,
    /// Core-module instantiations copied in (components, adapters, builtins).
    pub modules: usize,
    pub adapter_modules: u32,
    pub builtins: usize,
    pub functions: u32,
    /// Unreachable functions dropped.
    pub removed_functions: u32,
    pub memories: u32,
    pub host_imports: usize,
    pub exports: usize,
    pub input_bytes: usize,
    pub output_bytes: usize,
}

/// Fuse one composed component (or several components linked by name) into a
/// single core module.
pub fn fuse(inputs: &[&[u8]], opts: &FuseOptions) -> Result<Fused> {
    if opts.memory == MemoryMode::Shared {
        return Err(Error::Unsupported(
            "`--memory shared` (a single-memory output) is not supported yet; use `multi`".into(),
        ));
    }
    let component: std::borrow::Cow<'_, [u8]> = match inputs {
        [] => return Err(Error::Link("no input given".into())),
        [one] => std::borrow::Cow::Borrowed(*one),
        many => std::borrow::Cow::Owned(compose::compose(many)?),
    };
    let graph = translate::translate(&component)?;
    let merged = merge::merge(&graph)?;
    let (mut record, mut extra) = abi::record(&graph, &merged)?;
    if opts.component {
        for (name, kind, idx) in wrap::main_exports(&record, merged.counts.memories) {
            if record.exports.iter().any(|e| e.name == name) {
                return Err(Error::Unsupported(format!(
                    "--component: the composition exports a function named `{name}`, \
                     which the wrapper needs for the core module's own `{name}`"
                )));
            }
            extra.items.insert(name, (kind, idx));
        }
    }
    let world = world::section_payload(&component)?;
    let encoded = encode::encode(&graph, &merged, &mut record, &extra, Some(&world))?;
    let wasm = if opts.component {
        wrap::wrap(&component, &encoded.wasm, &record)?
    } else {
        encoded.wasm
    };
    let stats = Stats {
        component_instances: graph.component_instances,
        modules: graph.nodes.len(),
        adapter_modules: graph.adapter_modules,
        builtins: graph
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, graph::NodeKind::Builtin(_)))
            .count(),
        functions: merged.counts.funcs - encoded.removed_functions,
        removed_functions: encoded.removed_functions,
        memories: merged.counts.memories,
        host_imports: graph.host_funcs.len(),
        exports: record.exports.len(),
        input_bytes: component.len(),
        output_bytes: wasm.len(),
    };
    Ok(Fused {
        wasm,
        abi: record,
        stats,
    })
}
