//! Several async calls (to three components) joined: all made first, then
//! driven together by a small hand-written join, results combined.
wit_bindgen::generate!({ path: "../wit-more", world: "join-user" });

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use meld_test::async_more::{bumper, scalars, shapes};

type Boxed = Pin<Box<dyn Future<Output = i64>>>;

/// Polls every unfinished future on each turn until all are done; the
/// results in the order of `futs`.
async fn join_all(mut futs: Vec<Boxed>) -> Vec<i64> {
    let mut out: Vec<Option<i64>> = vec![None; futs.len()];
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        let mut pending = false;
        for (fut, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(out.iter().map(|v| v.unwrap()).collect())
        }
    })
    .await
}

fn main() {
    let results = wit_bindgen::block_on(async {
        let futs: Vec<Boxed> = vec![
            Box::pin(async { scalars::widen(-100, 1000, 100_000).await }),
            Box::pin(async { shapes::measure("naïve".to_string()).await.1 as i64 }),
            Box::pin(async { shapes::checksum(vec![200; 1000]).await.1 as i64 }),
            Box::pin(async { i64::from(bumper::bump(5).await) }),
            Box::pin(async { i64::from(bumper::bump(6).await) }),
            Box::pin(async { scalars::inc_all(0, 0, 0, 0, 0, 0, 0, 41).await.7 }),
        ];
        join_all(futs).await
    });
    println!("joined = {results:?}");
    println!("sum = {}", results.iter().sum::<i64>());
    // A hundred calls of one function joined.
    let many = wit_bindgen::block_on(async {
        let futs: Vec<Boxed> = (1..=100u32)
            .map(|i| Box::pin(async move { i64::from(bumper::bump(i).await) }) as Boxed)
            .collect();
        join_all(futs).await
    });
    println!(
        "100 bumps: first {} last {} calls {}",
        many[0],
        many[99],
        bumper::calls()
    );
}
