//! Random differential testing of meld (the generator is the `meld-difftest` crate).
//!
//! - `fixed_seed_cases`: a fixed-seed run of generated compositions; every
//!   case must give the checksum computed in Rust (or trap, for cases with
//!   an invalid value) unfused, fused on wasmtime and wasmi, and fused +
//!   wrapped.
//! - `regressions`: every `tests/fixtures/difftest-regressions/*.wat` (each
//!   with a `;; expect: run = <u64 | trap>` header) on the same four
//!   engines. Mismatches found by `meld-difftest --keep DIR` go there.
//!
//! - `fixed_seed_cases_shared_on_node`: the first 200 cases fused with
//!   `--memory shared` on node (no multi-memory). (Every case runs shared on
//!   wasmtime and wasmi in `fixed_seed_cases` already.)
//!
//! One case in six is a stream or future case (`meld_difftest::wat_stream`:
//! the callee writes N random values of a random payload type, any the
//! call cases use (strings, lists, variants, ... nested), from its memory
//! in its string encoding, the caller reads them with async reads of
//! random sizes, its realloc and its own string encoding);
//! the others are generated as before. A quarter of those are async (`meld_difftest::wat_async`: callback
//! lifts that EXIT, YIELD or return-then-YIELD, async lowers, an async
//! `run` that waits blocking or in its callback); the tests print how many.
//!
//! `MELD_DIFFTEST_CASES=N` overrides the number of fixed-seed cases.

use std::path::{Path, PathBuf};
use std::time::Instant;

use meld_difftest::{self as difftest, runner};

#[path = "support/single_memory.rs"]
mod single_memory;

const SEED: u64 = 0x6d65_6c64; // "meld"
const CASES: u64 = 600;

/// Writes straight to the process's stderr, bypassing libtest's output
/// capture, so the counts show up even when the test passes.
fn loud(msg: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(msg.as_bytes());
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[test]
fn fixed_seed_cases() {
    let cases = std::env::var("MELD_DIFFTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CASES);
    let indices: Vec<u64> = (0..cases).collect();
    let start = Instant::now();
    let failures = runner::run_cases(SEED, &indices, threads(), &|_| {});
    let asyncs = indices
        .iter()
        .filter(|&&i| difftest::case::Case::generate(SEED, i).is_async())
        .count();
    let streams = indices
        .iter()
        .filter(|&&i| difftest::case::Case::generate(SEED, i).is_stream())
        .count();
    loud(&format!(
        "difftest: seed {SEED}: {cases} cases ({asyncs} async, {streams} stream/future), {} mismatches in {:.1}s\n",
        failures.len(),
        start.elapsed().as_secs_f64()
    ));
    assert!(
        cases < 100 || asyncs * 10 > cases as usize,
        "only {asyncs} of {cases} cases are async"
    );
    assert!(
        cases < 100 || streams * 12 > cases as usize,
        "only {streams} of {cases} cases are stream/future cases"
    );
    if !failures.is_empty() {
        let lines: Vec<String> = failures.iter().map(|f| f.line()).collect();
        panic!(
            "{} of {cases} cases mismatched (reproduce one with \
             `cargo run --release -p meld-difftest -- --seed {SEED} --case I --print`):\n  {}",
            failures.len(),
            lines.join("\n  ")
        );
    }
}

/// The harness itself: a wrong expectation must be reported by all six
/// runs (four engines, two of them twice: multi-memory and `--memory shared`), and the generated composition must give the expected value.
/// The same for an async case whose `run` waits in its callback for a
/// callee that yields before `task.return`.
#[test]
fn harness_catches_wrong_expectation() {
    let engines = runner::Engines::new();
    let sync_case = (0..)
        .map(|i| difftest::case::Case::generate(SEED, i))
        .find(|c| c.mutation.is_none() && !c.is_async() && !c.is_stream())
        .unwrap();
    let async_case = (0..)
        .map(|i| difftest::case::Case::generate(SEED, i))
        .find(|c| {
            c.mutation.is_none()
                && c.is_async()
                && c.wait_in_callback
                && c.funcs
                    .iter()
                    .any(|f| f.asy.lower_async && f.asy.suspends())
        })
        .unwrap();
    let stream_case = (0..)
        .map(|i| difftest::case::Case::generate(SEED, i))
        .find(|c| {
            c.stream
                .as_ref()
                .is_some_and(|s| !s.future && s.values.len() > 3)
        })
        .unwrap();
    for case in [sync_case, async_case, stream_case] {
        check_harness(&engines, &case);
    }
}

fn check_harness(engines: &runner::Engines, case: &difftest::case::Case) {
    let wat = difftest::wat_gen::render(case);
    let difftest::case::Expect::Value(v) = case.expected() else {
        unreachable!()
    };
    assert_eq!(
        runner::check_wat(engines, &wat, case.expected()),
        Vec::<String>::new()
    );
    let wrong = runner::check_wat(engines, &wat, difftest::case::Expect::Value(v ^ 1));
    assert_eq!(wrong.len(), 6, "{wrong:?}");
    let trap = runner::check_wat(engines, &wat, difftest::case::Expect::Trap);
    assert_eq!(trap.len(), 6, "{trap:?}");
}

fn regression_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("fixtures")
        .join("difftest-regressions")
}

#[test]
fn regressions() {
    let dir = regression_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no .wat regressions in {}",
        dir.display()
    );
    let engines = runner::Engines::new();
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let want = match runner::parse_expect(&text) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        for diff in runner::check_wat(&engines, &text, want) {
            failures.push(format!("{name}: {diff}"));
        }
    }
    eprintln!("difftest: {} regressions checked", paths.len());
    assert!(
        failures.is_empty(),
        "{} regression failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// The first `NODE_CASES` fixed-seed cases fused with `--memory shared` and
/// run on node (V8; node 20 has no multi-memory), all in one node process:
/// each must give the checksum computed in Rust (or trap). node is
/// required: a missing node fails the test.
#[test]
fn fixed_seed_cases_shared_on_node() {
    const NODE_CASES: u64 = 200;
    let dir = single_memory::scratch("difftest");
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let mut jobs = Vec::new();
    let mut wants = Vec::new();
    let mut asyncs = 0;
    let mut streams = 0;
    for i in 0..NODE_CASES {
        let case = difftest::case::Case::generate(SEED, i);
        asyncs += case.is_async() as usize;
        streams += case.is_stream() as usize;
        let bytes = wat::parse_str(difftest::wat_gen::render(&case)).expect("case assembles");
        let fused = meld_core::fuse(&[&bytes], &opts)
            .unwrap_or_else(|e| panic!("case {i}: fuse --memory shared: {e}"));
        let file = dir.join(format!("case-{i}.wasm"));
        std::fs::write(&file, &fused.wasm).unwrap();
        jobs.push((file, vec!["run".to_string()]));
        wants.push(case.expected());
    }
    let got = single_memory::run_on_node(&jobs);
    let mut failures = Vec::new();
    for (i, (want, got)) in wants.iter().zip(&got).enumerate() {
        let ok = match (want, &got[0]) {
            (difftest::case::Expect::Value(v), single_memory::NodeOutcome::I64(g)) => v == g,
            (difftest::case::Expect::Trap, single_memory::NodeOutcome::Trap(_)) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("case {i}: got {:?}, want {want}", got[0]));
        }
    }
    loud(&format!(
        "difftest: {NODE_CASES} cases ({asyncs} async, {streams} stream/future) fused --memory shared on node\n"
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
