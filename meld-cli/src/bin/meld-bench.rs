//! Benchmark: fuse time, peak memory and output size per fixture, next to
//! wasmparser validation of the same input (the floor for one pass over the
//! bytes).
//!
//! `cargo run --release -p meld-cli --bin meld-bench [-- ITERATIONS]`
//!
//! `meld-bench --limits [ITERATIONS]` measures the expansion limits instead
//! (`meld-cli/src/bench_limits.rs`): the pre-count against reading and
//! validating the input, and time and peak of the amplification family
//! with the limits lifted (before) and at their defaults (after).
//!
//! Peak memory is measured by this binary's global allocator: the highest
//! number of live heap bytes during one fusion, above what was
//! live before it started; `tr/in` is the same for the front end alone
//! (wasmtime-environ's translator and meld's graph), the floor under it.
//! `early µs`/`ear/in` are fuse time and peak with the WIT world decoded
//! beside translation instead of after it (`ear/late`: its time over the
//! default's), the before/after of moving it.
//! `comp µs`/`comp/v` are `meld fuse --component` (fused, then wrapped back
//! into a component) and its time over validation; `-` where the
//! composition cannot be wrapped.
//! `bare/mods` leaves out the fused module's custom sections (`name`,
//! `meld:abi`, the WIT world), which the inputs' stripped modules lack.
//! `out/mods` is the fused module's size over the
//! summed size of every core module it is made of (the composition's modules
//! as instantiated, FACT adapters, builtins): at most 1 means nothing was
//! added beyond them.
//!
//! A second table (alone: `meld-bench --debug [ITERATIONS]`) measures the cost of keeping DWARF (`--debug keep`, the
//! default, against `--debug strip`, which is the fusion without the debug
//! stage) on every composition built with debug info
//! (`tests/fixtures/bench/debug`, `tests/fixtures/rust-debug`): fuse time
//! and peak memory of each, their ratios, and each time over validation,
//! all measured in the same rounds.

#[path = "../bench_limits.rs"]
mod bench_limits;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The system allocator, counting live bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are
// updated on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak heap bytes `f` holds at once, above what was live when it started.
fn peak_bytes<F: FnOnce()>(f: F) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median time of each job over `iters` rounds. The jobs take turns within
/// each round, so a slow spell of the machine hits them alike and their
/// ratios stay put.
fn time_each<const N: usize>(iters: usize, jobs: [&dyn Fn(); N]) -> [Duration; N] {
    for job in &jobs {
        job(); // warm-up
    }
    let mut samples: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(iters));
    for _ in 0..iters {
        for (job, out) in jobs.iter().zip(&mut samples) {
            let t = Instant::now();
            job();
            out.push(t.elapsed());
        }
    }
    samples.map(median)
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--limits") {
        let iters = std::env::args()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        bench_limits::run(iters, &|f| peak_bytes(f));
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    if std::env::args().nth(1).as_deref() == Some("--debug") {
        let iters = std::env::args()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        debug_table(&root, iters);
        return;
    }
    let iters: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let mut inputs: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let mut wats: Vec<_> = std::fs::read_dir(root.join("wat"))
        .expect("tests/fixtures/wat exists")
        .map(|e| e.unwrap().path())
        .collect();
    wats.sort();
    for p in wats {
        let bytes = wat::parse_file(&p).expect("fixture assembles");
        inputs.push((
            p.file_stem().unwrap().to_string_lossy().into_owned(),
            vec![bytes],
        ));
    }
    let mut rust: Vec<_> = std::fs::read_dir(root.join("rust"))
        .expect("tests/fixtures/rust exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    rust.sort();
    for p in rust {
        let name = format!("rust/{}", p.file_stem().unwrap().to_string_lossy());
        inputs.push((name, vec![std::fs::read(&p).unwrap()]));
    }
    // Unstripped real-toolchain builds (DWARF kept): the largest inputs.
    let mut debug: Vec<_> = std::fs::read_dir(root.join("bench").join("debug"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    debug.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "wasm"));
    debug.sort();
    for p in debug {
        let name = format!("debug/{}", p.file_stem().unwrap().to_string_lossy());
        inputs.push((name, vec![std::fs::read(&p).unwrap()]));
    }
    let link: Vec<Vec<u8>> = ["app.wat", "lib.wat"]
        .iter()
        .map(|f| wat::parse_file(root.join("link").join(f)).unwrap())
        .collect();
    inputs.push(("link(app+lib)".into(), link));

    println!(
        "{:<36} {:>9} {:>9} {:>11} {:>11} {:>7} {:>11} {:>7} {:>11} {:>7} {:>11} {:>7} {:>10} {:>7} {:>7} {:>7} {:>9} {:>9}",
        "fixture",
        "in B",
        "out B",
        "fuse µs",
        "validate µs",
        "ratio",
        "comp µs",
        "comp/v",
        "serial µs",
        "ser/par",
        "early µs",
        "ear/late",
        "peak B",
        "peak/in",
        "ear/in",
        "tr/in",
        "out/mods",
        "bare/mods"
    );
    let mut worst_size: f64 = 0.0;
    let mut worst_bare: f64 = 0.0;
    let mut worst_peak: f64 = 0.0;
    let (mut total_fuse, mut total_val, mut total_early, mut total_serial) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    // Peak above 3x the input: the largest excess, and the peak of the
    // smallest input (what fusing costs when the input costs nothing).
    let mut worst_excess: (i64, String) = (i64::MIN, String::new());
    let mut smallest: (usize, usize) = (usize::MAX, 0);
    let mut n = 0;
    for (name, bytes) in &inputs {
        let refs: Vec<&[u8]> = bytes.iter().map(|b| b.as_slice()).collect();
        let fused = match meld_core::fuse(&refs, &Default::default()) {
            Ok(f) => f,
            Err(e) => {
                println!("{name:<36} refused: {e}");
                continue;
            }
        };
        // Before/after of the second thread (WIT world decoding, body
        // merging and output validation beside the main pipeline), in this
        // same run.
        let serial_opts = meld_core::FuseOptions {
            serial: true,
            ..Default::default()
        };
        // Before/after of where the WIT world is decoded, in this same run:
        // "early" decodes it beside translation, as fusion did before it was
        // moved after translation (to keep the two peaks apart).
        let early_opts = meld_core::FuseOptions {
            world_beside_translation: true,
            ..Default::default()
        };
        let component_opts = meld_core::FuseOptions {
            component: true,
            ..Default::default()
        };
        let wraps = meld_core::fuse(&refs, &component_opts).is_ok();
        let [fuse, component, serial, early, validate] = time_each(
            iters,
            [
                &|| {
                    meld_core::fuse(&refs, &Default::default()).unwrap();
                },
                &|| {
                    if wraps {
                        meld_core::fuse(&refs, &component_opts).unwrap();
                    }
                },
                &|| {
                    meld_core::fuse(&refs, &serial_opts).unwrap();
                },
                &|| {
                    meld_core::fuse(&refs, &early_opts).unwrap();
                },
                &|| {
                    for b in &refs {
                        let mut v = wasmparser::Validator::new_with_features(
                            wasmparser::WasmFeatures::all(),
                        );
                        v.validate_all(b).unwrap();
                    }
                },
            ],
        );
        let peak = peak_bytes(|| {
            meld_core::fuse(&refs, &Default::default()).unwrap();
        });
        let early_peak = peak_bytes(|| {
            meld_core::fuse(&refs, &early_opts).unwrap();
        });
        // The front end alone (wasmtime-environ's translator building the
        // graph): the floor under meld's own peak.
        let translate_peak = if refs.len() == 1 {
            let p = peak_bytes(|| {
                meld_core::front::translate::translate(refs[0]).unwrap();
            });
            format!("{:.1}", p as f64 / refs[0].len() as f64)
        } else {
            "-".into()
        };
        let in_len: usize = refs.iter().map(|b| b.len()).sum();
        worst_peak = worst_peak.max(peak as f64 / in_len as f64);
        let excess = peak as i64 - 3 * in_len as i64;
        if excess > worst_excess.0 {
            worst_excess = (excess, name.clone());
        }
        if in_len < smallest.0 {
            smallest = (in_len, peak);
        }
        // Size budget: every core module the fused one is made of (the
        // composition's modules, FACT adapters, builtins), as instantiated.
        let size_ratio = if refs.len() == 1 {
            let graph = meld_core::front::translate::translate(refs[0]).unwrap();
            let modules: usize = graph.nodes.iter().map(|n| n.wasm.len()).sum();
            let r = fused.wasm.len() as f64 / modules as f64;
            worst_size = worst_size.max(r);
            let bare = (fused.wasm.len() - custom_bytes(&fused.wasm)) as f64 / modules as f64;
            worst_bare = worst_bare.max(bare);
            format!("{r:>9.2} {bare:>9.2}")
        } else {
            format!("{:>9} {:>9}", "-", "-")
        };
        println!(
            "{:<36} {:>9} {:>9} {:>11.1} {:>11.1} {:>7.1} {:>11} {:>7} {:>11.1} {:>7.2} {:>11.1} {:>7.2} {:>10} {:>7.1} {:>7.1} {:>7} {}",
            name,
            in_len,
            fused.wasm.len(),
            fuse.as_secs_f64() * 1e6,
            validate.as_secs_f64() * 1e6,
            fuse.as_secs_f64() / validate.as_secs_f64(),
            if wraps { format!("{:.1}", component.as_secs_f64() * 1e6) } else { "-".into() },
            if wraps { format!("{:.1}", component.as_secs_f64() / validate.as_secs_f64()) } else { "-".into() },
            serial.as_secs_f64() * 1e6,
            serial.as_secs_f64() / fuse.as_secs_f64(),
            early.as_secs_f64() * 1e6,
            early.as_secs_f64() / fuse.as_secs_f64(),
            peak,
            peak as f64 / in_len as f64,
            early_peak as f64 / in_len as f64,
            translate_peak,
            size_ratio
        );
        total_early += early;
        total_serial += serial;
        total_fuse += fuse;
        total_val += validate;
        n += 1;
    }
    println!(
        "{n} fixtures, {iters} iterations each (median); total fuse {:.2} ms, total validate {:.2} ms, \
         total serial fuse {:.2} ms (second thread speed-up {:.2}x), \
         total fuse with the world decoded beside translation {:.2} ms ({:.2}x); highest peak/in {:.1}; \
         peak - 3x input at most {:.0} KiB ({}), peak of the smallest input ({} B) {:.0} KiB; \
         highest out/mods {:.2} (bare {:.2})",
        total_fuse.as_secs_f64() * 1e3,
        total_val.as_secs_f64() * 1e3,
        total_serial.as_secs_f64() * 1e3,
        total_serial.as_secs_f64() / total_fuse.as_secs_f64(),
        total_early.as_secs_f64() * 1e3,
        total_early.as_secs_f64() / total_fuse.as_secs_f64(),
        worst_peak,
        worst_excess.0 as f64 / 1024.0,
        worst_excess.1,
        smallest.0,
        smallest.1 as f64 / 1024.0,
        worst_size,
        worst_bare
    );
    debug_table(&root, iters);
}

/// Keep against strip on every composition with DWARF.
fn debug_table(root: &Path, iters: usize) {
    let mut paths = Vec::new();
    for dir in ["bench/debug", "rust-debug"] {
        let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("tests/fixtures/{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        found.sort();
        paths.extend(found.into_iter().map(|p| (dir, p)));
    }
    println!();
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>10} {:>10} {:>7} {:>7} {:>7} {:>11} {:>11} {:>7}",
        "debug fixture",
        "in B",
        "keep B",
        "strip B",
        "keep µs",
        "strip µs",
        "k/s",
        "k/v",
        "s/v",
        "keep peak",
        "strip peak",
        "k/s"
    );
    let keep = meld_core::FuseOptions::default();
    let strip = meld_core::FuseOptions {
        debug: meld_core::DebugInfo::Strip,
        ..Default::default()
    };
    for (dir, p) in paths {
        let input = std::fs::read(&p).unwrap();
        let name = format!("{dir}/{}", p.file_stem().unwrap().to_string_lossy());
        let fuse = |o: &meld_core::FuseOptions| meld_core::fuse(&[&input], o).unwrap();
        let (keep_b, strip_b) = (fuse(&keep).wasm.len(), fuse(&strip).wasm.len());
        let [k, st, v] = time_each(
            iters,
            [
                &|| {
                    fuse(&keep);
                },
                &|| {
                    fuse(&strip);
                },
                &|| {
                    let mut v =
                        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
                    v.validate_all(&input).unwrap();
                },
            ],
        );
        let keep_peak = peak_bytes(|| {
            fuse(&keep);
        });
        let strip_peak = peak_bytes(|| {
            fuse(&strip);
        });
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{:<28} {:>9} {:>9} {:>9} {:>10.0} {:>10.0} {:>7.2} {:>7.2} {:>7.2} {:>11} {:>11} {:>7.2}",
            name,
            input.len(),
            keep_b,
            strip_b,
            us(k),
            us(st),
            us(k) / us(st),
            us(k) / us(v),
            us(st) / us(v),
            keep_peak,
            strip_peak,
            keep_peak as f64 / strip_peak as f64
        );
    }
}

/// Bytes taken by custom sections (header included).
fn custom_bytes(wasm: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CustomSection(c)) => {
                // id byte + size LEB (at most 5 bytes) + contents
                Some(c.range().len() + 1 + leb_len(c.range().len()))
            }
            _ => None,
        })
        .sum()
}

fn leb_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}
