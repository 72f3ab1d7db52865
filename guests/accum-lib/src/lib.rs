//! Exports `accum`: the `accumulator` resource. Its destructor prints the final state
//! and counts itself, so the driver can see when and in which order handles die.
wit_bindgen::generate!({ path: "../wit", world: "accum-lib" });

use core::cell::Cell;
use core::sync::atomic::{AtomicU32, Ordering};
use exports::meld_test::fixtures::accum::{
    Accumulator, AccumulatorBorrow, Guest, GuestAccumulator,
};

static LIVE: AtomicU32 = AtomicU32::new(0);
static DROPPED: AtomicU32 = AtomicU32::new(0);

struct Acc {
    name: String,
    total: Cell<i64>,
}

impl Acc {
    fn make(name: String, start: i64) -> Acc {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Acc { name, total: Cell::new(start) }
    }
}

impl Drop for Acc {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        DROPPED.fetch_add(1, Ordering::Relaxed);
        println!("  accum: drop {} (total {})", self.name, self.total.get());
    }
}

impl GuestAccumulator for Acc {
    fn new(name: String, start: i64) -> Acc {
        Acc::make(name, start)
    }
    fn add(&self, n: i64) -> i64 {
        self.total.set(self.total.get() + n);
        self.total.get()
    }
    fn total(&self) -> i64 {
        self.total.get()
    }
    fn name(&self) -> String {
        self.name.clone()
    }
    fn absorb(&self, other: AccumulatorBorrow<'_>) -> i64 {
        let other = other.get::<Acc>().total.get();
        self.add(other)
    }
    fn merged(a: AccumulatorBorrow<'_>, b: AccumulatorBorrow<'_>) -> Accumulator {
        let (a, b) = (a.get::<Acc>(), b.get::<Acc>());
        let name = format!("{}+{}", a.name, b.name);
        Accumulator::new(Acc::make(name, a.total.get() + b.total.get()))
    }
    fn live() -> u32 {
        LIVE.load(Ordering::Relaxed)
    }
}

struct Lib;

impl Guest for Lib {
    type Accumulator = Acc;

    fn finish(acc: Accumulator) -> i64 {
        let acc: Acc = acc.into_inner();
        println!("  accum: finishing {}", acc.name);
        acc.total.get()
    }
    fn dropped() -> u32 {
        DROPPED.load(Ordering::Relaxed)
    }
}

export!(Lib);
