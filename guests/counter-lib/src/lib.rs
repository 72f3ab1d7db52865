//! Exports `counter`, whose state lives in the instance: the composition instantiates
//! this component twice.
wit_bindgen::generate!({ path: "../wit", world: "counter-lib" });

use core::sync::atomic::{AtomicU32, Ordering};
use exports::meld_test::fixtures::counter::Guest;

static COUNT: AtomicU32 = AtomicU32::new(0);

struct Lib;

impl Guest for Lib {
    fn increment(by: u32) -> u32 {
        COUNT.fetch_add(by, Ordering::Relaxed) + by
    }
    fn get() -> u32 {
        COUNT.load(Ordering::Relaxed)
    }
}

export!(Lib);
