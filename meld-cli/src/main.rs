//! `meld`: statically fuse a WebAssembly component composition into one core
//! module.

mod atomic;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "meld",
    version,
    about = "Fuse a WebAssembly component composition into one core module"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fuse a composition (one composed component, or several components
    /// linked by name) into one core module.
    Fuse(FuseArgs),
    /// Show what a composition (or a fused module) is made of: component
    /// instances, core modules, adapters, builtins, how imports are
    /// satisfied, host imports, exports and the WIT world.
    Inspect(InspectArgs),
}

#[derive(clap::Args)]
struct InspectArgs {
    /// A component, or a core module written by `meld fuse`.
    input: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum MemoryArg {
    /// One memory per component (multi-memory).
    Multi,
    /// All components in one memory (not supported yet).
    Shared,
    /// Let meld choose (currently: multi).
    Auto,
}

#[derive(clap::Args)]
struct FuseArgs {
    /// Input component(s).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file.
    #[arg(short, long)]
    output: PathBuf,
    /// Memory layout of the fused module.
    #[arg(long, value_enum, default_value = "multi")]
    memory: MemoryArg,
    /// Also write the ABI record (memory, realloc, post-return, string
    /// encoding of every host import and export) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    emit_import_map: Option<PathBuf>,
    /// Wrap the fused module back into a component with the same WIT world as
    /// the input composition.
    #[arg(long)]
    component: bool,
    /// Handles of this resource type (defined inside the composition, named
    /// `IFACE.RESOURCE`, e.g. `my:pkg/store.blob`) are passed between fused
    /// components as the rep itself, with no handle table. Repeatable. Gives
    /// up meld's handle checks for that type (see docs/resources.md).
    #[arg(long = "opaque-rep", value_name = "IFACE.RESOURCE")]
    opaque_rep: Vec<String>,
    /// Print statistics about the fusion to stderr.
    #[arg(long)]
    stats: bool,
    /// Refuse a composition with more core instances than this once its
    /// nested component instantiations are expanded (counted before
    /// translation; wasmtime's default instance limit).
    #[arg(long, value_name = "N", default_value_t = meld_core::Limits::default().instances)]
    max_instances: u64,
    /// Refuse a composition with more component instances than this once
    /// expanded, the root included.
    #[arg(long, value_name = "N", default_value_t = meld_core::Limits::default().component_instances)]
    max_component_instances: u64,
    /// Refuse a composition with more adapters (a function lifted by one
    /// component instance and lowered by another) than this once expanded.
    #[arg(long, value_name = "N", default_value_t = meld_core::Limits::default().adapters)]
    max_adapters: u64,
    /// Refuse a composition whose fused module is estimated (before
    /// translation) or found (after) to be larger than this many bytes; a
    /// `K`, `M` or `G` suffix (powers of 1024) is accepted. Default: 256M.
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_output_size: Option<u64>,
}

/// `1234`, `64K`, `256M`, `1G` (powers of 1024; `KiB`, `MiB`, `GiB` too).
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 1048576, 64K, 256M, 1G)"))?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("`{s}`: unknown unit (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// The message of the last panic, on any thread.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every failure is one `error:` line. The library turns the panics it
    // catches (from its dependencies) into errors, so the default hook's
    // report would be a second line; a panic that escapes is reported below.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{msg}{at}"));
        }
    }));
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Fuse(args) => fuse(args),
        Command::Inspect(args) => inspect(args),
    });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
        Err(_) => {
            let what = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut l| l.take())
                .unwrap_or_default();
            eprintln!("error: internal error: meld panicked: {what}");
            ExitCode::FAILURE
        }
    }
}

/// Read an input file; WebAssembly text (`.wat`) is assembled first.
fn read_input(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.starts_with(b"\0asm") || !looks_like_text(&bytes) {
        return Ok(bytes);
    }
    wat::parse_bytes(&bytes)
        .map(|b| b.into_owned())
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: invalid WebAssembly text: {}",
                path.display(),
                e.to_string().replace('\n', " ")
            )
        })
}

/// True when `bytes` are UTF-8 whose first non-blank character opens an
/// s-expression or a comment, as WebAssembly text does.
fn looks_like_text(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let t = s.trim_start();
            t.starts_with('(') || t.starts_with(";;")
        }
        Err(_) => false,
    }
}

fn fuse(args: FuseArgs) -> Result<()> {
    let start = Instant::now();
    atomic::install_signal_cleanup();
    for input in &args.inputs {
        if same_file(input, &args.output) {
            bail!(
                "the output path {} is also an input; refusing to overwrite it",
                args.output.display()
            );
        }
    }
    let mut inputs = Vec::new();
    for path in &args.inputs {
        let bytes = read_input(path)?;
        if let Err(e) = meld_core::front::precheck::classify(&bytes).and_then(|k| match k {
            meld_core::front::precheck::BinaryKind::CoreModule => {
                Err(meld_core::Error::CoreModuleInput)
            }
            meld_core::front::precheck::BinaryKind::Component => Ok(()),
        }) {
            bail!("{}: {e}", path.display());
        }
        inputs.push(bytes);
    }
    let opts = meld_core::FuseOptions {
        memory: match args.memory {
            MemoryArg::Multi => meld_core::MemoryMode::Multi,
            MemoryArg::Shared => meld_core::MemoryMode::Shared,
            MemoryArg::Auto => meld_core::MemoryMode::Auto,
        },
        component: args.component,
        opaque_reps: args.opaque_rep.clone(),
        limits: meld_core::Limits {
            instances: args.max_instances,
            component_instances: args.max_component_instances,
            adapters: args.max_adapters,
            output_size: args
                .max_output_size
                .unwrap_or(meld_core::Limits::default().output_size),
        },
        ..Default::default()
    };
    let refs: Vec<&[u8]> = inputs.iter().map(|b| b.as_slice()).collect();
    let fused = meld_core::fuse(&refs, &opts).with_context(|| {
        let names: Vec<String> = args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        format!("cannot fuse {}", names.join(", "))
    })?;
    if let Some(map) = &args.emit_import_map {
        write_atomically(map, fused.abi.to_json().as_bytes())?;
    }
    write_atomically(&args.output, &fused.wasm)?;
    if args.stats {
        let s = &fused.stats;
        let x = &s.expansion;
        eprintln!(
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
        );
        eprintln!("component instances: {}", s.component_instances);
        eprintln!(
            "resource types:      {} in tables, {} opaque, {} exported",
            s.table_resources, s.opaque_resources, s.exported_resources
        );
        eprintln!(
            "core modules:        {} ({} adapter, {} builtin)",
            s.modules, s.adapter_modules, s.builtins
        );
        eprintln!(
            "functions:           {} ({} unreachable removed)",
            s.functions, s.removed_functions
        );
        eprintln!("bulk list copies:    {}", s.bulk_copies);
        eprintln!(
            "trivial adapters:    {} ({} bypassed: direct calls)",
            s.trivial_adapters, s.direct_calls
        );
        eprintln!("memories:            {}", s.memories);
        eprintln!("host imports:        {}", s.host_imports);
        eprintln!("exports:             {}", s.exports);
        eprintln!("input bytes:         {}", s.input_bytes);
        eprintln!("output bytes:        {}", s.output_bytes);
        let t = s.stage_us;
        eprintln!(
            "stages (µs):         translate {} merge {} world {} encode {} wrap {}",
            t[0], t[1], t[2], t[3], t[4]
        );
        eprintln!("time:                {:.2?}", start.elapsed());
    }
    Ok(())
}

fn inspect(args: InspectArgs) -> Result<()> {
    let bytes = read_input(&args.input)?;
    let report = meld_core::inspect::inspect(&bytes)
        .with_context(|| format!("cannot inspect {}", args.input.display()))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("cannot serialise the report")?
        );
    } else {
        print!("{report}");
    }
    Ok(())
}

/// True when `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    atomic::write(path, bytes)
}
