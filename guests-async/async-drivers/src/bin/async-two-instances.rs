//! Two instances of the same library (`bumper`, per-instance state), each
//! called async.
wit_bindgen::generate!({ path: "../wit-more", world: "two-bumpers" });

use meld_test::async_more::{bumper_left as left, bumper_right as right};

fn main() {
    wit_bindgen::block_on(async {
        println!("left bump 1 = {}", left::bump(1).await);
        println!("left bump 2 = {}", left::bump(2).await);
        println!("right bump 10 = {}", right::bump(10).await);
        println!("left bump 3 = {}", left::bump(3).await);
        // Made together, awaited in the opposite order.
        let l = left::bump(100);
        let r = right::bump(1000);
        let r = r.await;
        let l = l.await;
        println!("together: left {l} right {r}");
    });
    println!("calls: left {} right {}", left::calls(), right::calls());
}
