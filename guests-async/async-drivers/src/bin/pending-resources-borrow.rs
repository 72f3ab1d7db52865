//! Resources through async calls (`tally`): an async method on an owned
//! handle, a borrow and an own passed to an async function, an owned
//! handle returned.
wit_bindgen::generate!({ path: "../wit-more", world: "tally-user" });

use meld_test::async_more::tally::{self, Counter};

fn main() {
    wit_bindgen::block_on(async {
        let a = Counter::new(10);
        println!("a.add 5 = {}", a.add(5).await);
        println!("a.add 7 = {}", a.add(7).await);
        println!("peek a = {}", tally::peek(&a).await);
        let b = Counter::new(100);
        println!("merging a with b (b is moved)");
        let c = tally::merge(&a, b).await;
        println!("after merge: a = {}, c = {}", a.get(), c.get());
        println!("c.add 1 = {}", c.add(1).await);
        drop(a);
        println!("a dropped");
        println!("peek c = {}", tally::peek(&c).await);
    });
    println!("done");
}
