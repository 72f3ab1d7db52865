//! Exports the same three async-typed functions twice: `plain` lifted
//! synchronously (wit-bindgen's `async` option, `-export:`), `plain-async`
//! lifted async, a callback lift that completes without awaiting anything.
wit_bindgen::generate!({
    path: "../wit-more",
    world: "plain-lib",
    async: [
        "-export:meld-test:async-more/plain#mul",
        "-export:meld-test:async-more/plain#join",
        "-export:meld-test:async-more/plain#halve",
    ],
});

use exports::meld_test::async_more::{plain, plain_async};

struct Lib;

impl plain::Guest for Lib {
    fn mul(a: u64, b: u64) -> u64 {
        a.wrapping_mul(b)
    }
    fn join(xs: Vec<String>, sep: String) -> String {
        xs.join(&sep)
    }
    fn halve(x: f64) -> f64 {
        x / 2.0
    }
}

impl plain_async::Guest for Lib {
    async fn mul(a: u64, b: u64) -> u64 {
        a.wrapping_mul(b)
    }
    async fn join(xs: Vec<String>, sep: String) -> String {
        xs.join(&sep)
    }
    async fn halve(x: f64) -> f64 {
        x / 2.0
    }
}

export!(Lib);
