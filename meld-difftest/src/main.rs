//! Random differential testing of meld: generates component compositions
//! with random function types, fuses them, and compares four executions
//! against the checksum computed from the generated values.
//!
//! `cargo run --release -p meld-difftest -- --seed S --cases N [--keep DIR]`
//!
//! `--async-only` keeps only the async cases among the indices,
//! `--streams-only` only the stream / future cases.
//!
//! Prints one line per mismatch and a summary
//! `N cases (A async, S stream/future), M mismatches`;
//! exits with 1 on any mismatch. `--keep DIR` writes each mismatching
//! composition to `DIR/seed<S>-case<I>.wat` with its `;; expect:` header, ready
//! to go to `tests/fixtures/difftest-regressions/`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use meld_difftest::case::Case;
use meld_difftest::{self as difftest, runner};

#[derive(Parser)]
#[command(
    name = "meld-difftest",
    about = "Random differential testing of meld fusion"
)]
struct Args {
    /// Run seed; every case derives its own seed from it and its index.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of cases (indices 0..N).
    #[arg(long, default_value_t = 100)]
    cases: u64,
    /// Run only this case index (repeatable) instead of 0..N.
    #[arg(long = "case")]
    only: Vec<u64>,
    /// Write mismatching compositions as .wat files to this directory.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Print the WAT of each case run (with --case).
    #[arg(long)]
    print: bool,
    /// Run only the async cases among the indices.
    #[arg(long)]
    async_only: bool,
    /// Run only the stream / future cases among the indices.
    #[arg(long)]
    streams_only: bool,
    /// Print every engine's outcome for each case (runs on one thread).
    #[arg(long)]
    verbose: bool,
    /// Worker threads (default: available parallelism).
    #[arg(long)]
    threads: Option<usize>,
    /// Instead of generating cases, run these .wat files (each with a
    /// `;; expect: run = <u64 | trap>` header) on the four engines.
    #[arg(long, num_args = 1..)]
    check: Vec<PathBuf>,
}

/// `--check`: runs saved compositions like the regression test does.
fn check_files(paths: &[PathBuf]) -> ExitCode {
    let engines = runner::Engines::new();
    let mut bad = 0;
    for path in paths {
        let diffs = match std::fs::read_to_string(path) {
            Ok(text) => match runner::parse_expect(&text) {
                Ok(want) => runner::check_wat(&engines, &text, want),
                Err(e) => vec![e],
            },
            Err(e) => vec![format!("unreadable: {e}")],
        };
        if !diffs.is_empty() {
            bad += 1;
            println!("{}: {}", path.display(), diffs.join("; "));
        }
    }
    println!("{} files, {} mismatches", paths.len(), bad);
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.check.is_empty() {
        return check_files(&args.check);
    }
    let mut indices: Vec<u64> = if args.only.is_empty() {
        (0..args.cases).collect()
    } else {
        args.only.clone()
    };
    if args.async_only {
        indices.retain(|&i| Case::generate(args.seed, i).is_async());
    }
    if args.streams_only {
        indices.retain(|&i| Case::generate(args.seed, i).is_stream());
    }
    if args.print {
        for &i in &indices {
            println!("{}", Case::generate(args.seed, i).to_wat());
        }
    }
    if let Some(dir) = &args.keep {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if args.verbose {
        let engines = runner::Engines::new();
        for &i in &indices {
            let case = Case::generate(args.seed, i);
            let bytes =
                wat::parse_str(difftest::wat_gen::render(&case)).expect("generated WAT assembles");
            println!(
                "case {i}: {} [{}] expect {}",
                case.signature(),
                case.options(),
                case.expected()
            );
            for (name, outcome) in runner::run_all(&engines, &bytes) {
                println!("  {name}: {outcome}");
            }
        }
    }
    let start = Instant::now();
    let keep = args.keep.clone();
    let failures = runner::run_cases(args.seed, &indices, threads, &|f| {
        println!("{}", f.line());
        if let Some(dir) = &keep {
            let path = dir.join(format!("seed{}-case{}.wat", f.case.seed, f.case.index));
            if let Err(e) = std::fs::write(&path, f.case.to_wat()) {
                eprintln!("cannot write {}: {e}", path.display());
            }
        }
    });
    let asyncs = indices
        .iter()
        .filter(|&&i| Case::generate(args.seed, i).is_async())
        .count();
    let streams = indices
        .iter()
        .filter(|&&i| Case::generate(args.seed, i).is_stream())
        .count();
    println!(
        "{} cases ({asyncs} async, {streams} stream/future), {} mismatches (seed {}, {:.1}s)",
        indices.len(),
        failures.len(),
        args.seed,
        start.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
