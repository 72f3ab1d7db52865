//! A real-toolchain WASI 0.3 command: tests/fixtures/rust/p3/p3-stdout.wasm,
//! two Rust components (guests-async/p3-greeter, guests-async/p3-main;
//! wit-bindgen 0.61.1, wasm32-wasip2, composed with wac) that print only
//! through `wasi:cli/stdout@0.3.0#write-via-stream`: each print hands the
//! host the readable end of a `stream<u8>`, writes into the writable end
//! (one print is a single `write_all` of 72 000 bytes), drops it and awaits
//! the `future<result<_, error-code>>` the host returned. The command exports
//! `wasi:cli/run@0.3.0` (`run: async func() -> result`), called here with
//! `call_concurrent` inside `run_concurrent`.
//!
//! The host's `write-via-stream` is the in-process one of
//! tests/support/host_stream_io.rs (the guests also import
//! WASI 0.2 interfaces through Rust's std: wasmtime-wasi's p2 linker provides
//! those, with stdout and stderr captured in memory). It pipes the stream
//! into a consumer that collects the bytes, and the returned future resolves
//! `ok` once the stream has ended. Three consumers: one taking every byte a
//! write offers, one taking at most `CHUNK` bytes per write (the guest's
//! writes complete partially and it writes the rest again), and one that is
//! pending once before each take (the guest's writes block first).
//!
//! Each consumer runs on the composition (unfused), on `meld fuse
//! --component` (`FuseOptions::wrapped()`) and on the fused core module
//! `meld wrap`ped; every run must return `ok`, print nothing through WASI 0.2
//! stdout or stderr, and write exactly the stdout of `p3-stdout.expect` (the
//! format of tests/rust_fixtures.rs: `outcome:` header, `--- stdout`,
//! `--- stderr`). A missing fixture or `.expect` fails the test.

#[path = "support/host_stream_io.rs"]
mod host_stream_io;

use host_stream_io::*;
use std::path::{Path, PathBuf};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

const NAME: &str = "p3-stdout";

/// The most a `Chunked` consumer takes per write.
const CHUNK: usize = 1000;

/// WASI 0.2 output captured (the guests should write none).
const PIPE_CAPACITY: usize = 1 << 20;

fn fixture_path(ext: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/rust/p3")
        .join(format!("{NAME}.{ext}"))
}

fn fixture() -> Vec<u8> {
    let path = fixture_path("wasm");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "missing fixture {} ({e}); run scripts/build-fixtures.sh",
            path.display()
        )
    })
}

/// The `.expect`: (outcome, stdout, stderr).
fn expected() -> (String, String, String) {
    let path = fixture_path("expect");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing {} ({e})", path.display()));
    let (header, rest) = text
        .split_once("--- stdout\n")
        .expect("no `--- stdout` line in the .expect");
    let (stdout, stderr) = rest
        .split_once("--- stderr\n")
        .expect("no `--- stderr` line in the .expect");
    let mut outcome = None;
    for line in header.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_prefix("outcome:") {
            Some(v) => outcome = Some(v.trim().to_string()),
            None => panic!("unknown .expect header line `{line}`"),
        }
    }
    let outcome = outcome.expect("no `outcome:` line in the .expect");
    assert!(!stdout.is_empty(), "empty expected stdout");
    (outcome, stdout.to_string(), stderr.to_string())
}

/// How the host's stdout consumer takes bytes.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Everything a write offers.
    All,
    /// At most `CHUNK` bytes per write: partial writes.
    Chunked,
    /// At most `CHUNK` bytes per write, each after being pending once: the
    /// guest's writes block.
    Slow,
}

impl Mode {
    /// The [`Collect::with`] arguments: (limit, slow).
    fn takes(self) -> (usize, bool) {
        match self {
            Mode::All => (usize::MAX, false),
            Mode::Chunked => (CHUNK, false),
            Mode::Slow => (CHUNK, true),
        }
    }
}

struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

struct Run {
    /// `run`'s result.
    result: Result<(), ()>,
    /// Every byte written to WASI 0.3 stdout, stream after stream.
    stdout: Vec<u8>,
    /// How many streams were written.
    streams: usize,
    /// Takes and pendings of the consumers, summed.
    takes: usize,
    pending: usize,
    /// WASI 0.2 stdout and stderr.
    p2_stdout: Vec<u8>,
    p2_stderr: Vec<u8>,
}

fn run(engine: &Engine, component: &Component, mode: Mode) -> Result<Run, String> {
    let mut linker = Linker::<Host>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| format!("{e:?}"))?;
    let (limit, slow) = mode.takes();
    let streams = add_p3_stdout(&mut linker, limit, slow)?;
    let p2_stdout = MemoryOutputPipe::new(PIPE_CAPACITY);
    let p2_stderr = MemoryOutputPipe::new(PIPE_CAPACITY);
    let ctx = WasiCtx::builder()
        .stdout(p2_stdout.clone())
        .stderr(p2_stderr.clone())
        .build();
    let mut store = Store::new(
        engine,
        Host {
            ctx,
            table: ResourceTable::new(),
        },
    );
    let instance = block_on(linker.instantiate_async(&mut store, component))
        .map_err(|e| format!("instantiate: {e:?}"))?;
    let result = call_p3_run(&mut store, &instance)?.map_err(|e| {
        format!(
            "run: {e:?}\n  p2 stderr: {}",
            String::from_utf8_lossy(&p2_stderr.contents())
        )
    })?;
    drop(store);
    let out = p3_stdout_joined(&streams)?;
    Ok(Run {
        result,
        stdout: out.bytes,
        streams: out.streams,
        takes: out.takes,
        pending: out.pending,
        p2_stdout: p2_stdout.contents().to_vec(),
        p2_stderr: p2_stderr.contents().to_vec(),
    })
}

/// Runs `wasm` with every consumer and checks each run against the
/// `.expect`.
fn check(wasm: &[u8], what: &str) {
    let (outcome, want_stdout, want_stderr) = expected();
    assert_eq!(outcome, "ok", "the fixture's .expect outcome");
    let engine = engine();
    let component =
        Component::new(&engine, wasm).unwrap_or_else(|e| panic!("{what}: compile: {e:?}"));
    for mode in [Mode::All, Mode::Chunked, Mode::Slow] {
        let r = run(&engine, &component, mode)
            .unwrap_or_else(|e| panic!("{what}, consumer {mode:?}: {e}"));
        eprintln!(
            "{what}, consumer {mode:?}: run {:?}, {} bytes in {} stdout streams, {} takes, \
             {} pending; WASI 0.2 stdout {} bytes, stderr {} bytes",
            r.result,
            r.stdout.len(),
            r.streams,
            r.takes,
            r.pending,
            r.p2_stdout.len(),
            r.p2_stderr.len()
        );
        assert_eq!(r.result, Ok(()), "{what}, {mode:?}: run's result");
        if r.stdout != want_stdout.as_bytes() {
            let got = String::from_utf8_lossy(&r.stdout);
            let line = got
                .lines()
                .zip(want_stdout.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want_stdout.lines().count()));
            panic!(
                "{what}, {mode:?}: stdout differs from {NAME}.expect ({} bytes, want {}); \
                 first difference at line {}: got {:?}, want {:?}",
                r.stdout.len(),
                want_stdout.len(),
                line + 1,
                got.lines().nth(line),
                want_stdout.lines().nth(line)
            );
        }
        assert_eq!(
            String::from_utf8_lossy(&r.p2_stderr),
            want_stderr,
            "{what}, {mode:?}: stderr"
        );
        assert!(
            r.p2_stdout.is_empty(),
            "{what}, {mode:?}: wrote to WASI 0.2 stdout: {:?}",
            String::from_utf8_lossy(&r.p2_stdout)
        );
        // Each print is a stream: 7 by p3-main, 3 by the greeter.
        assert_eq!(r.streams, 10, "{what}, {mode:?}: stdout streams");
        // The guests' writes: one per print, five on the pieces stream (14);
        // with CHUNK-byte takes the 72 000-byte write alone takes 72 (85).
        let want_takes = match mode {
            Mode::All => 14,
            Mode::Chunked | Mode::Slow => 85,
        };
        assert_eq!(
            r.takes, want_takes,
            "{what}, {mode:?}: takes of at least one byte"
        );
        if matches!(mode, Mode::Slow) {
            assert_eq!(
                r.pending, r.takes,
                "{what}, {mode:?}: pending before each take"
            );
        }
    }
}

#[test]
fn p3_stdout_unfused() {
    check(&fixture(), "unfused");
}

#[test]
fn p3_stdout_fused_component() {
    let fused = meld_core::fuse(&[&fixture()], &meld_core::FuseOptions::wrapped())
        .expect("fuse --component")
        .wasm;
    check(&fused, "fused --component");
}

#[test]
fn p3_stdout_fused_core_then_wrap() {
    let core = meld_core::fuse(&[&fixture()], &Default::default())
        .expect("fuse")
        .wasm;
    let wrapped = meld_core::wrap::given::wrap_module(&core, false).expect("meld wrap");
    check(&wrapped, "fused core + meld wrap");
}
