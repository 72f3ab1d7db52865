//! Exports `greeter`, counting the greetings it gave.
wit_bindgen::generate!({ path: "../wit", world: "greeter-lib" });

use core::sync::atomic::{AtomicU32, Ordering};
use exports::meld_test::fixtures::greeter::Guest;

static GIVEN: AtomicU32 = AtomicU32::new(0);

struct Lib;

impl Guest for Lib {
    fn greet(name: String) -> String {
        GIVEN.fetch_add(1, Ordering::Relaxed);
        format!("hello, {name}!")
    }
    fn greetings_given() -> u32 {
        GIVEN.load(Ordering::Relaxed)
    }
}

export!(Lib);
