//! Gets `wasi:cli/stdout` output streams from the host and hands them to the library:
//! borrowed for one write, owned and kept by the library across calls, handed back
//! again, and owned for a last write. Its own `println!` output interleaves with all
//! of it.
wit_bindgen::generate!({ path: "../wit", world: "sink-driver", generate_all });

use meld_test::fixtures::sinks;
use wasi::cli::stdout::get_stdout;

fn main() {
    println!("driver: start");
    let out = get_stdout();
    println!("driver: write-line -> {}", sinks::write_line(&out, "borrowed: hello"));
    println!("driver: write-line -> {}", sinks::write_line(&out, "borrowed: ünïcödé ✓"));

    sinks::adopt(out, "[kept] ");
    println!("driver: line -> {}", sinks::line("one"));
    println!("driver: line -> {}", sinks::line("two"));
    sinks::adopt(get_stdout(), "[new] ");
    println!("driver: line -> {}", sinks::line("three"));

    let back = sinks::hand_back().expect("a kept stream");
    println!("driver: hand-back again -> {}", sinks::hand_back().is_some());
    back.blocking_write_and_flush(b"driver: direct write to the handed-back stream\n")
        .expect("write failed");
    println!("driver: line -> {}", sinks::line("four"));
    println!("driver: release -> {}", sinks::release());

    sinks::adopt(get_stdout(), "[last] ");
    println!("driver: line -> {}", sinks::line("five"));
    println!("driver: release -> {}", sinks::release());

    sinks::write_and_close(back, "owned: goodbye");
    println!("driver: done");
}
