//! Handles of host resources stay per component instance in fused output.
//!
//! 1. `tests/fixtures/host/two_writers.wat`: two instances of one writer
//!    component, each with its own `wasi:cli/stdout` output stream, run
//!    unfused and fused+wrapped under wasmtime-wasi. Both number their
//!    stream 1, their lines interleave in call order, closing one stream
//!    leaves the other working, and an instance dropping a handle number
//!    only the other holds traps (unfused: `unknown handle index 1`).
//! 2. `tests/fixtures/host/pair.wat`: fused as a plain core module with a
//!    host that keeps the embedder's table of `resource1` handles (what a
//!    core host does, docs/abi.md): the module's handles are per instance,
//!    the host only ever sees its own handles, and a misuse traps before it
//!    reaches the host.
//!
//! Expected values are worked out by hand from the fixtures.

#[path = "support/binaryen.rs"]
mod binaryen;

use std::path::Path;

use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/host")
        .join(name);
    wat::parse_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn engine() -> Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.wasm_multi_memory(true);
    Engine::new(&c).unwrap()
}

struct Wasi {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Wasi {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// What a run of calls observed: each call's result (`None` for no result),
/// stdout, and the error of the call that trapped (the run stops there).
#[derive(Debug)]
struct Run {
    results: Vec<Option<u32>>,
    stdout: String,
    trap: Option<String>,
}

fn run_wasi(engine: &Engine, wasm: &[u8], calls: &[(&str, Option<u32>)]) -> Run {
    let component = Component::new(engine, wasm).expect("component compiles");
    let mut linker = Linker::<Wasi>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let ctx = WasiCtx::builder().stdout(stdout.clone()).build();
    let mut store = Store::new(
        engine,
        Wasi {
            ctx,
            table: ResourceTable::new(),
        },
    );
    let instance = linker
        .instantiate(&mut store, &component)
        .expect("instantiates");
    let mut results = Vec::new();
    let mut trap = None;
    for (name, arg) in calls {
        let f = instance
            .get_func(&mut store, name)
            .unwrap_or_else(|| panic!("no export `{name}`"));
        let args: Vec<Val> = arg.iter().map(|a| Val::U32(*a)).collect();
        let mut out = vec![Val::Bool(false); f.ty(&store).results().len()];
        match f.call(&mut store, &args, &mut out) {
            Ok(()) => {
                results.push(out.first().map(|v| match v {
                    Val::U32(x) => *x,
                    other => panic!("`{name}` returned {other:?}"),
                }));
            }
            Err(e) => {
                trap = Some(format!("{e:?}"));
                break;
            }
        }
    }
    drop(store);
    Run {
        results,
        stdout: String::from_utf8(stdout.contents().to_vec()).unwrap(),
        trap,
    }
}

const A: u32 = b'a' as u32;
const B: u32 = b'b' as u32;

/// Both instances write; each numbers its stream 1; b closes its stream
/// and opens a new one (1 again), a keeps writing to its own.
const WRITERS: &[(&str, Option<u32>)] = &[
    ("a-open", None),
    ("b-open", None),
    ("a-say", Some(A)),
    ("b-say", Some(B)),
    ("a-say", Some(A)),
    ("b-close", None),
    ("a-say", Some(A)),
    ("b-open", None),
    ("b-say", Some(B)),
    ("b-close", None),
    ("a-close", None),
];
const WRITERS_RESULTS: &[Option<u32>] = &[
    Some(1),
    Some(1),
    None,
    None,
    None,
    None,
    None,
    Some(1),
    None,
    None,
    None,
];
const WRITERS_STDOUT: &str = "a: hello\nb: hello\na: hello\na: hello\nb: hello\n";

/// b drops handle 1, which only a holds (b never opened a stream).
const STEAL: &[(&str, Option<u32>)] = &[
    ("a-open", None),
    ("a-say", Some(A)),
    ("b-drop-handle", Some(1)),
    ("a-say", Some(A)),
];

fn wrapped(input: &[u8]) -> Vec<u8> {
    meld_core::fuse(&[input], &meld_core::FuseOptions::wrapped())
        .expect("fuse --component")
        .wasm
}

#[test]
fn two_wasi_writers_keep_their_own_streams() {
    let engine = engine();
    let input = fixture("two_writers.wat");
    for (what, wasm) in [("unfused", input.clone()), ("wrapped", wrapped(&input))] {
        let run = run_wasi(&engine, &wasm, WRITERS);
        assert_eq!(run.trap, None, "{what}: no trap");
        assert_eq!(run.results, WRITERS_RESULTS, "{what}: handle numbers");
        assert_eq!(run.stdout, WRITERS_STDOUT, "{what}: stdout");
    }
}

#[test]
fn a_wasi_stream_cannot_be_dropped_by_another_instance() {
    let engine = engine();
    let input = fixture("two_writers.wat");
    let unfused = run_wasi(&engine, &input, STEAL);
    let trap = unfused.trap.clone().expect("unfused traps");
    assert!(trap.contains("unknown handle index 1"), "unfused: {trap}");
    let fused = run_wasi(&engine, &wrapped(&input), STEAL);
    let trap = fused.trap.clone().expect("wrapped traps");
    assert!(trap.contains("wasm backtrace"), "wrapped: {trap}");
    for run in [&unfused, &fused] {
        assert_eq!(run.results, [Some(1), None]);
        assert_eq!(run.stdout, "a: hello\n");
    }
}

// ---------------------------------------------------------------------------
// The core module with a host table.

/// The embedder's table of `resource1` handles (handle h = slot h - 1, freed
/// slots reused most recently freed first) and what the host observed.
#[derive(Default)]
struct HostTable {
    reps: Vec<Option<u32>>,
    free: Vec<u32>,
    drops: u32,
    last_drop: u32,
    /// Every host call, for the assertions.
    log: Vec<String>,
}

impl HostTable {
    fn insert(&mut self, rep: u32) -> u32 {
        match self.free.pop() {
            Some(h) => {
                self.reps[h as usize - 1] = Some(rep);
                h
            }
            None => {
                self.reps.push(Some(rep));
                self.reps.len() as u32
            }
        }
    }
    fn rep(&self, h: u32) -> wasmtime::Result<u32> {
        h.checked_sub(1)
            .and_then(|i| self.reps.get(i as usize).copied().flatten())
            .ok_or_else(|| wasmtime::format_err!("host: unknown resource1 handle {h}"))
    }
}

struct CoreHost {
    store: Store<HostTable>,
    instance: wasmtime::Instance,
}

impl CoreHost {
    fn new(fused: &meld_core::Fused) -> Self {
        use wasmtime::{Caller, Linker, Module};
        let mut c = wasmtime::Config::new();
        c.wasm_multi_memory(true);
        let engine = Engine::new(&c).unwrap();
        let module = Module::new(&engine, &fused.wasm).expect("fused module compiles");
        let mut linker = Linker::<HostTable>::new(&engine);
        linker
            .func_wrap(
                "host",
                "[constructor]resource1",
                |mut cx: Caller<'_, HostTable>, rep: u32| -> u32 {
                    let h = cx.data_mut().insert(rep);
                    cx.data_mut().log.push(format!("new {rep} -> {h}"));
                    h
                },
            )
            .unwrap();
        linker
            .func_wrap(
                "host",
                "[method]resource1.simple",
                |mut cx: Caller<'_, HostTable>, h: u32, rep: u32| -> wasmtime::Result<()> {
                    let got = cx.data().rep(h)?;
                    cx.data_mut().log.push(format!("simple {h}"));
                    if got != rep {
                        wasmtime::bail!("host: handle {h} has rep {got}, not {rep}");
                    }
                    Ok(())
                },
            )
            .unwrap();
        linker
            .func_wrap(
                "host",
                "[static]resource1.drops",
                |cx: Caller<'_, HostTable>| -> u32 { cx.data().drops },
            )
            .unwrap();
        linker
            .func_wrap(
                "host",
                "[static]resource1.last-drop",
                |cx: Caller<'_, HostTable>| -> u32 { cx.data().last_drop },
            )
            .unwrap();
        linker
            .func_wrap(
                "host",
                "[resource-drop]resource1",
                |mut cx: Caller<'_, HostTable>, h: u32| -> wasmtime::Result<()> {
                    let rep = cx.data().rep(h)?;
                    let t = cx.data_mut();
                    t.reps[h as usize - 1] = None;
                    t.free.push(h);
                    t.drops += 1;
                    t.last_drop = rep;
                    t.log.push(format!("drop {h}"));
                    Ok(())
                },
            )
            .unwrap();
        linker
            .func_wrap(
                "host",
                "[resource-drop]resource2",
                |_: Caller<'_, HostTable>, h: u32| -> wasmtime::Result<()> {
                    wasmtime::bail!("host: unknown resource2 handle {h}")
                },
            )
            .unwrap();
        let mut store = Store::new(&engine, HostTable::default());
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("fused module instantiates with the host table");
        CoreHost { store, instance }
    }

    fn call(&mut self, name: &str, args: &[u32]) -> Result<Option<u32>, String> {
        let f = self
            .instance
            .get_func(&mut self.store, name)
            .unwrap_or_else(|| panic!("core export `{name}`"));
        let args: Vec<wasmtime::Val> = args.iter().map(|a| wasmtime::Val::I32(*a as i32)).collect();
        let mut out = vec![wasmtime::Val::I32(0); f.ty(&self.store).results().len()];
        f.call(&mut self.store, &args, &mut out)
            .map_err(|e| format!("{e:?}"))?;
        Ok(out.first().map(|v| v.unwrap_i32() as u32))
    }

    fn log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.store.data_mut().log)
    }
}

#[test]
fn core_module_keeps_host_handles_per_instance() {
    let fused = meld_core::fuse(&[&fixture("pair.wat")], &Default::default()).expect("fuse");
    let mut h = CoreHost::new(&fused);
    // Each instance's first handle is 1; the host's table numbers its own.
    assert_eq!(h.call("a-make", &[10]), Ok(Some(1)));
    assert_eq!(h.call("b-make", &[20]), Ok(Some(1)));
    assert_eq!(h.call("a-make", &[11]), Ok(Some(2)));
    assert_eq!(h.log(), ["new 10 -> 1", "new 20 -> 2", "new 11 -> 3"]);
    // a borrow to the host is the host's handle
    assert_eq!(h.call("b-simple", &[1, 20]), Ok(None));
    assert_eq!(h.call("a-simple", &[2, 11]), Ok(None));
    assert_eq!(h.log(), ["simple 2", "simple 3"]);
    // an own moved from $a to $b stays inside the module: no host call;
    // b's next slot is 2
    assert_eq!(h.call("a-give", &[1]), Ok(Some(2)));
    assert_eq!(h.log(), Vec::<String>::new());
    // a's slot 1 is free again, its next handle reuses it
    assert_eq!(h.call("b-simple", &[2, 10]), Ok(None));
    assert_eq!(h.call("a-make", &[12]), Ok(Some(1)));
    assert_eq!(h.log(), ["simple 1", "new 12 -> 4"]);
    // a borrow lent to $b is b's slot 3 and dropped there without a host call
    assert_eq!(h.call("a-lend", &[2]), Ok(Some(3)));
    assert_eq!(h.log(), Vec::<String>::new());
    // b drops the own it was given: the host drops its handle 1 (rep 10)
    assert_eq!(h.call("b-drop", &[2]), Ok(None));
    assert_eq!(h.log(), ["drop 1"]);
    assert_eq!(h.call("drops", &[]), Ok(Some(1)));
    assert_eq!(h.call("last-drop", &[]), Ok(Some(10)));
    h.log();
    // b drops 2 again (freed): a trap inside the module, the host is not
    // called and a's handles are untouched
    let e = h
        .call("b-drop", &[2])
        .expect_err("dropping a freed handle traps");
    assert!(e.contains("wasm backtrace"), "{e}");
    assert_eq!(h.log(), Vec::<String>::new());
    let t = h.store.data();
    assert_eq!(
        t.reps,
        [None, Some(20), Some(11), Some(12)],
        "the host's table after the misuse"
    );
}

#[test]
fn core_module_traps_on_a_handle_of_another_instance() {
    let fused = meld_core::fuse(&[&fixture("pair.wat")], &Default::default()).expect("fuse");
    let mut h = CoreHost::new(&fused);
    assert_eq!(h.call("a-make", &[10]), Ok(Some(1)));
    h.log();
    // b holds no handle: its handle 1 is unknown, the host is not reached
    let e = h.call("b-drop", &[1]).expect_err("b's handle 1 is unknown");
    assert!(e.contains("wasm backtrace"), "{e}");
    assert_eq!(h.log(), Vec::<String>::new());
    assert_eq!(h.store.data().reps, [Some(10)]);
}

// ---------------------------------------------------------------------------
// Handles in memory at the host boundary.

/// A core host for `memory_handles.wat`: `thing` handles numbered from 100.
#[derive(Default)]
struct Things {
    values: Vec<Option<u32>>,
    log: Vec<String>,
}

impl Things {
    fn new_handle(&mut self, v: u32) -> u32 {
        self.values.push(Some(v));
        99 + self.values.len() as u32
    }
    fn value(&self, h: u32) -> wasmtime::Result<u32> {
        h.checked_sub(100)
            .and_then(|i| self.values.get(i as usize).copied().flatten())
            .ok_or_else(|| wasmtime::format_err!("host: unknown thing handle {h}"))
    }
}

fn things_host(fused: &meld_core::Fused) -> (Store<Things>, wasmtime::Instance) {
    use wasmtime::{Caller, Linker, Module};
    let mut c = wasmtime::Config::new();
    c.wasm_multi_memory(true);
    let engine = Engine::new(&c).unwrap();
    let module = Module::new(&engine, &fused.wasm).expect("fused module compiles");
    // The memory each import's pointers refer to, from the ABI record.
    let mem_of = |field: &str| {
        fused
            .abi
            .imports
            .iter()
            .find(|i| i.field == field)
            .unwrap_or_else(|| panic!("ABI record lists `{field}`"))
            .options
            .memory
            .clone()
            .unwrap_or_else(|| panic!("`{field}` has a memory"))
    };
    let mem = mem_of("pair");
    assert_eq!(mem_of("maybe"), mem);
    assert_eq!(mem_of("sum"), mem);
    let memory = move |cx: &mut Caller<'_, Things>| {
        cx.get_export(&mem)
            .and_then(|e| e.into_memory())
            .expect("the memory the ABI record names")
    };
    let iface = "test:h/api";
    let mut linker = Linker::<Things>::new(&engine);
    linker
        .func_wrap(
            iface,
            "[constructor]thing",
            |mut cx: Caller<'_, Things>, v: u32| cx.data_mut().new_handle(v),
        )
        .unwrap();
    let m = memory.clone();
    linker
        .func_wrap(
            iface,
            "pair",
            move |mut cx: Caller<'_, Things>, a: u32, b: u32, ret: u32| {
                let ha = cx.data_mut().new_handle(a);
                let hb = cx.data_mut().new_handle(b);
                let mem = m(&mut cx);
                mem.write(&mut cx, ret as usize, &ha.to_le_bytes()).unwrap();
                mem.write(&mut cx, ret as usize + 4, &hb.to_le_bytes())
                    .unwrap();
            },
        )
        .unwrap();
    let m = memory.clone();
    linker
        .func_wrap(
            iface,
            "maybe",
            move |mut cx: Caller<'_, Things>, v: u32, ret: u32| {
                let mem = m(&mut cx);
                if v == 0 {
                    mem.write(&mut cx, ret as usize, &[0]).unwrap();
                } else {
                    let h = cx.data_mut().new_handle(v);
                    let mem = m(&mut cx);
                    mem.write(&mut cx, ret as usize, &[1]).unwrap();
                    mem.write(&mut cx, ret as usize + 4, &h.to_le_bytes())
                        .unwrap();
                }
            },
        )
        .unwrap();
    let m = memory;
    linker
        .func_wrap(
            iface,
            "sum",
            move |mut cx: Caller<'_, Things>, ptr: u32, len: u32| -> wasmtime::Result<u32> {
                let mem = m(&mut cx);
                let mut handles = Vec::new();
                for i in 0..len {
                    let mut b = [0u8; 4];
                    mem.read(&cx, (ptr + 4 * i) as usize, &mut b).unwrap();
                    handles.push(u32::from_le_bytes(b));
                }
                let mut s = 0;
                for h in &handles {
                    s += cx.data().value(*h)?;
                }
                cx.data_mut().log.push(format!("sum {handles:?}"));
                Ok(s)
            },
        )
        .unwrap();
    linker
        .func_wrap(
            iface,
            "[resource-drop]thing",
            |mut cx: Caller<'_, Things>, h: u32| -> wasmtime::Result<()> {
                cx.data().value(h)?;
                cx.data_mut().values[h as usize - 100] = None;
                cx.data_mut().log.push(format!("drop {h}"));
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Things::default());
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("fused module instantiates");
    (store, instance)
}

#[test]
fn core_module_converts_handles_in_memory() {
    let input = fixture("memory_handles.wat");
    let fused = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    let (mut store, instance) = things_host(&fused);
    let mut call = |name: &str, args: &[u32]| -> Result<Option<u32>, String> {
        let f = instance.get_func(&mut store, name).unwrap();
        let args: Vec<wasmtime::Val> = args.iter().map(|a| wasmtime::Val::I32(*a as i32)).collect();
        let mut out = vec![wasmtime::Val::I32(0); f.ty(&store).results().len()];
        f.call(&mut store, &args, &mut out)
            .map_err(|e| format!("{e:?}"))?;
        Ok(out.first().map(|v| v.unwrap_i32() as u32))
    };
    // host handles 100 (5), 101 (6), 102 (7), 103 (8); the component's 1-4
    assert_eq!(call("make", &[5]), Ok(Some(1)));
    assert_eq!(
        call("pair", &[6, 7]),
        Ok(Some(23)),
        "a tuple of owns through the return pointer"
    );
    assert_eq!(
        call("maybe", &[8]),
        Ok(Some(4)),
        "some(own) through the return pointer"
    );
    assert_eq!(call("maybe", &[0]), Ok(Some(0)));
    // list<borrow>: the host reads its own handles; the list is put back
    // (+1000) as the Canonical ABI leaves it
    assert_eq!(call("sum", &[4]), Ok(Some(1026)));
    assert_eq!(call("drop", &[2]), Ok(None));
    // a borrow of a dropped handle traps before the host is called
    let e = call("sum", &[2]).expect_err("handle 2 was dropped");
    assert!(e.contains("wasm backtrace"), "{e}");
    assert_eq!(
        store.data().log,
        ["sum [100, 101, 102, 103]", "drop 101"],
        "host calls"
    );
}

#[test]
fn memory_handles_wrap_with_the_same_world() {
    // Running it unfused needs a component host for `test:h/api`, which the
    // core test above stands in for; the wrapped component must validate
    // and keep the world.
    let input = fixture("memory_handles.wat");
    let wrapped = wrapped(&input);
    assert_eq!(
        meld_core::front::world::wit_text(&wrapped).unwrap(),
        meld_core::front::world::wit_text(&input).unwrap()
    );
}

#[test]
fn only_handles_a_host_import_takes_in_memory_are_saved() {
    use meld_core::builtins::Builtin;
    use meld_core::graph::NodeKind;
    let bytes = fixture("memory_handles.wat");
    let graph = meld_core::front::translate::translate(&bytes).unwrap();
    let mut thunks = Vec::new();
    let mut saving = Vec::new();
    for n in &graph.nodes {
        if !matches!(n.kind, NodeKind::Builtin(Builtin::Boundary { .. })) {
            continue;
        }
        thunks.push(n.label.clone());
        let imports_save = wasmparser::Parser::new(0)
            .parse_all(&n.wasm)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::ImportSection(r) => Some(
                    r.into_imports()
                        .map(|i| i.unwrap().module.to_string())
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .any(|m| m == "sv");
        if imports_save {
            saving.push(n.label.clone());
        }
    }
    // constructor (flat result), pair and maybe (results through the return
    // pointer: the caller's to keep), sum (a list of borrows: put back)
    assert_eq!(thunks.len(), 4, "{thunks:?}");
    assert_eq!(saving, ["meld:boundary/c0/test:h/api#sum"]);
}

/// The host-resource fixtures fused to core modules, optimised by binaryen
/// (docs/optimise.md flags) and wrapped with `meld wrap`: the two writers
/// keep their own streams, a stream dropped by another instance still
/// traps, and the memory-handle fixture keeps its world.
#[test]
fn optimised_and_wrapped_host_resources_agree_with_the_compositions() {
    let engine = engine();
    let names = ["two_writers.wat", "memory_handles.wat"];
    let inputs: Vec<Vec<u8>> = names.iter().map(|n| fixture(n)).collect();
    let wrapped = binaryen::fuse_optimise_wrap("host-resources", &inputs);
    let run = run_wasi(&engine, &wrapped[0], WRITERS);
    assert_eq!(run.trap, None);
    assert_eq!(run.results, WRITERS_RESULTS);
    assert_eq!(run.stdout, WRITERS_STDOUT);
    let run = run_wasi(&engine, &wrapped[0], STEAL);
    assert!(
        run.trap.is_some(),
        "a stream dropped by another instance traps"
    );
    assert_eq!(run.results, [Some(1), None]);
    assert_eq!(run.stdout, "a: hello\n");
    for (n, w) in names.iter().zip(&wrapped) {
        assert_eq!(
            meld_core::front::world::wit_text(w).unwrap(),
            meld_core::front::world::wit_text(&fixture(n)).unwrap(),
            "{n}"
        );
    }
}
