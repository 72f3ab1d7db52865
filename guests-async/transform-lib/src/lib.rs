//! The middle of a chain of three components: reads `source`'s stream of
//! words and writes each one transformed on a stream of its own.
wit_bindgen::generate!({ path: "../wit-streams", world: "transform-lib" });

use exports::meld_test::async_streams::transform::Guest;
use meld_test::async_streams::source;
use wit_bindgen::StreamReader;

struct Lib;

impl Guest for Lib {
    async fn shout(n: u32) -> StreamReader<String> {
        let mut words = source::words(n).await;
        let (mut tx, rx) = wit_stream::new::<String>();
        wit_bindgen::spawn_local(async move {
            let mut seen = 0u32;
            while let Some(w) = words.next().await {
                seen += 1;
                let out = format!("{}! [{} chars]", w.to_uppercase(), w.chars().count());
                assert!(tx.write_one(out).await.is_none());
            }
            assert!(tx.write_one(format!("(relayed {seen})")).await.is_none());
        });
        rx
    }
}

export!(Lib);
