//! The `meld` command line: successful runs, linking of separate files, and
//! every class of bad input (exit code, one clear message, no output file).

#[path = "gen/amplify.rs"]
mod amplify;

use amplify::Amplify;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn fixture(rel: &str) -> PathBuf {
    let p = fixtures().join(rel);
    assert!(p.exists(), "missing fixture {}", p.display());
    p
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meld-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn meld(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meld"))
        .args(args)
        .output()
        .expect("meld runs")
}

fn fuse(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["fuse".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.push("-o".as_ref());
    args.push(out.as_os_str());
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    meld(&args)
}

/// Run export `name` (no params, one i32 result) of a host-free core module.
fn run_core_i32(wasm: &[u8], name: &str) -> i32 {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(true);
    let engine = wasmtime::Engine::new(&config).expect("engine");
    let module = wasmtime::Module::new(&engine, wasm).expect("fused module compiles");
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("instantiates");
    let f = instance
        .get_typed_func::<(), i32>(&mut store, name)
        .expect("export exists with type () -> i32");
    f.call(&mut store, ()).expect("call succeeds")
}

/// Assert a failed run: exit code 1, exactly one `error:` line on stderr
/// containing `needle`, nothing on stdout, and no output file.
fn assert_refused(out: &Output, needle: &str, output_path: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "error line: {stderr}");
    assert!(
        lines[0].contains(needle),
        "error line should mention `{needle}`: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert!(!output_path.exists(), "no output file may be created");
}

#[test]
fn fuses_a_shipped_fixture_and_the_result_runs() {
    let dir = scratch("ok");
    let out = dir.join("out.wasm");
    let map = dir.join("abi.json");
    let input = fixture("wat/string_utf8_to_utf16_len.wat");
    let r = fuse(
        &[&input],
        &out,
        &["--stats", "--emit-import-map", map.to_str().unwrap()],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stats = String::from_utf8_lossy(&r.stderr);
    for key in [
        "component instances:",
        "adapter",
        "memories:",
        "output bytes:",
        "time:",
    ] {
        assert!(stats.contains(key), "--stats prints `{key}`: {stats}");
    }
    let wasm = std::fs::read(&out).unwrap();
    wasmparser::Validator::new().validate_all(&wasm).unwrap();
    assert_eq!(run_core_i32(&wasm, "run"), 5);
    let json: String = std::fs::read_to_string(&map).unwrap();
    assert!(json.contains("\"name\": \"run\""), "{json}");
    // No temporary files are left next to the output.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("meld-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn links_two_separate_files_by_name() {
    let dir = scratch("link");
    let out = dir.join("linked.wasm");
    let app = fixture("link/app.wat");
    let lib = fixture("link/lib.wat");
    let r = fuse(&[&app, &lib], &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let wasm = std::fs::read(&out).unwrap();
    assert_eq!(run_core_i32(&wasm, "run"), 42134);
    // Order of the inputs does not matter.
    let out2 = dir.join("linked2.wasm");
    let r = fuse(&[&lib, &app], &out2, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(run_core_i32(&std::fs::read(&out2).unwrap(), "run"), 42134);
}

#[test]
fn refuses_missing_file() {
    let dir = scratch("missing");
    let out = dir.join("o.wasm");
    let r = fuse(&[&dir.join("nope.wasm")], &out, &[]);
    assert_refused(&r, "cannot read", &out);
}

#[test]
fn refuses_non_wasm() {
    let dir = scratch("notwasm");
    let input = dir.join("in.wasm");
    std::fs::write(&input, b"hello, this is not wasm\n").unwrap();
    let out = dir.join("o.wasm");
    assert_refused(
        &fuse(&[&input], &out, &[]),
        "not a WebAssembly binary",
        &out,
    );
}

#[test]
fn refuses_core_module() {
    let dir = scratch("core");
    let input = dir.join("core.wasm");
    std::fs::write(
        &input,
        wat::parse_file(fixture("bad/core_module.wat")).unwrap(),
    )
    .unwrap();
    let out = dir.join("o.wasm");
    assert_refused(&fuse(&[&input], &out, &[]), "core WebAssembly module", &out);
}

#[test]
fn refuses_truncated_component() {
    let dir = scratch("trunc");
    let full = wat::parse_file(fixture("wat/string_utf8_to_utf16_len.wat")).unwrap();
    let out = dir.join("o.wasm");
    for cut in [6, 9, full.len() / 2, full.len() - 1] {
        let input = dir.join(format!("cut{cut}.wasm"));
        std::fs::write(&input, &full[..cut]).unwrap();
        let r = fuse(&[&input], &out, &[]);
        let needle = if cut < 8 {
            "truncated"
        } else {
            "invalid component"
        };
        assert_refused(&r, needle, &out);
    }
}

#[test]
fn refuses_invalid_component_body() {
    let dir = scratch("invalid");
    let input = dir.join("bad.wasm");
    let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
    bytes.extend_from_slice(&[0x7f, 0x03, 1, 2, 3]);
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.join("o.wasm");
    assert_refused(&fuse(&[&input], &out, &[]), "invalid component", &out);
}

/// Function bodies are validated by no earlier stage than the fused module's
/// validation; an invalid one must still be blamed on the input.
#[test]
fn refuses_an_invalid_function_body_as_invalid_input() {
    let dir = scratch("invalid-body");
    let typed = wat::parse_file(fixture("bad/invalid_body.wat")).unwrap();
    // The same component with the body `i64.const 7; end` made `else; end;
    // end`: an `else` outside any `if` (ill-formed rather than ill-typed).
    let at = typed
        .windows(3)
        .position(|w| w == [0x42, 0x07, 0x0b])
        .expect("the body is in the fixture");
    let mut formed = typed.clone();
    formed[at..at + 3].copy_from_slice(&[0x05, 0x0b, 0x0b]);
    // A body naming a data segment its module does not have (the fused
    // module's segment of that number is another component's).
    let foreign = wat::parse_file(fixture("bad/foreign_segment.wat")).unwrap();
    for (name, bytes) in [("typed", typed), ("formed", formed), ("foreign", foreign)] {
        let input = dir.join(format!("{name}.wasm"));
        std::fs::write(&input, &bytes).unwrap();
        // With `--component` the module is validated only inside the
        // wrapped component: the input must still be blamed.
        for args in [&[][..], &["--component"]] {
            let out = dir.join(format!("{name}{}.out.wasm", args.len()));
            let r = fuse(&[&input], &out, args);
            assert_refused(&r, "invalid component", &out);
            let stderr = String::from_utf8_lossy(&r.stderr);
            assert!(
                !stderr.contains("internal error"),
                "{name} {args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn refuses_unlinkable_inputs() {
    let dir = scratch("unlinked");
    let out = dir.join("o.wasm");
    let r = fuse(
        &[
            &fixture("bad/unlinked_a.wat"),
            &fixture("bad/unlinked_b.wat"),
        ],
        &out,
        &[],
    );
    assert_refused(&r, "cannot link inputs", &out);
}

#[test]
fn refuses_async_naming_it() {
    let dir = scratch("async");
    let out = dir.join("o.wasm");
    let r = fuse(&[&fixture("bad/thread_builtin.wat")], &out, &[]);
    assert_refused(&r, "unsupported: async", &out);
}

#[test]
fn streams_fuse_and_run() {
    // A composition that makes a stream fuses, also when the stream is one
    // component down after a core module (the precheck walks nested
    // components); `stream.new` runs in the fused module's runtime: the
    // readable end is handle 1 (docs/streams.md).
    let dir = scratch("stream");
    let out = dir.join("o.wasm");
    for f in ["bad/stream.wat", "bad/nested_stream.wat"] {
        let r = fuse(&[&fixture(f)], &out, &[]);
        assert!(
            r.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let wasm = std::fs::read(&out).unwrap();
        assert_eq!(run_core_i32(&wasm, "make"), 1, "{f}");
        std::fs::remove_file(&out).unwrap();
    }
}

#[test]
fn async_one_stack_limits_trap_naming_the_situation() {
    // Where the one-stack async runtime cannot do what wasmtime does
    // (docs/async.md), each export traps in a function named for it.
    let dir = scratch("one_stack");
    let out = dir.join("o.wasm");
    let r = fuse(&[&fixture("bad/async_one_stack.wat")], &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let wasm = std::fs::read(&out).unwrap();
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, &wasm).expect("fused module compiles");
    for (export, reason) in [
        (
            "borrowed",
            "a suspended task would keep handles borrowed or lent across its suspension",
        ),
        ("promote", "a yield or wait would run a pending task"),
    ] {
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("instantiates");
        let f = instance
            .get_typed_func::<(), i32>(&mut store, export)
            .unwrap_or_else(|e| panic!("export `{export}`: {e}"));
        let e = f.call(&mut store, ()).expect_err("traps");
        let bt = e
            .downcast_ref::<wasmtime::WasmBacktrace>()
            .unwrap_or_else(|| panic!("{export}: no backtrace in {e:?}"));
        let name = bt.frames()[0].func_name().unwrap_or_default().to_string();
        assert!(
            name.contains("meld: one-stack runtime: ") && name.contains(reason),
            "{export}: trapped in {name}"
        );
    }
    // A task started by an async call that blocks in waitable-set.wait
    // from its own code: the async export `run` traps naming it (the host
    // implements the export's task.return import: docs/abi.md).
    let r = fuse(&[&fixture("bad/async_one_stack_wait.wat")], &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let waits = wasmtime::Module::new(&engine, std::fs::read(&out).unwrap()).expect("compiles");
    let mut linker = wasmtime::Linker::new(&engine);
    linker
        .func_wrap("[export]$root", "[task-return]run", |_: i32| {})
        .unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = linker
        .instantiate(&mut store, &waits)
        .expect("instantiates");
    let f = instance
        .get_typed_func::<(), i32>(&mut store, "[async-lift]run")
        .expect("the async export's core entry");
    let e = f.call(&mut store, ()).expect_err("traps");
    let bt = e
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .expect("backtrace");
    let name = bt.frames()[0].func_name().unwrap_or_default().to_string();
    assert!(
        name.contains("a task started by an async call would suspend"),
        "trapped in {name}"
    );
    // A task started by an async call that makes an async call of its own
    // runs it in place, as wasmtime 49 does: the callee yields, so the
    // caller gets STARTED | subtask 1 << 4 (wasmtime 49 gives 17 as well).
    assert_eq!(run_core_i32(&wasm, "nested"), 17);
    // subtask.cancel (async) of a yielded callee: BLOCKED (-1), the callee
    // gets TASK_CANCELLED when it next runs (wasmtime 48 and 49 give -1).
    assert_eq!(run_core_i32(&wasm, "cancel"), -1);
}

#[test]
fn memory_modes_multi_auto_and_shared() {
    let dir = scratch("memory");
    let input = fixture("wat/string_utf8_to_utf16_len.wat");
    let out = dir.join("o.wasm");
    for mode in ["multi", "auto", "shared"] {
        let r = fuse(&[&input], &out, &["--memory", mode]);
        assert!(
            r.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let wasm = std::fs::read(&out).unwrap();
        assert_eq!(run_core_i32(&wasm, "run"), 5);
        let memories: u32 = wasmparser::Parser::new(0)
            .parse_all(&wasm)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::MemorySection(r) => Some(r.count()),
                _ => None,
            })
            .sum();
        match mode {
            "shared" => assert_eq!(memories, 1, "one memory"),
            _ => assert!(memories > 1, "{mode}: one memory per component"),
        }
        std::fs::remove_file(&out).unwrap();
    }
    // A composition exporting a function that passes memory (a list of
    // records of strings) wraps in shared mode: region thunks give the
    // host absolute pointers (tests/conformance.rs and rust_fixtures.rs
    // run such components).
    let r = fuse(
        &[&fixture("wat/map_values.wat")],
        &out,
        &["--memory", "shared", "--component"],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let wasm = std::fs::read(&out).unwrap();
    assert!(wasmparser::Parser::is_component(&wasm));
}

#[test]
fn failure_leaves_previous_output_untouched() {
    let dir = scratch("keep");
    let out = dir.join("o.wasm");
    std::fs::write(&out, b"previous").unwrap();
    let r = fuse(&[&fixture("bad/thread_builtin.wat")], &out, &[]);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
}

#[test]
fn refuses_output_that_is_an_input() {
    let dir = scratch("same");
    let input = dir.join("in.wasm");
    let bytes = wat::parse_file(fixture("wat/string_utf8_to_utf16_len.wat")).unwrap();
    std::fs::write(&input, &bytes).unwrap();
    let r = fuse(&[&input], &input, &[]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is also an input"), "{stderr}");
    assert_eq!(std::fs::read(&input).unwrap(), bytes, "input untouched");
}

#[test]
fn refuses_unwritable_output_directory() {
    let dir = scratch("nodir");
    let out = dir.join("no/such/dir/o.wasm");
    let r = fuse(&[&fixture("wat/string_utf8_to_utf16_len.wat")], &out, &[]);
    assert_refused(&r, "cannot write", &out);
}

#[test]
fn same_input_gives_byte_identical_output() {
    let dir = fixtures().join("wat");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "expected the WAT fixtures in {}",
        dir.display()
    );
    let mut fused = 0;
    for f in &files {
        let bytes = wat::parse_file(f).unwrap();
        let a = meld_core::fuse(&[&bytes], &Default::default());
        let b = meld_core::fuse(&[&bytes], &Default::default());
        match (a, b) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.wasm, b.wasm, "{} fuses deterministically", f.display());
                fused += 1;
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            _ => panic!("{}: fusing twice gave different outcomes", f.display()),
        }
    }
    assert!(fused >= 40, "only {fused} fixtures fused");
}

#[test]
fn component_flag_writes_a_component_with_the_same_world() {
    let dir = scratch("component");
    let out = dir.join("c.wasm");
    let input = fixture("host/host_strings.wat");
    let r = fuse(&[&input], &out, &["--component"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(
        meld_core::front::precheck::classify(&bytes).unwrap(),
        meld_core::front::precheck::BinaryKind::Component
    );
    let original = wat::parse_file(&input).unwrap();
    assert_eq!(
        meld_core::front::world::wit_text(&bytes).unwrap(),
        meld_core::front::world::wit_text(&original).unwrap()
    );
}

#[test]
fn inspect_shows_graph_abi_and_world_as_text_and_json() {
    let input = fixture("host/host_strings.wat");
    let r = meld(&["inspect".as_ref(), input.as_os_str()]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8(r.stdout).unwrap();
    for needle in [
        "component instances: 4",
        "(adapter)",
        "meld:trap (builtin)",
        // component 1 has a realloc, so its host imports are behind a
        // may-leave check (graph/may_leave.rs)
        "h::get <- meld:may-leave/c1/test:host/api#get",
        "::f <- host test:host/api#get",
        "h::add <- host test:host/api#add",
        "test:host/api#get  (component 1, memory cabi_memory0",
        "import test:host/api;",
        "export run: func() -> u32;",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    let r = meld(&["inspect".as_ref(), input.as_os_str(), "--json".as_ref()]);
    assert!(r.status.success());
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(json["input"], "component");
    assert_eq!(json["abi"]["imports"][0]["field"], "get");

    // A fused module is inspected through its meld:abi section.
    let dir = scratch("inspect");
    let out = dir.join("f.wasm");
    assert!(fuse(&[&input], &out, &[]).status.success());
    let r = meld(&["inspect".as_ref(), out.as_os_str(), "--json".as_ref()]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(json["input"], "fused-core-module");
    assert_eq!(json["abi"]["exports"][0]["name"], "run");
    assert!(json["wit"]
        .as_str()
        .unwrap()
        .contains("import test:host/api;"));
}

#[test]
fn refuses_a_read_only_location() {
    // /proc refuses new files even for root, unlike permission bits.
    let out = Path::new("/proc/meld-cli-test-output.wasm");
    let r = fuse(&[&fixture("wat/string_utf8_to_utf16_len.wat")], out, &[]);
    assert_refused(&r, "cannot write", out);
}

#[test]
fn refuses_an_output_path_inside_a_file() {
    let dir = scratch("infile");
    let file = dir.join("plain");
    std::fs::write(&file, b"x").unwrap();
    let out = file.join("o.wasm");
    let r = fuse(&[&fixture("wat/string_utf8_to_utf16_len.wat")], &out, &[]);
    assert_refused(&r, "cannot write", &out);
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn a_world_that_is_not_wit_is_wrapped_from_its_component_type() {
    let dir = scratch("typeexport");
    let input = fixture("bad/type_export.wat");
    let out = dir.join("core.wasm");
    let r = fuse(&[&input], &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(run_core_i32(&std::fs::read(&out).unwrap(), "run"), 9);
    let out2 = dir.join("comp.wasm");
    let r = fuse(&[&input], &out2, &["--component"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // The same behaviour, and the type still exported as `r`.
    let wrapped = std::fs::read(&out2).unwrap();
    let engine = {
        let mut c = wasmtime::Config::new();
        c.wasm_component_model(true);
        c.wasm_multi_memory(true);
        wasmtime::Engine::new(&c).unwrap()
    };
    let component = wasmtime::component::Component::new(&engine, &wrapped).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let inst = wasmtime::component::Linker::<()>::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let run = inst
        .get_typed_func::<(), (u32,)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), (9,));
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(&engine).map(|(n, _)| n.to_string()).collect();
    assert_eq!(exports, ["r", "run"]);
    assert!(matches!(
        ty.get_export(&engine, "r").map(|e| e.ty),
        Some(wasmtime::component::types::ComponentItem::Type(_))
    ));
    // `meld wrap` of the core module wraps it too.
    let out3 = dir.join("rewrapped.wasm");
    let r = meld(&[
        "wrap".as_ref(),
        out.as_os_str(),
        "-o".as_ref(),
        out3.as_os_str(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

#[test]
fn opaque_rep_refuses_a_resource_the_composition_does_not_define() {
    let dir = scratch("opaque-undefined");
    let out = dir.join("o.wasm");
    let r = fuse(
        &[&fixture("rust/res-streams.wasm")],
        &out,
        &["--opaque-rep", "wasi:io/streams@0.2.6.output-stream"],
    );
    assert_refused(
        &r,
        "invalid option: --opaque-rep wasi:io/streams@0.2.6.output-stream: no resource type of that name is defined inside the composition",
        &out,
    );
}

#[test]
fn opaque_rep_refuses_a_resource_that_crosses_the_host_boundary() {
    let dir = scratch("opaque-exported");
    let out = dir.join("o.wasm");
    let input = fixture("resources/exported_from_instance.wat");
    let r = fuse(&[&input], &out, &["--opaque-rep", "r"]);
    assert_refused(
        &r,
        "--opaque-rep r: the resource crosses the host boundary",
        &out,
    );
    // Without the option the same input fuses.
    let r = fuse(&[&input], &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

#[test]
fn opaque_rep_is_accepted_for_a_resource_defined_inside() {
    let dir = scratch("opaque-ok");
    let out = dir.join("o.wasm");
    let r = fuse(
        &[&fixture("rust/res-basic.wasm")],
        &out,
        &[
            "--component",
            "--opaque-rep",
            "meld-test:fixtures/accum.accumulator",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.exists());
}

#[test]
fn opaque_rep_drops_the_table_of_that_resource_only() {
    // res-chain3: floats-lib defines `float`, vectors-lib defines `vec2`.
    let bytes = std::fs::read(fixture("rust/res-chain3.wasm")).unwrap();
    let plain = meld_core::fuse(&[&bytes], &meld_core::FuseOptions::default()).unwrap();
    assert_eq!(
        (plain.stats.table_resources, plain.stats.opaque_resources),
        (2, 0)
    );
    let opts = meld_core::FuseOptions {
        opaque_reps: vec!["meld-test:fixtures/floats.float".into()],
        ..Default::default()
    };
    let opaque = meld_core::fuse(&[&bytes], &opts).unwrap();
    assert_eq!(
        (opaque.stats.table_resources, opaque.stats.opaque_resources),
        (1, 1)
    );
    assert_ne!(plain.wasm, opaque.wasm);
    // Stats on the command line say the same.
    let dir = scratch("opaque-stats");
    let out = dir.join("o.wasm");
    let r = fuse(
        &[&fixture("rust/res-chain3.wasm")],
        &out,
        &["--stats", "--opaque-rep", "meld-test:fixtures/floats.float"],
    );
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("resource types:      1 in tables, 1 opaque, 0 exported"),
        "{stderr}"
    );
}

/// Write a generated composition to `dir/name.wat`.
fn write_wat(dir: &Path, name: &str, a: &Amplify) -> PathBuf {
    let p = dir.join(format!("{name}.wat"));
    std::fs::write(&p, a.wat()).unwrap();
    p
}

#[test]
fn refuses_exponential_nesting_naming_the_limit_the_count_and_the_flag() {
    let dir = scratch("amplify");
    let out = dir.join("o.wasm");
    // Level j instantiates level j - 1 twice: 2^12 leaves from a few KB.
    let a = Amplify::doubling(12);
    let input = write_wat(&dir, "double12", &a);
    let r = fuse(&[&input], &out, &[]);
    assert_refused(&r, "--max-component-instances", &out);
    let line = String::from_utf8_lossy(&r.stderr);
    assert!(
        line.contains("limit exceeded: component instances"),
        "{line}"
    );
    assert!(
        line.contains(&a.component_instances().to_string()),
        "{line}"
    );
    assert!(line.contains("limit 1000"), "{line}");
    // Raising the limits it hits leads to the next one: wasmtime's 10 000
    // core instances.
    let r = fuse(
        &[&input],
        &out,
        &[
            "--max-component-instances",
            "100000",
            "--max-adapters",
            "100000",
        ],
    );
    assert_refused(&r, "--max-instances", &out);
    let line = String::from_utf8_lossy(&r.stderr);
    assert!(line.contains(&a.core_instances().to_string()), "{line}");
    assert!(line.contains("limit 10000"), "{line}");
}

#[test]
fn limit_flags_raise_the_limits() {
    let dir = scratch("raise");
    let out = dir.join("o.wasm");
    let a = Amplify::doubling(9);
    let input = write_wat(&dir, "double9", &a);
    assert_refused(
        &fuse(&[&input], &out, &[]),
        "--max-component-instances",
        &out,
    );
    assert_refused(
        &fuse(&[&input], &out, &["--max-component-instances", "2000"]),
        "--max-adapters",
        &out,
    );
    assert_refused(
        &fuse(
            &[&input],
            &out,
            &[
                "--max-component-instances",
                "2000",
                "--max-adapters",
                "2000",
                "--max-instances",
                "1000",
            ],
        ),
        "--max-instances",
        &out,
    );
    let r = fuse(
        &[&input],
        &out,
        &[
            "--max-component-instances",
            "2000",
            "--max-adapters",
            "2000",
            "--stats",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stats = String::from_utf8_lossy(&r.stderr);
    assert!(stats.contains("expansion:"), "{stats}");
    assert_eq!(run_core_i32(&std::fs::read(&out).unwrap(), "f"), 512);
}

#[test]
fn refuses_a_thousand_memories_as_a_limit_of_the_format() {
    let dir = scratch("memories");
    let out = dir.join("o.wasm");
    // One component instantiated 1 000 times, each instance with a memory.
    let a = Amplify {
        depth: 1,
        fan_out: 1000,
        leaf_memory: true,
        ..Amplify::doubling(0)
    };
    let input = write_wat(&dir, "memories", &a);
    let r = fuse(&[&input], &out, &[]);
    assert_refused(&r, "memories in the fused module: 1000 (limit 100", &out);
    let line = String::from_utf8_lossy(&r.stderr);
    assert!(line.contains("--memory shared"), "{line}");
    assert!(!line.contains("internal error"), "{line}");
}

#[test]
fn max_output_size_refuses_larger_outputs() {
    let dir = scratch("outsize");
    let out = dir.join("o.wasm");
    let input = fixture("wat/string_utf8_to_utf16_len.wat");
    assert_refused(
        &fuse(&[&input], &out, &["--max-output-size", "1K"]),
        "--max-output-size",
        &out,
    );
    let r = fuse(&[&input], &out, &["--max-output-size", "1M"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

/// Names in `dir` (sorted).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Start `meld fuse INPUT -o OUT` paused at `point` (the CLI's
/// `MELD_TEST_PAUSE_AT` hook) and wait until it is there.
fn spawn_paused(input: &Path, out: &Path, point: &str, marker: &Path) -> std::process::Child {
    let _ = std::fs::remove_file(marker);
    let mut child = Command::new(env!("CARGO_BIN_EXE_meld"))
        .arg("fuse")
        .arg(input)
        .arg("-o")
        .arg(out)
        .env(
            "MELD_TEST_PAUSE_AT",
            format!("{point}:{}", marker.display()),
        )
        .spawn()
        .expect("meld runs");
    for _ in 0..6000 {
        if marker.exists() {
            return child;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("meld exited before pausing at {point}: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    panic!("meld did not pause at {point}");
}

#[test]
fn ls_out_3_a_killed_run_leaves_the_previous_output_and_no_temporary_file() {
    let dir = scratch("killed");
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("o.wasm");
    let marker = dir.join("paused");
    let input = fixture("wat/string_utf8_to_utf16_len.wat");
    let check = |how: &str| {
        assert_eq!(std::fs::read(&out).unwrap(), b"previous", "{how}");
        assert_eq!(listing(&out_dir), ["o.wasm"], "{how}: no temporary file");
    };
    std::fs::write(&out, b"previous").unwrap();

    // SIGKILL once the new bytes are written, before the file has a name.
    let mut child = spawn_paused(&input, &out, "write", &marker);
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    check("SIGKILL while writing");

    // SIGTERM just before the rename, the temporary name in place: the
    // signal handler removes it.
    let mut child = spawn_paused(&input, &out, "rename", &marker);
    assert_eq!(listing(&out_dir).len(), 2, "the temporary name exists");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(!child.wait().unwrap().success());
    check("SIGTERM before the rename");

    // SIGKILL midway through fusing a large input (about a second of work
    // with the limits raised).
    let big = write_wat(&dir, "double11", &Amplify::doubling(11));
    let mut child = Command::new(env!("CARGO_BIN_EXE_meld"))
        .arg("fuse")
        .arg(&big)
        .arg("-o")
        .arg(&out)
        .args([
            "--max-component-instances",
            "100000",
            "--max-adapters",
            "100000",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "meld finished before the kill: {status}");
    check("SIGKILL while fusing");

    // Uninterrupted, the same run replaces the output.
    let r = fuse(&[&input], &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(run_core_i32(&std::fs::read(&out).unwrap(), "run"), 5);
    assert_eq!(listing(&out_dir), ["o.wasm"]);
}

#[test]
fn refuses_unsupported_host_boundary_streams_naming_them() {
    // Streams and futures at the host boundary (docs/streams.md) are carried
    // by the bridge, except: element types holding pointers, an
    // error-context, and a stream passed to an async-lowered host import.
    let dir = scratch("host_stream_refusals");
    let out = dir.join("o.wasm");
    for (f, needle) in [
        (
            "bad/host_stream_of_streams.wat",
            "unsupported: async (component-model concurrency): the host import `$root#take` \
             passes a stream or future whose elements hold handles across the host boundary",
        ),
        (
            "bad/host_error_context.wat",
            "unsupported: async (component-model concurrency): the export `make` passes an \
             error-context across the host boundary",
        ),
        (
            "bad/host_async_stream.wat",
            "unsupported: async (component-model concurrency): the host import `$root#take` \
             (lowered async) passes a stream or future across the host boundary",
        ),
    ] {
        for extra in [&[][..], &["--component"][..]] {
            let r = fuse(&[&fixture(f)], &out, extra);
            eprintln!("{f} {extra:?}: {}", String::from_utf8_lossy(&r.stderr));
            assert_refused(&r, needle, &out);
        }
    }
}
