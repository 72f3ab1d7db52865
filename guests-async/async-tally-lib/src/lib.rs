//! Exports `tally` (a resource with async methods, own and borrow handles
//! through async calls) and `bumper` (per-instance state) as async
//! functions; each completes without awaiting anything. Dropping a counter
//! prints, so the output shows when an owned handle is released.
wit_bindgen::generate!({ path: "../wit-more", world: "tally-lib" });

use std::cell::Cell;

use exports::meld_test::async_more::{bumper, tally};

struct Lib;

pub struct Counter {
    value: Cell<u32>,
}

impl Drop for Counter {
    fn drop(&mut self) {
        println!("  (lib: counter holding {} dropped)", self.value.get());
    }
}

impl tally::GuestCounter for Counter {
    fn new(start: u32) -> Self {
        Counter {
            value: Cell::new(start),
        }
    }
    async fn add(&self, n: u32) -> u32 {
        self.value.set(self.value.get() + n);
        self.value.get()
    }
    fn get(&self) -> u32 {
        self.value.get()
    }
}

impl tally::Guest for Lib {
    type Counter = Counter;

    async fn merge(a: tally::CounterBorrow<'_>, b: tally::Counter) -> tally::Counter {
        let sum = a.get::<Counter>().value.get() + b.get::<Counter>().value.get();
        tally::Counter::new(Counter {
            value: Cell::new(sum),
        })
    }
    async fn peek(c: tally::CounterBorrow<'_>) -> u32 {
        c.get::<Counter>().value.get()
    }
    async fn add_to(c: tally::Counter, n: u32) -> tally::Counter {
        let inner = c.get::<Counter>();
        inner.value.set(inner.value.get() + n);
        c
    }
    async fn merge_own(a: tally::Counter, b: tally::Counter) -> tally::Counter {
        let sum = a.get::<Counter>().value.get() + b.get::<Counter>().value.get();
        tally::Counter::new(Counter {
            value: Cell::new(sum),
        })
    }
}

static mut TOTAL: u32 = 0;
static mut CALLS: u32 = 0;

impl bumper::Guest for Lib {
    async fn bump(n: u32) -> u32 {
        // SAFETY: one thread; no reference to the statics outlives the call.
        unsafe {
            TOTAL += n;
            CALLS += 1;
            TOTAL
        }
    }
    fn calls() -> u32 {
        // SAFETY: as above.
        unsafe { CALLS }
    }
}

export!(Lib);
