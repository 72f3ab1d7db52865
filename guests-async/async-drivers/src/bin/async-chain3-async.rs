//! A chain of three components: this driver calls `relay`'s async exports,
//! which await async imports of a third component (`shapes`).
wit_bindgen::generate!({ path: "../wit-more", world: "relay-user" });

use meld_test::async_more::relay;

fn main() {
    wit_bindgen::block_on(async {
        println!("shout = {}", relay::shout("hello wörld".to_string()).await);
        println!("shout empty = {}", relay::shout(String::new()).await);
        println!("checksum-of 100000 = {}", relay::checksum_of(100_000).await);
        println!("checksum-of 0 = {}", relay::checksum_of(0).await);
        println!("label-sum 4 = {}", relay::label_sum(4).await);
    });
    // A second block_on: the chain again from a fresh top-level future.
    let again = wit_bindgen::block_on(relay::label_sum(1));
    println!("label-sum 1 = {again}");
}
