//! Exports `scalars` (every scalar kind) and `fragile` (a callee that
//! panics) as async functions; each completes without awaiting anything.
wit_bindgen::generate!({ path: "../wit-more", world: "scalars-lib" });

use exports::meld_test::async_more::{fragile, scalars};

struct Lib;

impl scalars::Guest for Lib {
    #[allow(clippy::too_many_arguments)]
    async fn inc_all(
        a: u8,
        b: i8,
        c: u16,
        d: i16,
        e: u32,
        f: i32,
        g: u64,
        h: i64,
    ) -> (u8, i8, u16, i16, u32, i32, u64, i64) {
        (
            a.wrapping_add(1),
            b.wrapping_add(1),
            c.wrapping_add(1),
            d.wrapping_add(1),
            e.wrapping_add(1),
            f.wrapping_add(1),
            g.wrapping_add(1),
            h.wrapping_add(1),
        )
    }
    async fn widen(a: i8, b: i16, c: i32) -> i64 {
        i64::from(a) + i64::from(b) + i64::from(c)
    }
    async fn narrow(x: u32) -> (u8, i8, u16, i16) {
        (x as u8, x as i8, x as u16, x as i16)
    }
    async fn floats(x: f32, y: f64) -> (f32, f64) {
        (x * 2.0, y / 4.0)
    }
    async fn logic(a: bool, b: bool) -> (bool, bool) {
        (a && b, a ^ b)
    }
    async fn next_char(c: char) -> char {
        char::from_u32(u32::from(c) + 1).unwrap_or('?')
    }
}

impl fragile::Guest for Lib {
    async fn checked_div(a: u32, b: u32) -> u32 {
        match a.checked_div(b) {
            Some(q) => q,
            None => panic!("checked-div: divide by zero ({a} / {b})"),
        }
    }
}

export!(Lib);
