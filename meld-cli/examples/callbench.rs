//! Benchmark: cost of one cross-component call, composed vs fused.
//!
//! ```sh
//! cargo run --release -p meld-cli --example callbench [-- [TARGET_MS] [FILTER]]
//! ```
//!
//! Every `tests/fixtures/bench/*.wat` composition exports `run: func(n: u32)
//! -> u32`, which makes `n` cross-component calls in a loop (see the README
//! there). Each is run four ways:
//!
//! - `composed`: the composition on wasmtime's component API (wasmtime's own
//!   FACT adapters, compiled by cranelift);
//! - `wrapped`: `meld fuse --component` output on wasmtime's component API;
//! - `core`: `meld fuse` output (a core module) on wasmtime's core API;
//! - `wasmi`: the same core module on wasmi (an interpreter).
//!
//! For each, `run(n)` is timed with `n` chosen so one sample takes about
//! TARGET_MS (default 20 ms); the table shows the median of 7 samples divided
//! by `n` (ns per cross-component call, the driver's loop included), and the
//! speed-up of the fused forms over the composition on wasmtime. Before
//! timing, `run(N)` is checked against the fixture's `;; checksum:` line on
//! every engine. A composition meld refuses shows `unsupported` in the fused
//! columns (and why, below the table); the others are still measured.
//!
//! With `MELD_CALLBENCH_BASELINE=1` set, each composition is also fused
//! with `FuseOptions::keep_trivial_adapters` (meld's trivial-adapter pass
//! off: FACT's adapters as emitted) and run on wasmtime's core API and on
//! wasmi, and two more columns show `before / after` for each engine (> 1
//! means the pass made calls faster). Both fusions run in the same process,
//! interleaved per composition, so the ratio is measured in one run.
//!
//! A fixture with a `;; fixed-n` line (`grow_heavy`) is timed as run(N) of
//! its checksum line on a fresh instance per sample (its state, grown
//! memory, must not carry over); "ns per call" is then per iteration of N.
//!
//! With `MELD_CALLBENCH_SHARED=1` set, each composition is also fused with
//! `--memory shared` and run on wasmtime's core API and on wasmi with
//! multi-memory off; two more columns show `shared / multi` per engine
//! (> 1 means shared is slower), measured in the same run.
//!
//! With `MELD_CALLBENCH_WASM_OPT=1` set, each core module is also optimised
//! by binaryen as docs/optimise.md describes (`wasm-opt -O3 --all-features
//! --disable-custom-descriptors --skip-pass=duplicate-import-elimination`,
//! through binaryen's JS API in one node process; binaryen from
//! `MELD_BINARYEN` or `target/binaryen`, see `.ci/run`), wrapped again with `meld wrap` and run on wasmtime's component
//! and core APIs; four more columns show the optimised times and
//! `before / after` for the wrapped and the core form (> 1 means wasm-opt
//! made calls faster), all measured in the same run.
//!
//! This is an example target (not `[[bench]]`) so that `cargo test` compiles
//! it with the same dependency features as the tests; it is never run by them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SAMPLES: usize = 7;

/// A way to call `run(n)` on one engine.
type Runner = Box<dyn FnMut(u32) -> Result<u32, String>>;

fn component_engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_multi_memory(true);
    // async_call_*.wat: component-model async.
    config.wasm_component_model_async(true);
    wasmtime::Engine::new(&config).expect("component engine")
}

/// Polls `f` to completion (nothing here waits on I/O).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn core_engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(true);
    wasmtime::Engine::new(&config).expect("core engine")
}

fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config.wasm_multi_memory(true);
    wasmi::Engine::new(&config)
}

/// Set for a `;; fixed-n` fixture: every call of a runner instantiates
/// afresh (its state, e.g. grown memory, must not carry over).
static FRESH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn fresh() -> bool {
    FRESH.load(std::sync::atomic::Ordering::Relaxed)
}

fn component_runner(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Runner, String> {
    use wasmtime::component::{Component, Linker, TypedFunc};
    let component = Component::new(engine, bytes).map_err(|e| format!("compile: {e:#}"))?;
    let engine = engine.clone();
    type Started = (wasmtime::Store<()>, TypedFunc<(u32,), (u32,)>);
    let start = move || -> Result<Started, String> {
        let mut store = wasmtime::Store::new(&engine, ());
        // The async API: an async call between components suspends its
        // caller on a fiber; one `call_async` per run(n), so it adds nothing
        // per call.
        let instance =
            block_on(Linker::<()>::new(&engine).instantiate_async(&mut store, &component))
                .map_err(|e| format!("instantiate: {e:#}"))?;
        let run = instance
            .get_typed_func::<(u32,), (u32,)>(&mut store, "run")
            .map_err(|e| format!("export `run`: {e:#}"))?;
        Ok((store, run))
    };
    let (mut store, mut run) = start()?;
    Ok(Box::new(move |n| {
        if fresh() {
            (store, run) = start()?;
        }
        let (v,) =
            block_on(run.call_async(&mut store, (n,))).map_err(|e| format!("trap: {e:#}"))?;
        Ok(v)
    }))
}

fn core_runner(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Runner, String> {
    let module = wasmtime::Module::new(engine, bytes).map_err(|e| format!("compile: {e:#}"))?;
    let engine = engine.clone();
    let start = move || -> Result<(wasmtime::Store<()>, wasmtime::TypedFunc<u32, u32>), String> {
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[])
            .map_err(|e| format!("instantiate: {e:#}"))?;
        let run = instance
            .get_typed_func::<u32, u32>(&mut store, "run")
            .map_err(|e| format!("export `run`: {e:#}"))?;
        Ok((store, run))
    };
    let (mut store, mut run) = start()?;
    Ok(Box::new(move |n| {
        if fresh() {
            (store, run) = start()?;
        }
        run.call(&mut store, n).map_err(|e| format!("trap: {e:#}"))
    }))
}

fn wasmi_runner(engine: &wasmi::Engine, bytes: &[u8]) -> Result<Runner, String> {
    let module = wasmi::Module::new(engine, bytes).map_err(|e| format!("compile: {e}"))?;
    let engine = engine.clone();
    let start = move || -> Result<(wasmi::Store<()>, wasmi::TypedFunc<u32, u32>), String> {
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| format!("instantiate: {e}"))?;
        let run = instance
            .get_typed_func::<u32, u32>(&store, "run")
            .map_err(|e| format!("export `run`: {e}"))?;
        Ok((store, run))
    };
    let (mut store, mut run) = start()?;
    Ok(Box::new(move |n| {
        if fresh() {
            (store, run) = start()?;
        }
        run.call(&mut store, n).map_err(|e| format!("trap: {e}"))
    }))
}

/// `;; checksum: run(N) = V` from the fixture header.
fn checksum(path: &Path) -> (u32, u32) {
    let text = std::fs::read_to_string(path).unwrap();
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix(";; checksum: run(") {
            let (n, v) = rest.split_once(") = ").expect("`run(N) = V`");
            return (n.trim().parse().unwrap(), v.trim().parse().unwrap());
        }
    }
    panic!("{}: no `;; checksum: run(N) = V` line", path.display());
}

/// Median ns per call of `run(n)`, with `n` grown until one sample takes
/// about `target`.
fn measure(run: &mut Runner, target: Duration, fixed: Option<u32>) -> Result<f64, String> {
    let mut n = 1u32;
    loop {
        if let Some(f) = fixed {
            n = f;
            break;
        }
        let t = Instant::now();
        run(n)?;
        let e = t.elapsed();
        if e >= target / 4 || n >= 1 << 26 {
            let scale = target.as_secs_f64() / e.as_secs_f64().max(1e-9);
            n = ((n as f64 * scale).ceil() as u32).clamp(1, 1 << 28);
            break;
        }
        n *= 4;
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            run(n).map(|_| t.elapsed().as_secs_f64() * 1e9 / n as f64)
        })
        .collect::<Result<_, _>>()?;
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Ok(samples[SAMPLES / 2])
}

enum Cell {
    Ns(f64),
    Unsupported,
    Failed,
}

impl Cell {
    fn show(&self) -> String {
        match self {
            Cell::Ns(ns) if *ns >= 10_000.0 => format!("{:.0}", ns),
            Cell::Ns(ns) => format!("{:.1}", ns),
            Cell::Unsupported => "unsupported".into(),
            Cell::Failed => "FAILED".into(),
        }
    }
    fn ns(&self) -> Option<f64> {
        match self {
            Cell::Ns(ns) => Some(*ns),
            _ => None,
        }
    }
}

/// Every composition's core module optimised by binaryen, by name (see the
/// module comment); the fusion's error when there is none.
fn optimise_all(paths: &[PathBuf]) -> std::collections::BTreeMap<String, Result<Vec<u8>, String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binaryen = std::env::var_os("MELD_BINARYEN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/binaryen/node_modules/binaryen"));
    let tmp = std::env::temp_dir().join(format!("meld-callbench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("scratch folder");
    let mut out = std::collections::BTreeMap::new();
    let mut cmd = std::process::Command::new("node");
    cmd.arg(root.join("tests/tools/wasm-opt-batch.mjs"))
        .arg(binaryen.join("index.js"));
    let mut names = Vec::new();
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = wat::parse_file(path).expect("fixture assembles");
        match meld_core::fuse(&[&bytes], &Default::default()) {
            Ok(f) => {
                let i = tmp.join(format!("{name}.wasm"));
                std::fs::write(&i, &f.wasm).expect("write core module");
                cmd.arg(&i).arg(tmp.join(format!("{name}.opt.wasm")));
                names.push(name);
            }
            Err(e) => {
                out.insert(name, Err(e.to_string()));
            }
        }
    }
    let status = cmd.status().expect("run node");
    assert!(
        status.success(),
        "binaryen failed (install it: `npm install --prefix target/binaryen binaryen@132.0.0`)"
    );
    for name in names {
        let bytes = std::fs::read(tmp.join(format!("{name}.opt.wasm"))).expect("optimised");
        out.insert(name, Ok(bytes));
    }
    let _ = std::fs::remove_dir_all(&tmp);
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target = Duration::from_millis(args.next().and_then(|s| s.parse().ok()).unwrap_or(20));
    let filter = args.next();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bench");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/bench exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .filter(|p| {
            filter
                .as_deref()
                .is_none_or(|f| p.to_string_lossy().contains(f))
        })
        .collect();
    paths.sort();

    let comp = component_engine();
    let core = core_engine();
    let wi = wasmi_engine();
    let mut notes: Vec<String> = Vec::new();
    let mut failed = false;
    let baseline = std::env::var_os("MELD_CALLBENCH_BASELINE").is_some();
    let shared = std::env::var_os("MELD_CALLBENCH_SHARED").is_some();
    let (core1, wi1) = {
        let mut c = wasmtime::Config::new();
        c.wasm_multi_memory(false);
        let mut w = wasmi::Config::default();
        w.wasm_multi_memory(false);
        (
            wasmtime::Engine::new(&c).expect("core engine"),
            wasmi::Engine::new(&w),
        )
    };
    let optimised = std::env::var_os("MELD_CALLBENCH_WASM_OPT")
        .is_some()
        .then(|| optimise_all(&paths));

    print!(
        "{:<28} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "ns per call", "composed", "wrapped", "core", "wasmi", "comp/wrap", "comp/core"
    );
    if baseline {
        print!(
            " {:>12} {:>12} {:>10} {:>11}",
            "core-keep", "wasmi-keep", "core k/opt", "wasmi k/opt"
        );
    }
    if shared {
        print!(
            " {:>12} {:>12} {:>10} {:>11}",
            "core-shared", "wasmi-shared", "core s/m", "wasmi s/m"
        );
    }
    if optimised.is_some() {
        print!(
            " {:>12} {:>12} {:>10} {:>10}",
            "wrapped-opt", "core-opt", "wrap b/a", "core b/a"
        );
    }
    println!();
    for path in &paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = wat::parse_file(path).expect("fixture assembles");
        let (check_n, check_v) = checksum(path);
        let fixed = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .any(|l| l.trim() == ";; fixed-n")
            .then_some(check_n);
        FRESH.store(fixed.is_some(), std::sync::atomic::Ordering::Relaxed);
        let fused = meld_core::fuse(&[&bytes], &Default::default());
        let wrapped = meld_core::fuse(&[&bytes], &meld_core::FuseOptions::wrapped());
        let mut cells = Vec::new();
        let mut columns = vec![
            ("composed", component_runner(&comp, &bytes).map(Some)),
            (
                "wrapped",
                match &wrapped {
                    Ok(f) => component_runner(&comp, &f.wasm).map(Some),
                    Err(e) => {
                        notes.push(format!("{name}: meld refuses it: {e}"));
                        Ok(None)
                    }
                },
            ),
            (
                "core",
                match &fused {
                    Ok(f) => core_runner(&core, &f.wasm).map(Some),
                    Err(_) => Ok(None),
                },
            ),
            (
                "wasmi",
                match &fused {
                    Ok(f) => wasmi_runner(&wi, &f.wasm).map(Some),
                    Err(_) => Ok(None),
                },
            ),
        ];
        if baseline {
            let keep = meld_core::FuseOptions {
                keep_trivial_adapters: true,
                ..Default::default()
            };
            let kept = meld_core::fuse(&[&bytes], &keep);
            columns.push((
                "core-keep",
                match &kept {
                    Ok(f) => core_runner(&core, &f.wasm).map(Some),
                    Err(_) => Ok(None),
                },
            ));
            columns.push((
                "wasmi-keep",
                match &kept {
                    Ok(f) => wasmi_runner(&wi, &f.wasm).map(Some),
                    Err(_) => Ok(None),
                },
            ));
        }
        let first_shared = columns.len();
        if shared {
            let opts = meld_core::FuseOptions {
                memory: meld_core::MemoryMode::Shared,
                ..Default::default()
            };
            let one = meld_core::fuse(&[&bytes], &opts);
            if let Err(e) = &one {
                notes.push(format!("{name}: --memory shared refused: {e}"));
            }
            columns.push((
                "core-shared",
                match &one {
                    Ok(f) => core_runner(&core1, &f.wasm).map(Some),
                    Err(_) => Ok(None),
                },
            ));
            columns.push((
                "wasmi-shared",
                match &one {
                    Ok(f) => wasmi_runner(&wi1, &f.wasm).map(Some),
                    Err(_) => Ok(None),
                },
            ));
        }
        let first_opt = columns.len();
        if let Some(opt) = &optimised {
            let (w, c) = match opt.get(&name) {
                Some(Ok(m)) => (
                    meld_core::wrap::given::wrap_module(m, true)
                        .map_err(|e| format!("meld wrap: {e}"))
                        .and_then(|w| component_runner(&comp, &w))
                        .map(Some),
                    core_runner(&core, m).map(Some),
                ),
                _ => (Ok(None), Ok(None)),
            };
            columns.push(("wrapped-opt", w));
            columns.push(("core-opt", c));
        }
        for (column, runner) in columns {
            let cell = match runner {
                Ok(None) => Cell::Unsupported,
                Err(e) => {
                    notes.push(format!("{name} / {column}: {e}"));
                    Cell::Failed
                }
                Ok(Some(mut run)) => match run(check_n) {
                    Ok(v) if v == check_v => match measure(&mut run, target, fixed) {
                        Ok(ns) => Cell::Ns(ns),
                        Err(e) => {
                            notes.push(format!("{name} / {column}: {e}"));
                            Cell::Failed
                        }
                    },
                    Ok(v) => {
                        notes.push(format!(
                            "{name} / {column}: run({check_n}) = {v}, want {check_v}"
                        ));
                        Cell::Failed
                    }
                    Err(e) => {
                        notes.push(format!("{name} / {column}: {e}"));
                        Cell::Failed
                    }
                },
            };
            failed |= matches!(cell, Cell::Failed);
            cells.push(cell);
        }
        let ratio = |i: usize| match (cells[0].ns(), cells[i].ns()) {
            (Some(a), Some(b)) => format!("{:.1}x", a / b),
            _ => "-".into(),
        };
        print!(
            "{:<28} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}",
            name,
            cells[0].show(),
            cells[1].show(),
            cells[2].show(),
            cells[3].show(),
            ratio(1),
            ratio(2)
        );
        if baseline {
            let before_after =
                |before: usize, after: usize| match (cells[before].ns(), cells[after].ns()) {
                    (Some(b), Some(a)) => format!("{:.2}x", b / a),
                    _ => "-".into(),
                };
            print!(
                " {:>12} {:>12} {:>10} {:>11}",
                cells[4].show(),
                cells[5].show(),
                before_after(4, 2),
                before_after(5, 3)
            );
        }
        if shared {
            let slower = |multi: usize, one: usize| match (cells[multi].ns(), cells[one].ns()) {
                (Some(m), Some(s)) => format!("{:.2}x", s / m),
                _ => "-".into(),
            };
            print!(
                " {:>12} {:>12} {:>10} {:>11}",
                cells[first_shared].show(),
                cells[first_shared + 1].show(),
                slower(2, first_shared),
                slower(3, first_shared + 1)
            );
        }
        if optimised.is_some() {
            let before_after =
                |before: usize, after: usize| match (cells[before].ns(), cells[after].ns()) {
                    (Some(b), Some(a)) => format!("{:.2}x", b / a),
                    _ => "-".into(),
                };
            print!(
                " {:>12} {:>12} {:>10} {:>10}",
                cells[first_opt].show(),
                cells[first_opt + 1].show(),
                before_after(1, first_opt),
                before_after(2, first_opt + 1)
            );
        }
        println!();
    }
    println!(
        "median of {SAMPLES} samples of ~{} ms each; ratios > 1 mean the fused form is faster",
        target.as_millis()
    );
    if shared {
        println!("s/m = --memory shared time / multi-memory time (> 1 means shared is slower)");
    }
    for n in &notes {
        println!("note: {n}");
    }
    if failed {
        std::process::exit(1);
    }
}
