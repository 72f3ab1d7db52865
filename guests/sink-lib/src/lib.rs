//! Exports `sinks`: writes to WASI output streams (host resources) that another
//! component hands over, borrowed for one call or owned and kept between calls.
wit_bindgen::generate!({ path: "../wit", world: "sink-lib", generate_all });

use core::cell::RefCell;
use exports::meld_test::fixtures::sinks::Guest;
use wasi::io::streams::OutputStream;

struct Kept {
    stream: OutputStream,
    prefix: String,
    lines: u32,
}

thread_local! {
    static KEPT: RefCell<Option<Kept>> = const { RefCell::new(None) };
}

fn put(s: &OutputStream, text: &str) -> u32 {
    s.blocking_write_and_flush(text.as_bytes()).expect("write failed");
    text.len() as u32
}

struct Lib;

impl Guest for Lib {
    fn write_line(s: &OutputStream, msg: String) -> u32 {
        put(s, &format!("{msg}\n"))
    }
    fn adopt(s: OutputStream, prefix: String) {
        Lib::release();
        KEPT.with(|k| *k.borrow_mut() = Some(Kept { stream: s, prefix, lines: 0 }));
    }
    fn line(msg: String) -> u32 {
        KEPT.with(|k| match &mut *k.borrow_mut() {
            Some(kept) => {
                kept.lines += 1;
                put(&kept.stream, &format!("{}{}: {msg}\n", kept.prefix, kept.lines))
            }
            None => 0,
        })
    }
    fn release() -> bool {
        match KEPT.with(|k| k.borrow_mut().take()) {
            Some(kept) => {
                let last = format!("{}closed after {} line(s)\n", kept.prefix, kept.lines);
                put(&kept.stream, &last);
                true
            }
            None => false,
        }
    }
    fn hand_back() -> Option<OutputStream> {
        KEPT.with(|k| k.borrow_mut().take()).map(|kept| kept.stream)
    }
    fn write_and_close(s: OutputStream, msg: String) {
        put(&s, &format!("{msg}\n"));
    }
}

export!(Lib);
