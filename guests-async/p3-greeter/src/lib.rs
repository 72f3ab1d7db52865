//! The library of the `p3-stdout` fixture: `greet` writes a line to stdout
//! itself, through a `stream<u8>` of its own handed to
//! wasi:cli/stdout@0.3.0's `write-via-stream`; `block` builds the large
//! text the main component writes.
// `generate_all`: wit-bindgen generates WASI packages only when asked.
wit_bindgen::generate!({ path: "../wit-p3", world: "p3-greeter", generate_all });

use exports::meld_test::p3::greeter;
use wasi::cli::stdout;

struct Greeter;

impl greeter::Guest for Greeter {
    async fn greet(name: String) -> u32 {
        let line = format!("hello, {name}! (from p3-greeter, its own stdout stream)\n");
        let n = line.len() as u32;
        let (mut tx, rx) = wit_stream::new::<u8>();
        let done = stdout::write_via_stream(rx);
        let left = tx.write_all(line.into_bytes()).await;
        assert!(left.is_empty(), "stdout dropped the stream early");
        // The end of the stream: the host's future resolves once it has
        // written everything.
        drop(tx);
        done.await.expect("wasi:cli/stdout@0.3.0 write-via-stream");
        n
    }

    fn block(lines: u32) -> String {
        let mut out = String::new();
        let mut x = 0x2545_f491u32;
        for i in 0..lines {
            out.push_str(&format!("block line {i:04}: "));
            for _ in 0..42 {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                out.push((b'a' + (x >> 24) as u8 % 26) as char);
            }
            out.push('\n');
        }
        out
    }
}

export!(Greeter);
