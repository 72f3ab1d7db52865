//! Strings and lists in streams and futures at the HOST boundary:
//! tests/fixtures/host/host_streams_strings.wat (three inner components; its
//! header describes every export). Each case runs unfused and fused
//! `--component`; both must give exactly the result computed here (and so
//! the same result).
//!
//! - `words(n)`: the host reads the `stream<string>` a guest writes after
//!   returning it (UTF-8 guest; `words16` the UTF-16 guest);
//! - `count-chars(s)`: a guest reads the host's `stream<string>`
//!   (`count-chars16` the UTF-16 guest);
//! - `send-lists(n)`: the guest writes `list<u32>`s into the host import
//!   `sink-lists`, whose `future<u32>` resolves to their sum;
//! - `greet-len()`: the guest reads the host import `greet`'s
//!   `future<string>` ("héllo"; `greet-len16` the UTF-16 guest);
//! - 10 000 strings through `words` and `count-chars`;
//! - `word(i)` / `word16(i)`: a string returned by `task.return` (no
//!   stream), from each guest.
//!
//! The helpers are copied (not shared with tests/support/host_stream_io.rs)
//! so that this file does not depend on that file's API.

#[path = "support/host_stream_io.rs"]
mod host_stream_io;
use host_stream_io::{block_on, engine, host_fixture};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wasmtime::component::{
    Component, FutureReader, Instance, Lift, Linker, Source, StreamConsumer, StreamReader,
    StreamResult,
};
use wasmtime::{Engine, Store, StoreContextMut};

fn fixture() -> Vec<u8> {
    host_fixture("host_streams_strings.wat")
}

/// The fixture fused and wrapped back into a component (`meld fuse
/// --component`).
fn fused() -> Vec<u8> {
    meld_core::fuse(&[&fixture()], &meld_core::FuseOptions::wrapped())
        .expect("fuse --component")
        .wasm
}

/// What a host reader has received.
struct ItemsState<T> {
    items: Vec<T>,
    /// Reads that took at least one item.
    takes: usize,
    /// The writer dropped its end (wasmtime dropped the consumer).
    ended: bool,
    waker: Option<Waker>,
}

type Items<T> = Arc<Mutex<ItemsState<T>>>;

fn items<T>() -> Items<T> {
    Arc::new(Mutex::new(ItemsState {
        items: Vec::new(),
        takes: 0,
        ended: false,
        waker: None,
    }))
}

/// Host end reading a guest-written stream: at most `limit` items per read.
struct Collect<T> {
    got: Items<T>,
    limit: usize,
}

impl<D: 'static, T: Lift + Send + Sync + 'static> StreamConsumer<D> for Collect<T> {
    type Item = T;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut src: Source<'_, T>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut buf = Vec::with_capacity(self.limit);
        src.read(store, &mut buf)?;
        let mut g = self.got.lock().unwrap();
        if !buf.is_empty() {
            g.takes += 1;
        }
        g.items.extend(buf);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl<T> Drop for Collect<T> {
    fn drop(&mut self) {
        let mut g = self.got.lock().unwrap();
        g.ended = true;
        if let Some(w) = g.waker.take() {
            w.wake();
        }
    }
}

/// Ready with the items (taken) once the stream has ended.
struct Ended<T>(Items<T>);

impl<T> Future for Ended<T> {
    type Output = Vec<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        let mut g = self.0.lock().unwrap();
        if g.ended {
            Poll::Ready(std::mem::take(&mut g.items))
        } else {
            g.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// What the host imports saw: the lists of every `sink-lists` call, and
/// the number of `greet` calls.
#[derive(Clone, Default)]
struct Host {
    lists: Arc<Mutex<Vec<Vec<Vec<u32>>>>>,
    greets: Arc<Mutex<u32>>,
}

const GREETING: &str = "héllo";

/// The component instantiated with the host imports `greet() ->
/// future<string>` (resolves to [`GREETING`]) and `sink-lists(s:
/// stream<list<u32>>) -> future<u32>` (reads `s` to its end, 3 lists per
/// read, records the lists; the future resolves to the sum of every u32 mod
/// 2^32).
fn instantiate(engine: &Engine, bytes: &[u8]) -> Result<(Store<()>, Instance, Host), String> {
    let component = Component::new(engine, bytes).map_err(|e| format!("{e:?}"))?;
    let mut linker = Linker::<()>::new(engine);
    let host = Host::default();
    let h = host.clone();
    linker
        .root()
        .func_wrap(
            "greet",
            move |mut store: StoreContextMut<'_, ()>, (): ()| {
                *h.greets.lock().unwrap() += 1;
                let f = FutureReader::new(&mut store, async move {
                    Ok::<String, wasmtime::Error>(GREETING.to_string())
                })?;
                Ok((f,))
            },
        )
        .map_err(|e| format!("{e:?}"))?;
    let h = host.clone();
    linker
        .root()
        .func_wrap(
            "sink-lists",
            move |mut store: StoreContextMut<'_, ()>, (s,): (StreamReader<Vec<u32>>,)| {
                let got = items::<Vec<u32>>();
                s.pipe(
                    &mut store,
                    Collect {
                        got: got.clone(),
                        limit: 3,
                    },
                )?;
                let h = h.clone();
                let sum = FutureReader::new(&mut store, async move {
                    let lists = Ended(got).await;
                    let sum = lists.iter().flatten().fold(0u32, |s, v| s.wrapping_add(*v));
                    h.lists.lock().unwrap().push(lists);
                    Ok::<u32, wasmtime::Error>(sum)
                })?;
                Ok((sum,))
            },
        )
        .map_err(|e| format!("{e:?}"))?;
    let mut store = Store::new(engine, ());
    let instance =
        block_on(linker.instantiate_async(&mut store, &component)).map_err(|e| format!("{e:?}"))?;
    Ok((store, instance, host))
}

/// Call export `name` once with `params`; `setup` may make host streams for
/// the parameters first.
fn call<P, R>(
    engine: &Engine,
    bytes: &[u8],
    name: &str,
    setup: impl FnOnce(&mut Store<()>) -> wasmtime::Result<P>,
) -> Result<(R, Host), String>
where
    P: wasmtime::component::ComponentNamedList + wasmtime::component::Lower + Send + Sync + 'static,
    R: wasmtime::component::ComponentNamedList + Lift + Send + Sync + 'static,
{
    let (mut store, instance, host) = instantiate(engine, bytes)?;
    let f = instance
        .get_typed_func::<P, R>(&mut store, name)
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
    let unfused = f(&engine, &fixture(), "unfused");
    let fused = f(&engine, &fused(), "fused");
    assert_eq!(unfused, fused, "{case}: unfused vs fused");
}

/// Word i of `words(n)`: "" if i % 8 = 7, else "w", i, "ä€😀" (i % 4) times
/// and "x" ((i * 7) % 23) times.
fn word(i: u32) -> String {
    if i % 8 == 7 {
        return String::new();
    }
    format!(
        "w{i}{}{}",
        "ä€😀".repeat((i % 4) as usize),
        "x".repeat((i.wrapping_mul(7) % 23) as usize)
    )
}

/// The strings `words` (or `words16`) of the fixture returns, read by the
/// host `limit` strings at a time.
fn run_words(
    engine: &Engine,
    bytes: &[u8],
    export: &str,
    n: u32,
    limit: usize,
) -> Result<Vec<String>, String> {
    let (mut store, instance, _) = instantiate(engine, bytes)?;
    let f = instance
        .get_typed_func::<(u32,), (StreamReader<String>,)>(&mut store, export)
        .map_err(|e| format!("{e:?}"))?;
    let got = items::<String>();
    let r = block_on(
        store.run_concurrent(async move |a| -> wasmtime::Result<Vec<String>> {
            let (s,) = f.call_concurrent(a, (n,)).await?;
            a.with(|access| {
                s.pipe(
                    access,
                    Collect {
                        got: got.clone(),
                        limit,
                    },
                )
            })?;
            Ok(Ended(got).await)
        }),
    );
    r.and_then(|r| r).map_err(|e| format!("{e:?}"))
}

/// `got` is exactly words 0 .. n-1.
fn check_words(what: &str, got: &[String], n: u32) {
    assert_eq!(got.len(), n as usize, "{what}: number of strings");
    for (i, s) in got.iter().enumerate() {
        assert_eq!(*s, word(i as u32), "{what}: string {i}");
    }
}

fn words_case(export: &'static str, sizes: &[(u32, usize)]) {
    both(export, |engine, bytes, what| {
        let mut out = Vec::new();
        for &(n, limit) in sizes {
            let got = run_words(engine, bytes, export, n, limit);
            let what = format!("{what} {export}({n}), host reads {limit} at a time");
            eprintln!("{what}: {:?}", got.as_ref().map(|v| v.len()));
            let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            check_words(&what, &got, n);
            out.push(got);
        }
        out
    });
}

/// a. `words(n)`: n strings written (3 at a time) after the call returned.
#[test]
fn strings_stream_from_guest() {
    words_case("words", &[(0, 2), (1, 2), (7, 2), (100, 2), (100, 1000)]);
}

/// d. `words16(n)`: as `words`, from the UTF-16 guest.
#[test]
fn strings_stream_from_utf16_guest() {
    words_case("words16", &[(0, 2), (1, 2), (7, 2), (100, 2), (100, 1000)]);
}

/// Host string i for `count-chars`: empty, ASCII, 2-, 3- and 4-byte UTF-8,
/// and long ones.
fn host_string(i: u32) -> String {
    match i % 7 {
        0 => String::new(),
        1 => "a".to_string(),
        2 => "héllo".to_string(),
        3 => "ä€😀".repeat((i % 5) as usize),
        4 => "x".repeat((i % 300) as usize),
        5 => format!("s{i}é{}", "€".repeat((i % 11) as usize)),
        _ => "😀".repeat((i % 13) as usize),
    }
}

/// What `count-chars` returns for `strs` with code units `units`: tot << 32
/// | h.
fn count_of<U: Into<u32>>(strs: &[String], units: impl Fn(&str) -> Vec<U>) -> u64 {
    let (mut tot, mut h) = (0u32, 0u32);
    for s in strs {
        let u = units(s);
        tot = tot.wrapping_add(u.len() as u32);
        h = h.wrapping_mul(31).wrapping_add(u.len() as u32);
        for x in u {
            h = h.wrapping_mul(31).wrapping_add(x.into());
        }
    }
    ((tot as u64) << 32) | h as u64
}

fn utf8_units(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn utf16_units(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn count_case(export: &'static str, sizes: &[u32], utf16: bool) {
    both(export, |engine, bytes, what| {
        let mut out = Vec::new();
        for &n in sizes {
            let strs: Vec<String> = (0..n).map(host_string).collect();
            let want = if utf16 {
                count_of(&strs, utf16_units)
            } else {
                count_of(&strs, utf8_units)
            };
            let got = call::<(StreamReader<String>,), (u64,)>(engine, bytes, export, |store| {
                Ok((StreamReader::new(store, strs)?,))
            })
            .map(|((r,), _)| r);
            eprintln!(
                "{what} {export}({n} strings): {:x?} (want {want:#x})",
                got.as_ref()
            );
            assert_eq!(got, Ok(want), "{what} {export}({n} strings)");
            out.push(got);
        }
        out
    });
}

/// b. `count-chars(s)`: the guest reads the host's strings (including empty
/// ones) and returns their total length and a hash of every byte.
#[test]
fn strings_stream_to_guest() {
    count_case("count-chars", &[0, 1, 7, 100], false);
}

/// d. `count-chars16(s)`: as `count-chars`, into the UTF-16 guest (lengths
/// and hash in UTF-16 code units).
#[test]
fn strings_stream_to_utf16_guest() {
    count_case("count-chars16", &[0, 1, 7, 100], true);
}

/// List i of `send-lists`: i * 100 + j for j < i % 5.
fn list(i: u32) -> Vec<u32> {
    (0..i % 5).map(|j| i * 100 + j).collect()
}

/// c. `send-lists(n)`: the guest writes n lists (every fifth one empty) into
/// the host import `sink-lists`; its future resolves to the sum, which the
/// guest returns; the host received exactly those lists.
#[test]
fn lists_stream_to_host_import() {
    both("send-lists", |engine, bytes, what| {
        let mut out = Vec::new();
        for n in [0u32, 1, 2, 6, 13, 100] {
            let want: Vec<Vec<u32>> = (0..n).map(list).collect();
            let sum = want.iter().flatten().fold(0u32, |s, v| s.wrapping_add(*v));
            let got = call::<(u32,), (u32,)>(engine, bytes, "send-lists", |_| Ok((n,)));
            let what = format!("{what} send-lists({n})");
            eprintln!("{what}: {:?} (want {sum})", got.as_ref().map(|r| r.0));
            let ((v,), host) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            let lists = host.lists.lock().unwrap();
            assert_eq!(lists.len(), 1, "{what}: calls of sink-lists");
            assert_eq!(lists[0], want, "{what}: the lists the host read");
            assert_eq!(v, sum, "{what}: the future's value");
            out.push(v);
        }
        out
    });
}

fn greet_case(export: &'static str, units: Vec<u32>) {
    let want = ((units.len() as u32) << 16) | (units.iter().sum::<u32>() & 0xffff);
    both(export, |engine, bytes, what| {
        let got = call::<(), (u32,)>(engine, bytes, export, |_| Ok(()));
        eprintln!(
            "{what} {export}: {:?} (want {want:#x})",
            got.as_ref().map(|r| r.0)
        );
        let ((v,), host) = got.unwrap_or_else(|e| panic!("{what} {export}: {e}"));
        assert_eq!(*host.greets.lock().unwrap(), 1, "{what}: calls of greet");
        assert_eq!(
            v, want,
            "{what} {export}: len << 16 | sum of the code units"
        );
        v
    });
}

/// c. `greet-len()`: the host's `future<string>` ("héllo", 6 bytes).
#[test]
fn string_future_from_host_import() {
    greet_case(
        "greet-len",
        GREETING.bytes().map(u32::from).collect::<Vec<_>>(),
    );
}

/// d. `greet-len16()`: the same future read by the UTF-16 guest (5 code
/// units).
#[test]
fn string_future_from_host_import_utf16() {
    greet_case(
        "greet-len16",
        GREETING.encode_utf16().map(u32::from).collect::<Vec<_>>(),
    );
}

/// e. 10 000 strings each way (UTF-8 and UTF-16 guests): every run must
/// finish (the bridge's memory must not run out) with exact results.
#[test]
fn ten_thousand_strings_from_guest() {
    words_case("words", &[(10_000, 64)]);
}

#[test]
fn ten_thousand_strings_from_utf16_guest() {
    words_case("words16", &[(10_000, 7)]);
}

#[test]
fn ten_thousand_strings_to_guest() {
    count_case("count-chars", &[10_000], false);
}

#[test]
fn ten_thousand_strings_to_utf16_guest() {
    count_case("count-chars16", &[10_000], true);
}

/// `word(i)` (or `word16`): word i returned by an async export's
/// `task.return` (a string result: the task.return has a memory).
fn word_case(export: &'static str) {
    both(export, |engine, bytes, what| {
        let mut out = Vec::new();
        for i in [0u32, 1, 3, 7, 42, 99_998] {
            let got =
                call::<(u32,), (String,)>(engine, bytes, export, |_| Ok((i,))).map(|((r,), _)| r);
            eprintln!("{what} {export}({i}): {got:?}");
            assert_eq!(got, Ok(word(i)), "{what} {export}({i})");
            out.push(got);
        }
        out
    });
}

#[test]
fn string_result_by_task_return() {
    word_case("word");
}

#[test]
fn string_result_by_task_return_utf16() {
    word_case("word16");
}
