//! Exports `fragile`, which panics (and so traps: panic = "abort") on zero.
wit_bindgen::generate!({ path: "../wit", world: "fragile-lib" });

use exports::meld_test::fixtures::fragile::Guest;

struct Lib;

impl Guest for Lib {
    fn checked_inverse(n: u32) -> u32 {
        if n == 0 {
            panic!("checked-inverse: zero");
        }
        1_000_000 / n
    }
}

export!(Lib);
