//! The safety case gate and the loss-scenario regression tests
//! (`ls_<area>_<n>_…`). See safety/safety-case.yaml.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn wat_fixture(name: &str) -> Vec<u8> {
    let p = root().join("tests/fixtures/wat").join(name);
    assert!(p.exists(), "missing fixture {}", p.display());
    wat::parse_file(&p).unwrap()
}

/// `;; expect: export = value|trap` lines of a WAT fixture.
fn expectations(name: &str) -> Vec<(String, Option<i128>)> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/wat").join(name)).unwrap();
    let v: Vec<_> = text
        .lines()
        .filter_map(|l| l.strip_prefix(";; expect:"))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            let v = v.trim();
            (
                k.trim().to_string(),
                // `trap` or `trap <reason>` (fuse_wat checks the reason)
                (v != "trap" && !v.starts_with("trap ")).then(|| v.parse().unwrap()),
            )
        })
        .collect();
    assert!(!v.is_empty(), "{name} has expectations");
    v
}

/// Run every expectation of a fixture on the fused core module (wasmtime).
fn check_fused(name: &str) {
    let fused = meld_core::fuse(&[&wat_fixture(name)], &Default::default()).unwrap();
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = wasmtime::Module::new(&engine, &fused.wasm).unwrap();
    for (export, want) in expectations(name) {
        let mut store = wasmtime::Store::new(&engine, ());
        let inst = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let f = inst.get_func(&mut store, &export).unwrap();
        let mut out = [wasmtime::Val::I32(0)];
        let got = match f.call(&mut store, &[], &mut out) {
            Ok(()) => Some(()),
            Err(e) => {
                // Only a wasm trap counts as the expected trap, not a
                // host error or a signature mismatch.
                assert!(
                    e.downcast_ref::<wasmtime::Trap>().is_some(),
                    "{name}: {export}: not a trap: {e:?}"
                );
                None
            }
        }
        .map(|_| match out[0] {
            wasmtime::Val::I32(v) => v as u32 as i128,
            wasmtime::Val::I64(v) => v as u64 as i128,
            ref other => panic!("unexpected result {other:?}"),
        });
        let want_bits = want.map(|w| {
            if matches!(out[0], wasmtime::Val::I64(_)) {
                w as u64 as i128
            } else {
                w as u32 as i128
            }
        });
        assert_eq!(got, want_bits, "{name}: `{export}`");
    }
}

#[derive(Deserialize)]
struct Case {
    losses: Vec<Entry>,
    hazards: Vec<Entry>,
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
}

#[derive(Deserialize)]
struct Scenario {
    id: String,
    hazard: String,
    cause: String,
    control: String,
    test: String,
    status: String,
}

/// Names of all `fn ls_…` tests in the repository's Rust sources.
fn scan_ls_tests() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![
        root().join("tests"),
        root().join("meld-core/src"),
        root().join("meld-cli/src"),
    ];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                for line in std::fs::read_to_string(&p).unwrap().lines() {
                    if let Some(rest) = line.trim_start().strip_prefix("fn ls_") {
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        out.insert(format!("ls_{name}"));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn safety_case_gate() {
    let text = std::fs::read_to_string(root().join("safety/safety-case.yaml")).unwrap();
    let case: Case = serde_yaml::from_str(&text).expect("safety case parses");
    assert!(!case.losses.is_empty() && !case.hazards.is_empty());
    let hazards: BTreeSet<_> = case.hazards.iter().map(|h| h.id.as_str()).collect();
    let tests = scan_ls_tests();
    let mut problems = Vec::new();
    let mut named = BTreeSet::new();
    for s in &case.scenarios {
        let parts: Vec<&str> = s.id.split('-').collect();
        if parts.len() != 3 || parts[0] != "LS" || parts[2].parse::<u32>().is_err() {
            problems.push(format!("{}: id must be LS-<AREA>-<n>", s.id));
            continue;
        }
        if !hazards.contains(s.hazard.as_str()) {
            problems.push(format!("{}: unknown hazard {}", s.id, s.hazard));
        }
        if s.cause.trim().is_empty() || s.control.trim().is_empty() {
            problems.push(format!("{}: cause and control are required", s.id));
        }
        if s.status != "approved" {
            continue;
        }
        let prefix = format!("ls_{}_{}_", parts[1].to_lowercase(), parts[2]);
        if !s.test.starts_with(&prefix) {
            problems.push(format!(
                "{}: test `{}` must start with `{prefix}`",
                s.id, s.test
            ));
        }
        if !tests.contains(&s.test) {
            problems.push(format!("{}: test `{}` does not exist", s.id, s.test));
        }
        named.insert(s.test.clone());
    }
    for t in &tests {
        if !named.contains(t) {
            problems.push(format!("test `{t}` guards no scenario in the safety case"));
        }
    }
    assert!(
        problems.is_empty(),
        "safety case gate:\n  {}",
        problems.join("\n  ")
    );
    eprintln!(
        "safety case: {} approved scenarios, all guarded",
        named.len()
    );
}

#[test]
fn ls_merge_1_remapped_calls_reach_the_right_items() {
    for f in [
        "chain_4.wat",
        "tables_globals.wat",
        "nested_3_levels.wat",
        "multi_memory_module.wat",
    ] {
        check_fused(f);
    }
}

#[test]
fn ls_merge_2_two_instances_keep_separate_state() {
    check_fused("two_instances_state.wat");
}

#[test]
fn ls_xcode_1_out_of_bounds_strings_trap() {
    check_fused("realloc_bad_trap.wat"); // includes a string placed out of bounds
    check_fused("string_invalid_utf8_trap.wat"); // includes an out-of-bounds string
}

#[test]
fn ls_xcode_2_invalid_strings_trap() {
    check_fused("string_invalid_utf8_trap.wat");
    check_fused("string_lone_surrogate_trap.wat");
}

#[test]
fn ls_realloc_1_bad_realloc_results_trap() {
    check_fused("realloc_bad_trap.wat");
}

#[test]
fn ls_reentry_1_reentrance_traps() {
    check_fused("reentrance_trap.wat");
}

fn all_wat_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("tests/fixtures/wat"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    v.sort();
    assert!(v.len() >= 40);
    v
}

#[test]
fn ls_iso_1_components_reach_only_their_own_memories() {
    let mut refs = 0;
    for p in all_wat_fixtures() {
        let report = meld_core::isolation::check(&wat::parse_file(&p).unwrap()).unwrap();
        assert!(
            report.violations.is_empty(),
            "{}: {:?}",
            p.display(),
            report.violations
        );
        refs += report.references;
    }
    assert!(refs > 500, "the check looked at {refs} references only");
}

#[test]
fn ls_iso_5_shared_regions_bound_every_access() {
    let mut accesses = 0;
    for p in all_wat_fixtures() {
        let bytes = wat::parse_file(&p).unwrap();
        let (iso, regions) = meld_core::isolation::check_regions(&bytes).unwrap();
        assert!(
            iso.violations.is_empty(),
            "{}: {:?}",
            p.display(),
            iso.violations
        );
        assert!(
            regions.violations.is_empty(),
            "{}: {:?}",
            p.display(),
            regions.violations
        );
        accesses += regions.accesses;
    }
    assert!(accesses > 1000, "only {accesses} accesses checked");
}

#[test]
fn ls_iso_2_isolation_check_detects_a_wrong_map() {
    let bytes = wat_fixture("chain_3.wat");
    let graph = meld_core::front::translate::translate(&bytes).unwrap();
    let mut merged = meld_core::merge::merge(&graph).unwrap();
    assert!(meld_core::isolation::check_merged(&graph, &merged)
        .violations
        .is_empty());
    // Point the first component node that uses memory at another component's memory.
    let memories = merged.counts.memories;
    assert!(memories >= 2);
    let victim = (0..graph.nodes.len())
        .find(|i| {
            matches!(
                graph.nodes[*i].kind,
                meld_core::graph::NodeKind::Component { .. }
            ) && !merged.maps[*i].memories.is_empty()
        })
        .unwrap();
    let m = merged.maps[victim].memories[0];
    merged.maps[victim].memories[0] = (m + 1) % memories;
    let report = meld_core::isolation::check_merged(&graph, &merged);
    assert!(!report.violations.is_empty(), "tampered map not detected");
}

/// Compositions holding handles of table, host and exported resources.
fn handle_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for p in all_wat_fixtures() {
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("resource_")
        {
            v.push((p.display().to_string(), wat::parse_file(&p).unwrap()));
        }
    }
    for name in [
        "host/pair.wat",
        "host/two_writers.wat",
        "host/memory_handles.wat",
        "exported/counters.wat",
        "exported/pair.wat",
    ] {
        let p = root().join("tests/fixtures").join(name);
        v.push((name.to_string(), wat::parse_file(&p).unwrap()));
    }
    for name in ["res-streams.wasm", "res-chain3.wasm", "stdio.wasm"] {
        let p = root().join("tests/fixtures/rust").join(name);
        v.push((name.to_string(), std::fs::read(&p).unwrap()));
    }
    v
}

#[test]
fn ls_iso_3_components_reach_only_their_own_handle_tables() {
    let mut checked = 0;
    for (name, bytes) in handle_fixtures() {
        let report = meld_core::isolation::check(&bytes).unwrap();
        assert!(
            report.violations.is_empty(),
            "{name}: {:?}",
            report.violations
        );
        assert!(
            report.handle_imports > 0,
            "{name}: no resource intrinsic checked"
        );
        checked += report.handle_imports;
    }
    assert!(
        checked > 50,
        "the check looked at {checked} handle imports only"
    );
}

#[test]
fn ls_iso_4_handle_check_detects_a_foreign_table() {
    use meld_core::builtins::Builtin;
    use meld_core::graph::{Def, NodeKind};
    let bytes = wat::parse_file(root().join("tests/fixtures/host/pair.wat")).unwrap();
    let graph = meld_core::front::translate::translate(&bytes).unwrap();
    let merged = meld_core::merge::merge(&graph).unwrap();
    assert!(meld_core::isolation::check_merged(&graph, &merged)
        .violations
        .is_empty());
    // A resource.drop shim imported by a component, moved to another
    // instance's table.
    let mut tampered = graph.clone();
    let shim = tampered
        .nodes
        .iter()
        .position(|n| matches!(n.kind, NodeKind::Builtin(Builtin::ResDrop(_))))
        .expect("pair.wat drops handles");
    let NodeKind::Builtin(Builtin::ResDrop(mut s)) = tampered.nodes[shim].kind.clone() else {
        unreachable!()
    };
    s.table += 1;
    tampered.nodes[shim].kind = NodeKind::Builtin(Builtin::ResDrop(s));
    let report = meld_core::isolation::check_merged(&tampered, &merged);
    assert!(!report.violations.is_empty(), "foreign table not detected");
    // A component calling the host's constructor directly instead of
    // through its boundary thunk.
    let mut tampered = graph.clone();
    let (thunk, host) = tampered
        .nodes
        .iter()
        .enumerate()
        .find_map(|(i, n)| match n.kind {
            NodeKind::Builtin(Builtin::Boundary { .. }) => n
                .args
                .iter()
                .find(|a| matches!(a, Def::Host(_)))
                .map(|h| (i, *h)),
            _ => None,
        })
        .expect("pair.wat has boundary thunks");
    let user = tampered
        .nodes
        .iter_mut()
        .find(|n| {
            matches!(n.kind, NodeKind::Component { .. })
                && n.args
                    .iter()
                    .any(|a| matches!(a, Def::Item { instance, .. } if *instance == thunk))
        })
        .expect("a component imports the thunk");
    for a in &mut user.args {
        if matches!(a, Def::Item { instance, .. } if *instance == thunk) {
            *a = host;
        }
    }
    let report = meld_core::isolation::check_merged(&tampered, &merged);
    assert!(
        report.violations.iter().any(|v| v.contains("directly")),
        "bypassed boundary thunk not detected: {:?}",
        report.violations
    );
}

#[test]
fn ls_det_1_fusing_twice_is_byte_identical() {
    for p in all_wat_fixtures() {
        let bytes = wat::parse_file(&p).unwrap();
        for component in [false, true] {
            let opts = meld_core::FuseOptions {
                component,
                ..Default::default()
            };
            let a = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
            let b = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
            assert!(a == b, "{} (component: {component})", p.display());
            // The second thread (world decoding, validation) changes nothing.
            let serial = meld_core::FuseOptions {
                serial: true,
                ..opts
            };
            let c = meld_core::fuse(&[&bytes], &serial).unwrap().wasm;
            assert!(a == c, "{} (component: {component}, serial)", p.display());
        }
    }
    // Large enough for validating (and, with the world decoded beside
    // translation, merging) on two threads.
    for name in ["res-chain3.wasm", "reexport.wasm"] {
        let bytes = std::fs::read(root().join("tests/fixtures/rust").join(name)).unwrap();
        let a = meld_core::fuse(&[&bytes], &Default::default())
            .unwrap()
            .wasm;
        let serial = meld_core::FuseOptions {
            serial: true,
            ..Default::default()
        };
        let b = meld_core::fuse(&[&bytes], &serial).unwrap().wasm;
        assert!(a == b, "{name}: serial and parallel outputs differ");
        let early = meld_core::FuseOptions {
            world_beside_translation: true,
            ..Default::default()
        };
        let c = meld_core::fuse(&[&bytes], &early).unwrap().wasm;
        assert!(
            a == c,
            "{name}: the world thread's placement changes the output"
        );
    }
}

#[test]
fn ls_out_1_failure_leaves_previous_output_untouched() {
    let dir = std::env::temp_dir().join(format!("meld-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("o.wasm");
    std::fs::write(&out, b"previous").unwrap();
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_meld"))
        .arg("fuse")
        .arg(root().join("tests/fixtures/bad/thread_builtin.wat"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ls_out_2_every_output_validates() {
    let mut features = wasmparser::WasmFeatures::default();
    features.insert(wasmparser::WasmFeatures::CM_FIXED_LENGTH_LISTS);
    features.insert(wasmparser::WasmFeatures::CM_MAP);
    for p in all_wat_fixtures() {
        let bytes = wat::parse_file(&p).unwrap();
        for component in [false, true] {
            let opts = meld_core::FuseOptions {
                component,
                ..Default::default()
            };
            let out = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
            wasmparser::Validator::new_with_features(features)
                .validate_all(&out)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn ls_input_1_mutated_inputs_never_panic_and_outputs_validate() {
    let seeds: Vec<Vec<u8>> = all_wat_fixtures()
        .iter()
        .map(|p| wat::parse_file(p).unwrap())
        .collect();
    let mut rng = Rng(0x6d65_6c64_2d66_757a);
    let (mut accepted, mut rejected) = (0, 0);
    let cases = 1500;
    for _ in 0..cases {
        let mut bytes = seeds[(rng.next() % seeds.len() as u64) as usize].clone();
        let edits = 1 + rng.next() % 4;
        for _ in 0..edits {
            let at = (rng.next() % bytes.len() as u64) as usize;
            match rng.next() % 4 {
                0 => bytes[at] ^= 1 << (rng.next() % 8),
                1 => bytes[at] = rng.next() as u8,
                2 => bytes.truncate(at.max(8)),
                _ => {
                    let b = rng.next() as u8;
                    bytes.insert(at, b);
                }
            }
        }
        let result = std::panic::catch_unwind(|| meld_core::fuse(&[&bytes], &Default::default()));
        match result {
            Err(_) => panic!("meld panicked on a mutated input: {bytes:02x?}"),
            Ok(Ok(f)) => {
                accepted += 1;
                meld_core::encode::validate(&f.wasm).expect("accepted input gives a valid module");
            }
            Ok(Err(e)) => {
                rejected += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    eprintln!("mutation fuzz: {cases} cases, {accepted} accepted, {rejected} rejected");
    assert_eq!(accepted + rejected, cases);
}

#[test]
fn ls_input_2_unsupported_features_are_refused_by_name() {
    for (file, needle) in [
        ("thread_builtin.wat", "cooperative threads"),
        ("host_stream.wat", "across the host boundary"),
    ] {
        let bytes = wat::parse_file(root().join("tests/fixtures/bad").join(file)).unwrap();
        let err = meld_core::fuse(&[&bytes], &Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("unsupported:") && err.contains(needle),
            "{file}: {err}"
        );
    }
}

#[test]
fn ls_wrap_1_wrapped_world_is_identical() {
    for p in all_wat_fixtures()
        .iter()
        .chain([&root().join("tests/fixtures/host/host_strings.wat")])
    {
        let bytes = wat::parse_file(p).unwrap();
        let opts = meld_core::FuseOptions::wrapped();
        let out = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
        assert_eq!(
            meld_core::front::world::wit_text(&out).unwrap(),
            meld_core::front::world::wit_text(&bytes).unwrap(),
            "{}",
            p.display()
        );
    }
}

#[test]
fn ls_wrap_2_host_imports_keep_their_components_memory() {
    // Two components lower the same host function with their own memories:
    // the ABI record keeps them apart and the wrapper lowers each with its own.
    let bytes = wat::parse_file(root().join("tests/fixtures/host/duplicate_lowering.wat")).unwrap();
    let fused = meld_core::fuse(&[&bytes], &Default::default()).unwrap();
    let mems: BTreeSet<_> = fused
        .abi
        .imports
        .iter()
        .filter(|i| i.field == "log")
        .map(|i| i.options.memory.clone().unwrap())
        .collect();
    assert_eq!(mems.len(), 2);
    let opts = meld_core::FuseOptions::wrapped();
    let wrapped = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
    // Each lowering in the wrapper names a different memory alias.
    let mut lower_memories = BTreeSet::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wrapped) {
        if let Ok(wasmparser::Payload::ComponentCanonicalSection(r)) = payload {
            for f in r.into_iter().flatten() {
                if let wasmparser::CanonicalFunction::Lower { options, .. } = f {
                    for o in options.iter() {
                        if let wasmparser::CanonicalOption::Memory(m) = o {
                            lower_memories.insert(*m);
                        }
                    }
                }
            }
        }
    }
    assert_eq!(lower_memories.len(), 2, "{lower_memories:?}");
}

#[test]
fn ls_res_1_handle_misuse_traps() {
    check_fused("resource_traps.wat");
    check_fused("resource_two_definers.wat");
    check_fused("resource_alias_import.wat");
    check_fused("resource_borrow_relay.wat");
}

#[test]
fn ls_res_2_handle_tables_live_in_a_private_memory() {
    let fixtures: Vec<PathBuf> = all_wat_fixtures()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("resource_")
        })
        .collect();
    assert!(fixtures.len() >= 10, "resource fixtures missing");
    for p in fixtures {
        runtime_memory_is_private(&p, "meld:resources");
    }
}

/// The memory of the runtime node labelled `runtime` in the fused `p` is
/// reachable by no component node, no component code names a foreign
/// memory (isolation check), and the fused module does not export it.
fn runtime_memory_is_private(p: &std::path::Path, runtime: &str) {
    let bytes = wat::parse_file(p).unwrap();
    let graph = meld_core::front::translate::translate(&bytes).unwrap();
    let merged = meld_core::merge::merge(&graph).unwrap();
    let rt: Vec<usize> = graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.label == runtime)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(rt.len(), 1, "{}: one `{runtime}` node", p.display());
    let table_mem = merged.maps[rt[0]].memories[0];
    for (i, n) in graph.nodes.iter().enumerate() {
        if matches!(n.kind, meld_core::graph::NodeKind::Component { .. }) {
            assert!(
                !merged.maps[i].memories.contains(&table_mem),
                "{}: component node {} can reach `{runtime}`'s memory",
                p.display(),
                n.label
            );
        }
    }
    let report = meld_core::isolation::check(&bytes).unwrap();
    assert!(
        report.violations.is_empty(),
        "{}: {:?}",
        p.display(),
        report.violations
    );
    let fused = meld_core::fuse(&[&bytes], &Default::default()).unwrap();
    for payload in wasmparser::Parser::new(0).parse_all(&fused.wasm) {
        if let Ok(wasmparser::Payload::ExportSection(r)) = payload {
            for e in r.into_iter().flatten() {
                assert!(
                    !(e.kind == wasmparser::ExternalKind::Memory && e.index == table_mem),
                    "{}: `{runtime}`'s memory is exported as `{}`",
                    p.display(),
                    e.name
                );
            }
        }
    }
}

#[test]
fn ls_res_3_destructors_run_once_per_owned_resource() {
    check_fused("resource_lifecycle.wat");
    check_fused("resource_borrow.wat");
    check_fused("resource_reexport_chain.wat");
}

#[test]
fn ls_res_4_opaque_rep_is_refused_across_the_host_boundary() {
    let exported =
        wat::parse_file(root().join("tests/fixtures/resources/exported_from_instance.wat"))
            .unwrap();
    let opts = meld_core::FuseOptions {
        opaque_reps: vec!["r".into()],
        ..Default::default()
    };
    let err = meld_core::fuse(&[&exported], &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("crosses the host boundary"), "{err}");
    let streams = std::fs::read(root().join("tests/fixtures/rust/res-streams.wasm")).unwrap();
    let opts = meld_core::FuseOptions {
        opaque_reps: vec!["wasi:io/streams@0.2.6.output-stream".into()],
        ..Default::default()
    };
    let err = meld_core::fuse(&[&streams], &opts).unwrap_err().to_string();
    assert!(
        err.contains("no resource type of that name is defined inside"),
        "{err}"
    );
}

/// Async runtime (docs/async.md): subtask handles, waitable sets and their
/// events live in the caller's own table; a handle of another instance
/// traps `unknown handle index` (async_pending_start.wat `run-across-2`),
/// events arrive in wasmtime's order at the task that waits.
#[test]
fn ls_async_1_events_and_handles_stay_with_their_instance() {
    check_fused("async_pending_start.wat");
    check_fused("async_suspend.wat");
}

/// Context slots, borrow scopes and backpressure are per task / instance:
/// a fresh task sees slot 0 = 0 (async_calls.wat `run-ctx`,
/// async_builtins.wat `ctx-fresh`).
#[test]
fn ls_async_2_task_state_is_per_task() {
    check_fused("async_calls.wat");
    check_fused("async_builtins.wat");
}

/// The async runtime's state (tables, task stack, pending starts) is in a
/// memory of its own that no component code names.
#[test]
fn ls_async_3_runtime_state_is_unreachable_from_components() {
    let fixtures: Vec<PathBuf> = all_wat_fixtures()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("async_")
        })
        .collect();
    assert!(fixtures.len() >= 4, "async fixtures missing");
    for p in fixtures {
        runtime_memory_is_private(&p, "meld:async");
    }
}

/// Where a task would block and nothing can make progress, the fused
/// module traps as wasmtime does (`cannot block a synchronous task before
/// returning`) instead of hanging; the one-stack limits trap by name
/// (tests/cli.rs `async_one_stack_limits_trap_naming_the_situation`).
#[test]
fn ls_async_4_blocking_that_cannot_progress_traps() {
    check_fused("async_builtins.wat");
    check_fused("async_suspend.wat");
}
