//! Streams that cross the HOST boundary: tests/fixtures/host/host_streams.wat
//! (two inner components) runs on wasmtime's component API with host code
//! reading and writing `stream<u8>` ends, unfused and fused+wrapped
//! (`meld fuse --component`), and every result is checked against values
//! computed here:
//!
//! - `produce(n)`: the host reads the stream a guest writes (B writes, A
//!   relays the readable end to the host);
//! - `consume(s)`: a guest reads a stream the host writes;
//! - `send(n)`: the guest writes into the host import `sink`, which reads it
//!   and resolves the `future<u32>` it returned with the byte count;
//! - `pull(n)`: the guest reads the stream the host import `source` returns.
//!
//! Byte i of every stream is i % 251. The `unfused_*` tests check the
//! composition itself; the `fused_*` tests check the fused component.

#[path = "support/host_stream_io.rs"]
mod host_stream_io;

use host_stream_io::*;
use std::path::Path;
use wasmtime::component::{Component, Instance, Linker, StreamReader};
use wasmtime::{Engine, Store, StoreContextMut};

fn fixture() -> Vec<u8> {
    host_fixture("host_streams.wat")
}

/// The fixture fused and wrapped back into a component (`meld fuse
/// --component`).
fn fused() -> Vec<u8> {
    meld_core::fuse(&[&fixture()], &meld_core::FuseOptions::wrapped())
        .expect("fuse --component")
        .wasm
}

/// The component instantiated with the host imports
/// `sink(s: stream<u8>) -> future<u32>` (reads `s` to its end; the future
/// resolves to the byte count) and `source(n) -> stream<u8>`.
fn instantiate(engine: &Engine, bytes: &[u8]) -> Result<(Store<()>, Instance, Sinks), String> {
    let component = Component::new(engine, bytes).map_err(|e| format!("{e:?}"))?;
    let mut linker = Linker::<()>::new(engine);
    let sinks = Sinks::default();
    add_sink(&mut linker, sinks.clone()).unwrap();
    linker
        .root()
        .func_wrap(
            "source",
            |mut store: StoreContextMut<'_, ()>, (n,): (u32,)| {
                let s = StreamReader::new(&mut store, Bytes::new(n))?;
                Ok((s,))
            },
        )
        .unwrap();
    let mut store = Store::new(engine, ());
    let instance =
        block_on(linker.instantiate_async(&mut store, &component)).map_err(|e| format!("{e:?}"))?;
    Ok((store, instance, sinks))
}

/// `produce(n)`: the bytes the host read from the returned stream.
fn run_produce(engine: &Engine, bytes: &[u8], n: u32) -> Result<Vec<u8>, String> {
    let (mut store, instance, _) = instantiate(engine, bytes)?;
    let f = instance
        .get_typed_func::<(u32,), (StreamReader<u8>,)>(&mut store, "produce")
        .map_err(|e| format!("{e:?}"))?;
    let got = Shared::default();
    let r = block_on(
        store.run_concurrent(async move |a| -> wasmtime::Result<Vec<u8>> {
            let (s,) = f.call_concurrent(a, (n,)).await?;
            a.with(|access| s.pipe(access, Collect::new(got.clone())))?;
            Ok(Ended(got).await)
        }),
    );
    r.and_then(|r| r).map_err(|e| format!("{e:?}"))
}

/// `consume(s)` of a host stream of n bytes.
fn run_consume(engine: &Engine, bytes: &[u8], n: u32) -> Result<u32, String> {
    let (mut store, instance, _) = instantiate(engine, bytes)?;
    let f = instance
        .get_typed_func::<(StreamReader<u8>,), (u32,)>(&mut store, "consume")
        .map_err(|e| format!("{e:?}"))?;
    let s = StreamReader::new(&mut store, Bytes::new(n)).map_err(|e| format!("{e:?}"))?;
    let r = block_on(
        store.run_concurrent(async move |a| -> wasmtime::Result<u32> {
            Ok(f.call_concurrent(a, (s,)).await?.0)
        }),
    );
    r.and_then(|r| r).map_err(|e| format!("{e:?}"))
}

/// `send(n)`: its result, and the bytes the host's `sink` read.
fn run_send(engine: &Engine, bytes: &[u8], n: u32) -> Result<(u32, Vec<u8>), String> {
    let (mut store, instance, sinks) = instantiate(engine, bytes)?;
    let f = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "send")
        .map_err(|e| format!("{e:?}"))?;
    let r = block_on(
        store.run_concurrent(async move |a| -> wasmtime::Result<u32> {
            Ok(f.call_concurrent(a, (n,)).await?.0)
        }),
    );
    let v = r.and_then(|r| r).map_err(|e| format!("{e:?}"))?;
    let sinks = sinks.lock().unwrap();
    if sinks.len() != 1 {
        return Err(format!("sink called {} times", sinks.len()));
    }
    let g = sinks[0].lock().unwrap();
    if !g.ended {
        return Err("the stream given to sink did not end".into());
    }
    Ok((v, g.bytes.clone()))
}

/// `pull(n)`: the sum the guest computed of the host's `source(n)` stream.
fn run_pull(engine: &Engine, bytes: &[u8], n: u32) -> Result<u32, String> {
    let (mut store, instance, _) = instantiate(engine, bytes)?;
    let f = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "pull")
        .map_err(|e| format!("{e:?}"))?;
    let r = block_on(
        store.run_concurrent(async move |a| -> wasmtime::Result<u32> {
            Ok(f.call_concurrent(a, (n,)).await?.0)
        }),
    );
    r.and_then(|r| r).map_err(|e| format!("{e:?}"))
}

fn check_produce(bytes: &[u8], what: &str) {
    let engine = engine();
    for n in SIZES {
        let got = run_produce(&engine, bytes, n);
        eprintln!("{what} produce({n}): {:?}", got.as_ref().map(|b| b.len()));
        let got = got.unwrap_or_else(|e| panic!("{what} produce({n}): {e}"));
        if let Err(e) = check_bytes(&got, n) {
            panic!("{what} produce({n}): {e}");
        }
    }
}

fn check_consume(bytes: &[u8], what: &str) {
    let engine = engine();
    for n in SIZES {
        let got = run_consume(&engine, bytes, n);
        eprintln!("{what} consume({n}): {got:?}");
        assert_eq!(got, Ok(expected_sum(n)), "{what} consume({n})");
    }
}

fn check_send(bytes: &[u8], what: &str) {
    let engine = engine();
    for n in SIZES {
        let got = run_send(&engine, bytes, n);
        eprintln!(
            "{what} send({n}): {:?}",
            got.as_ref().map(|(v, b)| (v, b.len()))
        );
        let (v, got) = got.unwrap_or_else(|e| panic!("{what} send({n}): {e}"));
        assert_eq!(v, n, "{what} send({n}): the count sink resolved");
        if let Err(e) = check_bytes(&got, n) {
            panic!("{what} send({n}), the bytes sink read: {e}");
        }
    }
}

fn check_pull(bytes: &[u8], what: &str) {
    let engine = engine();
    for n in SIZES {
        let got = run_pull(&engine, bytes, n);
        eprintln!("{what} pull({n}): {got:?}");
        assert_eq!(got, Ok(expected_sum(n)), "{what} pull({n})");
    }
}

#[test]
fn unfused_produce() {
    check_produce(&fixture(), "unfused");
}

#[test]
fn unfused_consume() {
    check_consume(&fixture(), "unfused");
}

#[test]
fn unfused_send() {
    check_send(&fixture(), "unfused");
}

#[test]
fn unfused_pull() {
    check_pull(&fixture(), "unfused");
}

#[test]
fn fused_produce() {
    check_produce(&fused(), "fused");
}

#[test]
fn fused_consume() {
    check_consume(&fused(), "fused");
}

#[test]
fn fused_send() {
    check_send(&fused(), "fused");
}

#[test]
fn fused_pull() {
    check_pull(&fused(), "fused");
}

// ---------------------------------------------------------------------------
// WASI 0.3 stdout: tests/fixtures/host/p3_stdout.wat prints two lines through
// `wasi:cli/stdout@0.3.0#write-via-stream`; the host implements that
// function in-process (`add_p3_stdout`) (it collects the bytes; the returned future resolves
// ok once the stream ends) and the collected bytes must equal
// tests/fixtures/host/p3_stdout.expect: unfused, fused `--component`, and
// fused to a core module then `meld wrap`ped.

fn p3_expected() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/host/p3_stdout.expect");
    std::fs::read(&path).unwrap()
}

/// What [`run_p3`] observed: (run's result, every byte written to stdout in
/// order, how many streams were written).
type P3Run = (Result<(), ()>, Vec<u8>, usize);

/// Run `wasi:cli/run@0.3.0#run` with the in-process stdout.
fn run_p3(engine: &Engine, bytes: &[u8]) -> Result<P3Run, String> {
    let component = Component::new(engine, bytes).map_err(|e| format!("{e:?}"))?;
    let mut linker = Linker::<()>::new(engine);
    let streams = add_p3_stdout(&mut linker, usize::MAX, false)?;
    let mut store = Store::new(engine, ());
    let instance =
        block_on(linker.instantiate_async(&mut store, &component)).map_err(|e| format!("{e:?}"))?;
    let v = call_p3_run(&mut store, &instance)?.map_err(|e| format!("{e:?}"))?;
    let out = p3_stdout_joined(&streams)?;
    Ok((v, out.bytes, out.streams))
}

fn check_p3(bytes: &[u8], what: &str) {
    let got = run_p3(&engine(), bytes);
    eprintln!(
        "{what} p3 stdout: {:?}",
        got.as_ref()
            .map(|(v, b, n)| (v, String::from_utf8_lossy(b), n))
    );
    let (v, out, n) = got.unwrap_or_else(|e| panic!("{what} p3 stdout: {e}"));
    assert_eq!(v, Ok(()), "{what}: run's result");
    assert_eq!(n, 2, "{what}: one stdout stream per print");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&p3_expected()),
        "{what}: stdout"
    );
    assert_eq!(out, p3_expected(), "{what}: stdout bytes");
}

#[test]
fn p3_stdout_unfused() {
    check_p3(&host_fixture("p3_stdout.wat"), "unfused");
}

#[test]
fn p3_stdout_fused_component() {
    let input = host_fixture("p3_stdout.wat");
    let fused = meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped())
        .expect("fuse --component")
        .wasm;
    check_p3(&fused, "fused --component");
}

#[test]
fn p3_stdout_fused_core_then_wrap() {
    let input = host_fixture("p3_stdout.wat");
    let core = meld_core::fuse(&[&input], &Default::default())
        .expect("fuse")
        .wasm;
    let wrapped = meld_core::wrap::given::wrap_module(&core, false).expect("meld wrap");
    check_p3(&wrapped, "fused core + meld wrap");
}

/// LS-ST-6: streams and futures crossing the host boundary keep their data,
/// unfused and fused.
#[test]
fn ls_st_6_host_streams_cross_intact() {
    let unfused_bytes = fixture();
    let fused_bytes = fused();
    for (bytes, what) in [(&unfused_bytes, "unfused"), (&fused_bytes, "fused")] {
        check_produce(bytes, what);
        check_consume(bytes, what);
        check_send(bytes, what);
        check_pull(bytes, what);
    }
    let p3 = meld_core::fuse(
        &[&host_fixture("p3_stdout.wat")],
        &meld_core::FuseOptions::wrapped(),
    )
    .expect("fuse --component")
    .wasm;
    check_p3(&p3, "fused --component");
}
