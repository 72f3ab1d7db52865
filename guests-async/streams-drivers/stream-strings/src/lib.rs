//! A stream of strings (ASCII, non-ASCII, empty, 100 000 bytes) and a
//! stream of records (a string and numbers), written by library tasks.
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-strings-driver" });

use meld_test::async_streams::texts;
use wit_bindgen::StreamResult;

struct Driver;

impl Guest for Driver {
    async fn run() {
        let long: String = (0..100_000u32)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let xs = vec![
            "hello".to_string(),
            "grüße, 世界 🦀".to_string(),
            String::new(),
            long.clone(),
            "last".to_string(),
        ];
        let mut rx = texts::strings(xs).await;
        let mut i = 0;
        while let Some(s) = rx.next().await {
            if s.len() > 64 {
                let sum: u64 = s.bytes().map(u64::from).sum();
                println!(
                    "string {i}: {} bytes, sum {sum}, same as sent: {}",
                    s.len(),
                    s == long
                );
            } else {
                println!(
                    "string {i}: {s:?} ({} bytes, {} chars)",
                    s.len(),
                    s.chars().count()
                );
            }
            i += 1;
        }
        println!("strings: stream ended after {i}");

        // No strings at all: only the count.
        let rest = texts::strings(Vec::new()).await.collect().await;
        println!("strings of none: {rest:?}");

        // Records, read three at a time (the writer writes two at a time).
        let mut rx = texts::items(7).await;
        let mut got = Vec::new();
        loop {
            let (status, buf) = rx.read(Vec::with_capacity(3)).await;
            if status == StreamResult::Dropped {
                break;
            }
            got.extend(buf);
        }
        for it in &got {
            println!(
                "item {:?} id={} delta={} ratio={}",
                it.name, it.id, it.delta, it.ratio
            );
        }
        let many = texts::items(1000).await.collect().await;
        let ids: u64 = many.iter().map(|it| u64::from(it.id)).sum();
        let names: usize = many.iter().map(|it| it.name.len()).sum();
        let deltas: i64 = many.iter().map(|it| it.delta).sum();
        println!(
            "items 1000: {} items, id sum {ids}, name bytes {names}, delta sum {deltas}, last {:?}",
            many.len(),
            many.last().map(|it| &it.name)
        );
    }
}

export!(Driver);
