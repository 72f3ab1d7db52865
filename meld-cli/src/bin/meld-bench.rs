//! Benchmark: fuse time and output size per fixture, next to wasmparser
//! validation of the same input (the floor for one pass over the bytes).
//!
//! `cargo run --release -p meld-cli --bin meld-bench [-- ITERATIONS]`

use std::path::Path;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(iters: usize, mut f: F) -> Duration {
    f(); // warm-up
    median(
        (0..iters)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let iters: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
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
    let link: Vec<Vec<u8>> = ["app.wat", "lib.wat"]
        .iter()
        .map(|f| wat::parse_file(root.join("link").join(f)).unwrap())
        .collect();
    inputs.push(("link(app+lib)".into(), link));

    println!(
        "{:<36} {:>9} {:>9} {:>11} {:>11} {:>7} {:>11} {:>7}",
        "fixture", "in B", "out B", "fuse µs", "validate µs", "ratio", "cold µs", "cold/warm"
    );
    let (mut total_fuse, mut total_val, mut total_cold) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
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
        let fuse = time(iters, || {
            meld_core::fuse(&refs, &Default::default()).unwrap();
        });
        // Before/after of the builtin cache, in this same run: "cold"
        // assembles every builtin again, as each fusion did before the cache.
        let cold = time(iters, || {
            meld_core::builtins::clear_cache();
            meld_core::fuse(&refs, &Default::default()).unwrap();
        });
        let validate = time(iters, || {
            for b in &refs {
                let mut v =
                    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
                v.validate_all(b).unwrap();
            }
        });
        let in_len: usize = refs.iter().map(|b| b.len()).sum();
        println!(
            "{:<36} {:>9} {:>9} {:>11.1} {:>11.1} {:>7.1} {:>11.1} {:>7.2}",
            name,
            in_len,
            fused.wasm.len(),
            fuse.as_secs_f64() * 1e6,
            validate.as_secs_f64() * 1e6,
            fuse.as_secs_f64() / validate.as_secs_f64(),
            cold.as_secs_f64() * 1e6,
            cold.as_secs_f64() / fuse.as_secs_f64()
        );
        total_cold += cold;
        total_fuse += fuse;
        total_val += validate;
        n += 1;
    }
    println!(
        "{n} fixtures, {iters} iterations each (median); total fuse {:.2} ms, total validate {:.2} ms, \
         total cold-builtin fuse {:.2} ms (cache speed-up {:.2}x)",
        total_fuse.as_secs_f64() * 1e3,
        total_val.as_secs_f64() * 1e3,
        total_cold.as_secs_f64() * 1e3,
        total_cold.as_secs_f64() / total_fuse.as_secs_f64()
    );
}
