//! Exports `permissions`: a 3-member and a 30-member flags type.
wit_bindgen::generate!({ path: "../wit", world: "flags-lib" });

use exports::meld_test::fixtures::permissions::{Access, Guest, Many};

struct Lib;

const ALL30: u32 = (1 << 30) - 1;

impl Guest for Lib {
    fn grant(current: Access, extra: Access) -> Access {
        current | extra
    }
    fn revoke(current: Access, gone: Access) -> Access {
        current & !gone
    }
    fn shift_many(m: Many) -> Many {
        let b = m.bits();
        Many::from_bits_retain(((b << 1) | (b >> 29)) & ALL30)
    }
    fn count_many(m: Many) -> u32 {
        m.bits().count_ones()
    }
}

export!(Lib);
