//! A stream crossing three components: `source` writes words, `transform`
//! (the middle) reads them and writes each transformed, the driver reads.
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-chain3-driver" });

use meld_test::async_streams::transform;

struct Driver;

impl Guest for Driver {
    async fn run() {
        let mut rx = transform::shout(7).await;
        while let Some(s) = rx.next().await {
            println!("{s}");
        }
        let all = transform::shout(500).await.collect().await;
        let bytes: usize = all.iter().map(|s| s.len()).sum();
        println!(
            "shout 500: {} strings, {bytes} bytes, last {:?}",
            all.len(),
            all.last()
        );
        let none = transform::shout(0).await.collect().await;
        println!("shout 0: {none:?}");
    }
}

export!(Driver);
