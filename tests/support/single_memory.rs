//! Engines without multi-memory, for `--memory shared` output: wasmtime's
//! and wasmi's core APIs with the proposal switched off, and node (V8;
//! node 20 has no multi-memory), all host-free core modules in one node
//! process (`tests/tools/run-core-batch.mjs`). node is required: a missing
//! node fails the test, it never skips.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// wasmtime's core engine with multi-memory off.
pub fn wasmtime_engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(false);
    wasmtime::Engine::new(&config).expect("core engine")
}

/// wasmi with multi-memory off.
pub fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config.wasm_multi_memory(false);
    wasmi::Engine::new(&config)
}

/// What node made of one export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeOutcome {
    I32(u32),
    I64(u64),
    Trap(String),
    Error(String),
}

/// A scratch folder under `target/` for modules handed to node.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/single-memory")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Run every `(module file, exports)` on node; one outcome per export, in
/// order. Panics (fails the test) when node cannot be run.
pub fn run_on_node(jobs: &[(PathBuf, Vec<String>)]) -> Vec<Vec<NodeOutcome>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/run-core-batch.mjs");
    let mut cmd = Command::new("node");
    cmd.arg(&script);
    for (file, exports) in jobs {
        cmd.arg(file).arg(exports.join(","));
    }
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("node is required for the single-memory engine runs (not found: {e})")
    });
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("node prints UTF-8");
    let mut lines = text.lines();
    jobs.iter()
        .map(|(file, exports)| {
            let prefix = format!("{} ", file.display());
            let mut got = Vec::new();
            while got.len() < exports.len() {
                let line = lines.next().unwrap_or_else(|| panic!("node stopped early"));
                let rest = line.strip_prefix(&prefix).unwrap_or(line);
                let (export, outcome) = rest.split_once(' ').unwrap_or((rest, ""));
                let (kind, value) = outcome.split_once(' ').unwrap_or((outcome, ""));
                let o = match kind {
                    "i32" => NodeOutcome::I32(value.parse().expect("u32")),
                    "i64" => NodeOutcome::I64(value.parse().expect("u64")),
                    "trap" => NodeOutcome::Trap(value.to_string()),
                    _ => NodeOutcome::Error(format!("{kind} {value}")),
                };
                if export == "*" {
                    // The module did not compile: every export gets the error.
                    while got.len() < exports.len() {
                        got.push(o.clone());
                    }
                } else {
                    got.push(o);
                }
            }
            got
        })
        .collect()
}
