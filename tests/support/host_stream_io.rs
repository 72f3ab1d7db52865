//! Helpers shared by tests/host_streams.rs, tests/host_streams_more.rs and
//! tests/rust_p3.rs: the engine, a polling executor, the byte pattern of
//! every stream, host stream ends (a collecting consumer and a byte
//! producer), fixture loading, the host `sink` import and an in-process WASI
//! 0.3 stdout (`wasi:cli/stdout@0.3.0#write-via-stream`) with the call of
//! `wasi:cli/run@0.3.0#run`.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wasmtime::component::{
    Destination, FutureReader, Instance, Linker, Source, StreamConsumer, StreamProducer,
    StreamReader, StreamResult,
};
use wasmtime::{Engine, Store, StoreContextMut};

/// Lengths tried: empty, one byte, exactly one guest chunk (1000), one more,
/// and many chunks (and many host reads/writes).
#[allow(dead_code)]
pub const SIZES: [u32; 5] = [0, 1, 1000, 1001, 100_000];

/// The largest read or write the host does at once.
pub const HOST_CHUNK: usize = 3000;

pub fn engine() -> Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.wasm_multi_memory(true);
    c.wasm_component_model_async(true);
    Engine::new(&c).unwrap()
}

/// How long one [`block_on`] may take before the test fails as hung.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(60);

pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    let start = std::time::Instant::now();
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        if start.elapsed() > HANG {
            panic!("hung: not done after {HANG:?}");
        }
        std::thread::yield_now();
    }
}

pub fn byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// The sum of the n bytes of a stream, mod 2^32.
#[allow(dead_code)]
pub fn expected_sum(n: u32) -> u32 {
    (0..n as usize).fold(0u32, |s, i| s.wrapping_add(byte(i) as u32))
}

/// `got` is exactly the n bytes of a stream.
#[allow(dead_code)]
pub fn check_bytes(got: &[u8], n: u32) -> Result<(), String> {
    if got.len() != n as usize {
        return Err(format!("{} bytes, expected {n}", got.len()));
    }
    match got.iter().enumerate().find(|(i, b)| **b != byte(*i)) {
        Some((i, b)) => Err(format!("byte {i} is {b}, expected {}", byte(i))),
        None => Ok(()),
    }
}

/// What a host reader has received.
#[derive(Default)]
pub struct Got {
    pub bytes: Vec<u8>,
    /// Takes of at least one byte.
    pub takes: usize,
    /// Times the consumer was pending.
    pub pending: usize,
    /// The writer dropped its end (wasmtime dropped the consumer).
    pub ended: bool,
    pub waker: Option<Waker>,
}

pub type Shared = Arc<Mutex<Got>>;

/// Host end reading a guest-written stream: takes the bytes each write
/// offers, at most `limit` of them, and if `slow` is pending once (waking
/// itself) before each take. wasmtime drops the consumer when the writer
/// drops its end; that is the end of the stream.
pub struct Collect {
    got: Shared,
    limit: usize,
    slow: bool,
    /// `slow`: the next poll takes bytes.
    ready: bool,
}

impl Collect {
    /// Takes every byte each write offers, at once.
    pub fn new(got: Shared) -> Self {
        Self::with(got, usize::MAX, false)
    }

    pub fn with(got: Shared, limit: usize, slow: bool) -> Self {
        Collect {
            got,
            limit,
            slow,
            ready: false,
        }
    }
}

impl<D: 'static> StreamConsumer<D> for Collect {
    type Item = u8;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        src: Source<u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        if self.slow && !self.ready && !finish {
            self.ready = true;
            self.got.lock().unwrap().pending += 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        let mut src = src.as_direct(store);
        let k = {
            let buf = src.remaining();
            let k = buf.len().min(self.limit);
            let mut g = self.got.lock().unwrap();
            g.bytes.extend_from_slice(&buf[..k]);
            if k > 0 {
                g.takes += 1;
            }
            k
        };
        src.mark_read(k);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        let mut g = self.got.lock().unwrap();
        g.ended = true;
        if let Some(w) = g.waker.take() {
            w.wake();
        }
    }
}

/// Ready with (a copy of) the bytes once the stream has ended.
pub struct Ended(pub Shared);

impl Future for Ended {
    type Output = Vec<u8>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u8>> {
        let mut g = self.0.lock().unwrap();
        if g.ended {
            Poll::Ready(g.bytes.clone())
        } else {
            g.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Host end writing a stream of n bytes: at most HOST_CHUNK bytes per read
/// (and no more than the reader asked for), then the end (Dropped).
#[allow(dead_code)]
pub struct Bytes {
    pub n: usize,
    pub pos: usize,
}

impl Bytes {
    #[allow(dead_code)]
    pub fn new(n: u32) -> Self {
        Bytes {
            n: n as usize,
            pos: 0,
        }
    }
}

impl<D: 'static> StreamProducer<D> for Bytes {
    type Item = u8;
    type Buffer = Option<u8>;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        mut store: StoreContextMut<'a, D>,
        dst: Destination<'a, u8, Option<u8>>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let left = self.n - self.pos;
        if left == 0 {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        // `None`: the reader is the host (no capacity known).
        let cap = dst
            .remaining(&mut store)
            .unwrap_or(HOST_CHUNK)
            .min(HOST_CHUNK)
            .min(left);
        if cap == 0 {
            // A zero-length read: ready.
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        let mut d = dst.as_direct(store, cap);
        let buf = d.remaining();
        let k = buf.len().min(left);
        let pos = self.pos;
        for (j, b) in buf[..k].iter_mut().enumerate() {
            *b = byte(pos + j);
        }
        d.mark_written(k);
        self.pos += k;
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

/// Every stream the host's `sink` was given, in call order.
pub type Sinks = Arc<Mutex<Vec<Shared>>>;

#[allow(dead_code)]
pub fn host_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/host")
        .join(name);
    assert!(path.exists(), "missing fixture {}", path.display());
    wat::parse_file(&path).unwrap()
}

/// Adds the root host import `sink(s: stream<u8>) -> future<u32>`: reads `s`
/// to its end (recording it in `sinks`); the future resolves to the byte
/// count.
#[allow(dead_code)]
pub fn add_sink<T: 'static>(linker: &mut Linker<T>, sinks: Sinks) -> wasmtime::Result<()> {
    linker.root().func_wrap(
        "sink",
        move |mut store: StoreContextMut<'_, T>, (s,): (StreamReader<u8>,)| {
            let got = Shared::default();
            sinks.lock().unwrap().push(got.clone());
            s.pipe(&mut store, Collect::new(got.clone()))?;
            let count = FutureReader::new(&mut store, async move {
                Ok::<u32, wasmtime::Error>(Ended(got).await.len() as u32)
            })?;
            Ok((count,))
        },
    )
}

/// `wasi:cli/types@0.3.0#error-code` (wasmtime-wasi's p3 cli.wit).
#[derive(
    wasmtime::component::ComponentType,
    wasmtime::component::Lift,
    wasmtime::component::Lower,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
)]
#[component(enum)]
#[repr(u8)]
#[allow(dead_code)]
pub enum CliErrorCode {
    #[component(name = "io")]
    Io,
    #[component(name = "illegal-byte-sequence")]
    IllegalByteSequence,
    #[component(name = "pipe")]
    Pipe,
}

/// Adds the instance `wasi:cli/types@0.3.0` and an in-process
/// `wasi:cli/stdout@0.3.0#write-via-stream`: it pipes each stream into a
/// [`Collect::with`]`(limit, slow)` and returns a future that resolves `ok`
/// once the stream has ended. The streams, in call order, are returned.
#[allow(dead_code)]
pub fn add_p3_stdout<T: 'static>(
    linker: &mut Linker<T>,
    limit: usize,
    slow: bool,
) -> Result<Sinks, String> {
    linker
        .instance("wasi:cli/types@0.3.0")
        .map_err(|e| format!("{e:?}"))?;
    let streams = Sinks::default();
    let s2 = streams.clone();
    linker
        .instance("wasi:cli/stdout@0.3.0")
        .map_err(|e| format!("{e:?}"))?
        .func_wrap(
            "write-via-stream",
            move |mut store: StoreContextMut<'_, T>, (data,): (StreamReader<u8>,)| {
                let got = Shared::default();
                s2.lock().unwrap().push(got.clone());
                data.pipe(&mut store, Collect::with(got.clone(), limit, slow))?;
                let done = FutureReader::new(&mut store, async move {
                    Ended(got).await;
                    Ok::<Result<(), CliErrorCode>, wasmtime::Error>(Ok(()))
                })?;
                Ok((done,))
            },
        )
        .map_err(|e| format!("{e:?}"))?;
    Ok(streams)
}

/// Calls `wasi:cli/run@0.3.0#run` of `instance` with `call_concurrent`
/// inside `run_concurrent`: Err if the export is missing or has another
/// type, else the call's outcome.
#[allow(dead_code)]
pub fn call_p3_run<T: Send + 'static>(
    store: &mut Store<T>,
    instance: &Instance,
) -> Result<wasmtime::Result<Result<(), ()>>, String> {
    let iface = instance
        .get_export_index(&mut *store, None, "wasi:cli/run@0.3.0")
        .ok_or("no export wasi:cli/run@0.3.0")?;
    let run = instance
        .get_export_index(&mut *store, Some(&iface), "run")
        .ok_or("no export wasi:cli/run@0.3.0#run")?;
    let f = instance
        .get_typed_func::<(), (Result<(), ()>,)>(&mut *store, &run)
        .map_err(|e| format!("{e:?}"))?;
    let r = block_on(
        store.run_concurrent(async move |a| -> wasmtime::Result<Result<(), ()>> {
            Ok(f.call_concurrent(a, ()).await?.0)
        }),
    );
    Ok(r.and_then(|r| r))
}

/// What the stdout streams received, joined.
#[allow(dead_code)]
pub struct P3Stdout {
    /// Every byte, stream after stream.
    pub bytes: Vec<u8>,
    /// How many streams were written.
    pub streams: usize,
    /// Takes and pendings of the consumers, summed.
    pub takes: usize,
    pub pending: usize,
}

/// The stdout `streams` joined; Err if one has not ended.
#[allow(dead_code)]
pub fn p3_stdout_joined(streams: &Sinks) -> Result<P3Stdout, String> {
    let streams = streams.lock().unwrap();
    let (mut bytes, mut takes, mut pending) = (Vec::new(), 0, 0);
    for (i, g) in streams.iter().enumerate() {
        let g = g.lock().unwrap();
        if !g.ended {
            return Err(format!("stdout stream {i} did not end"));
        }
        bytes.extend_from_slice(&g.bytes);
        takes += g.takes;
        pending += g.pending;
    }
    Ok(P3Stdout {
        bytes,
        streams: streams.len(),
        takes,
        pending,
    })
}
