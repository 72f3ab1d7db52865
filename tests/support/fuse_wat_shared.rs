//! `fuse_wat` in `--memory shared` mode: every fixture fused to a
//! single-memory core module and run on engines with multi-memory switched
//! off (wasmtime's and wasmi's core APIs) and on node (V8, which has no
//! multi-memory), each against the header's expectations (which
//! `fuse_wat_fixtures` checks against the unfused composition).

use super::*;

#[path = "single_memory.rs"]
mod single_memory;

use single_memory::NodeOutcome;

fn node_matches(got: &NodeOutcome, want: Outcome) -> bool {
    match got {
        NodeOutcome::I32(v) => core_matches(CoreOutcome::I32(*v), want),
        NodeOutcome::I64(v) => core_matches(CoreOutcome::I64(*v), want),
        NodeOutcome::Trap(_) => want == Outcome::Trap,
        NodeOutcome::Error(_) => false,
    }
}

/// Fixtures node 20 cannot compile for a reason that has nothing to do with
/// memories (a later proposal), with the reason; printed, never silent.
const NOT_ON_NODE: &[(&str, &str)] = &[(
    "core_tail_const_multivalue",
    "node 20's V8 has no extended-const",
)];

#[test]
fn fuse_wat_fixtures_shared_memory() {
    let fixtures = load_fixtures();
    let filter = std::env::var("MELD_TEST_FILTER").ok();
    let wt = single_memory::wasmtime_engine();
    let wi = single_memory::wasmi_engine();
    let dir = single_memory::scratch("fuse_wat");
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let mut failures = Vec::new();
    let mut node_jobs = Vec::new();
    let mut node_expects = Vec::new();
    let (mut fixtures_run, mut checked, mut wasmi_skipped) = (0, 0, 0);
    let mut not_on_node = Vec::new();
    let mut region_accesses = 0;
    let mut wrapped_checked = 0;
    let comp = component_engine();
    for fx in &fixtures {
        if filter.as_deref().is_some_and(|f| !fx.name.contains(f)) {
            continue;
        }
        fixtures_run += 1;
        let mut fail = |export: &str, engine: &str, msg: String| {
            failures.push(format!("{}: `{export}` [{engine}]: {msg}", fx.name))
        };
        let bytes = wat::parse_file(&fx.path).expect("fixture parses");
        let fused = match meld_core::fuse(&[&bytes], &opts) {
            Ok(f) => f.wasm,
            Err(e) => {
                fail("*", "fuse --memory shared", e.to_string());
                continue;
            }
        };
        // Deterministic: a second fusion is the same bytes.
        match meld_core::fuse(&[&bytes], &opts) {
            Ok(again) if again.wasm == fused => {}
            _ => fail(
                "*",
                "fuse --memory shared",
                "a second fusion differs".into(),
            ),
        }
        match meld_core::isolation::check_regions(&bytes) {
            Ok((iso, regions)) => {
                if !iso.violations.is_empty() || !regions.violations.is_empty() {
                    fail(
                        "*",
                        "isolation",
                        format!("{:?} {:?}", iso.violations, regions.violations),
                    );
                }
                region_accesses += regions.accesses;
            }
            Err(e) => fail("*", "isolation", e.to_string()),
        }
        // Wrapped, both ways: `fuse --component`, and `meld wrap` of the
        // shared core module (region thunks give the host absolute
        // pointers in both).
        let wrapped_opts = meld_core::FuseOptions {
            component: true,
            ..opts.clone()
        };
        let ways = [
            (
                "shared/wrapped",
                meld_core::fuse(&[&bytes], &wrapped_opts)
                    .map(|f| f.wasm)
                    .map_err(|e| e.to_string()),
            ),
            (
                "shared/meld-wrap",
                meld_core::wrap::given::wrap_module(&fused, false).map_err(|e| e.to_string()),
            ),
        ];
        for (way, wrapped) in ways {
            match wrapped.and_then(|w| {
                wasmtime::component::Component::new(&comp, &w).map_err(|e| format!("{e:?}"))
            }) {
                Ok(component) => {
                    for ex in &fx.expects {
                        wrapped_checked += 1;
                        match run_unfused(&comp, &component, &ex.export) {
                            Ok(got) if got == ex.want => {
                                if let Some(e) = reason_missing(ex) {
                                    fail(&ex.export, way, e)
                                }
                            }
                            Ok(got) => {
                                fail(&ex.export, way, format!("got {got}, want {}", ex.want))
                            }
                            Err(e) => fail(&ex.export, way, e),
                        }
                    }
                }
                Err(e) => fail("*", way, e),
            }
        }
        let wt_module = wasmtime::Module::new(&wt, &fused).map_err(|e| format!("{e:?}"));
        let wi_module = fx
            .no_wasmi
            .is_none()
            .then(|| wasmi::Module::new(&wi, &fused[..]).map_err(|e| e.to_string()));
        wasmi_skipped += usize::from(wi_module.is_none());
        for ex in &fx.expects {
            checked += 1;
            match wt_module
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|m| run_fused_wasmtime(&wt, m, &ex.export))
            {
                Ok(got) if core_matches(got, ex.want) => {
                    if let Some(e) = reason_missing(ex) {
                        fail(&ex.export, "shared/wasmtime", e)
                    }
                }
                Ok(got) => fail(
                    &ex.export,
                    "shared/wasmtime",
                    format!("got {got}, want {}", ex.want),
                ),
                Err(e) => fail(&ex.export, "shared/wasmtime", e),
            }
            match wi_module.as_ref().map(|m| {
                m.as_ref()
                    .map_err(Clone::clone)
                    .and_then(|m| run_fused_wasmi(&wi, m, &ex.export))
            }) {
                None => {}
                Some(Ok(got)) if core_matches(got, ex.want) => {}
                Some(Ok(got)) => fail(
                    &ex.export,
                    "shared/wasmi",
                    format!("got {got}, want {}", ex.want),
                ),
                Some(Err(e)) => fail(&ex.export, "shared/wasmi", e),
            }
        }
        let file = dir.join(format!("{}.wasm", fx.name));
        std::fs::write(&file, &fused).expect("write module");
        // The fixtures wasmi cannot run use exception handling (exnref),
        // which node 20 does not have either.
        if let Some((_, why)) = NOT_ON_NODE.iter().find(|(n, _)| *n == fx.name) {
            not_on_node.push(format!("{} ({why})", fx.name));
        } else if let Some(why) = &fx.no_wasmi {
            not_on_node.push(format!("{} ({why})", fx.name));
        } else {
            node_jobs.push((file, fx.expects.iter().map(|e| e.export.clone()).collect()));
            node_expects.push((
                fx.name.clone(),
                fx.expects
                    .iter()
                    .map(|e| (e.export.clone(), e.want))
                    .collect::<Vec<_>>(),
            ));
        }
    }
    let node = single_memory::run_on_node(&node_jobs);
    let mut node_checked = 0;
    for ((name, expects), got) in node_expects.iter().zip(&node) {
        for ((export, want), got) in expects.iter().zip(got) {
            node_checked += 1;
            if !node_matches(got, *want) {
                failures.push(format!(
                    "{name}: `{export}` [shared/node]: got {got:?}, want {want}"
                ));
            }
        }
    }
    loud(&format!(
        "fuse_wat --memory shared: {fixtures_run} fixtures, {checked} expectations on wasmtime \
         and wasmi without multi-memory ({wasmi_skipped} fixture(s) not on wasmi), \
         {wrapped_checked} wrapped (`--component` and `meld wrap`), {node_checked} on node {}; not on node: {}; {region_accesses} memory \
         instructions proven region-checked\n",
        String::from_utf8_lossy(
            &std::process::Command::new("node")
                .arg("--version")
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default()
        )
        .trim(),
        not_on_node.join("; ")
    ));
    assert!(
        filter.is_some() || fixtures_run >= MIN_FIXTURES,
        "fixtures missing"
    );
    assert!(region_accesses > 0, "the region verifier saw no access");
    if !failures.is_empty() {
        panic!(
            "{} failure(s) in --memory shared:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
}
