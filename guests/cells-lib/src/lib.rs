//! Definer of res-import-export: exports `cells`, a mutable u32 cell resource.
wit_bindgen::generate!({ path: "../wit", world: "cells-lib" });

use core::cell::Cell;
use core::sync::atomic::{AtomicU32, Ordering};
use exports::meld_test::fixtures::cells::{Guest, GuestCell};

static LIVE: AtomicU32 = AtomicU32::new(0);

struct C(Cell<u32>);

impl Drop for C {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl GuestCell for C {
    fn new(v: u32) -> C {
        LIVE.fetch_add(1, Ordering::Relaxed);
        C(Cell::new(v))
    }
    fn get(&self) -> u32 {
        self.0.get()
    }
    fn set(&self, v: u32) {
        self.0.set(v);
    }
}

struct Lib;

impl Guest for Lib {
    type Cell = C;

    fn live_cells() -> u32 {
        LIVE.load(Ordering::Relaxed)
    }
}

export!(Lib);
