//! Async host imports (docs/async.md, "Async host imports"): the
//! composition and the fused+wrapped component run on wasmtime's component
//! API with the same concurrent host function, and must agree; the host
//! either answers at once or after yielding (the calls return STARTED and
//! the fused module waits on the host through the bridge).

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

fn engine() -> Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.wasm_multi_memory(true);
    c.wasm_component_model_async(true);
    Engine::new(&c).unwrap()
}

/// Pending once (waking itself), then ready.
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

/// `run` of `bytes` with a host `h(x) = x + 10` that yields first when
/// `slow`; the result, or the error's text.
fn run(engine: &Engine, bytes: &[u8], slow: bool) -> Result<u32, String> {
    let component = Component::new(engine, bytes).map_err(|e| format!("{e:?}"))?;
    let mut linker = Linker::<()>::new(engine);
    linker
        .root()
        .func_wrap_concurrent("h", move |_, (x,): (u32,)| {
            Box::pin(async move {
                if slow {
                    YieldOnce(false).await;
                }
                Ok((x + 10,))
            })
        })
        .unwrap();
    let mut store = Store::new(engine, ());
    let instance =
        block_on(linker.instantiate_async(&mut store, &component)).map_err(|e| format!("{e:?}"))?;
    let f = instance
        .get_func(&mut store, "run")
        .ok_or("no export `run`")?;
    let mut out = [Val::U32(0)];
    block_on(f.call_async(&mut store, &[], &mut out)).map_err(|e| format!("{e:?}"))?;
    match out[0] {
        Val::U32(v) => Ok(v),
        ref v => Err(format!("not a u32: {v:?}")),
    }
}

#[test]
fn async_host_import_agrees_unfused_and_wrapped() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/host/host_async.wat");
    assert!(path.exists(), "missing fixture {}", path.display());
    let input = wat::parse_file(&path).unwrap();
    let engine = engine();
    let wrapped =
        meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).expect("fuse --component");
    // `meld wrap` of the fused core module (the record names the bridge's
    // memory for `[waitable-set-wait]`).
    let core = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    let rewrapped = meld_core::wrap::given::wrap_module(&core.wasm, false).expect("meld wrap");
    for slow in [false, true] {
        let unfused = run(&engine, &input, slow);
        let fused = run(&engine, &wrapped.wasm, slow);
        let again = run(&engine, &rewrapped, slow);
        eprintln!(
            "slow host {slow}: unfused {unfused:?}, fused+wrapped {fused:?}, meld wrap {again:?}"
        );
        assert!(unfused.is_ok(), "{unfused:?}");
        assert_eq!(fused, unfused, "slow host: {slow}");
        assert_eq!(again, unfused, "meld wrap, slow host: {slow}");
    }
    // The slow host's calls returned STARTED: both events were waited for.
    assert_eq!(run(&engine, &input, true), Ok(11122));
}

#[test]
fn async_host_import_refused_with_shared_memory() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/host/host_async.wat");
    let input = wat::parse_file(&path).unwrap();
    let opts = meld_core::FuseOptions {
        component: true,
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let e = meld_core::fuse(&[&input], &opts).unwrap_err().to_string();
    assert!(
        e.contains("async host import `$root#h` with --memory shared"),
        "{e}"
    );
}
