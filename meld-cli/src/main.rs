//! `meld`: statically fuse a WebAssembly component composition into one core
//! module.
//!
//! Exit codes: 0 success; 1 bad or unsupported input, an I/O failure, or a
//! failed `meld verify`; 2 a usage error; 3 an internal error (a bug in
//! meld). Every failure is one `error:` line on stderr.

mod atomic;
mod io;
mod stats;
mod verify;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use io::{is_stdio, shown, Input};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// `meld --version`: the crate version and the commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MELD_COMMIT"),
    ")"
);

/// Exit code of an internal error.
const INTERNAL: u8 = 3;

#[derive(Parser)]
#[command(
    name = "meld",
    version = VERSION,
    about = "Fuse a WebAssembly component composition into one core module",
    after_help = "Exit codes: 0 ok; 1 bad or unsupported input, or a failed verification; \
                  2 usage; 3 internal error."
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
    /// satisfied, host imports, exports, the WIT world and the provenance
    /// record.
    Inspect(InspectArgs),
    /// Fuse INPUT... again and check that OUTPUT is byte-for-byte what that
    /// gives (exit 0), or say in one line why not (exit 1).
    Verify(VerifyArgs),
    /// Print a shell completion script (e.g. `meld completions bash >
    /// /etc/bash_completion.d/meld`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Wrap a core module written by `meld fuse` (possibly optimised since,
    /// e.g. by wasm-opt) into a component, with the world and ABI recorded in
    /// its own custom sections, as `meld fuse --component` would.
    Wrap(WrapArgs),
}

#[derive(clap::Args)]
struct WrapArgs {
    /// A core module written by `meld fuse` (or a tool that kept its custom
    /// sections and import/export names).
    input: PathBuf,
    /// Output component.
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(clap::Args)]
struct InspectArgs {
    /// A component, or a core module written by `meld fuse`; `-` reads
    /// standard input.
    input: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum MemoryArg {
    /// One memory per component (multi-memory).
    Multi,
    /// Every memory a bounds-checked region of one memory (docs/memory.md).
    Shared,
    /// Let meld choose (currently: multi).
    Auto,
}

/// What `--debug` does with the inputs' DWARF debug info.
#[derive(Clone, Copy, ValueEnum)]
enum DebugArg {
    /// Relocate every component's DWARF into the output (when the inputs
    /// have any; docs/debug-info.md).
    Keep,
    /// Leave it out.
    Strip,
}

/// The options that decide what `meld fuse` writes (shared with `verify`).
#[derive(clap::Args)]
struct OutputOptions {
    /// Memory layout of the fused module.
    #[arg(long, value_enum, default_value = "multi")]
    memory: MemoryArg,
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
    /// DWARF debug info of the inputs: relocated into the output (`keep`)
    /// or left out (`strip`). Inputs without it give the same output either
    /// way.
    #[arg(long, value_enum, default_value = "keep")]
    debug: DebugArg,
    /// Leave out the `meld:provenance` section (meld version, options,
    /// SHA-256 and size of each input; docs/provenance.md).
    #[arg(long)]
    no_provenance: bool,
}

/// How far a composition may expand before meld refuses it (shared with
/// `verify`; they refuse, they do not change the output).
#[derive(clap::Args)]
struct LimitArgs {
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

#[derive(clap::Args)]
struct FuseArgs {
    /// Input component(s); `-` reads standard input.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file; `-` writes to standard output (binary only when that is
    /// not a terminal).
    #[arg(short, long)]
    output: PathBuf,
    /// Write the WebAssembly text format (also chosen by an output path
    /// ending in `.wat`).
    #[arg(short = 't', long = "wat")]
    wat: bool,
    #[command(flatten)]
    options: OutputOptions,
    #[command(flatten)]
    limits: LimitArgs,
    /// Also write the ABI record (memory, realloc, post-return, string
    /// encoding of every host import and export) as JSON to this file
    /// (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    emit_import_map: Option<PathBuf>,
    /// Print statistics about the fusion to stderr.
    #[arg(long)]
    stats: bool,
    /// The form of `--stats` (implies it): `text` for people, `json` (one
    /// line, docs/stats.md) for scripts.
    #[arg(long, value_enum, value_name = "FORMAT")]
    stats_format: Option<stats::StatsFormat>,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The artefact to check (a file written by `meld fuse`; `-` reads
    /// standard input).
    output: PathBuf,
    /// The inputs it should have been fused from, in the same order.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    options: OutputOptions,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The message of the last panic, on any thread.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

fn main() -> ExitCode {
    // Usage errors exit with 2, `--help`/`--version` with 0 (clap).
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
    let result = std::panic::catch_unwind(|| {
        fault_injection()?;
        match cli.command {
            Command::Fuse(args) => fuse(args),
            Command::Inspect(args) => inspect(args),
            Command::Verify(args) => verify(args),
            Command::Completions { shell } => completions(shell),
            Command::Wrap(args) => wrap(args),
        }
    });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.chain().any(|c| c.is::<io::StdoutClosed>()) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit_code(&e))
        }
        Err(_) => {
            let what = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut l| l.take())
                .unwrap_or_default();
            eprintln!("error: internal error: meld panicked: {what}");
            ExitCode::from(INTERNAL)
        }
    }
}

/// 2 for a usage error, 3 for a bug in meld, 1 for anything else.
fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<io::Usage>()) {
        return 2;
    }
    let internal = e.chain().any(|c| {
        matches!(
            c.downcast_ref::<meld_core::Error>(),
            Some(meld_core::Error::Internal(_) | meld_core::Error::OutputInvalid(_))
        )
    });
    if internal {
        INTERNAL
    } else {
        1
    }
}

/// `MELD_FAULT=panic|internal` makes meld fail as a bug would, so the tests
/// can check how internal errors are reported (exit code 3, one line).
fn fault_injection() -> Result<()> {
    match std::env::var("MELD_FAULT").as_deref() {
        Ok("panic") => panic!("fault injected by MELD_FAULT"),
        Ok("internal") => {
            Err(meld_core::Error::Internal("fault injected by MELD_FAULT".into()).into())
        }
        _ => Ok(()),
    }
}

/// Read and check the inputs, and make the library options (with the
/// provenance record unless `--no-provenance`).
fn prepare(
    paths: &[PathBuf],
    o: &OutputOptions,
    limits: &LimitArgs,
) -> Result<(Vec<Input>, meld_core::FuseOptions)> {
    io::check_one_stdin(paths)?;
    let mut inputs = Vec::new();
    for path in paths {
        let input = io::read_input(path)?;
        if let Err(e) = meld_core::front::precheck::classify(&input.binary).and_then(|k| match k {
            meld_core::front::precheck::BinaryKind::CoreModule => {
                Err(meld_core::Error::CoreModuleInput)
            }
            meld_core::front::precheck::BinaryKind::Component => Ok(()),
        }) {
            anyhow::bail!("{}: {e}", shown(path));
        }
        inputs.push(input);
    }
    let opts = meld_core::FuseOptions {
        memory: match o.memory {
            MemoryArg::Multi => meld_core::MemoryMode::Multi,
            MemoryArg::Shared => meld_core::MemoryMode::Shared,
            MemoryArg::Auto => meld_core::MemoryMode::Auto,
        },
        component: o.component,
        opaque_reps: o.opaque_rep.clone(),
        debug: match o.debug {
            DebugArg::Keep => meld_core::DebugInfo::Keep,
            DebugArg::Strip => meld_core::DebugInfo::Strip,
        },
        limits: meld_core::Limits {
            instances: limits.max_instances,
            component_instances: limits.max_component_instances,
            adapters: limits.max_adapters,
            output_size: limits
                .max_output_size
                .unwrap_or(meld_core::Limits::default().output_size),
        },
        provenance: (!o.no_provenance).then(|| {
            inputs
                .iter()
                .map(|i| meld_core::provenance::InputDigest::of(&i.raw))
                .collect()
        }),
        ..Default::default()
    };
    Ok((inputs, opts))
}

fn run_fuse(
    paths: &[PathBuf],
    inputs: &[Input],
    opts: &meld_core::FuseOptions,
) -> Result<meld_core::Fused> {
    let refs: Vec<&[u8]> = inputs.iter().map(|i| i.binary.as_slice()).collect();
    meld_core::fuse(&refs, opts).with_context(|| {
        let names: Vec<String> = paths.iter().map(|p| shown(p)).collect();
        format!("cannot fuse {}", names.join(", "))
    })
}

fn fuse(args: FuseArgs) -> Result<()> {
    let start = Instant::now();
    atomic::install_signal_cleanup();
    let text = args.wat || args.output.extension().is_some_and(|e| e == "wat");
    // Everything that can be refused without fusing is refused first.
    let stdout_users = [Some(&args.output), args.emit_import_map.as_ref()]
        .into_iter()
        .flatten()
        .filter(|p| is_stdio(p))
        .count();
    if stdout_users > 1 {
        return Err(io::usage(
            "only one of -o and --emit-import-map can be `-` (standard output)",
        ));
    }
    if is_stdio(&args.output) && !text {
        io::refuse_binary_to_terminal("a binary WebAssembly module")?;
    }
    for input in &args.inputs {
        for out in [Some(&args.output), args.emit_import_map.as_ref()]
            .into_iter()
            .flatten()
        {
            if !is_stdio(out) && io::same_file(input, out) {
                anyhow::bail!(
                    "the output path {} is also an input; refusing to overwrite it",
                    out.display()
                );
            }
        }
    }
    let (inputs, opts) = prepare(&args.inputs, &args.options, &args.limits)?;
    let fused = run_fuse(&args.inputs, &inputs, &opts)?;
    drop(inputs);
    let bytes = if text {
        wasmprinter::print_bytes(&fused.wasm)
            .map_err(|e| {
                meld_core::Error::Internal(format!("cannot print the output as text: {e}"))
            })?
            .into_bytes()
    } else {
        fused.wasm
    };
    if let Some(map) = &args.emit_import_map {
        io::write_output(map, fused.abi.to_json().as_bytes())?;
    }
    io::write_output(&args.output, &bytes)?;
    if args.stats || args.stats_format.is_some() {
        let format = args.stats_format.unwrap_or(stats::StatsFormat::Text);
        eprint!("{}", stats::render(&fused.stats, start.elapsed(), format));
    }
    Ok(())
}

fn wrap(args: WrapArgs) -> Result<()> {
    if !is_stdio(&args.output) && io::same_file(&args.input, &args.output) {
        anyhow::bail!(
            "the output path {} is also the input; refusing to overwrite it",
            args.output.display()
        );
    }
    let input = io::read_input(&args.input)?;
    let component = meld_core::wrap::given::wrap_module(&input.binary, true)
        .with_context(|| shown(&args.input))?;
    if is_stdio(&args.output) {
        io::refuse_binary_to_terminal("a component")?;
    }
    io::write_output(&args.output, &component)
}

fn inspect(args: InspectArgs) -> Result<()> {
    let input = io::read_input(&args.input)?;
    let report = meld_core::inspect::inspect(&input.binary)
        .with_context(|| format!("cannot inspect {}", shown(&args.input)))?;
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
        s.push('\n');
        s
    } else {
        report.to_string()
    };
    io::to_stdout(text.as_bytes())
}

fn verify(args: VerifyArgs) -> Result<()> {
    io::check_one_stdin(args.inputs.iter().chain([&args.output]))?;
    let output = read_artefact(&args.output)?;
    let (inputs, opts) = prepare(&args.inputs, &args.options, &args.limits)?;
    let fresh = run_fuse(&args.inputs, &inputs, &opts)?;
    let names: Vec<String> = args.inputs.iter().map(|p| shown(p)).collect();
    if let Some(reason) = verify::mismatch(&output, &fresh.wasm, &names) {
        anyhow::bail!(
            "{} does not match a fusion of the inputs: {reason}",
            shown(&args.output)
        );
    }
    let digest = meld_core::provenance::InputDigest::of(&output);
    io::to_stdout(
        format!(
            "verified: {} is the fusion of the inputs (sha256 {}, {} bytes)\n",
            shown(&args.output),
            digest.sha256,
            digest.size
        )
        .as_bytes(),
    )
}

/// The artefact `meld verify` checks, read as it is (no text assembly).
fn read_artefact(path: &Path) -> Result<Vec<u8>> {
    if is_stdio(path) {
        return io::read_input(path).map(|i| i.raw);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "meld", &mut script);
    io::to_stdout(&script)
}
