//! Profiling aid: fuse one file N times and print the median time per stage
//! (a `perf record` target; `meld-bench` is the benchmark proper).
//!
//! `cargo run --release -p meld-cli --example fuse_profile -- FILE [N] [MODE]`
//!
//! MODE: `serial` (one thread), `early` (WIT world decoded beside
//! translation), `component` (`--component`), `translate` (the front end alone, N times), `world` (the
//! WIT world's decoding and encoding alone, N times), default: the
//! default options. Stage times of the world are on their own thread unless
//! serial.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE");
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let mode = args.next().unwrap_or_default();
    let serial = mode == "serial";
    let bytes = std::fs::read(&path).expect("readable input");
    if mode == "world" {
        for _ in 0..n {
            meld_core::front::world::section_payload(&bytes).expect("decodes");
        }
        return;
    }
    if mode == "translate" {
        for _ in 0..n {
            meld_core::front::translate::translate(&bytes).expect("translates");
        }
        return;
    }
    let opts = meld_core::FuseOptions {
        serial,
        world_beside_translation: mode == "early",
        component: mode == "component",
        ..Default::default()
    };
    // Fuse and validate in turns, so a slow spell of the machine hits both;
    // medians per stage.
    let mut stages: [Vec<u64>; 5] = Default::default();
    let (mut fuse, mut val) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let t0 = std::time::Instant::now();
        let f = meld_core::fuse(&[&bytes], &opts).expect("fuses");
        fuse.push(t0.elapsed().as_micros() as u64);
        for (s, t) in stages.iter_mut().zip(f.stats.stage_us) {
            s.push(t);
        }
        let t0 = std::time::Instant::now();
        let mut v = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        v.validate_all(&bytes).expect("valid");
        val.push(t0.elapsed().as_micros() as u64);
    }
    let median = |v: &mut Vec<u64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let s: Vec<u64> = stages.iter_mut().map(median).collect();
    let (total, val) = (median(&mut fuse), median(&mut val));
    println!(
        "stages translate {} merge {} world {} encode {} wrap {}; fuse {total}; validate {val} \
         (µs, median); fuse/validate {:.2}",
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        total as f64 / val as f64
    );
}
