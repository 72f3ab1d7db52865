//! Async exports (`bridge`) whose bodies call async-typed, async-lifted
//! functions (`plain-async`, from a third component) through SYNC lowers
//! (wit-bindgen's `async` option, `-import:`): a sync lower into an async
//! lift, made from an async task (which may block).
wit_bindgen::generate!({
    path: "../wit-more",
    world: "bridge-lib",
    async: [
        "-import:meld-test:async-more/plain-async#mul",
        "-import:meld-test:async-more/plain-async#join",
        "-import:meld-test:async-more/plain-async#halve",
    ],
});

use exports::meld_test::async_more::bridge::Guest;
use meld_test::async_more::plain_async;

struct Lib;

impl Guest for Lib {
    async fn mul_via(a: u64, b: u64) -> u64 {
        plain_async::mul(a, b)
    }
    async fn join_via(xs: Vec<String>, sep: String) -> String {
        plain_async::join(&xs, &sep)
    }
    async fn halve_via(x: f64) -> f64 {
        plain_async::halve(x)
    }
}

export!(Lib);
