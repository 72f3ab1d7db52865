//! Bottom of res-chain3: exports `floats`, a boxed f64 resource that counts how many
//! boxes are alive.
wit_bindgen::generate!({ path: "../wit", world: "floats-lib" });

use core::sync::atomic::{AtomicU32, Ordering};
use exports::meld_test::fixtures::floats::{Float, FloatBorrow, Guest, GuestFloat};

static LIVE: AtomicU32 = AtomicU32::new(0);

struct Boxed(f64);

impl Drop for Boxed {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl GuestFloat for Boxed {
    fn new(v: f64) -> Boxed {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Boxed(v)
    }
    fn get(&self) -> f64 {
        self.0
    }
    fn sum(a: FloatBorrow<'_>, b: FloatBorrow<'_>) -> Float {
        Float::new(Boxed::new(a.get::<Boxed>().0 + b.get::<Boxed>().0))
    }
}

struct Lib;

impl Guest for Lib {
    type Float = Boxed;

    fn live_floats() -> u32 {
        LIVE.load(Ordering::Relaxed)
    }
}

export!(Lib);
