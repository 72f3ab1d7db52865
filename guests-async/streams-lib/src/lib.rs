//! Streams and futures written by tasks this library spawns
//! (`wit_bindgen::spawn_local`) after the export returned its readable end.
wit_bindgen::generate!({ path: "../wit-streams", world: "streams-lib" });

use exports::meld_test::async_streams::{
    bytes, echo, futures, gates, nested, source, texts, tokens,
};
use futures::FailKind;
use texts::Item;
use wit_bindgen::{FutureReader, StreamReader, StreamResult};

struct Lib;

/// Byte i of `bytes.produce`.
fn pattern(i: u32) -> u8 {
    (i.wrapping_mul(7).wrapping_add(i / 256) % 256) as u8
}

impl bytes::Guest for Lib {
    async fn produce(n: u32) -> StreamReader<u8> {
        let (mut tx, rx) = wit_stream::new::<u8>();
        wit_bindgen::spawn_local(async move {
            let mut i = 0u32;
            while i < n {
                let end = n.min(i + 65_536);
                let chunk: Vec<u8> = (i..end).map(pattern).collect();
                let left = tx.write_all(chunk).await;
                assert!(left.is_empty(), "reader dropped early");
                i = end;
            }
        });
        rx
    }
}

impl texts::Guest for Lib {
    async fn strings(xs: Vec<String>) -> StreamReader<String> {
        let (mut tx, rx) = wit_stream::new::<String>();
        wit_bindgen::spawn_local(async move {
            let count = xs.len();
            for x in xs {
                assert!(tx.write_one(x).await.is_none());
            }
            assert!(tx.write_one(format!("({count} strings)")).await.is_none());
        });
        rx
    }
    async fn items(n: u32) -> StreamReader<Item> {
        let (mut tx, rx) = wit_stream::new::<Item>();
        wit_bindgen::spawn_local(async move {
            let all: Vec<Item> = (0..n)
                .map(|i| Item {
                    name: format!("item-{i}-{}", "é".repeat(i as usize % 4)),
                    id: i.wrapping_mul(2_654_435_761),
                    delta: -(i64::from(i) * 1_000_000_007),
                    ratio: f64::from(i) / 8.0,
                })
                .collect();
            let mut it = all.into_iter();
            loop {
                let pair: Vec<Item> = it.by_ref().take(2).collect();
                if pair.is_empty() {
                    break;
                }
                assert!(tx.write_all(pair).await.is_empty());
            }
        });
        rx
    }
}

impl futures::Guest for Lib {
    async fn parse(s: String) -> FutureReader<Result<String, FailKind>> {
        let (tx, rx) = wit_future::new::<Result<String, FailKind>>(|| Err(FailKind::Empty));
        wit_bindgen::spawn_local(async move {
            let value = if s.is_empty() {
                Err(FailKind::Empty)
            } else {
                match s.parse::<u64>() {
                    Err(_) => Err(FailKind::NotANumber),
                    Ok(v) => match v.checked_mul(2) {
                        Some(d) => Ok(format!("{s} * 2 = {d}")),
                        None => Err(FailKind::TooBig),
                    },
                }
            };
            tx.write(value).await.expect("reader dropped");
        });
        rx
    }
    async fn check(s: String) -> FutureReader<Result<u32, String>> {
        let (tx, rx) = wit_future::new::<Result<u32, String>>(|| Err("unset".to_string()));
        wit_bindgen::spawn_local(async move {
            let value = if s.chars().count() <= 5 {
                Ok(s.len() as u32)
            } else {
                Err(format!("« {s} » is too long: {} chars", s.chars().count()))
            };
            tx.write(value).await.expect("reader dropped");
        });
        rx
    }
    async fn forgotten() -> FutureReader<String> {
        let (tx, rx) = wit_future::new::<String>(|| "(default)".to_string());
        drop(tx);
        rx
    }
}

impl echo::Guest for Lib {
    async fn pong(mut pings: StreamReader<String>) -> StreamReader<String> {
        let (mut tx, rx) = wit_stream::new::<String>();
        wit_bindgen::spawn_local(async move {
            let mut n = 0u32;
            while let Some(ping) = pings.next().await {
                n += 1;
                let reply = format!("pong {n}: {} ({} bytes)", ping.to_uppercase(), ping.len());
                if tx.write_one(reply).await.is_some() {
                    return;
                }
            }
            let _ = tx.write_one(format!("pings closed after {n}")).await;
        });
        rx
    }
}

impl source::Guest for Lib {
    async fn words(n: u32) -> StreamReader<String> {
        let (mut tx, rx) = wit_stream::new::<String>();
        wit_bindgen::spawn_local(async move {
            const WORDS: [&str; 5] = ["alpha", "grüße", "", "ωmega", "zz"];
            for i in 0..n {
                let w = format!("{}{}", WORDS[i as usize % WORDS.len()], i);
                assert!(tx.write_one(w).await.is_none());
            }
        });
        rx
    }
}

impl nested::Guest for Lib {
    async fn squares(n: u32) -> StreamReader<FutureReader<u32>> {
        let (mut tx, rx) = wit_stream::new::<FutureReader<u32>>();
        wit_bindgen::spawn_local(async move {
            let mut writers = Vec::new();
            let mut readers = Vec::new();
            for _ in 0..n {
                let (w, r) = wit_future::new::<u32>(|| u32::MAX);
                writers.push(w);
                readers.push(r);
            }
            assert!(tx.write_all(readers).await.is_empty());
            drop(tx);
            // One task per write (a future write waits for its reader),
            // started last to first.
            for (i, w) in writers.into_iter().enumerate().rev() {
                let i = i as u32;
                wit_bindgen::spawn_local(async move {
                    w.write(i * i + 1).await.expect("future reader dropped");
                });
            }
        });
        rx
    }
    async fn endless() -> (StreamReader<u32>, FutureReader<u32>) {
        let (mut tx, rx) = wit_stream::new::<u32>();
        let (done, done_rx) = wit_future::new::<u32>(|| u32::MAX);
        wit_bindgen::spawn_local(async move {
            let mut sent = 0u32;
            loop {
                let batch: Vec<u32> = (sent..sent + 3).collect();
                let (status, buf) = tx.write(batch).await;
                match status {
                    StreamResult::Complete(k) => sent += k as u32,
                    StreamResult::Dropped => break,
                    StreamResult::Cancelled => unreachable!(),
                }
                drop(buf);
            }
            done.write(sent).await.expect("future reader dropped");
        });
        (rx, done_rx)
    }
}

impl gates::Guest for Lib {
    async fn gated(gate: FutureReader<u32>) -> StreamReader<u32> {
        let (mut tx, rx) = wit_stream::new::<u32>();
        wit_bindgen::spawn_local(async move {
            let n = gate.await;
            assert!(tx.write_all((10..10 + n).collect()).await.is_empty());
        });
        rx
    }
    async fn sum_after(gate: FutureReader<u32>, xs: StreamReader<u32>) -> FutureReader<u64> {
        let (tx, rx) = wit_future::new::<u64>(|| u64::MAX);
        wit_bindgen::spawn_local(async move {
            let g = gate.await;
            let all = xs.collect().await;
            let sum: u64 = all.iter().map(|x| u64::from(*x)).sum();
            tx.write(u64::from(g) * 1000 + sum)
                .await
                .expect("future reader dropped");
        });
        rx
    }
    async fn echo_after(gate: FutureReader<u32>) -> FutureReader<u32> {
        let (tx, rx) = wit_future::new::<u32>(|| u32::MAX);
        wit_bindgen::spawn_local(async move {
            let g = gate.await;
            tx.write(g + 1).await.expect("future reader dropped");
        });
        rx
    }
}

/// A token: prints its drop.
pub struct Token(u32);

impl tokens::GuestToken for Token {
    fn new(n: u32) -> Self {
        Token(n)
    }
    fn value(&self) -> u32 {
        self.0
    }
}

static DROPPED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Drop for Token {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.0 < 100 {
            println!("  (lib: token {} dropped)", self.0);
        }
    }
}

impl tokens::Guest for Lib {
    type Token = Token;
    async fn mint(n: u32) -> StreamReader<tokens::Token> {
        let (mut tx, rx) = wit_stream::new::<tokens::Token>();
        wit_bindgen::spawn_local(async move {
            for i in 0..n {
                let t = tokens::Token::new(Token(i * 10));
                assert!(tx.write_one(t).await.is_none());
            }
        });
        rx
    }
    async fn mint_one(n: u32) -> FutureReader<tokens::Token> {
        let (tx, rx) = wit_future::new::<tokens::Token>(|| tokens::Token::new(Token(u32::MAX)));
        wit_bindgen::spawn_local(async move {
            let _ = tx.write(tokens::Token::new(Token(n))).await;
        });
        rx
    }
    fn dropped() -> u32 {
        DROPPED.load(std::sync::atomic::Ordering::Relaxed)
    }
    async fn chunks(n: u32) -> StreamReader<Vec<u8>> {
        let (mut tx, rx) = wit_stream::new::<Vec<u8>>();
        wit_bindgen::spawn_local(async move {
            let all: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; i as usize]).collect();
            assert!(tx.write_all(all).await.is_empty());
        });
        rx
    }
}

export!(Lib);
