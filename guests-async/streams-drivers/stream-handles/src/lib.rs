//! Handles (`own<token>`) through a stream and a future, and a stream of
//! lists; the library prints each token's drop.
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-handles-driver" });

use meld_test::async_streams::tokens;

struct Driver;

impl Guest for Driver {
    async fn run() {
        let mut rx = tokens::mint(4).await;
        let mut kept = Vec::new();
        while let Some(t) = rx.next().await {
            println!("token {}", t.value());
            if t.value() % 20 == 0 {
                kept.push(t);
            } else {
                drop(t);
            }
        }
        println!("stream ended, {} kept", kept.len());
        drop(kept);
        let one = tokens::mint_one(77).await.await;
        println!("future token {}", one.value());
        drop(one);
        let many = tokens::mint(300).await.collect().await;
        let sum: u64 = many.iter().map(|t| u64::from(t.value())).sum();
        println!(
            "300 tokens, values sum {sum}, dropped so far {}",
            tokens::dropped()
        );
        drop(many);
        println!("dropped after the 300: {}", tokens::dropped());
        let lists = tokens::chunks(300).await.collect().await;
        let total: usize = lists.iter().map(Vec::len).sum();
        let ok = lists
            .iter()
            .enumerate()
            .all(|(i, l)| l.len() == i && l.iter().all(|b| *b == i as u8));
        println!(
            "chunks: {} lists, {total} bytes, all as written: {ok}",
            lists.len()
        );
    }
}

export!(Driver);
