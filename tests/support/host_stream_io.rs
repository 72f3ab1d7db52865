//! Helpers shared by tests/host_streams.rs and tests/host_streams_more.rs:
//! the engine, a polling executor, the byte pattern of every stream, host
//! stream ends (a collecting consumer and a byte producer) and fixture
//! loading.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wasmtime::component::{Destination, Source, StreamConsumer, StreamProducer, StreamResult};
use wasmtime::{Engine, StoreContextMut};

/// Lengths tried: empty, one byte, exactly one guest chunk (1000), one more,
/// and many chunks (and many host reads/writes).
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
pub fn expected_sum(n: u32) -> u32 {
    (0..n as usize).fold(0u32, |s, i| s.wrapping_add(byte(i) as u32))
}

/// `got` is exactly the n bytes of a stream.
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
    /// The writer dropped its end (wasmtime dropped the consumer).
    pub ended: bool,
    pub waker: Option<Waker>,
}

pub type Shared = Arc<Mutex<Got>>;

/// Host end reading a guest-written stream: takes all bytes each write
/// offers. wasmtime drops the consumer when the writer drops its end; that
/// is the end of the stream.
pub struct Collect(pub Shared);

impl<D: 'static> StreamConsumer<D> for Collect {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        src: Source<u8>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut src = src.as_direct(store);
        let k = {
            let buf = src.remaining();
            self.0.lock().unwrap().bytes.extend_from_slice(buf);
            buf.len()
        };
        src.mark_read(k);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        let mut g = self.0.lock().unwrap();
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
pub struct Bytes {
    pub n: usize,
    pub pos: usize,
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

pub fn host_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/host")
        .join(name);
    assert!(path.exists(), "missing fixture {}", path.display());
    wat::parse_file(&path).unwrap()
}
