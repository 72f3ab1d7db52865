//! `meld-bench --limits [ITERATIONS]`: the cost of the pre-count and the
//! before/after of the expansion limits, in one run.
//!
//! - The amplification family (`tests/gen/amplify.rs`: component level `j`
//!   instantiates level `j - 1` twice, k = 6…12): time and peak heap of a
//!   fusion with every limit lifted (what meld did before the limits, plus
//!   the count) and with the default limits (fused, or refused after the
//!   count), and the count alone.
//! - The real fixtures (`tests/fixtures/rust/*.wasm`, largest first) and any
//!   unstripped builds in `tests/fixtures/bench/debug/`: the count against
//!   reading the input (a `wasmparser::Parser` pass over every payload, no
//!   validation) and validating it, and fuse time and peak with the
//!   limits lifted and with the defaults.

#[path = "../../tests/gen/amplify.rs"]
mod amplify;

use std::path::Path;
use std::time::{Duration, Instant};

fn lifted() -> meld_core::FuseOptions {
    meld_core::FuseOptions {
        limits: meld_core::Limits {
            instances: u64::MAX,
            component_instances: u64::MAX,
            adapters: u64::MAX,
            output_size: u64::MAX,
        },
        ..Default::default()
    }
}

/// Median wall time of `iters` runs of `f`.
fn median_time(iters: usize, f: &dyn Fn()) -> Duration {
    let mut v: Vec<Duration> = (0..iters.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

/// Median times of `jobs`, which take turns within each of `iters` rounds
/// (a slow spell of the shared machine hits them alike).
fn in_turns<const N: usize>(iters: usize, jobs: [&dyn Fn(); N]) -> [Duration; N] {
    for job in &jobs {
        job();
    }
    let mut samples: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::new());
    for _ in 0..iters.max(1) {
        for (job, out) in jobs.iter().zip(&mut samples) {
            let t = Instant::now();
            job();
            out.push(t.elapsed());
        }
    }
    samples.map(|mut v| {
        v.sort();
        v[v.len() / 2]
    })
}

fn mib(b: usize) -> String {
    format!("{:.1}", b as f64 / (1 << 20) as f64)
}

/// Read every payload of `bytes` (nested modules and components included),
/// validating nothing: the floor for one pass over the input.
fn read_all(bytes: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .filter(|p| p.is_ok())
        .count()
}

fn family(
    iters: usize,
    peak_bytes: &dyn Fn(&dyn Fn()) -> usize,
    members: &[(String, amplify::Amplify)],
) {
    println!(
        "{:>5} {:>7} {:>9} {:>9} {:>9} {:>11} {:>10} {:>11} {:>10} {:>9}  after",
        "",
        "in B",
        "comp.inst",
        "adapters",
        "out B",
        "before ms",
        "before MiB",
        "after ms",
        "after MiB",
        "count µs",
    );
    for (label, a) in members {
        let bytes = wat::parse_str(a.wat()).expect("the family assembles");
        let refs: [&[u8]; 1] = [&bytes];
        let defaults = meld_core::FuseOptions::default();
        let lifted = lifted();
        let out = meld_core::fuse(&refs, &lifted).expect("fuses with the limits lifted");
        let c = meld_core::front::precount::count(&bytes, &defaults.limits).unwrap();
        // The largest members take seconds each: fewer rounds for them.
        let heavy = c.adapters > 2_000;
        let before = median_time(if heavy { 1 } else { iters.min(5) }, &|| {
            meld_core::fuse(&refs, &lifted).unwrap();
        });
        let before_peak = peak_bytes(&|| {
            meld_core::fuse(&refs, &lifted).unwrap();
        });
        let after_result = match meld_core::fuse(&refs, &defaults) {
            Ok(_) => "fused".to_string(),
            Err(e) => {
                let e = e.to_string();
                let flag = e.split("raise it with ").nth(1).unwrap_or("?");
                format!("refused ({}", flag)
            }
        };
        let after = median_time(if heavy { iters } else { iters.min(5) }, &|| {
            let _ = meld_core::fuse(&refs, &defaults);
        });
        let after_peak = peak_bytes(&|| {
            let _ = meld_core::fuse(&refs, &defaults);
        });
        let count = median_time(iters, &|| {
            meld_core::front::precount::count(&bytes, &defaults.limits).unwrap();
        });
        println!(
            "{:>5} {:>7} {:>9} {:>9} {:>9} {:>11.1} {:>10} {:>11.2} {:>10} {:>9.1}  {}",
            label,
            bytes.len(),
            c.component_instances,
            c.adapters,
            out.wasm.len(),
            before.as_secs_f64() * 1e3,
            mib(before_peak),
            after.as_secs_f64() * 1e3,
            mib(after_peak),
            count.as_secs_f64() * 1e6,
            after_result
        );
    }
}

pub fn run(iters: usize, peak_bytes: &dyn Fn(&dyn Fn()) -> usize) {
    println!("amplification family: level j instantiates level j-1 twice (limits lifted = before, default limits = after)");
    let doubling: Vec<(String, amplify::Amplify)> = (6..=12u32)
        .map(|k| (format!("k={k}"), amplify::Amplify::doubling(k)))
        .collect();
    family(iters, peak_bytes, &doubling);
    println!();
    println!("one component chaining 490 functions lifted and lowered again, instantiated K times");
    let chained: Vec<(String, amplify::Amplify)> = [1u32, 2, 4]
        .iter()
        .map(|&k| {
            (
                format!("K={k}"),
                amplify::Amplify {
                    depth: 1,
                    fan_out: k,
                    leaf_instances: 490,
                    lift_lower: true,
                    ..amplify::Amplify::doubling(0)
                },
            )
        })
        .collect();
    family(iters, peak_bytes, &chained);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut files: Vec<_> = ["rust", "bench/debug"]
        .iter()
        .filter_map(|d| std::fs::read_dir(root.join(d)).ok())
        .flat_map(|d| d.map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort_by_key(|(p, b)| (std::cmp::Reverse(b.len()), p.clone()));
    files.truncate(6);
    println!();
    println!("real fixtures, largest first: the count against reading and validating the input");
    println!(
        "{:<28} {:>8} {:>9} {:>9} {:>11} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "fixture",
        "in B",
        "count µs",
        "read µs",
        "validate µs",
        "cnt/read",
        "cnt/val",
        "fuse µs",
        "lifted µs",
        "peak MiB",
        "lifted MiB"
    );
    for (p, bytes) in &files {
        let refs: [&[u8]; 1] = [bytes];
        let defaults = meld_core::FuseOptions::default();
        let lifted = lifted();
        let limits = defaults.limits;
        let [count, read, validate, fuse, fuse_lifted] = in_turns(
            iters,
            [
                &|| {
                    meld_core::front::precount::count(bytes, &limits).unwrap();
                },
                &|| {
                    std::hint::black_box(read_all(bytes));
                },
                &|| {
                    let mut v =
                        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
                    v.validate_all(bytes).unwrap();
                },
                &|| {
                    meld_core::fuse(&refs, &defaults).unwrap();
                },
                &|| {
                    meld_core::fuse(&refs, &lifted).unwrap();
                },
            ],
        );
        let peak = peak_bytes(&|| {
            meld_core::fuse(&refs, &defaults).unwrap();
        });
        let peak_lifted = peak_bytes(&|| {
            meld_core::fuse(&refs, &lifted).unwrap();
        });
        let name = p
            .strip_prefix(&root)
            .unwrap_or(p)
            .with_extension("")
            .display()
            .to_string();
        println!(
            "{:<28} {:>8} {:>9.1} {:>9.1} {:>11.1} {:>8.2} {:>8.3} {:>10.1} {:>10.1} {:>10} {:>10}",
            name,
            bytes.len(),
            count.as_secs_f64() * 1e6,
            read.as_secs_f64() * 1e6,
            validate.as_secs_f64() * 1e6,
            count.as_secs_f64() / read.as_secs_f64(),
            count.as_secs_f64() / validate.as_secs_f64(),
            fuse.as_secs_f64() * 1e6,
            fuse_lifted.as_secs_f64() * 1e6,
            mib(peak),
            mib(peak_lifted)
        );
    }
    println!("{iters} iterations (median); the largest family members' `before` is one run");
}
