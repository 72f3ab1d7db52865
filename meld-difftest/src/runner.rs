//! Runs a composition six ways and compares with the expected outcome:
//! (a) unfused on wasmtime's component API, (b) fused core module on
//! wasmtime, (c) fused core module on wasmi, (d) and (e) the same fused with
//! `--memory shared` on wasmtime and wasmi with multi-memory off, (f) fused +
//! wrapped component on wasmtime's component API.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::case::{Case, Expect};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Value(u64),
    Trap(String),
    /// Could not get as far as running (compile, fuse, instantiate).
    Error(String),
}

impl Outcome {
    pub fn matches(&self, want: Expect) -> bool {
        match (self, want) {
            (Outcome::Value(a), Expect::Value(b)) => *a == b,
            (Outcome::Trap(_), Expect::Trap) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Value(v) => write!(f, "{v}"),
            Outcome::Trap(m) => write!(f, "trap ({m})"),
            Outcome::Error(m) => write!(f, "error: {m}"),
        }
    }
}

/// Fuel per run: far more than any generated case needs, so running out
/// means the code loops.
const FUEL: u64 = 2_000_000_000;

/// The engines, built once and shared between threads.
#[derive(Clone)]
pub struct Engines {
    component: wasmtime::Engine,
    core: wasmtime::Engine,
    wasmi: wasmi::Engine,
    /// Without multi-memory, for the `--memory shared` output.
    core_single: wasmtime::Engine,
    wasmi_single: wasmi::Engine,
}

impl Engines {
    pub fn new() -> Engines {
        let mut c = wasmtime::Config::new();
        c.wasm_multi_memory(true);
        c.wasm_component_model(true);
        c.wasm_component_model_map(true);
        // async cases (callback lifts, async lowers, waitable sets)
        c.wasm_component_model_async(true);
        c.wasm_component_model_async_stackful(true);
        c.cranelift_opt_level(wasmtime::OptLevel::None);
        c.consume_fuel(true);
        let mut k = wasmtime::Config::new();
        k.wasm_multi_memory(true);
        k.cranelift_opt_level(wasmtime::OptLevel::None);
        k.consume_fuel(true);
        let mut wi = wasmi::Config::default();
        wi.wasm_multi_memory(true);
        wi.consume_fuel(true);
        let mut k1 = k.clone();
        k1.wasm_multi_memory(false);
        let mut wi1 = wi.clone();
        wi1.wasm_multi_memory(false);
        Engines {
            component: wasmtime::Engine::new(&c).expect("component engine"),
            core: wasmtime::Engine::new(&k).expect("core engine"),
            wasmi: wasmi::Engine::new(&wi),
            core_single: wasmtime::Engine::new(&k1).expect("core engine"),
            wasmi_single: wasmi::Engine::new(&wi1),
        }
    }
}

impl Default for Engines {
    fn default() -> Self {
        Engines::new()
    }
}

fn wasmtime_error(e: wasmtime::Error) -> Outcome {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => Outcome::Error("out of fuel (endless loop?)".into()),
        Some(t) => Outcome::Trap(t.to_string()),
        None => Outcome::Trap(format!("{}", e.root_cause())),
    }
}

/// Polls `f` to completion (nothing here waits on I/O).
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

/// Runs export `run: func() -> u64` (or `async func() -> u64`) of a
/// component, through wasmtime's async API (an async call between
/// components suspends its caller on a fiber).
pub fn run_component(engine: &wasmtime::Engine, bytes: &[u8]) -> Outcome {
    use wasmtime::component::Val;
    let component = match wasmtime::component::Component::new(engine, bytes) {
        Ok(c) => c,
        Err(e) => return Outcome::Error(format!("compile: {e:#}")),
    };
    let mut store = wasmtime::Store::new(engine, ());
    store.set_fuel(FUEL).expect("fuel is enabled");
    let linker = wasmtime::component::Linker::<()>::new(engine);
    let instance = match block_on(linker.instantiate_async(&mut store, &component)) {
        Ok(i) => i,
        Err(e) => return Outcome::Error(format!("instantiate: {e:#}")),
    };
    let Some(func) = instance.get_func(&mut store, "run") else {
        return Outcome::Error("no export `run`".into());
    };
    let mut results = [Val::U64(0)];
    match block_on(func.call_async(&mut store, &[], &mut results)) {
        Ok(()) => match results[0] {
            Val::U64(v) => Outcome::Value(v),
            ref v => Outcome::Error(format!("`run` returned {v:?}")),
        },
        Err(e) => wasmtime_error(e),
    }
}

/// The host's `task.return` of an async export of a fused module
/// (docs/abi.md, "Async exports"): module `[export]...`, field
/// `[task-return]...`.
fn is_task_return(module: &str, name: &str) -> bool {
    module.starts_with("[export]") && name.starts_with("[task-return]")
}

/// The outcome of `[async-lift]run`, from its callback code and what the
/// host's `task.return` got (exactly one u64).
fn async_outcome(code: i32, returned: &[u64]) -> Outcome {
    match (code, returned) {
        (0, [v]) => Outcome::Value(*v),
        _ => Outcome::Error(format!(
            "[async-lift]run: callback code {code}, task.return got {returned:?}"
        )),
    }
}

/// Runs core export `run: [] -> [i64]` on wasmtime, or, when `run` is
/// async, `[async-lift]run: [] -> [i32]` with the result from its
/// `[task-return]run` import.
pub fn run_core_wasmtime(engine: &wasmtime::Engine, bytes: &[u8]) -> Outcome {
    let module = match wasmtime::Module::new(engine, bytes) {
        Ok(m) => m,
        Err(e) => return Outcome::Error(format!("compile: {e:#}")),
    };
    let mut store = wasmtime::Store::new(engine, Vec::<u64>::new());
    store.set_fuel(FUEL).expect("fuel is enabled");
    let mut linker = wasmtime::Linker::<Vec<u64>>::new(engine);
    for imp in module.imports() {
        if let (true, wasmtime::ExternType::Func(ty)) =
            (is_task_return(imp.module(), imp.name()), imp.ty())
        {
            let r = linker.func_new(imp.module(), imp.name(), ty, |mut caller, params, _| {
                match params {
                    [wasmtime::Val::I64(v)] => caller.data_mut().push(*v as u64),
                    _ => caller.data_mut().extend([u64::MAX, u64::MAX]),
                }
                Ok(())
            });
            if let Err(e) = r {
                return Outcome::Error(format!("task.return import: {e:#}"));
            }
        }
    }
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return Outcome::Error(format!("instantiate: {e:#}")),
    };
    if let Ok(f) = instance.get_typed_func::<(), i32>(&mut store, "[async-lift]run") {
        // YIELD (1): ready work left after task.return; the callback runs
        // it (docs/abi.md, "Async exports")
        let cb = instance
            .get_typed_func::<(i32, i32, i32), i32>(&mut store, "[callback][async-lift]run");
        let mut code = f.call(&mut store, ());
        while let (Ok(1), Ok(cb)) = (&code, &cb) {
            code = cb.call(&mut store, (0, 0, 0));
        }
        return match code {
            Ok(code) => async_outcome(code, store.data()),
            Err(e) => wasmtime_error(e),
        };
    }
    let func = match instance.get_typed_func::<(), i64>(&mut store, "run") {
        Ok(f) => f,
        Err(e) => return Outcome::Error(format!("export `run`: {e:#}")),
    };
    match func.call(&mut store, ()) {
        Ok(v) => Outcome::Value(v as u64),
        Err(e) => wasmtime_error(e),
    }
}

/// Runs core export `run: [] -> [i64]` (or `[async-lift]run`) on wasmi.
pub fn run_core_wasmi(engine: &wasmi::Engine, bytes: &[u8]) -> Outcome {
    let module = match wasmi::Module::new(engine, bytes) {
        Ok(m) => m,
        Err(e) => return Outcome::Error(format!("compile: {e}")),
    };
    let mut store = wasmi::Store::new(engine, Vec::<u64>::new());
    store.set_fuel(FUEL).expect("fuel is enabled");
    let mut linker = wasmi::Linker::<Vec<u64>>::new(engine);
    for imp in module.imports() {
        if let (true, wasmi::ExternType::Func(ty)) =
            (is_task_return(imp.module(), imp.name()), imp.ty())
        {
            let r = linker.func_new(
                imp.module(),
                imp.name(),
                ty.clone(),
                |mut caller, params, _| {
                    match params {
                        [wasmi::Val::I64(v)] => caller.data_mut().push(*v as u64),
                        _ => caller.data_mut().extend([u64::MAX, u64::MAX]),
                    }
                    Ok(())
                },
            );
            if let Err(e) = r {
                return Outcome::Error(format!("task.return import: {e}"));
            }
        }
    }
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return Outcome::Error(format!("instantiate: {e}")),
    };
    let trap = |e: wasmi::Error| {
        if e.as_trap_code() == Some(wasmi::TrapCode::OutOfFuel) {
            Outcome::Error("out of fuel (endless loop?)".into())
        } else {
            Outcome::Trap(e.to_string())
        }
    };
    if let Ok(f) = instance.get_typed_func::<(), i32>(&store, "[async-lift]run") {
        // YIELD (1): ready work left after task.return; the callback runs it
        let cb =
            instance.get_typed_func::<(i32, i32, i32), i32>(&store, "[callback][async-lift]run");
        let mut code = f.call(&mut store, ());
        while let (Ok(1), Ok(cb)) = (&code, &cb) {
            code = cb.call(&mut store, (0, 0, 0));
        }
        return match code {
            Ok(code) => async_outcome(code, store.data()),
            Err(e) => trap(e),
        };
    }
    let func = match instance.get_typed_func::<(), i64>(&store, "run") {
        Ok(f) => f,
        Err(e) => return Outcome::Error(format!("export `run`: {e}")),
    };
    match func.call(&mut store, ()) {
        Ok(v) => Outcome::Value(v as u64),
        Err(e) => trap(e),
    }
}

/// The six outcomes, labelled (unfused; fused core on wasmtime and wasmi;
/// the same with `--memory shared` on both without multi-memory; wrapped).
pub fn run_all(engines: &Engines, component: &[u8]) -> Vec<(&'static str, Outcome)> {
    let mut out = vec![("unfused", run_component(&engines.component, component))];
    match meld_core::fuse(&[component], &meld_core::FuseOptions::default()) {
        Ok(fused) => {
            out.push((
                "fused/wasmtime",
                run_core_wasmtime(&engines.core, &fused.wasm),
            ));
            out.push(("fused/wasmi", run_core_wasmi(&engines.wasmi, &fused.wasm)));
        }
        Err(e) => {
            let o = Outcome::Error(format!("fuse: {e}"));
            out.push(("fused/wasmtime", o.clone()));
            out.push(("fused/wasmi", o));
        }
    }
    let shared = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    match meld_core::fuse(&[component], &shared) {
        Ok(fused) => {
            out.push((
                "shared/wasmtime",
                run_core_wasmtime(&engines.core_single, &fused.wasm),
            ));
            out.push((
                "shared/wasmi",
                run_core_wasmi(&engines.wasmi_single, &fused.wasm),
            ));
        }
        Err(e) => {
            let o = Outcome::Error(format!("fuse --memory shared: {e}"));
            out.push(("shared/wasmtime", o.clone()));
            out.push(("shared/wasmi", o));
        }
    }
    let wrap = meld_core::FuseOptions {
        component: true,
        ..Default::default()
    };
    let wrapped = match meld_core::fuse(&[component], &wrap) {
        Ok(fused) => run_component(&engines.component, &fused.wasm),
        Err(e) => Outcome::Error(format!("fuse --component: {e}")),
    };
    out.push(("wrapped", wrapped));
    out
}

/// "engine: got X, want Y" for every outcome that differs from `want`.
pub fn compare(outcomes: &[(&'static str, Outcome)], want: Expect) -> Vec<String> {
    outcomes
        .iter()
        .filter(|(_, o)| !o.matches(want))
        .map(|(name, o)| format!("{name}: got {o}, want {want}"))
        .collect()
}

/// Assembles WAT text and runs it four ways against `want`.
pub fn check_wat(engines: &Engines, wat: &str, want: Expect) -> Vec<String> {
    match wat::parse_str(wat) {
        Ok(bytes) => compare(&run_all(engines, &bytes), want),
        Err(e) => vec![format!("wat: {e}")],
    }
}

/// A case that did not behave.
pub struct Failure {
    pub case: Case,
    pub diffs: Vec<String>,
}

impl Failure {
    /// The one-line report.
    pub fn line(&self) -> String {
        format!(
            "seed {} case {}: {} [{}]: {}",
            self.case.seed,
            self.case.index,
            self.case.signature(),
            self.case.options(),
            self.diffs.join("; ")
        )
    }
}

pub fn run_case(engines: &Engines, case: Case) -> Option<Failure> {
    let wat = super::wat_gen::render(&case);
    let diffs = check_wat(engines, &wat, case.expected());
    (!diffs.is_empty()).then_some(Failure { case, diffs })
}

/// Runs cases `indices` of `seed` on `threads` threads; `on_failure` sees
/// each failure as it happens. Returns the failures ordered by case index.
pub fn run_cases(
    seed: u64,
    indices: &[u64],
    threads: usize,
    on_failure: &(dyn Fn(&Failure) + Sync),
) -> Vec<Failure> {
    let engines = Engines::new();
    let next = AtomicU64::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let engines = engines.clone();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(&index) = indices.get(i) else { break };
                    let case = Case::generate(seed, index);
                    if let Some(f) = run_case(&engines, case) {
                        on_failure(&f);
                        failures.lock().unwrap().push(f);
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| f.case.index);
    failures
}

/// Parses the `;; expect: run = <u64 | trap>` header of a regression file.
pub fn parse_expect(text: &str) -> Result<Expect, String> {
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix(";;") else {
            continue;
        };
        let Some(rest) = rest.trim().strip_prefix("expect:") else {
            continue;
        };
        let Some((name, value)) = rest.split_once('=') else {
            return Err(format!("malformed expect line `{line}`"));
        };
        if name.trim() != "run" {
            return Err(format!("expectation for `{}`, want `run`", name.trim()));
        }
        let value = value.trim();
        return if value == "trap" {
            Ok(Expect::Trap)
        } else {
            value
                .parse::<u64>()
                .map(Expect::Value)
                .map_err(|e| format!("bad expected value `{value}`: {e}"))
        };
    }
    Err("no `;; expect: run = ...` line".into())
}
