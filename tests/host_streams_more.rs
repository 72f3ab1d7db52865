//! More boundary cases: tests/fixtures/host/host_streams_more.wat (two inner
//! components; its header describes every export). Each case runs unfused
//! and fused `--component`, and both must give exactly the result computed
//! here.

#[path = "support/host_stream_io.rs"]
mod host_stream_io;

use host_stream_io::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wasmtime::component::{
    Component, Destination, FutureConsumer, FutureReader, Instance, Linker, Source, StreamConsumer,
    StreamProducer, StreamReader, StreamResult,
};
use wasmtime::{Engine, Store, StoreContextMut};

/// `test:more/outcome#error`.
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
enum OutcomeError {
    #[component(name = "first")]
    First,
    #[component(name = "second")]
    Second,
    #[component(name = "third")]
    Third,
}

/// `test:more/recs#rec`.
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
#[component(record)]
struct Rec {
    a: u32,
    b: bool,
    c: u8,
}

fn more_fixture() -> Vec<u8> {
    host_fixture("host_streams_more.wat")
}

fn more_fused() -> Vec<u8> {
    meld_core::fuse(&[&more_fixture()], &meld_core::FuseOptions::wrapped())
        .expect("fuse --component")
        .wasm
}

/// Pending once (waking itself), then ready: a value the host resolves
/// after the guest has started waiting for it.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A value the host receives once (a future's value).
struct SlotState<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

type Slot<T> = Arc<Mutex<SlotState<T>>>;

fn slot<T>() -> Slot<T> {
    Arc::new(Mutex::new(SlotState {
        value: None,
        waker: None,
    }))
}

/// Host end reading a guest-written future into a slot.
struct TakeOne<T>(Slot<T>);

impl<D: 'static, T: wasmtime::component::Lift + Send + Sync + 'static> FutureConsumer<D>
    for TakeOne<T>
{
    type Item = T;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut src: Source<'_, T>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let mut v: Option<T> = None;
        src.read(store, &mut v)?;
        let mut s = self.0.lock().unwrap();
        s.value = v;
        if let Some(w) = s.waker.take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}

/// Ready with the slot's value.
struct Filled<T>(Slot<T>);

impl<T> Future for Filled<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.lock().unwrap();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Host end reading a guest-written stream that takes `k` bytes in all and
/// then reports its end (Dropped).
struct Limited {
    got: Shared,
    k: usize,
}

impl<D: 'static> StreamConsumer<D> for Limited {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        src: Source<u8>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut src = src.as_direct(store);
        let mut g = self.got.lock().unwrap();
        let room = self.k - g.bytes.len();
        let take = {
            let buf = src.remaining();
            let take = buf.len().min(room);
            g.bytes.extend_from_slice(&buf[..take]);
            take
        };
        src.mark_read(take);
        Poll::Ready(Ok(if g.bytes.len() == self.k {
            StreamResult::Dropped
        } else {
            StreamResult::Completed
        }))
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        self.got.lock().unwrap().ended = true;
    }
}

/// What the host saw of a stream it never writes to.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
struct NeverSaw {
    /// poll_produce without `finish` (a read waiting).
    polled: bool,
    /// poll_produce with `finish` (the read cancelled).
    cancelled: bool,
    /// The producer was dropped (the reader dropped its end).
    dropped: bool,
}

/// Host end of a stream that never produces anything.
struct Never {
    saw: Arc<Mutex<NeverSaw>>,
    waker: Option<Waker>,
}

impl<D: 'static> StreamProducer<D> for Never {
    type Item = u8;
    type Buffer = Option<u8>;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _store: StoreContextMut<'a, D>,
        _dst: Destination<'a, u8, Option<u8>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        if finish {
            self.saw.lock().unwrap().cancelled = true;
            return Poll::Ready(Ok(StreamResult::Cancelled));
        }
        self.saw.lock().unwrap().polled = true;
        self.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Never {
    fn drop(&mut self) {
        self.saw.lock().unwrap().dropped = true;
    }
}

/// What the host imports of host_streams_more.wat recorded.
#[derive(Default, Clone)]
struct MoreHost {
    /// The streams `limited` read, with the `k` each was given.
    limited: Arc<Mutex<Vec<(u32, Shared)>>>,
    never: Arc<Mutex<Vec<Arc<Mutex<NeverSaw>>>>>,
    sinks: Sinks,
}

/// host_streams_more.wat instantiated with its host imports:
/// `test:more/outcome#outcome(which)` (a future resolved after a yield to
/// ok(7) for which = 0, err(second) otherwise), `limited(s, k)`, `never()`
/// and `sink(s)` (as in host_streams.rs).
fn instantiate_more(
    engine: &Engine,
    bytes: &[u8],
) -> Result<(Store<()>, Instance, MoreHost), String> {
    let component = Component::new(engine, bytes).map_err(|e| format!("{e:?}"))?;
    let mut linker = Linker::<()>::new(engine);
    let host = MoreHost::default();
    linker
        .instance("test:more/outcome")
        .map_err(|e| format!("{e:?}"))?
        .func_wrap(
            "outcome",
            |mut store: StoreContextMut<'_, ()>, (which,): (u32,)| {
                let f = FutureReader::new(&mut store, async move {
                    YieldOnce(false).await;
                    Ok::<Result<u32, OutcomeError>, wasmtime::Error>(if which == 0 {
                        Ok(7)
                    } else {
                        Err(OutcomeError::Second)
                    })
                })?;
                Ok((f,))
            },
        )
        .map_err(|e| format!("{e:?}"))?;
    let h = host.clone();
    linker
        .root()
        .func_wrap(
            "limited",
            move |mut store: StoreContextMut<'_, ()>, (s, k): (StreamReader<u8>, u32)| {
                let got = Shared::default();
                h.limited.lock().unwrap().push((k, got.clone()));
                s.pipe(&mut store, Limited { got, k: k as usize })?;
                Ok(())
            },
        )
        .map_err(|e| format!("{e:?}"))?;
    let h = host.clone();
    linker
        .root()
        .func_wrap(
            "never",
            move |mut store: StoreContextMut<'_, ()>, (): ()| {
                let saw = Arc::new(Mutex::new(NeverSaw::default()));
                h.never.lock().unwrap().push(saw.clone());
                let s = StreamReader::new(&mut store, Never { saw, waker: None })?;
                Ok((s,))
            },
        )
        .map_err(|e| format!("{e:?}"))?;
    add_sink(&mut linker, host.sinks.clone()).map_err(|e| format!("{e:?}"))?;
    let mut store = Store::new(engine, ());
    let instance =
        block_on(linker.instantiate_async(&mut store, &component)).map_err(|e| format!("{e:?}"))?;
    Ok((store, instance, host))
}

/// Call export `name` (of instance `iface`, if given) once with `params`;
/// `setup` may make host streams or futures for the parameters first.
fn call_more<P, R>(
    engine: &Engine,
    bytes: &[u8],
    iface: Option<&str>,
    name: &str,
    setup: impl FnOnce(&mut Store<()>) -> wasmtime::Result<P>,
) -> Result<(R, MoreHost), String>
where
    P: wasmtime::component::ComponentNamedList + wasmtime::component::Lower + Send + Sync + 'static,
    R: wasmtime::component::ComponentNamedList + wasmtime::component::Lift + Send + Sync + 'static,
{
    let (mut store, instance, host) = instantiate_more(engine, bytes)?;
    let f = match iface {
        Some(iface) => {
            let i = instance
                .get_export_index(&mut store, None, iface)
                .ok_or_else(|| format!("no export {iface}"))?;
            let e = instance
                .get_export_index(&mut store, Some(&i), name)
                .ok_or_else(|| format!("no export {iface}#{name}"))?;
            instance.get_typed_func::<P, R>(&mut store, &e)
        }
        None => instance.get_typed_func::<P, R>(&mut store, name),
    }
    .map_err(|e| format!("{e:?}"))?;
    let params = setup(&mut store).map_err(|e| format!("{e:?}"))?;
    let r = block_on(store.run_concurrent(async move |a| -> wasmtime::Result<R> {
        f.call_concurrent(a, params).await
    }));
    let v = r.and_then(|r| r).map_err(|e| format!("{e:?}"))?;
    Ok((v, host))
}

/// Run `f` on the unfused and the fused composition; both must succeed and
/// give the same (exactly checked by `f`) result.
fn both<T: std::fmt::Debug + PartialEq>(case: &str, f: impl Fn(&Engine, &[u8], &str) -> T) {
    let engine = engine();
    let unfused = f(&engine, &more_fixture(), "unfused");
    let fused = f(&engine, &more_fused(), "fused");
    assert_eq!(unfused, fused, "{case}: unfused vs fused");
}

/// a. `fut-late(v)`: the future the guest writes after returning (and
/// yielding) resolves to v + 100.
#[test]
fn more_future_written_after_return() {
    both("fut-late", |engine, bytes, what| {
        let mut out = Vec::new();
        for v in [0u32, 5, 0xffff_0000] {
            let got = (|| -> Result<u32, String> {
                let (mut store, instance, _) = instantiate_more(engine, bytes)?;
                let f = instance
                    .get_typed_func::<(u32,), (FutureReader<u32>,)>(&mut store, "fut-late")
                    .map_err(|e| format!("{e:?}"))?;
                let s = slot::<u32>();
                let r = block_on(
                    store.run_concurrent(async move |a| -> wasmtime::Result<u32> {
                        let (fut,) = f.call_concurrent(a, (v,)).await?;
                        eprintln!("{what} fut-late({v}): the call returned");
                        a.with(|access| fut.pipe(access, TakeOne(s.clone())))?;
                        Ok(Filled(s).await)
                    }),
                );
                r.and_then(|r| r).map_err(|e| format!("{e:?}"))
            })();
            eprintln!("{what} fut-late({v}): {got:?}");
            assert_eq!(got, Ok(v.wrapping_add(100)), "{what} fut-late({v})");
            out.push(got);
        }
        out
    });
}

/// a. `fut-inc(f)`: the host's future (resolved at once, or after a yield)
/// plus one.
#[test]
fn more_future_from_host_plus_one() {
    both("fut-inc", |engine, bytes, what| {
        let mut out = Vec::new();
        for (v, later) in [(41u32, false), (41, true), (0xffff_fffe, false), (0, true)] {
            let got = call_more::<(FutureReader<u32>,), (u32,)>(
                engine,
                bytes,
                None,
                "fut-inc",
                |store| {
                    Ok((FutureReader::new(store, async move {
                        if later {
                            YieldOnce(false).await;
                        }
                        Ok::<u32, wasmtime::Error>(v)
                    })?,))
                },
            )
            .map(|((r,), _)| r);
            eprintln!("{what} fut-inc({v}, later {later}): {got:?}");
            assert_eq!(got, Ok(v + 1), "{what} fut-inc({v}, later {later})");
            out.push(got);
        }
        out
    });
}

fn rec(i: u32) -> Rec {
    Rec {
        a: i.wrapping_mul(2_654_435_761).wrapping_add(3),
        b: i % 3 == 1,
        c: (i.wrapping_mul(7) % 256) as u8,
    }
}

fn rec_hash(recs: &[Rec]) -> u32 {
    recs.iter().fold(0u32, |h, r| {
        let h = h.wrapping_mul(31).wrapping_add(r.a);
        let h = h.wrapping_mul(31).wrapping_add(r.b as u32);
        h.wrapping_mul(31).wrapping_add(r.c as u32)
    })
}

/// b. `sum-recs(s)` of a host stream of n records.
#[test]
fn more_stream_of_records() {
    both("sum-recs", |engine, bytes, what| {
        let mut out = Vec::new();
        for n in [0u32, 1, 3, 16, 17, 1000] {
            let recs: Vec<Rec> = (0..n).map(rec).collect();
            let want = rec_hash(&recs);
            let got = call_more::<(StreamReader<Rec>,), (u32,)>(
                engine,
                bytes,
                Some("test:more/recs"),
                "sum-recs",
                |store| Ok((StreamReader::new(store, recs)?,)),
            )
            .map(|((r,), _)| r);
            eprintln!("{what} sum-recs({n}): {got:?} (want {want})");
            assert_eq!(got, Ok(want), "{what} sum-recs({n})");
            out.push(got);
        }
        out
    });
}

/// c. `get-outcome(which)`: the host's `future<result<u32, error>>`, resolved
/// after a yield: ok(7) -> 1007, err(second) -> 2001.
#[test]
fn more_future_of_result_with_enum_error() {
    both("get-outcome", |engine, bytes, what| {
        let mut out = Vec::new();
        for (which, want) in [(0u32, 1007u32), (1, 2001)] {
            let got =
                call_more::<(u32,), (u32,)>(engine, bytes, None, "get-outcome", |_| Ok((which,)))
                    .map(|((r,), _)| r);
            eprintln!("{what} get-outcome({which}): {got:?}");
            assert_eq!(got, Ok(want), "{what} get-outcome({which})");
            out.push(got);
        }
        out
    });
}

/// d. `echo(s)`: the host's stream comes back unchanged (through both inner
/// components).
#[test]
fn more_echo_round_trip() {
    both("echo", |engine, bytes, what| {
        let mut out = Vec::new();
        for n in SIZES {
            let got = (|| -> Result<Vec<u8>, String> {
                let (mut store, instance, _) = instantiate_more(engine, bytes)?;
                let f = instance
                    .get_typed_func::<(StreamReader<u8>,), (StreamReader<u8>,)>(&mut store, "echo")
                    .map_err(|e| format!("{e:?}"))?;
                let s =
                    StreamReader::new(&mut store, Bytes::new(n)).map_err(|e| format!("{e:?}"))?;
                let got = Shared::default();
                let r = block_on(store.run_concurrent(
                    async move |a| -> wasmtime::Result<Vec<u8>> {
                        let (back,) = f.call_concurrent(a, (s,)).await?;
                        a.with(|access| back.pipe(access, Collect::new(got.clone())))?;
                        Ok(Ended(got).await)
                    },
                ));
                r.and_then(|r| r).map_err(|e| format!("{e:?}"))
            })();
            eprintln!("{what} echo({n}): {:?}", got.as_ref().map(|b| b.len()));
            let got = got.unwrap_or_else(|e| panic!("{what} echo({n}): {e}"));
            if let Err(e) = check_bytes(&got, n) {
                panic!("{what} echo({n}): {e}");
            }
            out.push(got.len());
        }
        out
    });
}

/// e. `send-some(n, k)`: the host takes k bytes and then drops its end; the
/// guest's write reports DROPPED and it returns the total its writes
/// reported, which is less than n.
#[test]
fn more_host_drops_reader_early() {
    both("send-some", |engine, bytes, what| {
        let mut out = Vec::new();
        for (n, k) in [
            (10_000u32, 2500u32),
            (10_000, 0),
            (5000, 1000),
            (100_000, 3001),
        ] {
            let got =
                call_more::<(u32, u32), (u32,)>(engine, bytes, None, "send-some", |_| Ok((n, k)));
            let (total, host) = got.unwrap_or_else(|e| panic!("{what} send-some({n}, {k}): {e}"));
            let (total,) = total;
            let limited = host.limited.lock().unwrap();
            assert_eq!(
                limited.len(),
                1,
                "{what} send-some({n}, {k}): calls of limited"
            );
            let (kk, g) = &limited[0];
            let g = g.lock().unwrap();
            eprintln!(
                "{what} send-some({n}, {k}): guest wrote {total}, host took {} (ended {})",
                g.bytes.len(),
                g.ended
            );
            assert_eq!(*kk, k);
            if let Err(e) = check_bytes(&g.bytes, k) {
                panic!("{what} send-some({n}, {k}), the bytes the host took: {e}");
            }
            assert!(
                total < n,
                "{what} send-some({n}, {k}): wrote {total}, not < {n}"
            );
            assert!(
                total >= k,
                "{what} send-some({n}, {k}): wrote {total} < {k}"
            );
            out.push(total);
        }
        out
    });
}

/// f. `cancel-read()`: a read of a host stream the host never writes to
/// blocks; cancel-read reports CANCELLED with count 0; the host saw the
/// cancellation and, after the guest dropped its end, dropped its producer.
#[test]
fn more_cancel_read_of_host_stream() {
    both("cancel-read", |engine, bytes, what| {
        let got = call_more::<(), (u32,)>(engine, bytes, None, "cancel-read", |_| Ok(()));
        let ((v,), host) = got.unwrap_or_else(|e| panic!("{what} cancel-read: {e}"));
        let never = host.never.lock().unwrap();
        assert_eq!(never.len(), 1, "{what}: calls of never");
        let saw = *never[0].lock().unwrap();
        eprintln!("{what} cancel-read: {v:#x}, host saw {saw:?}");
        assert_eq!(
            v, 0x1_0002,
            "{what} cancel-read: blocked, then CANCELLED with count 0"
        );
        assert_eq!(
            saw,
            NeverSaw {
                polled: true,
                cancelled: true,
                dropped: true
            },
            "{what} cancel-read: what the host saw"
        );
        (v, saw)
    });
}

/// g. `zero-read(s)`: a zero-length read of the host's stream (COMPLETED
/// with count 0; DROPPED for the empty stream), then all of it.
#[test]
fn more_zero_length_read() {
    both("zero-read", |engine, bytes, what| {
        let mut out = Vec::new();
        for n in SIZES {
            let got = call_more::<(StreamReader<u8>,), (u32,)>(
                engine,
                bytes,
                None,
                "zero-read",
                |store| Ok((StreamReader::new(store, Bytes::new(n))?,)),
            )
            .map(|((r,), _)| r);
            let z = if n == 0 { 1 } else { 0 };
            let want = (expected_sum(n) << 2) | z;
            eprintln!(
                "{what} zero-read({n}): {:?} (want sum {} z {z})",
                got.as_ref().map(|v| (v >> 2, v & 3)),
                expected_sum(n)
            );
            assert_eq!(got, Ok(want), "{what} zero-read({n})");
            out.push(got);
        }
        out
    });
}

/// g. `zero-write(n)`: a zero-length write into the host's `sink` (COMPLETED
/// with count 0), then n bytes; the sink reads exactly those.
#[test]
fn more_zero_length_write() {
    both("zero-write", |engine, bytes, what| {
        let mut out = Vec::new();
        for n in SIZES {
            let got = call_more::<(u32,), (u32,)>(engine, bytes, None, "zero-write", |_| Ok((n,)));
            let ((v,), host) = got.unwrap_or_else(|e| panic!("{what} zero-write({n}): {e}"));
            eprintln!("{what} zero-write({n}): count {} z {}", v >> 2, v & 3);
            assert_eq!(
                v,
                n << 2,
                "{what} zero-write({n}): count << 2 | zero-length write result"
            );
            let sinks = host.sinks.lock().unwrap();
            assert_eq!(sinks.len(), 1, "{what} zero-write({n}): calls of sink");
            let g = sinks[0].lock().unwrap();
            assert!(g.ended, "{what} zero-write({n}): the stream ended");
            if let Err(e) = check_bytes(&g.bytes, n) {
                panic!("{what} zero-write({n}), the bytes sink read: {e}");
            }
            out.push(v);
        }
        out
    });
}
