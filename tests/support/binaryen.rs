//! binaryen (`wasm-opt`) for the optimise-and-wrap tests: fuse →
//! `wasm-opt -O3 --all-features --disable-custom-descriptors
//! --skip-pass=duplicate-import-elimination`
//! → `meld wrap` (see docs/optimise.md).
//!
//! binaryen comes from the npm registry (package `binaryen`, pinned to
//! [`VERSION`]) and runs on `node`. `.ci/run` installs it into
//! `target/binaryen`; `MELD_BINARYEN` may name another install (the
//! package's folder, `.../node_modules/binaryen`). When neither is there the
//! tests install it with npm themselves (so the README's test command works
//! on a fresh machine with node); if that fails they FAIL, saying how to
//! install it: they never skip.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binaryen release the tests (and `.ci/run`) use.
pub const VERSION: &str = "132.0.0";

/// The wasm-opt flags of the documented pipeline.
pub const FLAGS: &[&str] = &[
    "-O3",
    "--all-features",
    // binaryen's custom-descriptors proposal (exact reference types, which
    // it gives a function parameter fed only `ref.func`s, as in the async
    // call shims) is not one wasmtime 48 or `meld wrap` validates.
    "--disable-custom-descriptors",
    "--skip-pass=duplicate-import-elimination",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn install_hint() -> String {
    format!(
        "install it with `npm install --prefix target/binaryen binaryen@{VERSION}` in the \
         workspace root (what .ci/run does; needs node and npm), or set MELD_BINARYEN to the \
         folder of an installed `binaryen` npm package (.../node_modules/binaryen)"
    )
}

/// Installs the pinned binaryen into `target/binaryen` with npm when it is
/// not there yet, so that `cargo test --release --workspace` works on a fresh
/// machine that has node and npm (once per test process; a failed install
/// leaves the error to [`package`]).
fn ensure_default_install(dir: &Path) {
    static ONCE: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut tried = ONCE.lock().unwrap_or_else(|e| e.into_inner());
    let pinned = |d: &Path| {
        std::fs::read_to_string(d.join("package.json"))
            .is_ok_and(|t| t.contains(&format!("\"version\": \"{VERSION}\"")))
    };
    if *tried || pinned(dir) {
        return;
    }
    *tried = true;
    let prefix = workspace().join("target").join("binaryen");
    eprintln!(
        "binaryen {VERSION} not found: installing it into {}",
        prefix.display()
    );
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(format!("binaryen@{VERSION}"))
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("npm install of binaryen {VERSION} failed: {status:?}");
    }
}

/// The binaryen package's folder; panics (the test fails) when there is none.
pub fn package() -> PathBuf {
    let dir = match std::env::var_os("MELD_BINARYEN") {
        Some(d) => PathBuf::from(d),
        None => {
            let dir = workspace()
                .join("target")
                .join("binaryen")
                .join("node_modules")
                .join("binaryen");
            ensure_default_install(&dir);
            dir
        }
    };
    let manifest = dir.join("package.json");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "\n\nbinaryen (wasm-opt) is needed by the optimise-and-wrap tests and was not \
             found at {}: {e}.\nThese tests do not skip: {}\n",
            dir.display(),
            install_hint()
        )
    });
    assert!(
        text.contains(&format!("\"version\": \"{VERSION}\"")),
        "\n\nbinaryen at {} is not version {VERSION}: {}\n",
        dir.display(),
        install_hint()
    );
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => panic!(
            "\n\n`node` is needed to run binaryen (wasm-opt) and was not found on PATH; \
             install Node.js, then {}\n",
            install_hint()
        ),
    }
    dir
}

/// Optimise every `(input, output)` pair as `wasm-opt` with [`FLAGS`] does,
/// in one node process (binaryen's JS API; starting binaryen costs seconds).
pub fn optimise_all(pairs: &[(PathBuf, PathBuf)]) {
    if pairs.is_empty() {
        return;
    }
    let index = package().join("index.js");
    let script = workspace()
        .join("tests")
        .join("tools")
        .join("wasm-opt-batch.mjs");
    let mut cmd = Command::new("node");
    cmd.arg(&script).arg(&index);
    for (i, o) in pairs {
        cmd.arg(i).arg(o);
    }
    let out = cmd.output().expect("run node");
    assert!(
        out.status.success(),
        "binaryen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run binaryen's `wasm-opt` command line on `input` with `flags`.
pub fn wasm_opt_cli(input: &Path, output: &Path, flags: &[&str]) {
    let bin = package().join("bin").join("wasm-opt");
    let out = Command::new("node")
        .arg(&bin)
        .args(flags)
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "wasm-opt {flags:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh scratch folder for this test.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meld-optimise-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// Each composition fused to a core module, optimised with [`FLAGS`] (one
/// node process for all) and wrapped again with `meld wrap`, in order.
pub fn fuse_optimise_wrap(tag: &str, compositions: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let dir = scratch(tag);
    let mut pairs = Vec::new();
    for (k, c) in compositions.iter().enumerate() {
        let fused = meld_core::fuse(&[c], &Default::default()).expect("fuse");
        let i = dir.join(format!("{k}.wasm"));
        std::fs::write(&i, &fused.wasm).unwrap();
        pairs.push((i, dir.join(format!("{k}.opt.wasm"))));
    }
    optimise_all(&pairs);
    let wrapped = pairs
        .iter()
        .map(|(_, o)| {
            let optimised = std::fs::read(o).unwrap();
            meld_core::wrap::given::wrap_module(&optimised, false).expect("meld wrap")
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    wrapped
}
