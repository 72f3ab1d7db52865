//! The five named behaviours of streams between fused components (issue
//! 15; safety/safety-case.yaml LS-ST-1..5; docs/streams.md). Each runs a
//! `tests/fixtures/wat/stream_*.wat` composition unfused (wasmtime's
//! component API) and fused into a core module (wasmtime's core API and
//! wasmi), and checks the property the name states. (fuse_wat.rs runs the
//! same fixtures on every engine too.)

use std::future::Future;
use std::path::Path;
use std::task::{Context, Poll};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/wat")
        .join(name);
    assert!(p.exists(), "missing fixture {}", p.display());
    wat::parse_file(&p).unwrap()
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

fn unfused(bytes: &[u8]) -> u32 {
    use wasmtime::component::{Component, Linker, Val};
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.wasm_multi_memory(true);
    c.wasm_component_model_async(true);
    c.wasm_component_model_more_async_builtins(true);
    let engine = wasmtime::Engine::new(&c).unwrap();
    let component = Component::new(&engine, bytes).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let instance =
        block_on(Linker::<()>::new(&engine).instantiate_async(&mut store, &component)).unwrap();
    let f = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::U32(0)];
    block_on(f.call_async(&mut store, &[], &mut out)).unwrap();
    match out[0] {
        Val::U32(v) => v,
        ref v => panic!("not a u32: {v:?}"),
    }
}

/// The fused core module, and `run` on wasmtime's core API and on wasmi.
fn fused(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let wasm = meld_core::fuse(&[bytes], &Default::default())
        .expect("fuse")
        .wasm;
    let mut c = wasmtime::Config::new();
    c.wasm_multi_memory(true);
    let engine = wasmtime::Engine::new(&c).unwrap();
    let module = wasmtime::Module::new(&engine, &wasm).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("no imports");
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    let on_wasmtime = run.call(&mut store, ()).unwrap() as u32;
    let mut wc = wasmi::Config::default();
    wc.wasm_multi_memory(true);
    let wengine = wasmi::Engine::new(&wc);
    let wmodule = wasmi::Module::new(&wengine, &wasm[..]).unwrap();
    let mut wstore = wasmi::Store::new(&wengine, ());
    let winstance = wasmi::Linker::<()>::new(&wengine)
        .instantiate_and_start(&mut wstore, &wmodule)
        .unwrap();
    let wrun = winstance.get_typed_func::<(), i32>(&wstore, "run").unwrap();
    let on_wasmi = wrun.call(&mut wstore, ()).unwrap() as u32;
    (wasm, on_wasmtime, on_wasmi)
}

fn memories(wasm: &[u8]) -> u32 {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::MemorySection(r) => Some(r.count()),
            _ => None,
        })
        .sum()
}

fn imports(wasm: &[u8]) -> u32 {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ImportSection(r) => Some(r.count()),
            _ => None,
        })
        .sum()
}

/// All three runs give `want`.
fn agree(name: &str, want: u32) -> Vec<u8> {
    let bytes = fixture(name);
    assert_eq!(unfused(&bytes), want, "{name}: unfused");
    let (wasm, wt, wi) = fused(&bytes);
    assert_eq!(wt, want, "{name}: fused on wasmtime");
    assert_eq!(wi, want, "{name}: fused on wasmi");
    wasm
}

/// Bytes pass between two fused components (a producer's `stream<u8>`
/// returned to a consumer, fed, read and closed) and the host sees no
/// stream call: the fused module imports nothing at all.
#[test]
fn ls_st_1_local_stream_never_crosses_host() {
    let wasm = agree("stream_cross_2.wat", 112080151);
    assert_eq!(imports(&wasm), 0, "the fused module imports nothing");
}

/// A chain of three components with a memory each: A reads what B relays
/// from C's stream; the payload checked at the end matches.
#[test]
fn ls_st_2_data_intact_across_distinct_memories() {
    let wasm = agree("stream_chain_3.wat", 114241100);
    assert!(
        memories(&wasm) >= 3,
        "one memory per component (and the runtime's)"
    );
}

/// A write larger than the reader's buffer: part of it completes (with its
/// count), the reader drains, and the writer writes the rest.
#[test]
fn ls_st_3_partial_write_drain_resume() {
    agree("stream_partial_write.wat", 33122231);
}

/// The end of the stream (DROPPED) comes only after the writer dropped and
/// the reader took what was written.
#[test]
fn ls_st_4_end_only_after_writer_drop_and_drain() {
    agree("stream_end_of_stream.wat", 484801);
}

/// 10 000 streams live at once, each written, read (the value checked) and
/// dropped; then 10 000 more on the freed handles: nothing lost, handles
/// reused.
#[test]
fn ls_st_5_many_live_streams() {
    agree("stream_ten_thousand.wat", 1);
}
