//! `meld fuse --stats`: the figures of one fusion, as text for people or
//! as JSON for scripts (`--stats-format json`, schema in `docs/stats.md`).

use clap::ValueEnum;
use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// Aligned lines for people.
    Text,
    /// One line of JSON (docs/stats.md).
    Json,
}

/// Layout version of the JSON object.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Json {
    version: u32,
    expansion: Expansion,
    component_instances: u32,
    resource_types: ResourceTypes,
    core_modules: CoreModules,
    functions: u32,
    removed_functions: u32,
    bulk_copies: usize,
    trivial_adapters: u32,
    direct_calls: u32,
    memories: u32,
    host_imports: usize,
    exports: usize,
    input_bytes: usize,
    output_bytes: usize,
    stage_us: Stages,
    time_us: u64,
}

/// The precount's figures (before translation).
#[derive(Serialize)]
struct Expansion {
    component_instances: u64,
    core_instances: u64,
    modules: u64,
    module_bytes: u64,
    adapters: u64,
    memories: u64,
    tables: u64,
    functions: u64,
    estimated_output_bytes: u64,
}

#[derive(Serialize)]
struct ResourceTypes {
    in_tables: u32,
    opaque: u32,
    exported: u32,
}

#[derive(Serialize)]
struct CoreModules {
    total: usize,
    adapter: u32,
    builtin: usize,
}

#[derive(Serialize)]
struct Stages {
    translate: u64,
    merge: u64,
    world: u64,
    encode: u64,
    wrap: u64,
}

/// The report, ending with a newline.
pub fn render(s: &meld_core::Stats, elapsed: Duration, format: StatsFormat) -> String {
    match format {
        StatsFormat::Text => text(s, elapsed),
        StatsFormat::Json => {
            let t = s.stage_us;
            let x = &s.expansion;
            let json = Json {
                version: VERSION,
                expansion: Expansion {
                    component_instances: x.component_instances,
                    core_instances: x.core_instances,
                    modules: x.modules,
                    module_bytes: x.module_bytes,
                    adapters: x.adapters,
                    memories: x.memories,
                    tables: x.tables,
                    functions: x.functions,
                    estimated_output_bytes: x.estimated_output_bytes(),
                },
                component_instances: s.component_instances,
                resource_types: ResourceTypes {
                    in_tables: s.table_resources,
                    opaque: s.opaque_resources,
                    exported: s.exported_resources,
                },
                core_modules: CoreModules {
                    total: s.modules,
                    adapter: s.adapter_modules,
                    builtin: s.builtins,
                },
                functions: s.functions,
                removed_functions: s.removed_functions,
                bulk_copies: s.bulk_copies,
                trivial_adapters: s.trivial_adapters,
                direct_calls: s.direct_calls,
                memories: s.memories,
                host_imports: s.host_imports,
                exports: s.exports,
                input_bytes: s.input_bytes,
                output_bytes: s.output_bytes,
                stage_us: Stages {
                    translate: t[0],
                    merge: t[1],
                    world: t[2],
                    encode: t[3],
                    wrap: t[4],
                },
                time_us: elapsed.as_micros() as u64,
            };
            let mut line = serde_json::to_string(&json).expect("stats always serialise");
            line.push('\n');
            line
        }
    }
}

fn text(s: &meld_core::Stats, elapsed: Duration) -> String {
    let t = s.stage_us;
    let x = &s.expansion;
    [
        format!(
            "expansion:           {} component instances, {} core instances of {} modules \
             ({} bytes copied), {} adapters, {} memories, {} tables, {} functions, \
             ~{} output bytes",
            x.component_instances,
            x.core_instances,
            x.modules,
            x.module_bytes,
            x.adapters,
            x.memories,
            x.tables,
            x.functions,
            x.estimated_output_bytes()
        ),
        format!("component instances: {}", s.component_instances),
        format!(
            "resource types:      {} in tables, {} opaque, {} exported",
            s.table_resources, s.opaque_resources, s.exported_resources
        ),
        format!(
            "core modules:        {} ({} adapter, {} builtin)",
            s.modules, s.adapter_modules, s.builtins
        ),
        format!(
            "functions:           {} ({} unreachable removed)",
            s.functions, s.removed_functions
        ),
        format!("bulk list copies:    {}", s.bulk_copies),
        format!(
            "trivial adapters:    {} ({} bypassed: direct calls)",
            s.trivial_adapters, s.direct_calls
        ),
        format!("memories:            {}", s.memories),
        format!("host imports:        {}", s.host_imports),
        format!("exports:             {}", s.exports),
        format!("input bytes:         {}", s.input_bytes),
        format!("output bytes:        {}", s.output_bytes),
        format!(
            "stages (µs):         translate {} merge {} world {} encode {} wrap {}",
            t[0], t[1], t[2], t[3], t[4]
        ),
        format!("time:                {elapsed:.2?}"),
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect()
}
