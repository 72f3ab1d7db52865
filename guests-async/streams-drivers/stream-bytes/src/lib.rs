//! Reads a stream of 1 MiB + 123 bytes written by a task the library
//! spawned, in reads of at most 100 000 bytes, and prints the count and a
//! checksum (and whether every byte follows the pattern).
wit_bindgen::generate!({ path: "../../wit-streams", world: "stream-bytes-driver" });

use meld_test::async_streams::bytes;
use wit_bindgen::StreamResult;

struct Driver;

fn pattern(i: u32) -> u8 {
    (i.wrapping_mul(7).wrapping_add(i / 256) % 256) as u8
}

async fn read_all(n: u32, chunk: usize) {
    let mut rx = bytes::produce(n).await;
    let (mut count, mut sum, mut fnv) = (0u32, 0u64, 0xcbf2_9ce4_8422_2325u64);
    let (mut reads, mut bad) = (0u32, 0u32);
    loop {
        let (status, buf) = rx.read(Vec::with_capacity(chunk)).await;
        match status {
            StreamResult::Complete(_) => {}
            StreamResult::Dropped => break,
            StreamResult::Cancelled => unreachable!(),
        }
        reads += 1;
        for b in buf {
            if b != pattern(count) {
                bad += 1;
            }
            sum += u64::from(b);
            fnv = (fnv ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            count += 1;
        }
    }
    println!("produce {n} (reads of {chunk}): {count} bytes, sum {sum}, fnv1a {fnv:016x}, {bad} off-pattern, reads>0: {}", reads > 0);
}

impl Guest for Driver {
    async fn run() {
        read_all(1_048_576 + 123, 100_000).await;
        read_all(1000, 1).await;
        read_all(0, 16).await;
        // The same stream collected into one Vec.
        let all = bytes::produce(70_000).await.collect().await;
        let ok = all.iter().enumerate().all(|(i, b)| *b == pattern(i as u32));
        println!("collect 70000: {} bytes, pattern ok: {ok}", all.len());
    }
}

export!(Driver);
