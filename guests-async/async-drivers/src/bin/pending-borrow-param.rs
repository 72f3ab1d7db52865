//! Fixture async-borrow-param (docs/async-fixtures.md, pattern 3): a borrow passed to an
//! async function (not a method), nothing else async before it.
wit_bindgen::generate!({ path: "../wit-more", world: "tally-user" });

use meld_test::async_more::tally::{self, Counter};

fn main() {
    let a = Counter::new(41);
    println!("a = {}", a.get());
    let seen = wit_bindgen::block_on(tally::peek(&a));
    println!("peek a = {seen}");
}
