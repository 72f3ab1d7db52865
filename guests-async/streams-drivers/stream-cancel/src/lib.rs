//! Cancelling pending copies (wit-bindgen's `StreamRead::cancel`,
//! `StreamWrite::cancel`, `FutureRead::cancel`, `FutureWrite::cancel`):
//! each copy is started while the other end waits for a gate (a future this
//! driver writes later), so it is pending; it is cancelled, the gate opened,
//! and the end used again.
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-cancel-driver" });

use std::future::{Future, IntoFuture};
use std::pin::{pin, Pin};
use std::task::Poll;

use meld_test::async_streams::gates;
use wit_bindgen::FutureWriteCancel;

struct Driver;

/// Polls `f` once: its output if it is ready, else `None` (still pending).
async fn poll_once<F: Future>(mut f: Pin<&mut F>) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        Poll::Ready(match f.as_mut().poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}

impl Guest for Driver {
    async fn run() {
        // cancel-read on a stream whose writer waits for the gate.
        let (gate, gate_rx) = wit_future::new::<u32>(|| 0);
        let mut rx = gates::gated(gate_rx).await;
        {
            let mut read = pin!(rx.read(Vec::with_capacity(8)));
            let first = poll_once(read.as_mut()).await;
            println!("read before the gate: pending {}", first.is_none());
            let (status, buf) = read.as_mut().cancel();
            println!("cancel-read: {status:?}, {} values", buf.len());
        }
        gate.write(3).await.expect("gate reader dropped");
        println!("after the gate: {:?}", rx.collect().await);

        // cancel-write on a stream whose reader waits for the gate.
        let (gate, gate_rx) = wit_future::new::<u32>(|| 0);
        let (mut tx, xs) = wit_stream::new::<u32>();
        let sum = gates::sum_after(gate_rx, xs).await;
        {
            let mut write = pin!(tx.write(vec![1, 2, 3]));
            let first = poll_once(write.as_mut()).await;
            println!("write before the gate: pending {}", first.is_none());
            let (status, buf) = write.as_mut().cancel();
            println!("cancel-write: {status:?}, {} values left", buf.remaining());
        }
        gate.write(7).await.expect("gate reader dropped");
        assert!(tx.write_all(vec![40, 2]).await.is_empty());
        drop(tx);
        println!("sum-after: {}", sum.await);

        // cancel of a pending future read; the reader comes back and is
        // read again once the gate is open.
        let (gate, gate_rx) = wit_future::new::<u32>(|| 0);
        let reply = gates::echo_after(gate_rx).await;
        let mut read = pin!(reply.into_future());
        let first = poll_once(read.as_mut()).await;
        println!("future read before the gate: pending {}", first.is_none());
        let again = match read.as_mut().cancel() {
            Ok(v) => panic!("value before the gate: {v}"),
            Err(reader) => reader,
        };
        println!("future cancel-read: reader back");
        gate.write(41).await.expect("gate reader dropped");
        println!("echo-after: {}", again.await);

        // cancel of a pending future write (its readable end stays in this
        // component and is never read), then a write after the readable
        // end is dropped (refused: the value comes back); `g2` gates
        // another `echo-after` meanwhile.
        let (gate, gate_rx) = wit_future::new::<u32>(|| 0);
        let (g2, g2_rx) = wit_future::new::<u32>(|| 0);
        let reply = gates::echo_after(g2_rx).await;
        let mut write = pin!(gate.write(5));
        let first = poll_once(write.as_mut()).await;
        println!(
            "future write with no reader yet: pending {}",
            first.is_none()
        );
        match write.as_mut().cancel() {
            FutureWriteCancel::Cancelled(value, writer) => {
                println!("future cancel-write: got {value} back");
                // Nobody reads `gate_rx`: dropping it makes the writer's
                // write fail and hand the value back.
                drop(gate_rx);
                match writer.write(value + 1).await {
                    Ok(()) => println!("write after the reader dropped: ok"),
                    Err(e) => println!("write after the reader dropped: refused, {} back", e.value),
                }
            }
            FutureWriteCancel::AlreadySent => println!("future cancel-write: already sent"),
            FutureWriteCancel::Dropped(v) => println!("future cancel-write: dropped, {v} back"),
        }
        g2.write(99).await.expect("gate reader dropped");
        println!("echo-after: {}", reply.await);
    }
}

export!(Driver);
