//! The command of the `p3-stdout` fixture: exports wasi:cli/run@0.3.0
//! (`run: async func() -> result`) and prints only through
//! wasi:cli/stdout@0.3.0's `write-via-stream`. Each print is a stream of
//! its own: the writer writes, is dropped (the end), and the host's future
//! is awaited before the next one starts, so the output has one order on
//! every host. One print is a single `write_all` of more than 64 KiB (the
//! host may take it in parts: partial writes, blocked writes).
// `generate_all`: wit-bindgen generates WASI packages only when asked.
wit_bindgen::generate!({ path: "../wit-p3", world: "p3-main", generate_all });

use meld_test::p3::greeter;
use wasi::cli::stdout;

struct Main;

/// Writes `pieces` to stdout through one stream, one `write` per piece
/// (looping while the host takes part of a piece), then ends the stream and
/// waits for the host's future. Returns the bytes written.
async fn print_pieces(pieces: Vec<Vec<u8>>) -> usize {
    let (mut tx, rx) = wit_stream::new::<u8>();
    let done = stdout::write_via_stream(rx);
    let mut total = 0;
    for piece in pieces {
        let mut buf = piece;
        while !buf.is_empty() {
            let (status, rest) = tx.write(buf).await;
            match status {
                wit_bindgen::StreamResult::Complete(n) => total += n,
                other => panic!("stdout write: {other:?}"),
            }
            buf = rest.into_vec();
        }
    }
    drop(tx);
    done.await.expect("wasi:cli/stdout@0.3.0 write-via-stream");
    total
}

/// Writes `text` to stdout with one `write_all` on a stream of its own.
async fn print(text: &str) {
    let (mut tx, rx) = wit_stream::new::<u8>();
    let done = stdout::write_via_stream(rx);
    let left = tx.write_all(text.as_bytes().to_vec()).await;
    assert!(left.is_empty(), "stdout dropped the stream early");
    drop(tx);
    done.await.expect("wasi:cli/stdout@0.3.0 write-via-stream");
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl exports::wasi::cli::run::Guest for Main {
    async fn run() -> Result<(), ()> {
        print("p3-main: hello through wasi:cli/stdout@0.3.0\n").await;
        let n = greeter::greet("meld".to_string()).await;
        print(&format!("p3-main: the greeter wrote {n} bytes\n")).await;

        // One stream, several writes.
        let pieces: Vec<Vec<u8>> = (1..=5)
            .map(|i| format!("p3-main: piece {i} of 5 on one stream\n").into_bytes())
            .collect();
        let wrote = print_pieces(pieces).await;
        print(&format!("p3-main: {wrote} bytes in 5 writes\n")).await;

        // More than 64 KiB in one write_all.
        let block = greeter::block(1200);
        print(&block).await;
        print(&format!(
            "p3-main: block of {} lines, {} bytes, fnv1a {:016x}\n",
            block.lines().count(),
            block.len(),
            fnv1a(block.as_bytes())
        ))
        .await;

        // Two more greetings, one after the other (each writes a stream of
        // its own; in turn, so the order does not depend on the host).
        let a = greeter::greet("first".to_string()).await;
        let b = greeter::greet("second".to_string()).await;
        print(&format!(
            "p3-main: done ({n} + {a} + {b} bytes from the greeter)\n"
        ))
        .await;
        Ok(())
    }
}

export!(Main);
