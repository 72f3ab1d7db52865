//! End-to-end fusion tests driven by hand-written component compositions.
//!
//! Every `tests/fixtures/wat/*.wat` file is ONE component: a composition that
//! nests inner components / core modules, wires them together and imports
//! nothing from the host. Its header carries expectations:
//!
//! ```text
//! ;; expect: run = 42
//! ;; expect: run-trap = trap
//! ```
//!
//! Each names a top-level export (a kebab-case component name, which is also
//! the fused module's core export name) of type `(func (result T))` with `T`
//! one of `u32`, `s32`, `u64`, `s64`, `bool`; the value is an integer
//! (`true`/`false` for bool) or `trap`, optionally followed by wasmtime's
//! reason (`= trap invalid `char` bit pattern`), which the unfused error and
//! the fused module's backtraces on wasmtime (core and wrapped) must then
//! contain: the fused module traps in a function named with the reason
//! (docs/traps.md). The harness checks that
//!
//! 1. the composition itself (wasmtime's component runtime) produces the value,
//! 2. `meld_core::fuse` turns it into a core module that validates, and
//! 3. that core module, run on wasmtime's core API and on wasmi, produces the
//!    same value (compared as bits of the core result's width).
//!
//! A fixture whose core modules use a proposal wasmi 1 does not implement
//! (exceptions) says so in a header line, with the reason:
//!
//! ```text
//! ;; engines: no-wasmi (wasmi 1 does not implement the exception-handling proposal)
//! ```
//!
//! It is then run on the other three engines only, and the skip is counted
//! and printed with its reason (never silent).
//!
//! The test fails if the fixture directory is missing, holds fewer than
//! `MIN_FIXTURES` fixtures, or a fixture has no expectation; otherwise it
//! collects every mismatch and panics once with the full list.
//!
//! Environment switches (development only; CI sets none of them):
//! - `MELD_TEST_UNFUSED_ONLY=1` skips steps 2 and 3 (and says so loudly). It
//!   exists only for developing fixtures while `fuse` is unfinished.
//! - `MELD_TEST_FILTER=substr` runs only fixtures whose name contains `substr`.
//! - `MELD_TEST_VERBOSE=1` prints the reason of every trap.
//! - `MELD_TEST_DUMP=1` writes each fused module to the temp directory.

#[path = "support/binaryen.rs"]
mod binaryen;
#[path = "support/fuse_wat_shared.rs"]
mod shared_memory;

use std::fmt;
use std::path::{Path, PathBuf};

/// Fewer fixtures than this means something went missing: fail.
const MIN_FIXTURES: usize = 108;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Value(i128),
    Trap,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Value(v) => write!(f, "{v}"),
            Outcome::Trap => write!(f, "trap"),
        }
    }
}

struct Expectation {
    export: String,
    want: Outcome,
    /// `= trap REASON`: wasmtime's words for why, which the unfused error
    /// and the fused module's backtrace (its trap function's name) must
    /// both contain (wasmi's errors have no backtrace: trap only).
    reason: Option<String>,
}

thread_local! {
    /// The `{:?}` of the last trap a wasmtime run saw (message and backtrace).
    static LAST_TRAP: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn last_trap() -> String {
    LAST_TRAP.with(|t| t.borrow().clone())
}

fn set_last_trap(e: &wasmtime::Error) {
    LAST_TRAP.with(|t| *t.borrow_mut() = format!("{e:?}"));
}

struct Fixture {
    name: String,
    path: PathBuf,
    expects: Vec<Expectation>,
    /// Why wasmi cannot run this fixture (`;; engines: no-wasmi (REASON)`).
    no_wasmi: Option<String>,
}

/// The reason of a `;; engines: no-wasmi (REASON)` header line.
fn no_wasmi_reason(name: &str, text: &str) -> Result<Option<String>, String> {
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix(";;") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("engines:") else {
            continue;
        };
        let reason = rest
            .trim()
            .strip_prefix("no-wasmi")
            .map(str::trim)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .filter(|r| !r.trim().is_empty());
        return match reason {
            Some(r) => Ok(Some(r.trim().to_string())),
            None => Err(format!(
                "{name}: malformed `;; engines:` line (want `no-wasmi (REASON)`)"
            )),
        };
    }
    Ok(None)
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("fixtures")
        .join("wat")
}

fn parse_expectations(name: &str, text: &str) -> Result<Vec<Expectation>, String> {
    let mut out = Vec::new();
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix(";;") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("expect:") else {
            continue;
        };
        let Some((export, value)) = rest.split_once('=') else {
            return Err(format!(
                "{name}:{}: malformed expect line `{line}`",
                lineno + 1
            ));
        };
        let export = export.trim();
        let value = value.trim();
        if export.is_empty() {
            return Err(format!(
                "{name}:{}: expect line without export name",
                lineno + 1
            ));
        }
        let (value, reason) = match value.strip_prefix("trap ") {
            Some(reason) => ("trap", Some(reason.trim().to_string())),
            None => (value, None),
        };
        let want =
            match value {
                "trap" => Outcome::Trap,
                "true" => Outcome::Value(1),
                "false" => Outcome::Value(0),
                v => {
                    let parsed = if let Some(hex) = v.strip_prefix("0x") {
                        i128::from_str_radix(&hex.replace('_', ""), 16)
                    } else {
                        v.replace('_', "").parse::<i128>()
                    };
                    Outcome::Value(parsed.map_err(|e| {
                        format!("{name}:{}: bad expected value `{v}`: {e}", lineno + 1)
                    })?)
                }
            };
        if out.iter().any(|e: &Expectation| e.export == export) {
            return Err(format!(
                "{name}:{}: duplicate expectation for `{export}`",
                lineno + 1
            ));
        }
        out.push(Expectation {
            export: export.to_string(),
            want,
            reason,
        });
    }
    if out.is_empty() {
        return Err(format!("{name}: no `;; expect: NAME = VALUE` line"));
    }
    Ok(out)
}

/// For an expectation `= trap REASON`: an error unless the last trap's
/// message or backtrace contains the reason.
fn reason_missing(ex: &Expectation) -> Option<String> {
    let reason = ex.reason.as_ref()?;
    let got = last_trap();
    (!got.contains(reason.as_str())).then(|| format!("trapped, but not naming `{reason}`: {got}"))
}

fn load_fixtures() -> Vec<Fixture> {
    let dir = fixture_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixture directory {} unreadable: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("reading fixture directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= MIN_FIXTURES,
        "expected at least {MIN_FIXTURES} .wat fixtures in {}, found {}",
        dir.display(),
        paths.len()
    );
    let mut errors = Vec::new();
    let mut fixtures = Vec::new();
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        match parse_expectations(&name, &text)
            .and_then(|expects| no_wasmi_reason(&name, &text).map(|no_wasmi| (expects, no_wasmi)))
        {
            Ok((expects, no_wasmi)) => fixtures.push(Fixture {
                name,
                path,
                expects,
                no_wasmi,
            }),
            Err(e) => errors.push(e),
        }
    }
    assert!(
        errors.is_empty(),
        "bad fixture headers:\n{}",
        errors.join("\n")
    );
    fixtures
}

// ---------------------------------------------------------------------------
// Unfused: wasmtime's component runtime.

/// A one-line description of a wasmtime call error: the trap code if there
/// is one, else the innermost cause.
fn describe(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(t) => format!("{t}"),
        None => format!("{}", e.root_cause()),
    }
}

fn component_engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_multi_memory(true);
    config.wasm_component_model_fixed_length_lists(true);
    config.wasm_component_model_map(true);
    // Async built-ins called from sync code (async_*.wat).
    config.wasm_component_model_async(true);
    config.wasm_component_model_more_async_builtins(true);
    wasmtime::Engine::new(&config).expect("component engine")
}

fn val_to_i128(v: &wasmtime::component::Val) -> Result<i128, String> {
    use wasmtime::component::Val;
    Ok(match v {
        Val::Bool(b) => *b as i128,
        Val::U32(x) => *x as i128,
        Val::S32(x) => *x as i128,
        Val::U64(x) => *x as i128,
        Val::S64(x) => *x as i128,
        other => return Err(format!("unsupported result type: {other:?}")),
    })
}

/// Polls `f` to completion without a reactor (nothing here waits on I/O).
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

/// Runs `export` on a fresh instance of the composition, through wasmtime's
/// async API: an async call between components (async_*.wat) suspends the
/// caller on a fiber, which only the async API provides; for a synchronous
/// composition it is the same run.
fn run_unfused(
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
    export: &str,
) -> Result<Outcome, String> {
    use wasmtime::component::{Linker, Val};
    let mut store = wasmtime::Store::new(engine, ());
    let linker = Linker::<()>::new(engine);
    let instance = block_on(linker.instantiate_async(&mut store, component))
        .map_err(|e| format!("instantiation failed: {e:?}"))?;
    let func = instance
        .get_func(&mut store, export)
        .ok_or_else(|| format!("no exported func `{export}`"))?;
    let mut results = [Val::Bool(false)];
    match block_on(func.call_async(&mut store, &[], &mut results)) {
        Ok(()) => Ok(Outcome::Value(val_to_i128(&results[0])?)),
        Err(e) => {
            set_last_trap(&e);
            if std::env::var_os("MELD_TEST_VERBOSE").is_some() {
                eprintln!("  (unfused `{export}` trapped: {})", describe(&e));
            }
            Ok(Outcome::Trap)
        }
    }
}

// ---------------------------------------------------------------------------
// Fused: a plain core module on wasmtime's core API and on wasmi.

/// The fused core result: raw bits and their width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreOutcome {
    I32(u32),
    I64(u64),
    Trap,
}

impl fmt::Display for CoreOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreOutcome::I32(v) => write!(f, "i32 {} (as s32 {})", v, *v as i32),
            CoreOutcome::I64(v) => write!(f, "i64 {} (as s64 {})", v, *v as i64),
            CoreOutcome::Trap => write!(f, "trap"),
        }
    }
}

/// Compares a core result with an expectation by bit pattern at the core
/// result's width (`u32`/`s32`/`bool` are i32, `u64`/`s64` are i64).
fn core_matches(got: CoreOutcome, want: Outcome) -> bool {
    match (got, want) {
        (CoreOutcome::Trap, Outcome::Trap) => true,
        (CoreOutcome::I32(bits), Outcome::Value(v)) => {
            (i32::MIN as i128..=u32::MAX as i128).contains(&v) && bits == v as u32
        }
        (CoreOutcome::I64(bits), Outcome::Value(v)) => {
            (i64::MIN as i128..=u64::MAX as i128).contains(&v) && bits == v as u64
        }
        _ => false,
    }
}

fn core_engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(true);
    wasmtime::Engine::new(&config).expect("core engine")
}

/// An async export of the fused module (docs/abi.md, "Async exports"):
/// `[async-lift]NAME` takes the parameters and returns EXIT (0) after
/// handing the result to the host's `[export]…`/`[task-return]NAME`
/// import; the harness keeps what that import got.
fn is_task_return(module: &str, name: &str) -> bool {
    module.starts_with("[export]") && name.starts_with("[task-return]")
}

/// The result of async export `export`, once its call returned `code`
/// with `returned` handed to the host's task.return.
fn async_result<V: fmt::Debug + Clone>(
    export: &str,
    code: Option<i32>,
    returned: &[Vec<V>],
) -> Result<V, String> {
    match (code, returned) {
        (Some(0), [one]) if one.len() == 1 => Ok(one[0].clone()),
        _ => Err(format!(
            "async export `{export}`: callback code {code:?}, task.return got {returned:?}"
        )),
    }
}

fn run_fused_wasmtime(
    engine: &wasmtime::Engine,
    module: &wasmtime::Module,
    export: &str,
) -> Result<CoreOutcome, String> {
    let mut store = wasmtime::Store::new(engine, Vec::<Vec<wasmtime::Val>>::new());
    let mut linker = wasmtime::Linker::<Vec<Vec<wasmtime::Val>>>::new(engine);
    for imp in module.imports() {
        if let (true, wasmtime::ExternType::Func(ty)) =
            (is_task_return(imp.module(), imp.name()), imp.ty())
        {
            linker
                .func_new(imp.module(), imp.name(), ty, |mut caller, params, _| {
                    caller.data_mut().push(params.to_vec());
                    Ok(())
                })
                .map_err(|e| format!("{e:?}"))?;
        }
    }
    let instance = linker
        .instantiate(&mut store, module)
        .map_err(|e| format!("instantiation failed: {e:?}"))?;
    if instance.get_func(&mut store, export).is_none() {
        if let Some(f) = instance.get_func(&mut store, &format!("[async-lift]{export}")) {
            let mut code = [wasmtime::Val::I32(-1)];
            let mut call = f.call(&mut store, &[], &mut code);
            // YIELD (1): ready work left after task.return; the callback
            // runs it (docs/abi.md, "Async exports")
            let cb = instance.get_func(&mut store, &format!("[callback][async-lift]{export}"));
            while let (Ok(()), Some(1), Some(cb)) = (&call, code[0].i32(), cb) {
                let zero = [
                    wasmtime::Val::I32(0),
                    wasmtime::Val::I32(0),
                    wasmtime::Val::I32(0),
                ];
                call = cb.call(&mut store, &zero, &mut code);
            }
            return match call {
                Ok(()) => match async_result(export, code[0].i32(), store.data())? {
                    wasmtime::Val::I32(v) => Ok(CoreOutcome::I32(v as u32)),
                    wasmtime::Val::I64(v) => Ok(CoreOutcome::I64(v as u64)),
                    v => Err(format!("async export `{export}` returned {v:?}")),
                },
                Err(e) => {
                    set_last_trap(&e);
                    Ok(CoreOutcome::Trap)
                }
            };
        }
    }
    let func = instance
        .get_func(&mut store, export)
        .ok_or_else(|| format!("no exported core func `{export}`"))?;
    let ty = func.ty(&store);
    if ty.params().len() != 0 || ty.results().len() != 1 {
        return Err(format!(
            "core export `{export}` has type {ty:?}, want [] -> [i32|i64]"
        ));
    }
    let result_ty = ty.results().next().unwrap();
    let mut results = [wasmtime::Val::I32(0)];
    match func.call(&mut store, &[], &mut results) {
        Ok(()) => match (result_ty, &results[0]) {
            (wasmtime::ValType::I32, wasmtime::Val::I32(v)) => Ok(CoreOutcome::I32(*v as u32)),
            (wasmtime::ValType::I64, wasmtime::Val::I64(v)) => Ok(CoreOutcome::I64(*v as u64)),
            (t, v) => Err(format!("core export `{export}` returned {v:?} of type {t}")),
        },
        Err(e) => {
            set_last_trap(&e);
            if std::env::var_os("MELD_TEST_VERBOSE").is_some() {
                eprintln!("  (fused/wasmtime `{export}` trapped: {})", describe(&e));
            }
            Ok(CoreOutcome::Trap)
        }
    }
}

fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config.wasm_multi_memory(true);
    wasmi::Engine::new(&config)
}

fn run_fused_wasmi(
    engine: &wasmi::Engine,
    module: &wasmi::Module,
    export: &str,
) -> Result<CoreOutcome, String> {
    let mut store = wasmi::Store::new(engine, Vec::<Vec<wasmi::Val>>::new());
    let mut linker = wasmi::Linker::<Vec<Vec<wasmi::Val>>>::new(engine);
    for imp in module.imports() {
        if let (true, wasmi::ExternType::Func(ty)) =
            (is_task_return(imp.module(), imp.name()), imp.ty())
        {
            linker
                .func_new(
                    imp.module(),
                    imp.name(),
                    ty.clone(),
                    |mut caller, params, _| {
                        caller.data_mut().push(params.to_vec());
                        Ok(())
                    },
                )
                .map_err(|e| format!("{e}"))?;
        }
    }
    let instance = linker
        .instantiate_and_start(&mut store, module)
        .map_err(|e| format!("instantiation failed: {e}"))?;
    if instance.get_func(&store, export).is_none() {
        if let Some(f) = instance.get_func(&store, &format!("[async-lift]{export}")) {
            let mut code = [wasmi::Val::I32(-1)];
            let mut call = f.call(&mut store, &[], &mut code);
            let cb = instance.get_func(&store, &format!("[callback][async-lift]{export}"));
            while let (Ok(()), Some(1), Some(cb)) = (&call, code[0].i32(), cb) {
                let zero = [wasmi::Val::I32(0), wasmi::Val::I32(0), wasmi::Val::I32(0)];
                call = cb.call(&mut store, &zero, &mut code);
            }
            return match call {
                Ok(()) => match async_result(export, code[0].i32(), store.data())? {
                    wasmi::Val::I32(v) => Ok(CoreOutcome::I32(v as u32)),
                    wasmi::Val::I64(v) => Ok(CoreOutcome::I64(v as u64)),
                    v => Err(format!("async export `{export}` returned {v:?}")),
                },
                Err(_) => Ok(CoreOutcome::Trap),
            };
        }
    }
    let func = instance
        .get_func(&store, export)
        .ok_or_else(|| format!("no exported core func `{export}`"))?;
    let ty = func.ty(&store);
    if !ty.params().is_empty() || ty.results().len() != 1 {
        return Err(format!(
            "core export `{export}` has type {ty:?}, want [] -> [i32|i64]"
        ));
    }
    let mut results = [wasmi::Val::default(ty.results()[0])];
    match func.call(&mut store, &[], &mut results) {
        Ok(()) => match &results[0] {
            wasmi::Val::I32(v) => Ok(CoreOutcome::I32(*v as u32)),
            wasmi::Val::I64(v) => Ok(CoreOutcome::I64(*v as u64)),
            v => Err(format!("core export `{export}` returned {v:?}")),
        },
        Err(e) => {
            if std::env::var_os("MELD_TEST_VERBOSE").is_some() {
                eprintln!("  (fused/wasmi `{export}` trapped: {e})");
            }
            Ok(CoreOutcome::Trap)
        }
    }
}

// ---------------------------------------------------------------------------

/// Writes straight to the process's stderr, bypassing libtest's output
/// capture, so the line shows up even when the test passes.
fn loud(msg: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(msg.as_bytes());
}

#[test]
fn fuse_wat_fixtures() {
    let fixtures = load_fixtures();
    let unfused_only = std::env::var_os("MELD_TEST_UNFUSED_ONLY").is_some();
    if unfused_only {
        loud(concat!(
            "\n",
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
            "!! MELD_TEST_UNFUSED_ONLY is set: FUSED CHECKS ARE SKIPPED.            !!\n",
            "!! Only the unfused compositions are checked. Never set this in CI.    !!\n",
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
        ));
    }
    let filter = std::env::var("MELD_TEST_FILTER").ok();

    let comp_engine = component_engine();
    let core_wt = core_engine();
    let core_wi = wasmi_engine();

    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0usize;
    let mut fixtures_run = 0usize;
    let mut wasmi_skipped: Vec<String> = Vec::new();

    for fx in &fixtures {
        if let Some(f) = &filter {
            if !fx.name.contains(f.as_str()) {
                continue;
            }
        }
        fixtures_run += 1;
        let fail = |failures: &mut Vec<String>, export: &str, engine: &str, msg: String| {
            failures.push(format!("{}: `{export}` [{engine}]: {msg}", fx.name));
        };

        let bytes = match wat::parse_file(&fx.path) {
            Ok(b) => b,
            Err(e) => {
                fail(&mut failures, "*", "wat", format!("parse error: {e}"));
                continue;
            }
        };

        // 1. Unfused.
        match wasmtime::component::Component::new(&comp_engine, &bytes) {
            Ok(component) => {
                for ex in &fx.expects {
                    match run_unfused(&comp_engine, &component, &ex.export) {
                        Ok(got) if got == ex.want => {
                            if let Some(e) = reason_missing(ex) {
                                fail(&mut failures, &ex.export, "unfused", e)
                            }
                        }
                        Ok(got) => fail(
                            &mut failures,
                            &ex.export,
                            "unfused",
                            format!("got {got}, want {}", ex.want),
                        ),
                        Err(e) => fail(&mut failures, &ex.export, "unfused", e),
                    }
                }
            }
            Err(e) => fail(
                &mut failures,
                "*",
                "unfused",
                format!("compile error: {e:?}"),
            ),
        }
        checked += fx.expects.len();

        if unfused_only {
            continue;
        }

        // 2. Fuse and validate.
        let fused = match meld_core::fuse(&[&bytes], &meld_core::FuseOptions::default()) {
            Ok(f) => f.wasm,
            Err(e) => {
                fail(&mut failures, "*", "fuse", format!("fuse failed: {e}"));
                continue;
            }
        };
        if let Err(e) = wasmparser::Validator::new().validate_all(&fused) {
            fail(
                &mut failures,
                "*",
                "validate",
                format!("fused module invalid: {e}"),
            );
            continue;
        }
        if std::env::var_os("MELD_TEST_DUMP").is_some() {
            let out = std::env::temp_dir().join(format!("meld-fused-{}.wasm", fx.name));
            let _ = std::fs::write(&out, &fused);
            eprintln!("  fused {} -> {}", fx.name, out.display());
        }

        // 3. Fuse with --component and run the wrapped component like the
        //    original.
        let wrap_opts = meld_core::FuseOptions {
            component: true,
            ..Default::default()
        };
        match meld_core::fuse(&[&bytes], &wrap_opts)
            .map_err(|e| format!("fuse --component failed: {e}"))
            .and_then(|f| {
                let want = meld_core::front::world::wit_text(&bytes).map_err(|e| e.to_string())?;
                let got = meld_core::front::world::wit_text(&f.wasm).map_err(|e| e.to_string())?;
                if want != got {
                    return Err(format!("wrapped world differs:\n{got}\nwant:\n{want}"));
                }
                // `meld wrap` of the core module is the same component.
                let rewrapped = meld_core::wrap::given::wrap_module(&fused, false)
                    .map_err(|e| format!("meld wrap of the core module failed: {e}"))?;
                if rewrapped != f.wasm {
                    return Err(format!(
                        "meld wrap of the core module ({} bytes) differs from fuse \
                         --component ({} bytes)",
                        rewrapped.len(),
                        f.wasm.len()
                    ));
                }
                wasmtime::component::Component::new(&comp_engine, &f.wasm)
                    .map_err(|e| format!("wrapped component does not compile: {e:?}"))
            }) {
            Ok(component) => {
                for ex in &fx.expects {
                    match run_unfused(&comp_engine, &component, &ex.export) {
                        Ok(got) if got == ex.want => {
                            if let Some(e) = reason_missing(ex) {
                                fail(&mut failures, &ex.export, "wrapped", e)
                            }
                        }
                        Ok(got) => fail(
                            &mut failures,
                            &ex.export,
                            "wrapped",
                            format!("got {got}, want {}", ex.want),
                        ),
                        Err(e) => fail(&mut failures, &ex.export, "wrapped", e),
                    }
                }
            }
            Err(e) => fail(&mut failures, "*", "wrapped", e),
        }

        // 4. Run the fused module on wasmtime (core) and wasmi.
        let wt_module = wasmtime::Module::new(&core_wt, &fused);
        let wi_module = match &fx.no_wasmi {
            None => Some(wasmi::Module::new(&core_wi, &fused[..])),
            Some(reason) => {
                wasmi_skipped.push(format!("{} ({reason})", fx.name));
                None
            }
        };
        for ex in &fx.expects {
            match &wt_module {
                Ok(m) => match run_fused_wasmtime(&core_wt, m, &ex.export) {
                    Ok(got) if core_matches(got, ex.want) => {
                        if let Some(e) = reason_missing(ex) {
                            fail(&mut failures, &ex.export, "fused/wasmtime", e)
                        }
                    }
                    Ok(got) => fail(
                        &mut failures,
                        &ex.export,
                        "fused/wasmtime",
                        format!("got {got}, want {}", ex.want),
                    ),
                    Err(e) => fail(&mut failures, &ex.export, "fused/wasmtime", e),
                },
                Err(e) => fail(
                    &mut failures,
                    &ex.export,
                    "fused/wasmtime",
                    format!("compile error: {e:?}"),
                ),
            }
            match &wi_module {
                None => {}
                Some(Ok(m)) => match run_fused_wasmi(&core_wi, m, &ex.export) {
                    Ok(got) if core_matches(got, ex.want) => {}
                    Ok(got) => fail(
                        &mut failures,
                        &ex.export,
                        "fused/wasmi",
                        format!("got {got}, want {}", ex.want),
                    ),
                    Err(e) => fail(&mut failures, &ex.export, "fused/wasmi", e),
                },
                Some(Err(e)) => fail(
                    &mut failures,
                    &ex.export,
                    "fused/wasmi",
                    format!("compile error: {e}"),
                ),
            }
        }
    }

    loud(&format!(
        "fuse_wat: {fixtures_run} fixtures, {checked} expectations checked on 4 engines (unfused, fused core on wasmtime and wasmi, fused+wrapped component){}\n",
        if unfused_only {
            " (UNFUSED ONLY: fused checks skipped)"
        } else {
            ""
        }
    ));
    let traps: Vec<&Expectation> = fixtures
        .iter()
        .filter(|fx| filter.as_ref().is_none_or(|f| fx.name.contains(f.as_str())))
        .flat_map(|fx| &fx.expects)
        .filter(|ex| ex.want == Outcome::Trap)
        .collect();
    let named = traps.iter().filter(|ex| ex.reason.is_some()).count();
    loud(&format!(
        "fuse_wat: {named} trap expectations compare the reason (unfused, fused core and wrapped on wasmtime), {} accept any trap\n",
        traps.len() - named
    ));
    if !wasmi_skipped.is_empty() {
        loud(&format!(
            "fuse_wat: {} fixture(s) not run on wasmi (3 engines only): {}\n",
            wasmi_skipped.len(),
            wasmi_skipped.join("; ")
        ));
    }
    if let Some(f) = &filter {
        loud(&format!(
            "fuse_wat: MELD_TEST_FILTER={f:?} is set; only matching fixtures ran\n"
        ));
        assert!(
            fixtures_run > 0,
            "MELD_TEST_FILTER={f:?} matched no fixture"
        );
    }
    if !failures.is_empty() {
        panic!(
            "{} failure(s) in fuse_wat fixtures:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
}

/// Every fixture fused, optimised by binaryen (`wasm-opt -O3 --all-features
/// --disable-custom-descriptors --skip-pass=duplicate-import-elimination`,
/// all in one node process) and wrapped again with `meld wrap`
/// ([`meld_core::wrap::given::wrap_module`]): same world, same results as
/// the composition (the header expectations, which `fuse_wat_fixtures`
/// checks against the unfused composition).
#[test]
fn fuse_wat_optimised_and_wrapped() {
    let fixtures = load_fixtures();
    let filter = std::env::var("MELD_TEST_FILTER").ok();
    let dir = binaryen::scratch("wat");
    let mut failures: Vec<String> = Vec::new();
    let mut jobs = Vec::new();
    let mut pairs = Vec::new();
    for fx in &fixtures {
        if filter.as_deref().is_some_and(|f| !fx.name.contains(f)) {
            continue;
        }
        let bytes = wat::parse_file(&fx.path).expect("fixture parses");
        let fused = match meld_core::fuse(&[&bytes], &meld_core::FuseOptions::default()) {
            Ok(f) => f.wasm,
            Err(e) => {
                failures.push(format!("{}: fuse failed: {e}", fx.name));
                continue;
            }
        };
        let input = dir.join(format!("{}.wasm", fx.name));
        let output = dir.join(format!("{}.opt.wasm", fx.name));
        std::fs::write(&input, &fused).expect("write fused module");
        pairs.push((input, output.clone()));
        jobs.push((fx, bytes, fused.len(), output));
    }
    binaryen::optimise_all(&pairs);
    let engine = component_engine();
    let (mut before, mut after, mut checked) = (0usize, 0usize, 0usize);
    for (fx, bytes, fused_len, output) in &jobs {
        let optimised = std::fs::read(output).expect("read optimised module");
        before += fused_len;
        after += optimised.len();
        let wrapped = match meld_core::wrap::given::wrap_module(&optimised, false) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: meld wrap failed: {e}", fx.name));
                continue;
            }
        };
        let want = meld_core::front::world::wit_text(bytes).expect("world of the fixture");
        match meld_core::front::world::wit_text(&wrapped) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{}: world differs:\n{got}\nwant:\n{want}", fx.name)),
            Err(e) => failures.push(format!("{}: no world: {e}", fx.name)),
        }
        let component = match wasmtime::component::Component::new(&engine, &wrapped) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!(
                    "{}: wrapped component does not compile: {e:?}",
                    fx.name
                ));
                continue;
            }
        };
        for ex in &fx.expects {
            checked += 1;
            match run_unfused(&engine, &component, &ex.export) {
                Ok(got) if got == ex.want => {}
                Ok(got) => failures.push(format!(
                    "{}: `{}` [optimised+wrapped]: got {got}, want {}",
                    fx.name, ex.export, ex.want
                )),
                Err(e) => failures.push(format!(
                    "{}: `{}` [optimised+wrapped]: {e}",
                    fx.name, ex.export
                )),
            }
        }
    }
    loud(&format!(
        "fuse_wat_optimised_and_wrapped: {} fixtures, {checked} expectations; core modules \
         {before} -> {after} bytes after wasm-opt ({:.3})\n",
        jobs.len(),
        after as f64 / before.max(1) as f64
    ));
    let _ = std::fs::remove_dir_all(&dir);
    if filter.is_none() {
        assert!(
            jobs.len() >= MIN_FIXTURES,
            "only {} fixtures fused",
            jobs.len()
        );
    }
    if !failures.is_empty() {
        panic!(
            "{} failure(s) through fuse -> wasm-opt -> meld wrap:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
}

#[test]
fn fixture_headers_parse() {
    // Fails on a missing/short fixture directory or a fixture without expectations.
    let fixtures = load_fixtures();
    assert!(fixtures.len() >= MIN_FIXTURES);
}

/// Names of the functions `export`'s body calls, in a fused module (by its
/// name section).
fn callee_names(wasm: &[u8], export: &str) -> Vec<String> {
    use wasmparser::{ExternalKind, Name, Operator, Parser, Payload};
    let mut imported = 0u32;
    let mut target = None;
    let mut bodies = Vec::new();
    let mut names = std::collections::BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp.unwrap().ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.unwrap();
                    if e.kind == ExternalKind::Func && e.name == export {
                        target = Some(e.index);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body),
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(r) = c.as_known() {
                    for sub in r {
                        if let Ok(Name::Function(map)) = sub {
                            for n in map {
                                let n = n.unwrap();
                                names.insert(n.index, n.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let f = target.unwrap_or_else(|| panic!("no export `{export}`"));
    let mut ops = bodies[(f - imported) as usize]
        .get_operators_reader()
        .unwrap();
    let mut out = Vec::new();
    while !ops.eof() {
        if let Operator::Call { function_index } = ops.read().unwrap() {
            out.push(names.get(&function_index).cloned().unwrap_or_default());
        }
    }
    out
}

/// Issue 6: scalar-only adapters are slimmed, and the identity ones whose
/// caller's may_leave flag is provably never cleared around a call vanish
/// (the caller calls the callee). Fails if the optimisation regresses or
/// over-reaches (`trivial_realloc_trap` must keep its adapter).
#[test]
fn trivial_adapters_bypassed() {
    let fuse = |name: &str, keep: bool| {
        let bytes = wat::parse_file(fixture_dir().join(format!("{name}.wat"))).unwrap();
        let opts = meld_core::FuseOptions {
            keep_trivial_adapters: keep,
            serial: true,
            ..Default::default()
        };
        meld_core::fuse(&[&bytes], &opts).unwrap()
    };
    // (fixture, trivial adapters, of which bypassed)
    for (name, trivial, direct) in [
        ("trivial_chain", 12, 6),
        ("trivial_mixed", 3, 2),
        ("trivial_realloc_trap", 1, 0),
    ] {
        let on = fuse(name, false);
        let off = fuse(name, true);
        assert_eq!(
            (on.stats.trivial_adapters, on.stats.direct_calls),
            (trivial, direct),
            "{name}: trivial adapters (found, bypassed)"
        );
        assert_eq!((off.stats.trivial_adapters, off.stats.direct_calls), (0, 0));
        // Every bypassed adapter is removed (and maybe the trap builtin, when
        // no slim adapter keeps a may_leave check).
        assert!(
            on.stats.functions + direct <= off.stats.functions,
            "{name}: {} functions, {} without the optimisation",
            on.stats.functions,
            off.stats.functions
        );
    }
    let adapter = |n: &String| n.starts_with("adapter/");
    let chain = fuse("trivial_chain", false).wasm;
    let run = callee_names(&chain, "run");
    assert!(
        !run.is_empty() && !run.iter().any(adapter),
        "run calls {run:?}"
    );
    let narrow = callee_names(&chain, "run-narrow");
    assert!(narrow.iter().any(adapter), "run-narrow calls {narrow:?}");
    let mixed = fuse("trivial_mixed", false).wasm;
    let add = callee_names(&mixed, "run-add");
    assert!(
        !add.is_empty() && !add.iter().any(adapter),
        "run-add calls {add:?}"
    );
    let sum = callee_names(&mixed, "run-sum");
    assert!(sum.iter().any(adapter), "run-sum calls {sum:?}");
    let trap = fuse("trivial_realloc_trap", false).wasm;
    let ping = callee_names(&trap, "run-ping");
    assert!(ping.iter().any(adapter), "run-ping calls {ping:?}");
}

/// A table filled by its own initialiser expression (`ref.func`), not by an
/// element segment: the function it names is live only through it and is
/// renumbered when dead functions before it are dropped. Run unfused, fused
/// on wasmtime's core API and fused+wrapped (wasmi 1 has no table
/// initialiser expressions, so this fixture lives outside `fixtures/wat`).
#[test]
fn table_initialiser_functions_survive_and_are_renumbered() {
    let path = fixture_dir().join("../funcref/table_init_ref_func.wat");
    let text = std::fs::read_to_string(&path).unwrap();
    let expects = parse_expectations("table_init_ref_func", &text).unwrap();
    assert_eq!(expects.len(), 2);
    let bytes = wat::parse_str(&text).unwrap();
    let fused = meld_core::fuse(&[&bytes], &Default::default()).unwrap();
    assert!(fused.stats.removed_functions > 0, "nothing was dropped");
    let wrapped = meld_core::fuse(&[&bytes], &meld_core::FuseOptions::wrapped()).unwrap();
    let cengine = component_engine();
    let unfused = wasmtime::component::Component::new(&cengine, &bytes).unwrap();
    let wrapped = wasmtime::component::Component::new(&cengine, &wrapped.wasm).unwrap();
    let engine = core_engine();
    let module = wasmtime::Module::new(&engine, &fused.wasm).unwrap();
    for e in &expects {
        let want = e.want;
        assert_eq!(
            run_unfused(&cengine, &unfused, &e.export),
            Ok(want),
            "{} unfused",
            e.export
        );
        assert_eq!(
            run_unfused(&cengine, &wrapped, &e.export),
            Ok(want),
            "{} wrapped",
            e.export
        );
        let got = run_fused_wasmtime(&engine, &module, &e.export).unwrap();
        assert!(core_matches(got, want), "{} fused: {got}", e.export);
    }
}

/// Core proposals the merge cannot carry yet are refused by name: GC
/// struct/array types and recursive type groups (the merge interns function
/// types one by one). Both validate (wasmtime enables GC by default).
#[test]
fn gc_types_are_refused_by_name() {
    let component = |module: &str| {
        wat::parse_str(format!(
            r#"(component
                 (core module $m {module}
                   (func (export "f") (result i32) (i32.const 1)))
                 (core instance $i (instantiate $m))
                 (func (export "f") (result u32) (canon lift (core func $i "f"))))"#
        ))
        .expect("fixture assembles")
    };
    let cases = [
        ("(type $s (struct (field i32)))", "GC struct/array types"),
        (
            "(rec (type $a (func (param (ref null $b)))) (type $b (func (param (ref null $a)))))",
            "recursive type groups",
        ),
    ];
    for (types, want) in cases {
        let bytes = component(types);
        let engine = component_engine();
        wasmtime::component::Component::new(&engine, &bytes)
            .unwrap_or_else(|e| panic!("wasmtime should accept {types}: {e:?}"));
        match meld_core::fuse(&[&bytes], &meld_core::FuseOptions::default()) {
            Ok(_) => panic!("{types}: fused, want a refusal naming `{want}`"),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(want),
                    "{types}: refusal `{msg}` does not name `{want}`"
                );
                assert!(
                    matches!(e, meld_core::Error::Unsupported(_)),
                    "{types}: {e:?}"
                );
            }
        }
    }
}
