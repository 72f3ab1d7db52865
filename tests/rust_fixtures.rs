//! End-to-end tests on compositions built by the real toolchain.
//!
//! Every `tests/fixtures/rust/<name>.wasm` is a WASI 0.2 command component: Rust
//! guests (wit-bindgen, `wasm32-wasip2`) composed with `wac`; the sources are in
//! `guests/` and `scripts/build-fixtures.sh` rebuilds them. Each one
//!
//! 1. runs unfused on wasmtime's component runtime with wasmtime-wasi, its stdout and
//!    stderr captured in memory;
//! 2. goes through `meld_core::fuse` with `component: true`, and the resulting
//!    component runs the same way;
//!
//! and the two runs must agree on stdout, stderr and the outcome (exit status or
//! trap). A fixture whose `.expect` names resources (`opaque-rep: IFACE.RESOURCE`)
//! is fused a second time with those `--opaque-rep` names and compared the same
//! way. The unfused run must also match the hand-written `<name>.expect` beside
//! the fixture, so that two equally broken runs cannot pass:
//!
//! ```text
//! # comment
//! outcome: ok | run-error | exit N | trap
//! stderr-contains: some text        (any number of these)
//! wasmtime48: trap REASON           (optional, see below)
//! --- stdout
//! the exact expected stdout
//! --- stderr                        (optional: the exact expected stderr)
//! the exact expected stderr
//! ```
//!
//! A few async fixtures run on the wasmtime 49 CLI but trap on the wasmtime 48
//! crates this test runs them on (a call made by an async-started task, which
//! wasmtime 49 runs in place and 48 does not: docs/async-fixtures.md). Their
//! `.expect` says so with a `wasmtime48: trap REASON` line and holds the
//! wasmtime 49 CLI's output (`wasmtime run -W component-model-async=y`). For
//! them the unfused run must trap with REASON in its error (a fixture that
//! starts running on 48 fails until the line is removed), and every fused run
//! is checked against the `.expect` instead of the unfused run. They are
//! listed in `WASMTIME48_DIFFERS` (which must agree with the `.expect` files)
//! and counted in the summary line.
//!
//! The stream fixtures (`stream-*`, `future-result`: guests-async/wit-streams)
//! are not commands: their driver is a reactor exporting a top-level
//! `run: async func()` (`ASYNC_ENTRY`; a sync `wasi:cli/run` may not block,
//! and they wait for streams), which is called with the async API; its
//! return is outcome `ok`; every variant runs them so, also "fused from its
//! component type" (the async function type re-expressed).
//!
//! `tests/fixtures/rust-debug/` holds compositions of the same guests built with
//! full DWARF (one unoptimised); `rust_debug_fixtures` runs them the same way and
//! `rust_debug_fixtures_carry_dwarf` checks that their guest modules keep it.
//!
//! The test fails if the directory is missing, holds fewer than `MIN_FIXTURES`
//! fixtures, or a fixture has no `.expect`; otherwise it collects every mismatch and
//! panics once with the full list.
//!
//! Environment switches (development only; CI sets none of them):
//! - `MELD_TEST_UNFUSED_ONLY=1` skips step 2 (and says so loudly).
//! - `MELD_TEST_FILTER=substr` runs only fixtures whose name contains `substr`.
//! - `MELD_TEST_VERBOSE=1` prints both runs' output and every error in full.
//! - `MELD_TEST_DUMP=1` writes each fused component to the temp directory.

#[path = "support/binaryen.rs"]
mod binaryen;
#[path = "support/type_export.rs"]
mod type_export;
use type_export::with_top_level_type_export;

use std::fmt;
use std::path::{Path, PathBuf};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxView, WasiView};

/// Fewer fixtures than this means something went missing: fail.
const MIN_FIXTURES: usize = 50;

/// Fixtures the wasmtime 48 crates (the unfused oracle here) cannot run but
/// the wasmtime 49 CLI and the fused output can: each `.expect` has a
/// `wasmtime48: trap REASON` line and the wasmtime 49 output, which the fused
/// runs are checked against (module docs). Must be exactly the fixtures with
/// that line.
const WASMTIME48_DIFFERS: &[&str] = &["async-chain3-async", "async-sync-to-async"];

/// The top-level export a fixture without `wasi:cli/run` is run through:
/// `run: async func()` (the stream fixtures' drivers, guests-async/
/// streams-drivers/), called with the async API; returning is outcome `ok`.
const ASYNC_ENTRY: &str = "run";

/// Captured output is capped; a guest writing more traps (and fails the test).
const PIPE_CAPACITY: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// `wasi:cli/run` returned `ok`.
    Ok,
    /// `wasi:cli/run` returned `err`.
    RunError,
    /// The guest called `wasi:cli/exit` with a failure (or a code).
    Exit(i32),
    /// The guest trapped; the trap code where wasmtime gives one.
    Trap(Option<String>),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => write!(f, "ok"),
            Outcome::RunError => write!(f, "run-error"),
            Outcome::Exit(code) => write!(f, "exit {code}"),
            Outcome::Trap(Some(code)) => write!(f, "trap ({code})"),
            Outcome::Trap(None) => write!(f, "trap"),
        }
    }
}

#[derive(Clone, Debug)]
struct Expect {
    /// `ok`, `run-error`, `exit N` or `trap` (any trap code).
    outcome: String,
    stdout: String,
    stderr: Option<String>,
    stderr_contains: Vec<String>,
    /// `opaque-rep: IFACE.RESOURCE` lines: the fixture is fused a second time
    /// with these `--opaque-rep` names and must behave the same.
    opaque_reps: Vec<String>,
    /// `wasmtime48: trap REASON`: the unfused run on the wasmtime 48 crates
    /// must trap with REASON in its error; the fused runs are checked against
    /// this `.expect` (the wasmtime 49 output) instead.
    wasmtime48_trap: Option<String>,
}

struct Run {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    outcome: Outcome,
    /// The full error behind a trap, for `MELD_TEST_VERBOSE`.
    detail: Option<String>,
}

struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("fixtures")
        .join("rust")
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let (header, rest) = match text.split_once("--- stdout\n") {
        Some(parts) => parts,
        None => return Err("no `--- stdout` line".into()),
    };
    let (stdout, stderr) = match rest.split_once("--- stderr\n") {
        Some((out, err)) => (out.to_string(), Some(err.to_string())),
        None => (rest.to_string(), None),
    };
    let mut outcome = None;
    let mut stderr_contains = Vec::new();
    let mut opaque_reps = Vec::new();
    let mut wasmtime48_trap = None;
    for line in header.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(v) = line.strip_prefix("outcome:") {
            let v = v.trim();
            let valid = matches!(v, "ok" | "run-error" | "trap")
                || v.strip_prefix("exit ")
                    .is_some_and(|n| n.parse::<i32>().is_ok());
            if !valid {
                return Err(format!("bad outcome `{v}`"));
            }
            outcome = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("stderr-contains:") {
            stderr_contains.push(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("opaque-rep:") {
            opaque_reps.push(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("wasmtime48:") {
            let reason = v.trim().strip_prefix("trap ").map(str::trim);
            match reason {
                Some(r) if !r.is_empty() && wasmtime48_trap.is_none() => {
                    wasmtime48_trap = Some(r.to_string())
                }
                _ => return Err(format!("bad `{line}`: one `wasmtime48: trap REASON`")),
            }
        } else {
            return Err(format!("unknown header line `{line}`"));
        }
    }
    let outcome = outcome.ok_or("no `outcome:` line")?;
    if stdout.is_empty() {
        return Err("empty expected stdout: every fixture must print something".into());
    }
    Ok(Expect {
        outcome,
        stdout,
        stderr,
        stderr_contains,
        opaque_reps,
        wasmtime48_trap,
    })
}

fn outcome_matches(want: &str, got: &Outcome) -> bool {
    match got {
        Outcome::Trap(_) => want == "trap",
        other => other.to_string() == want,
    }
}

/// Polls `f` to completion without a reactor: wasmtime runs a guest's async
/// calls on fibers of its own, and the in-memory pipes never wait.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

fn run(engine: &Engine, wasm: &[u8]) -> Result<Run, String> {
    let component = Component::new(engine, wasm).map_err(|e| format!("compile: {e:#}"))?;
    let mut linker = Linker::<Host>::new(engine);
    // A composition using component-model async (guests-async/): wasmtime
    // suspends a caller on a fiber for each async call, so it runs on the
    // async API. Its fused form is synchronous again.
    // A composition whose driver exports `run: async func()` at the top
    // level instead of `wasi:cli/run` (the stream fixtures,
    // guests-async/streams-drivers/: a sync `run` may not block, and their
    // driver must wait for data): called as an async export.
    let async_entry = component
        .component_type()
        .get_export(engine, ASYNC_ENTRY)
        .is_some_and(|e| {
            matches!(
                e.ty,
                wasmtime::component::types::ComponentItem::ComponentFunc(_)
            )
        });
    let concurrent = async_entry || meld_core::front::precheck::uses_async(wasm).unwrap_or(false);
    if concurrent {
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| format!("linker: {e:#}"))?;
    } else {
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| format!("linker: {e:#}"))?;
    }
    let stdout = MemoryOutputPipe::new(PIPE_CAPACITY);
    let stderr = MemoryOutputPipe::new(PIPE_CAPACITY);
    let ctx = WasiCtx::builder()
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .build();
    let mut store = Store::new(
        engine,
        Host {
            ctx,
            table: ResourceTable::new(),
        },
    );
    let result = if async_entry {
        block_on(async {
            let instance = linker
                .instantiate_async(&mut store, &component)
                .await
                .map_err(|e| format!("instantiate: {e:#}"))?;
            let func = instance
                .get_typed_func::<(), ()>(&mut store, ASYNC_ENTRY)
                .map_err(|e| format!("`{ASYNC_ENTRY}` export: {e:#}"))?;
            Ok::<_, String>(func.call_async(&mut store, ()).await.map(Ok))
        })?
    } else if concurrent {
        block_on(async {
            let command = wasmtime_wasi::p2::bindings::Command::instantiate_async(
                &mut store, &component, &linker,
            )
            .await
            .map_err(|e| format!("instantiate: {e:#}"))?;
            Ok::<_, String>(command.wasi_cli_run().call_run(&mut store).await)
        })?
    } else {
        let command = Command::instantiate(&mut store, &component, &linker)
            .map_err(|e| format!("instantiate: {e:#}"))?;
        command.wasi_cli_run().call_run(&mut store)
    };
    let (outcome, detail) = match result {
        Ok(Ok(())) => (Outcome::Ok, None),
        Ok(Err(())) => (Outcome::RunError, None),
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<I32Exit>() {
                (Outcome::Exit(exit.0), None)
            } else {
                let code = e.downcast_ref::<wasmtime::Trap>().map(|t| format!("{t:?}"));
                (Outcome::Trap(code), Some(format!("{e:?}")))
            }
        }
    };
    drop(store);
    Ok(Run {
        stdout: stdout.contents().to_vec(),
        stderr: stderr.contents().to_vec(),
        outcome,
        detail,
    })
}

fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// Checks a run (`side`: "unfused", or a fused variant for a
/// `WASMTIME48_DIFFERS` fixture) against the `.expect` file.
fn check_expect(
    name: &str,
    side: &str,
    want: &Expect,
    got: &Run,
    failures: &mut Vec<String>,
) -> bool {
    let before = failures.len();
    if !outcome_matches(&want.outcome, &got.outcome) {
        failures.push(format!(
            "{name}: {side} outcome {} but .expect says {}{}",
            got.outcome,
            want.outcome,
            got.detail
                .as_deref()
                .map(|d| format!("\n    {side} error: {}", first_lines(d, 6)))
                .unwrap_or_default()
        ));
    }
    if got.stdout != want.stdout.as_bytes() {
        failures.push(format!(
            "{name}: {side} stdout differs from .expect\n    got:  {}\n    want: {}",
            show(&got.stdout),
            show(want.stdout.as_bytes())
        ));
    }
    if let Some(stderr) = &want.stderr {
        if got.stderr != stderr.as_bytes() {
            failures.push(format!(
                "{name}: {side} stderr differs from .expect\n    got:  {}\n    want: {}",
                show(&got.stderr),
                show(stderr.as_bytes())
            ));
        }
    }
    let stderr_text = String::from_utf8_lossy(&got.stderr);
    for needle in &want.stderr_contains {
        if !stderr_text.contains(needle.as_str()) {
            failures.push(format!(
                "{name}: {side} stderr lacks `{needle}`: {}",
                show(&got.stderr)
            ));
        }
    }
    failures.len() == before
}

/// What a fused run must match: the unfused run on the wasmtime 48 crates,
/// or, for a `WASMTIME48_DIFFERS` fixture, its `.expect` (the wasmtime 49
/// output).
#[derive(Clone, Copy)]
enum Oracle<'a> {
    Unfused(&'a Run),
    Expect(&'a Expect),
}

fn check_fused(
    name: &str,
    label: &str,
    oracle: Oracle,
    fused: &Run,
    failures: &mut Vec<String>,
) -> bool {
    match oracle {
        Oracle::Unfused(unfused) => compare(&format!("{name} ({label})"), unfused, fused, failures),
        Oracle::Expect(want) => check_expect(name, label, want, fused, failures),
    }
}

/// For a fixture whose `.expect` has `wasmtime48: trap REASON`: the unfused
/// run on the wasmtime 48 crates must trap with REASON in its error.
fn check_wasmtime48_trap(name: &str, reason: &str, got: &Run, failures: &mut Vec<String>) -> bool {
    let detail = got.detail.as_deref().unwrap_or("");
    if matches!(got.outcome, Outcome::Trap(_)) && detail.contains(reason) {
        return true;
    }
    failures.push(format!(
        "{name}: .expect says the wasmtime 48 unfused run traps `{reason}`, but it gave {} \
         (stdout {}){}; if wasmtime 48 runs it now, drop the `wasmtime48:` line and the \
         WASMTIME48_DIFFERS entry",
        got.outcome,
        show(&got.stdout),
        got.detail
            .as_deref()
            .map(|d| format!("\n    error: {}", first_lines(d, 6)))
            .unwrap_or_default()
    ));
    false
}

/// Checks the fused run against the unfused one.
fn compare(name: &str, unfused: &Run, fused: &Run, failures: &mut Vec<String>) -> bool {
    let before = failures.len();
    if unfused.outcome != fused.outcome {
        failures.push(format!(
            "{name}: outcome unfused {} vs fused {}{}",
            unfused.outcome,
            fused.outcome,
            fused
                .detail
                .as_deref()
                .map(|d| format!("\n    fused error: {}", first_lines(d, 6)))
                .unwrap_or_default()
        ));
    }
    if unfused.stdout != fused.stdout {
        failures.push(format!(
            "{name}: stdout differs\n    unfused: {}\n    fused:   {}",
            show(&unfused.stdout),
            show(&fused.stdout)
        ));
    }
    if unfused.stderr != fused.stderr {
        failures.push(format!(
            "{name}: stderr differs\n    unfused: {}\n    fused:   {}",
            show(&unfused.stderr),
            show(&fused.stderr)
        ));
    }
    failures.len() == before
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().take(n).collect();
    lines.join("\n      ")
}

fn engine() -> Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    // A fused module keeps one memory per component instance.
    config.wasm_multi_memory(true);
    // `maps` passes `map<K, V>` between its components.
    config.wasm_component_model_map(true);
    // `async-*` use component-model async (guests-async/).
    config.wasm_component_model_async(true);
    Engine::new(&config).expect("wasmtime engine")
}

fn verbose() -> bool {
    std::env::var_os("MELD_TEST_VERBOSE").is_some()
}

fn print_run(name: &str, side: &str, r: &Run) {
    eprintln!(
        "--- {name} ({side}): {}\n    stdout: {}\n    stderr: {}",
        r.outcome,
        show(&r.stdout),
        show(&r.stderr)
    );
    if let Some(d) = &r.detail {
        eprintln!("    error: {d}");
    }
}

/// Fuse `bytes` with `opts`, run the result and compare it with `unfused`.
fn fuse_and_compare(
    engine: &Engine,
    name: &str,
    label: &str,
    bytes: &[u8],
    opts: &meld_core::FuseOptions,
    oracle: Oracle,
    failures: &mut Vec<String>,
) -> bool {
    let fused = match meld_core::fuse(&[bytes], opts) {
        Ok(f) => f,
        Err(e) => {
            failures.push(format!("{name}: {label}: fuse failed: {e}"));
            return false;
        }
    };
    if std::env::var_os("MELD_TEST_DUMP").is_some() {
        let tag = label.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let out = std::env::temp_dir().join(format!("meld-rust-{name}-{tag}.wasm"));
        std::fs::write(&out, &fused.wasm).expect("dump fused component");
        eprintln!("{name}: fused component written to {}", out.display());
    }
    match run(engine, &fused.wasm) {
        Err(e) => {
            failures.push(format!("{name}: {label} run failed: {e}"));
            false
        }
        Ok(fr) => {
            if verbose() {
                print_run(name, label, &fr);
            }
            check_fused(name, label, oracle, &fr, failures)
        }
    }
}

#[test]
fn rust_fixtures() {
    run_fixture_dir(&fixture_dir(), MIN_FIXTURES, WASMTIME48_DIFFERS);
}

/// The debug-info fixtures (`tests/fixtures/rust-debug/`: compositions of the
/// same guests built with full DWARF, one of them unoptimised) behave as their
/// `.expect` says, unfused and fused.
#[test]
fn rust_debug_fixtures() {
    run_fixture_dir(&debug_fixture_dir(), DEBUG_FIXTURES.len(), &[]);
}

fn debug_fixture_dir() -> PathBuf {
    fixture_dir().join("..").join("rust-debug")
}

/// Every debug fixture and how many of its core modules are guests built with
/// DWARF (wit-component's adapter and shim modules have none).
const DEBUG_FIXTURES: &[(&str, usize)] = &[
    ("chain3", 3),
    ("trap", 2),
    ("trap-o0", 2),
    ("two-instances", 2),
];

/// The DWARF survives the toolchain: in each debug fixture, exactly the
/// expected number of embedded core modules carry `.debug_info`, `.debug_line`,
/// `.debug_abbrev` and `.debug_str`, and the directory holds no other fixture.
#[test]
fn rust_debug_fixtures_carry_dwarf() {
    let dir = debug_fixture_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixture directory {} is missing: {e}", dir.display()))
        .map(|e| e.expect("read_dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let listed: Vec<&str> = DEBUG_FIXTURES.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, listed,
        "tests/fixtures/rust-debug/ vs DEBUG_FIXTURES"
    );
    for (name, guests) in DEBUG_FIXTURES {
        let bytes = std::fs::read(dir.join(format!("{name}.wasm"))).expect("read fixture");
        let modules = core_module_custom_sections(&bytes);
        let with_dwarf = modules
            .iter()
            .filter(|sections| {
                [".debug_info", ".debug_line", ".debug_abbrev", ".debug_str"]
                    .iter()
                    .all(|s| sections.iter().any(|x| x == s))
            })
            .count();
        assert_eq!(
            with_dwarf,
            *guests,
            "{name}: core modules with DWARF (of {})",
            modules.len()
        );
    }
}

/// The custom section names of every core module embedded in a component,
/// at any depth, in order.
fn core_module_custom_sections(bytes: &[u8]) -> Vec<Vec<String>> {
    use wasmparser::{Encoding, Parser, Payload};
    let mut modules = Vec::new();
    // One entry per open module or component: the index into `modules` of a
    // core module, `None` for a component.
    let mut open: Vec<Option<usize>> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.expect("parse fixture") {
            Payload::Version { encoding, .. } => {
                if encoding == Encoding::Module {
                    modules.push(Vec::new());
                    open.push(Some(modules.len() - 1));
                } else {
                    open.push(None);
                }
            }
            Payload::CustomSection(c) => {
                if let Some(Some(m)) = open.last() {
                    modules[*m].push(c.name().to_string());
                }
            }
            Payload::End(_) => {
                open.pop();
            }
            _ => {}
        }
    }
    modules
}

/// Runs every fixture in `dir` unfused and fused (and with `--opaque-rep`
/// where its `.expect` asks) and compares; fails below `min` fixtures.
/// `differs`: the fixtures of `dir` whose `.expect` has a `wasmtime48:` line
/// (exactly those).
fn run_fixture_dir(dir: &Path, min: usize, differs: &[&str]) {
    let dir = dir.to_path_buf();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixture directory {} is missing: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("read_dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= min,
        "only {} fixtures in {} (want at least {min}); run scripts/build-fixtures.sh",
        paths.len(),
        dir.display()
    );

    let unfused_only = std::env::var_os("MELD_TEST_UNFUSED_ONLY").is_some();
    if unfused_only {
        eprintln!("!!! MELD_TEST_UNFUSED_ONLY is set: fused runs are SKIPPED !!!");
    }
    let filter = std::env::var("MELD_TEST_FILTER").ok();

    let engine = engine();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut passed = 0;
    // Fixtures checked against their `.expect` because wasmtime 48 traps.
    let mut against_expect = Vec::new();
    for path in &paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        total += 1;
        let expect_path = path.with_extension("expect");
        let expect = match std::fs::read_to_string(&expect_path)
            .map_err(|e| format!("cannot read {}: {e}", expect_path.display()))
            .and_then(|t| parse_expect(&t))
        {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: .expect: {e}"));
                continue;
            }
        };
        let bytes = std::fs::read(path).expect("read fixture");

        let unfused = match run(&engine, &bytes) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: unfused run failed: {e}"));
                continue;
            }
        };
        if verbose() {
            print_run(&name, "unfused", &unfused);
        }
        let listed = differs.contains(&name.as_str());
        let (mut ok, oracle) = match &expect.wasmtime48_trap {
            Some(reason) => {
                against_expect.push(name.clone());
                let ok = check_wasmtime48_trap(&name, reason, &unfused, &mut failures);
                (ok, Oracle::Expect(&expect))
            }
            None => (
                check_expect(&name, "unfused", &expect, &unfused, &mut failures),
                Oracle::Unfused(&unfused),
            ),
        };
        if listed != expect.wasmtime48_trap.is_some() {
            failures.push(format!(
                "{name}: in WASMTIME48_DIFFERS: {listed}, `wasmtime48:` line in .expect: {} \
                 (they must agree)",
                !listed
            ));
            ok = false;
        }

        if !unfused_only {
            let mut variants = vec![("fused", meld_core::FuseOptions::wrapped())];
            if !expect.opaque_reps.is_empty() {
                let mut opts = meld_core::FuseOptions::wrapped();
                opts.opaque_reps = expect.opaque_reps.clone();
                variants.push(("fused --opaque-rep", opts));
            }
            // One memory (regions) for engines without multi-memory; the
            // wrapper's host sees absolute pointers (region thunks).
            let mut shared = meld_core::FuseOptions::wrapped();
            shared.memory = meld_core::MemoryMode::Shared;
            variants.push(("fused --memory shared", shared));
            for (label, opts) in &variants {
                ok &= fuse_and_compare(&engine, &name, label, &bytes, opts, oracle, &mut failures);
            }
            // The same composition with a type exported at the top level,
            // which no WIT world holds: wrapped from its component type.
            let typed = with_top_level_type_export(&bytes);
            let label = "fused from its component type";
            ok &= fuse_and_compare(
                &engine,
                &name,
                label,
                &typed,
                &meld_core::FuseOptions::wrapped(),
                oracle,
                &mut failures,
            );
        }
        if ok {
            passed += 1;
        }
    }

    assert!(
        total > 0,
        "MELD_TEST_FILTER={filter:?} matches no fixture: nothing was tested"
    );
    for listed in differs {
        let present = paths
            .iter()
            .any(|p| p.file_stem().is_some_and(|s| s == *listed));
        if !present {
            failures.push(format!(
                "{listed}: in WASMTIME48_DIFFERS but not in {}",
                dir.display()
            ));
        }
    }
    let summary = format!(
        "{}: {total} compositions, {passed} passed; {} checked against their .expect (the \
         wasmtime 49 output) because wasmtime 48 traps unfused: {against_expect:?}",
        dir.display(),
        against_expect.len()
    );
    println!("{summary}");
    eprintln!("{summary}");
    if !failures.is_empty() {
        panic!(
            "{} failure(s) in {total} compositions:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
}

/// Fixtures whose optimised module `meld wrap` must refuse: wasm-opt removes
/// as unused one of the two `output-stream.check-write` imports (each guest
/// lowers it with its own memory), and which guest's is left cannot be told.
const AMBIGUOUS_AFTER_WASM_OPT: &[&str] = &["exit-code"];

/// Every fixture (and its `--opaque-rep` variant) fused to a core module,
/// optimised by binaryen (`wasm-opt -O3 --all-features
/// --disable-custom-descriptors --skip-pass=duplicate-import-elimination`,
/// one node process for all),
/// wrapped with `meld wrap` and run: it must behave as the composition.
/// One fixture also goes through binaryen's `wasm-opt` command line: with
/// the documented flags it wraps and runs; with plain `-O3`, which merges
/// the two guests' `output-stream.write` imports (each with its own
/// memory), `meld wrap` refuses it.
#[test]
fn rust_fixtures_optimised_and_wrapped() {
    let dir = fixture_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixture directory {} is missing: {e}", dir.display()))
        .map(|e| e.expect("read_dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    paths.sort();
    let filter = std::env::var("MELD_TEST_FILTER").ok();
    let scratch = binaryen::scratch("rust");
    let engine = engine();
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    let mut pairs = Vec::new();
    for path in &paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let expect = std::fs::read_to_string(path.with_extension("expect"))
            .map_err(|e| e.to_string())
            .and_then(|t| parse_expect(&t))
            .unwrap_or_else(|e| panic!("{name}: .expect: {e}"));
        let bytes = std::fs::read(path).expect("read fixture");
        let mut variants = vec![("optimised".to_string(), meld_core::FuseOptions::default())];
        if !expect.opaque_reps.is_empty() {
            let opts = meld_core::FuseOptions {
                opaque_reps: expect.opaque_reps.clone(),
                ..Default::default()
            };
            variants.push(("optimised --opaque-rep".to_string(), opts));
        }
        for (k, (label, opts)) in variants.into_iter().enumerate() {
            match meld_core::fuse(&[&bytes], &opts) {
                Ok(f) => {
                    // `meld wrap` of the core module is `fuse --component`.
                    let comp = meld_core::FuseOptions {
                        component: true,
                        ..opts.clone()
                    };
                    match (
                        meld_core::wrap::given::wrap_module(&f.wasm, false),
                        meld_core::fuse(&[&bytes], &comp),
                    ) {
                        (Ok(w), Ok(c)) if w == c.wasm => {}
                        (Ok(_), Ok(_)) => failures.push(format!(
                            "{name}: {label}: meld wrap differs from fuse --component"
                        )),
                        (w, c) => failures.push(format!(
                            "{name}: {label}: meld wrap {:?} / fuse --component {:?}",
                            w.err(),
                            c.err()
                        )),
                    }
                    let input = scratch.join(format!("{name}-{k}.wasm"));
                    let output = scratch.join(format!("{name}-{k}.opt.wasm"));
                    std::fs::write(&input, &f.wasm).expect("write fused module");
                    pairs.push((input, output.clone()));
                    jobs.push((
                        name.clone(),
                        label,
                        f.wasm.len(),
                        output,
                        bytes.clone(),
                        expect.clone(),
                    ));
                }
                Err(e) => failures.push(format!("{name}: {label}: fuse failed: {e}")),
            }
        }
    }
    binaryen::optimise_all(&pairs);
    let (mut before, mut after) = (0usize, 0usize);
    let mut passed = 0;
    let mut refused = Vec::new();
    let mut against_expect = Vec::new();
    for (name, label, fused_len, output, bytes, expect) in &jobs {
        let optimised = std::fs::read(output).expect("read optimised module");
        before += fused_len;
        after += optimised.len();
        if AMBIGUOUS_AFTER_WASM_OPT.contains(&name.as_str()) {
            // wasm-opt dropped one of two imports of a name that the guests
            // lower with different memories: which one is left cannot be
            // told, so `meld wrap` must refuse (docs/optimise.md).
            match meld_core::wrap::given::wrap_module(&optimised, false) {
                Err(e) if e.to_string().contains("merged or dropped") => refused.push(name.clone()),
                Err(e) => failures.push(format!("{name}: {label}: unexpected refusal: {e}")),
                Ok(_) => failures.push(format!(
                    "{name}: {label}: wrapped although listed in AMBIGUOUS_AFTER_WASM_OPT \
                     (remove it from the list)"
                )),
            }
            continue;
        }
        if expect.wasmtime48_trap.is_some() {
            against_expect.push(name.clone());
        }
        if wrap_and_compare(
            &engine,
            name,
            label,
            &optimised,
            bytes,
            expect,
            &mut failures,
        ) {
            passed += 1;
        }
    }
    if !refused.is_empty() {
        eprintln!(
            "rust_fixtures_optimised_and_wrapped: refused as expected (a repeated import \
             dropped by wasm-opt): {refused:?}"
        );
    }
    let summary = format!(
        "rust_fixtures_optimised_and_wrapped: {} runs, {passed} passed; core modules \
         {before} -> {after} bytes after wasm-opt ({:.3}); {} checked against their .expect \
         (wasmtime 48 traps unfused): {against_expect:?}",
        jobs.len(),
        after as f64 / before.max(1) as f64,
        against_expect.len()
    );
    println!("{summary}");
    eprintln!("{summary}");

    // binaryen's command line, on one fixture.
    if filter.as_deref().is_none_or(|f| "stdio".contains(f)) {
        let bytes = std::fs::read(dir.join("stdio.wasm")).expect("read stdio.wasm");
        let fused = meld_core::fuse(&[&bytes], &meld_core::FuseOptions::default())
            .expect("fuse stdio")
            .wasm;
        let input = scratch.join("stdio-cli.wasm");
        std::fs::write(&input, &fused).expect("write fused module");
        let documented = scratch.join("stdio-cli.opt.wasm");
        binaryen::wasm_opt_cli(&input, &documented, binaryen::FLAGS);
        let optimised = std::fs::read(&documented).expect("read optimised module");
        let expect = std::fs::read_to_string(dir.join("stdio.expect"))
            .map_err(|e| e.to_string())
            .and_then(|t| parse_expect(&t))
            .unwrap_or_else(|e| panic!("stdio: .expect: {e}"));
        wrap_and_compare(
            &engine,
            "stdio",
            "wasm-opt CLI",
            &optimised,
            &bytes,
            &expect,
            &mut failures,
        );
        let plain = scratch.join("stdio-cli.o3.wasm");
        binaryen::wasm_opt_cli(&input, &plain, &["-O3", "--all-features"]);
        let merged = std::fs::read(&plain).expect("read optimised module");
        match meld_core::wrap::given::wrap_module(&merged, false) {
            Ok(_) => failures.push(
                "stdio: plain `wasm-opt -O3` merged imports with different memories, and \
                 meld wrap accepted the module"
                    .to_string(),
            ),
            Err(e) => {
                let msg = e.to_string();
                if !msg.contains("duplicate-import-elimination") || !msg.contains("merged") {
                    failures.push(format!("stdio: plain -O3: unexpected refusal: {msg}"));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if filter.is_none() {
        assert!(jobs.len() >= MIN_FIXTURES, "only {} runs", jobs.len());
    }
    if !failures.is_empty() {
        panic!(
            "{} failure(s) through fuse -> wasm-opt -> meld wrap:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
}

/// Wrap `optimised` with `meld wrap`, run it and compare it with the
/// composition `original` run unfused, or with `expect` for a
/// `WASMTIME48_DIFFERS` fixture (whose unfused 48 run `rust_fixtures` checks).
fn wrap_and_compare(
    engine: &Engine,
    name: &str,
    label: &str,
    optimised: &[u8],
    original: &[u8],
    expect: &Expect,
    failures: &mut Vec<String>,
) -> bool {
    let wrapped = match meld_core::wrap::given::wrap_module(optimised, false) {
        Ok(w) => w,
        Err(e) => {
            failures.push(format!("{name}: {label}: meld wrap failed: {e}"));
            return false;
        }
    };
    let got = match run(engine, &wrapped) {
        Ok(r) => r,
        Err(e) => {
            failures.push(format!("{name}: {label}: run failed: {e}"));
            return false;
        }
    };
    if expect.wasmtime48_trap.is_some() {
        return check_expect(name, label, expect, &got, failures);
    }
    let unfused = match run(engine, original) {
        Ok(r) => r,
        Err(e) => {
            failures.push(format!("{name}: unfused run failed: {e}"));
            return false;
        }
    };
    compare(&format!("{name} ({label})"), &unfused, &got, failures)
}
