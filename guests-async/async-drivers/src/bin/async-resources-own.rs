//! Owned resource handles through async calls (`tally`): handles moved into
//! async functions and returned; only sync methods besides.
wit_bindgen::generate!({ path: "../wit-more", world: "tally-user" });

use meld_test::async_more::tally::{self, Counter};

fn main() {
    wit_bindgen::block_on(async {
        let a = Counter::new(10);
        let a = tally::add_to(a, 5).await;
        println!("a after add-to 5 = {}", a.get());
        let a = tally::add_to(a, 7).await;
        println!("a after add-to 7 = {}", a.get());
        let b = Counter::new(100);
        println!("merging a and b (both moved)");
        let c = tally::merge_own(a, b).await;
        println!("c = {}", c.get());
        let c = tally::add_to(c, 1).await;
        println!("c after add-to 1 = {}", c.get());
    });
    println!("done");
}
