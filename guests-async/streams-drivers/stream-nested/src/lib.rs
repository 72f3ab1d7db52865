//! A stream of futures (each future written after all were sent, in
//! reverse order), and a stream whose reader is dropped mid-stream: the
//! writer sees the drop and reports how many elements it delivered.
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-nested-driver" });

use meld_test::async_streams::nested;

struct Driver;

impl Guest for Driver {
    async fn run() {
        let futures = nested::squares(5).await.collect().await;
        println!("squares: {} futures", futures.len());
        let mut values = Vec::new();
        for f in futures {
            values.push(f.await);
        }
        println!("squares: {values:?}");
        // Futures read in reverse (the order they are written).
        let mut futures = nested::squares(4).await.collect().await;
        let mut rev = Vec::new();
        while let Some(f) = futures.pop() {
            rev.push(f.await);
        }
        println!("squares reversed: {rev:?}");

        let (mut rx, done) = nested::endless().await;
        let mut got = Vec::new();
        for _ in 0..3 {
            let (_, buf) = rx.read(Vec::with_capacity(2)).await;
            got.extend(buf);
        }
        println!("endless: read {got:?}, dropping the reader");
        drop(rx);
        println!("endless: writer delivered {} before the drop", done.await);
    }
}

export!(Driver);
