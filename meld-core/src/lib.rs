//! meld: statically fuse a WebAssembly component composition into one core module.
//!
//! Pipeline (each stage its own module, typed hand-off):
//! `compose` → `translate` → `graph` → `merge` (+ `builtins`) → `encode` → `wrap`.

pub mod builtins;
pub mod debug;
pub mod encode;
mod error;
pub mod front;
pub mod graph;
pub mod inspect;
pub mod isolation;
pub mod limits;
pub mod merge;
pub mod provenance;
pub mod shared;
pub mod wrap;

pub use debug::DebugInfo;
pub use encode::abi::AbiRecord;
pub use error::Error;
pub use front::precount::Expansion;
pub use limits::Limits;

use encode::abi;
use front::{compose, precheck, precount, translate, world};
use graph::trivial_adapters;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the fused module lays out component memories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryMode {
    /// One memory per component (multi-memory).
    #[default]
    Multi,
    /// Every memory is a region of one memory, each access bounds-checked
    /// against its region ([`shared`], `docs/memory.md`).
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
    /// `--opaque-rep IFACE.RESOURCE`: resources defined inside the
    /// composition whose handles between fused components are their reps
    /// (no handle table; see `docs/resources.md`).
    pub opaque_reps: Vec<String>,
    /// Run every stage on the calling thread (by default the precheck runs
    /// beside translation and the WIT world is decoded on a second thread,
    /// and the bodies of large outputs are validated on two; with
    /// `world_beside_translation`, large inputs' bodies are merged on two as
    /// well). Same output either way; for benchmarks and constrained hosts.
    pub serial: bool,
    /// Decode the WIT world on the second thread while the first translates
    /// (faster on two cores) rather than once translation is done, beside
    /// merging, encoding and validation (the default: the decoder's memory
    /// is then not live at the same time as the translator's, which sets
    /// the highest peaks).
    /// Same output either way; for benchmarks.
    pub world_beside_translation: bool,
    /// Leave FACT's trivial adapters (scalar-only calls) exactly as FACT
    /// emitted them instead of slimming them or wiring callers straight to
    /// callees ([`trivial_adapters`]). Off by default; exists so benchmarks
    /// can measure the optimisation in the same run.
    pub keep_trivial_adapters: bool,
    /// How much the input may expand to ([`Limits`]: instances, component
    /// instances, output size), checked before translation.
    pub limits: Limits,
    /// Append a `meld:provenance` section ([`provenance`]) recording the
    /// meld version, the options that change the output and these digests,
    /// one per input in order (`meld` hashes the files it read). `None`
    /// (the default) leaves it out. Appended last, so nothing else in the
    /// output changes; with `component` it goes in the component.
    pub provenance: Option<Vec<provenance::InputDigest>>,
    /// `--debug`: relocate the input modules' DWARF into the output
    /// ([`DebugInfo::Keep`], the default; nothing changes for inputs without
    /// DWARF) or leave it out ([`DebugInfo::Strip`]). See [`debug`].
    pub debug: DebugInfo,
}

impl FuseOptions {
    /// Default options with `component` set (`meld fuse --component`).
    pub fn wrapped() -> Self {
        FuseOptions {
            component: true,
            ..Default::default()
        }
    }
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
    /// Adapter list loops replaced by one `memory.copy` (`bulk_copy`).
    pub bulk_copies: usize,
    /// Scalar-only adapters whose flag juggling was dropped
    /// ([`trivial_adapters`]).
    pub trivial_adapters: u32,
    /// Of those, adapters bypassed: callers call the callee directly.
    pub direct_calls: u32,
    pub memories: u32,
    pub host_imports: usize,
    pub exports: usize,
    /// Resource types defined inside whose handles live in meld's tables.
    pub table_resources: u32,
    /// Resource types defined inside passed as their reps (`--opaque-rep`).
    pub opaque_resources: u32,
    /// Resource types defined inside and exported (the embedder's table).
    pub exported_resources: u32,
    pub input_bytes: usize,
    pub output_bytes: usize,
    /// What the composition expands to, counted before translation
    /// ([`front::precount`]).
    pub expansion: Expansion,
    /// Wall time per stage, in microseconds: translate, merge, world (on a
    /// second thread, concurrent with the others), encode (incl. dead-code
    /// pass and, without `--component`, validation), wrap (incl. validation
    /// of the component).
    pub stage_us: [u64; 5],
}

/// Fuse one composed component (or several components linked by name) into a
/// single core module.
pub fn fuse(inputs: &[&[u8]], opts: &FuseOptions) -> Result<Fused> {
    let record = match &opts.provenance {
        Some(digests) if digests.len() != inputs.len() => {
            return Err(Error::BadOption(format!(
                "provenance: {} input digest(s) for {} input(s)",
                digests.len(),
                inputs.len()
            )))
        }
        Some(digests) => Some(provenance::Provenance::new(opts, digests.clone())),
        None => None,
    };
    let mut fused = fuse_unrecorded(inputs, opts)?;
    if let Some(record) = record {
        fused.wasm.extend_from_slice(&provenance::section(&record));
        fused.stats.output_bytes = fused.wasm.len();
    }
    Ok(fused)
}

/// [`fuse`] without the provenance section.
fn fuse_unrecorded(inputs: &[&[u8]], opts: &FuseOptions) -> Result<Fused> {
    let component: std::borrow::Cow<'_, [u8]> = match inputs {
        [] => return Err(Error::Link("no input given".into())),
        [one] => std::borrow::Cow::Borrowed(*one),
        many => std::borrow::Cow::Owned(compose::compose(many)?),
    };
    // Counted before anything expands the input: a refusal here costs one
    // pass over the bytes. A core module or non-wasm is the precheck's to
    // name.
    if precheck::classify(&component)? == precheck::BinaryKind::CoreModule {
        return Err(Error::CoreModuleInput);
    }
    let expansion = precount::check(&component, &opts.limits)?;
    // The WIT world is decoded on a second thread while the main one merges
    // (or translates, see `world_beside_translation`): both read the same
    // bytes, and neither waits for the other until encoding needs the world.
    let world_job = || {
        let start = std::time::Instant::now();
        // A panic in the decoder must not outlive an error returned by the
        // main thread (a scope re-raises panics of threads it did not join).
        let world = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            world::section_payload(&component)
        }))
        .unwrap_or_else(|_| Err(Error::Unsupported("the WIT world decoder failed".into())));
        (world, start.elapsed().as_micros() as u64)
    };
    let join = |job: std::thread::ScopedJoinHandle<'_, _>| {
        job.join()
            .map_err(|_| Error::Internal("WIT world decoding panicked".into()))
    };
    let start = std::time::Instant::now();
    // `--memory shared`: the host sees absolute pointers (region thunks).
    let region_thunks = opts.memory == MemoryMode::Shared;
    if opts.serial {
        let graph = translate::translate_for(&component, &opts.opaque_reps, region_thunks)?;
        return fuse_after_translate(
            &component,
            opts,
            expansion,
            graph,
            start,
            || Ok(world_job()),
        );
    }
    std::thread::scope(|scope| {
        if opts.world_beside_translation {
            let job = scope.spawn(world_job);
            let graph = translate::translate_for(&component, &opts.opaque_reps, region_thunks)?;
            fuse_after_translate(&component, opts, expansion, graph, start, || join(job))
        } else {
            // The second thread is idle during translation: it runs the
            // precheck (a walk over the component level) meanwhile.
            let pre = scope.spawn(|| precheck::check_component(&component));
            let graph =
                translate::translate_prechecked(&component, &opts.opaque_reps, region_thunks);
            pre.join()
                .map_err(|_| Error::Internal("the precheck panicked".into()))??;
            let graph = graph?;
            let job = scope.spawn(world_job);
            fuse_after_translate(&component, opts, expansion, graph, start, || join(job))
        }
    })
}

/// The translator validates everything in the input but its function bodies
/// (wasmtime checks those when it compiles them), so an invalid body is first
/// noticed when the fused module fails validation. On that path only, the
/// input is validated in full: if it is at fault, the error names the input.
fn blame_input(component: &[u8], e: Error) -> Error {
    if !matches!(e, Error::OutputInvalid(_)) {
        return e;
    }
    let mut validator = wasmparser::Validator::new_with_features(translate::features());
    match validator.validate_all(component) {
        Err(input) => Error::Invalid(input.to_string()),
        Ok(_) => e,
    }
}

/// Every stage after translation (which started at `clock`).
fn fuse_after_translate(
    component: &[u8],
    opts: &FuseOptions,
    expansion: Expansion,
    mut graph: graph::Graph<'_>,
    mut clock: std::time::Instant,
    world_job: impl FnOnce() -> Result<(Result<world::Payload>, u64)>,
) -> Result<Fused> {
    let mut stage_us = [0u64; 5];
    let mut lap = || {
        let us = clock.elapsed().as_micros() as u64;
        clock = std::time::Instant::now();
        us
    };
    let trivial = if opts.keep_trivial_adapters {
        trivial_adapters::Outcome::default()
    } else {
        trivial_adapters::optimize(&mut graph)?
    };
    stage_us[0] = lap();
    // By default the world is being decoded on the second core right now,
    // so merging stays on this one (two threads would only contend).
    let merged = merge::merge_with(
        &graph,
        !opts.serial && opts.world_beside_translation,
        // `--memory shared` rewrites every body around its memory
        // instructions, which moves the code offsets DWARF refers to: it
        // leaves DWARF out (docs/memory.md).
        opts.debug == debug::DebugInfo::Keep && opts.memory != MemoryMode::Shared,
    )?;
    let keep: Vec<usize> = merged.debug.iter().map(|d| d.node).collect();
    graph.release_module_bytes(&keep);
    stage_us[1] = lap();
    let (mut record, mut extra) = abi::record(&graph, &merged)?;
    // `--memory shared --component`: the globals the region thunks read
    // each region's base from, by final memory and global index.
    let region_bases = graph
        .region_bases
        .iter()
        .map(|(m, g)| Ok((merged.resolve(*m)?.1, merged.resolve(*g)?.1)))
        .collect::<Result<Vec<(u32, u32)>>>()?;
    let (counts, bulk_copies) = (merged.counts, merged.bulk_copies);
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
    // A component that is valid but not expressible as a WIT world (e.g. one
    // exporting a bare type) still fuses to a core module, just without the
    // embedded world; wrapping needs the world and reports why it is missing.
    // Encoding waits for the world only when it appends it, after
    // everything else is laid out.
    let mut world_us = 0;
    let mut world_job = Some(world_job);
    let mut world = || -> Result<Option<world::Payload>> {
        let job = world_job
            .take()
            .ok_or_else(|| Error::Internal("the world was asked for twice".into()))?;
        let (world, us) = job()?;
        world_us = us;
        match world {
            Ok(w) => Ok(Some(w)),
            Err(e) if opts.component => Err(e),
            Err(_) => Ok(None),
        }
    };
    // With `--component` the module is written as the wrapper needs it
    // (repeated host imports behind a table) and validated once, inside the
    // wrapped component (whose validation covers it); the world is waited
    // for only once the wrapper's skeleton is made.
    let encoded = encode::encode(
        &graph,
        merged,
        &mut record,
        &extra,
        || {
            if opts.component {
                Ok(None)
            } else {
                world()
            }
        },
        !opts.serial,
        opts.component,
    )
    .map_err(|e| blame_input(component, e))?;
    let mut encoded = encoded;
    if opts.memory == MemoryMode::Shared {
        // The host sees absolute pointers (region thunks, in the core
        // output as in the wrapped one): the record names no region for it
        // to add.
        encoded.wasm = shared::lower(
            &encoded.wasm,
            &mut record,
            !opts.serial,
            &region_bases,
            true,
        )?;
    }
    stage_us[3] = lap();
    let wasm = if opts.component {
        let (plan, thunk_types) = encoded
            .wrap_plan
            .ok_or_else(|| Error::Internal("--component: no import plan".into()))?;
        let prepared = wrap::prepare(encoded.wasm, plan, &thunk_types)
            .map_err(|e| blame_input(component, e))?;
        let world = world()?
            .ok_or_else(|| Error::Internal("--component: the world was not decoded".into()))?;
        prepared
            .with_world_section(&world)
            .finish(&world, &record, !opts.serial)
            .map_err(|e| blame_input(component, e))?
    } else {
        encoded.wasm
    };
    opts.limits.check_output_size(wasm.len())?;
    stage_us[2] = world_us;
    stage_us[4] = lap();
    let stats = Stats {
        component_instances: graph.component_instances,
        modules: graph.nodes.len(),
        adapter_modules: graph.adapter_modules,
        builtins: graph
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, graph::NodeKind::Builtin(_)))
            .count(),
        functions: counts.funcs - encoded.removed_functions,
        removed_functions: encoded.removed_functions,
        bulk_copies,
        trivial_adapters: trivial.trivial,
        direct_calls: trivial.direct,
        memories: counts.memories,
        host_imports: graph.host_funcs.len(),
        exports: record.exports.len(),
        table_resources: count_mode(&graph, builtins::resources::Mode::Table),
        opaque_resources: count_mode(&graph, builtins::resources::Mode::Opaque),
        exported_resources: count_mode(&graph, builtins::resources::Mode::Exported),
        input_bytes: component.len(),
        output_bytes: wasm.len(),
        expansion,
        stage_us,
    };
    Ok(Fused {
        wasm,
        abi: record,
        stats,
    })
}

fn count_mode(graph: &graph::Graph, mode: builtins::resources::Mode) -> u32 {
    graph
        .resource_modes
        .values()
        .filter(|m| **m == mode)
        .count() as u32
}
