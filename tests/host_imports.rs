//! Host imports that need memory, realloc and string encodings: the
//! composition, the fused+wrapped component (both on wasmtime's component
//! API with the same host functions) and the fused core module (on wasmtime's
//! core API, with host functions written against the `meld:abi` record) must
//! produce the same result and the same host-visible calls.

#[path = "support/binaryen.rs"]
mod binaryen;

use std::path::Path;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

const HOST_STRING: &str = "héllo";

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/host")
        .join(name);
    assert!(p.exists(), "missing fixture {}", p.display());
    wat::parse_file(&p).unwrap()
}

fn engine() -> Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.wasm_multi_memory(true);
    Engine::new(&c).unwrap()
}

/// Runs `run` of a component with a host providing `test:host/api`;
/// returns (result, logged strings, number of `add` calls).
fn run_component(engine: &Engine, bytes: &[u8]) -> (u32, Vec<String>, u32) {
    #[derive(Default)]
    struct Host {
        logs: Vec<String>,
        adds: u32,
    }
    let component = Component::new(engine, bytes).expect("component compiles");
    let mut linker = Linker::<Host>::new(engine);
    let mut api = linker.instance("test:host/api").unwrap();
    api.func_wrap("get", |_, (): ()| Ok((HOST_STRING.to_string(),)))
        .unwrap();
    api.func_wrap("log", |mut cx, (s,): (String,)| {
        cx.data_mut().logs.push(s);
        Ok(())
    })
    .unwrap();
    api.func_wrap("add", |mut cx, (a, b): (u32, u32)| {
        cx.data_mut().adds += 1;
        Ok((a + b,))
    })
    .unwrap();
    let mut store = Store::new(engine, Host::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::U32(0)];
    f.call(&mut store, &[], &mut out).unwrap();
    let Val::U32(v) = out[0] else {
        panic!("u32 result")
    };
    let host = store.into_data();
    (v, host.logs, host.adds)
}

#[test]
fn host_imports_with_memory_agree_unfused_wrapped_and_core() {
    let engine = engine();
    let input = fixture("host_strings.wat");

    let unfused = run_component(&engine, &input);
    assert_eq!(unfused, (6042, vec!["héllo!".to_string()], 1));

    let wrapped =
        meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).expect("fuse --component");
    assert_eq!(
        meld_core::front::world::wit_text(&wrapped.wasm).unwrap(),
        meld_core::front::world::wit_text(&input).unwrap()
    );
    assert_eq!(run_component(&engine, &wrapped.wasm), unfused);

    let fused = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    assert_eq!(run_core(&engine, &fused), unfused);

    // `--memory shared`: the same host (absolute pointers: region thunks in
    // the module convert them, docs/abi.md), on an engine without
    // multi-memory.
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let mut single = wasmtime::Config::new();
    single.wasm_multi_memory(false);
    let single = Engine::new(&single).unwrap();
    // In `host_strings_padded.wat` another component's region comes first,
    // so the host's region has a base of 131072.
    let padded = fixture("host_strings_padded.wat");
    assert_eq!(run_component(&engine, &padded), unfused);
    for (name, input) in [("host_strings", &input), ("host_strings_padded", &padded)] {
        let shared = meld_core::fuse(&[input], &opts).expect("fuse --memory shared");
        assert!(shared
            .abi
            .imports
            .iter()
            .all(|i| i.options.region.is_none()));
        assert_eq!(run_core(&single, &shared), unfused, "{name}");
    }
    let shared = meld_core::fuse(&[&padded], &opts).unwrap();
    let layout = meld_core::shared::layout(&shared.wasm).expect("meld:regions");
    assert!(
        layout.regions.iter().any(|r| r.start == 131072),
        "{layout:?}"
    );
    // Wrapped: region thunks hand the host absolute pointers (strings in,
    // strings written back through the realloc) and the record names no
    // region; run on an engine without multi-memory, with the padded
    // composition's non-zero base too.
    let wrapped_shared = meld_core::FuseOptions {
        component: true,
        ..opts
    };
    for (name, input) in [("host_strings", &input), ("host_strings_padded", &padded)] {
        let w =
            meld_core::fuse(&[input], &wrapped_shared).expect("fuse --memory shared --component");
        assert!(
            w.abi.imports.iter().all(|i| i.options.region.is_none()),
            "{name}"
        );
        assert_eq!(
            run_component(&single, &w.wasm),
            unfused,
            "{name} wrapped shared"
        );
    }
}

/// The core module with host functions that follow the ABI record (with
/// `--memory shared` as with separate memories: absolute pointers).
fn run_core(engine: &Engine, fused: &meld_core::Fused) -> (u32, Vec<String>, u32) {
    use wasmtime::{Caller, Extern, Linker, Module};
    #[derive(Default)]
    struct Host {
        logs: Vec<String>,
        adds: u32,
    }
    let abi = &fused.abi;
    let entry = |field: &str| {
        abi.imports
            .iter()
            .find(|i| i.module == "test:host/api" && i.field == field)
            .unwrap_or_else(|| panic!("ABI record lists `{field}`"))
            .clone()
    };
    let get = entry("get");
    let log = entry("log");
    assert_eq!(get.options.string_encoding, "utf16");
    assert_eq!(log.options.string_encoding, "utf16");
    let mem_name = get.options.memory.clone().expect("get needs a memory");
    let realloc_name = get.options.realloc.clone().expect("get needs a realloc");
    assert_eq!(log.options.memory.as_deref(), Some(mem_name.as_str()));

    // `--memory shared` too: the host gets absolute pointers into the one
    // memory, as from any one-memory module (the region thunks convert).
    assert!(get.options.region.is_none() && log.options.region.is_none());

    let module = Module::new(engine, &fused.wasm).unwrap();
    let mut linker = Linker::<Host>::new(engine);
    let (m1, r1) = (mem_name.clone(), realloc_name.clone());
    linker
        .func_wrap(
            "test:host/api",
            "get",
            move |mut cx: Caller<'_, Host>, retptr: i32| {
                let mem = match cx.get_export(&m1) {
                    Some(Extern::Memory(m)) => m,
                    _ => panic!("memory export"),
                };
                let realloc = cx
                    .get_export(&r1)
                    .and_then(|e| e.into_func())
                    .unwrap()
                    .typed::<(i32, i32, i32, i32), i32>(&cx)
                    .unwrap();
                let units: Vec<u16> = HOST_STRING.encode_utf16().collect();
                let ptr = realloc
                    .call(&mut cx, (0, 0, 2, units.len() as i32 * 2))
                    .unwrap();
                let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
                mem.write(&mut cx, ptr as usize, &bytes).unwrap();
                mem.write(&mut cx, retptr as usize, &ptr.to_le_bytes())
                    .unwrap();
                mem.write(
                    &mut cx,
                    retptr as usize + 4,
                    &(units.len() as i32).to_le_bytes(),
                )
                .unwrap();
            },
        )
        .unwrap();
    let m2 = mem_name.clone();
    linker
        .func_wrap(
            "test:host/api",
            "log",
            move |mut cx: Caller<'_, Host>, ptr: i32, len: i32| {
                let mem = match cx.get_export(&m2) {
                    Some(Extern::Memory(m)) => m,
                    _ => panic!("memory export"),
                };
                let mut buf = vec![0u8; len as usize * 2];
                mem.read(&cx, ptr as usize, &mut buf).unwrap();
                let units: Vec<u16> = buf
                    .chunks(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                cx.data_mut().logs.push(String::from_utf16(&units).unwrap());
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "test:host/api",
            "add",
            |mut cx: Caller<'_, Host>, a: i32, b: i32| {
                cx.data_mut().adds += 1;
                a + b
            },
        )
        .unwrap();
    let mut store = Store::new(engine, Host::default());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    let v = run.call(&mut store, ()).unwrap() as u32;
    let host = store.into_data();
    (v, host.logs, host.adds)
}

#[test]
fn one_import_lowered_with_two_memories_is_wrapped_through_the_table() {
    let input = fixture("duplicate_lowering.wat");
    // Plain fusion keeps both lowerings as separate imports, one per memory.
    let fused = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    let logs: Vec<_> = fused
        .abi
        .imports
        .iter()
        .filter(|i| i.field == "log")
        .collect();
    assert_eq!(logs.len(), 2);
    assert_ne!(logs[0].options.memory, logs[1].options.memory);

    let engine = engine();
    let wrapped =
        meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).expect("fuse --component");
    for bytes in [&input, &wrapped.wasm] {
        let (v, logs, adds) = run_component(&engine, bytes);
        assert_eq!((v, adds), (2, 0));
        assert_eq!(logs, vec!["hi".to_string(), "hi".to_string()]);
    }
}

#[test]
fn start_functions_reach_host_imports_behind_the_table_when_wrapped() {
    // Core start functions of three components call host imports: two
    // lowerings of `log` with different memories (the second is reached
    // through the wrapper's import table) and `get` with memory + realloc
    // (lowered by the wrapper's shim table). The wrapper fills those tables
    // after the fused module is instantiated, so the fused start chain must
    // not run before that.
    let input = fixture("start_calls_host.wat");
    let engine = engine();
    let expected = (
        306,
        vec!["a-start".to_string(), "b-start".into(), "c-start".into()],
        0,
    );
    assert_eq!(run_component(&engine, &input), expected);
    let wrapped =
        meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).expect("fuse --component");
    assert_eq!(run_component(&engine, &wrapped.wasm), expected);
    assert_eq!(
        meld_core::front::world::wit_text(&wrapped.wasm).unwrap(),
        meld_core::front::world::wit_text(&input).unwrap()
    );
}

/// Calls `name() -> u32` of a component with the `test:host/api` host;
/// `Err` carries the trap's text.
fn call_component(engine: &Engine, bytes: &[u8], name: &str) -> Result<u32, String> {
    let component = Component::new(engine, bytes).expect("component compiles");
    let mut linker = Linker::<()>::new(engine);
    let mut api = linker.instance("test:host/api").unwrap();
    api.func_wrap("add", |_, (a, b): (u32, u32)| Ok((a + b,)))
        .unwrap();
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(&mut store, name).unwrap();
    let mut out = [Val::U32(0)];
    match f.call(&mut store, &[], &mut out) {
        Ok(()) => match out[0] {
            Val::U32(v) => Ok(v),
            _ => panic!("u32 result"),
        },
        Err(e) => Err(format!("{e:?}")),
    }
}

/// The same on the fused core module, `add` served against `meld:abi`.
fn call_core(engine: &Engine, wasm: &[u8], name: &str) -> Result<u32, String> {
    let module = wasmtime::Module::new(engine, wasm).unwrap();
    let mut linker = wasmtime::Linker::<()>::new(engine);
    linker
        .func_wrap("test:host/api", "add", |a: i32, b: i32| a + b)
        .unwrap();
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance
        .get_typed_func::<(), i32>(&mut store, name)
        .unwrap();
    f.call(&mut store, ())
        .map(|v| v as u32)
        .map_err(|e| format!("{e:?}"))
}

#[test]
fn a_realloc_that_calls_a_host_import_traps_unfused_fused_and_wrapped() {
    let input = fixture("realloc_calls_host.wat");
    let engine = engine();
    let wrapped =
        meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).expect("fuse --component");
    let fused = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    let unfused_trap = call_component(&engine, &input, "run").expect_err("unfused traps");
    assert!(
        unfused_trap.contains("cannot leave component instance"),
        "{unfused_trap}"
    );
    for (what, r) in [
        ("wrapped", call_component(&engine, &wrapped.wasm, "run")),
        ("core", call_core(&engine, &fused.wasm, "run")),
    ] {
        let e = r.expect_err(what);
        // The fused trap is raised by a function named with wasmtime's words.
        assert!(e.contains("cannot leave component instance"), "{what}: {e}");
    }
    assert_eq!(call_component(&engine, &input, "plain"), Ok(5));
    assert_eq!(call_component(&engine, &wrapped.wasm, "plain"), Ok(5));
    assert_eq!(call_core(&engine, &fused.wasm, "plain"), Ok(5));
}

/// The host-import fixtures fused to core modules, optimised by binaryen
/// (docs/optimise.md flags) and wrapped with `meld wrap`: same results as
/// the compositions (the realloc that calls the host still traps; the
/// trap's words come from the name section, which wasm-opt drops).
#[test]
fn optimised_and_wrapped_host_imports_agree_with_the_compositions() {
    let engine = engine();
    let names = [
        "host_strings.wat",
        "start_calls_host.wat",
        "realloc_calls_host.wat",
    ];
    let inputs: Vec<Vec<u8>> = names.iter().map(|n| fixture(n)).collect();
    let wrapped = binaryen::fuse_optimise_wrap("host", &inputs);
    for (n, w) in names.iter().zip(&wrapped).take(2) {
        let input = fixture(n);
        assert_eq!(
            run_component(&engine, w),
            run_component(&engine, &input),
            "{n}"
        );
        assert_eq!(
            meld_core::front::world::wit_text(w).unwrap(),
            meld_core::front::world::wit_text(&input).unwrap()
        );
    }
    assert!(call_component(&engine, &wrapped[2], "run").is_err());
    assert_eq!(call_component(&engine, &wrapped[2], "plain"), Ok(5));
}

/// Runs `run` of a component importing `test:host/nested` (split, join,
/// spill, pick; see `host_nested.wat`).
fn run_nested(engine: &Engine, bytes: &[u8]) -> u32 {
    type S = String;
    let component = Component::new(engine, bytes).expect("component compiles");
    let mut linker = Linker::<()>::new(engine);
    let mut api = linker.instance("test:host/nested").unwrap();
    api.func_wrap("split", |_, (s,): (S,)| {
        Ok((s.split(',').map(str::to_string).collect::<Vec<S>>(),))
    })
    .unwrap();
    api.func_wrap("join", |_, (parts, sep): (Vec<S>, S)| {
        Ok((parts.join(&sep),))
    })
    .unwrap();
    api.func_wrap("spill", |_, args: (S, S, S, S, S, S, S, S, S)| {
        let (a, b, c, d, e, f, g, h, i) = args;
        let all = [a, b, c, d, e, f, g, h, i];
        Ok((all
            .iter()
            .enumerate()
            .map(|(k, s)| (k as u32 + 1) * s.len() as u32)
            .sum::<u32>(),))
    })
    .unwrap();
    api.func_wrap("pick", |_, (x,): (Option<S>,)| Ok((x.map(|s| s + "!"),)))
        .unwrap();
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::U32(0)];
    f.call(&mut store, &[], &mut out).unwrap();
    let Val::U32(v) = out[0] else {
        panic!("u32 result")
    };
    v
}

/// Pointers nested in lists, options and spilled parameters, both ways,
/// through host imports: the composition, fused+wrapped, and fused
/// `--memory shared --component` (and `meld wrap` of the shared core
/// module) on an engine without multi-memory (the
/// region thunks convert every pointer and restore the component's memory;
/// the component's region is moved before the calls).
#[test]
fn nested_pointers_through_host_imports_agree_multi_and_shared() {
    let engine = engine();
    let input = fixture("host_nested.wat");
    let unfused = run_nested(&engine, &input);
    assert_eq!(unfused, 3874);
    let wrapped = meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).unwrap();
    assert_eq!(run_nested(&engine, &wrapped.wasm), unfused);
    let shared_opts = meld_core::FuseOptions {
        component: true,
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let shared = meld_core::fuse(&[&input], &shared_opts).unwrap();
    let mut single = wasmtime::Config::new();
    single.wasm_multi_memory(false);
    let single = Engine::new(&single).unwrap();
    assert_eq!(run_nested(&single, &shared.wasm), unfused);
    // The shared core module has the same thunks: `meld wrap` wraps it.
    let core = meld_core::fuse(
        &[&input],
        &meld_core::FuseOptions {
            memory: meld_core::MemoryMode::Shared,
            ..Default::default()
        },
    )
    .unwrap();
    let rewrapped = meld_core::wrap::given::wrap_module(&core.wasm, false).unwrap();
    assert_eq!(run_nested(&single, &rewrapped), unfused);
}
