//! Not a fixture (docs/async-fixtures.md): a sync lower of an async-typed
//! function (`plain-async`) straight from the sync `run`.
wit_bindgen::generate!({
    path: "../wit-more",
    world: "plain-async-user",
    async: ["-import:meld-test:async-more/plain-async#mul"],
});

use meld_test::async_more::plain_async;

fn main() {
    println!("calling mul from sync run");
    println!("mul = {}", plain_async::mul(6, 7));
}
