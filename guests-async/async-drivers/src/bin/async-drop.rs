//! Futures of async calls dropped before they are polled: no call is made
//! (`bumper`'s running total and call count show it).
wit_bindgen::generate!({ path: "../wit-more", world: "bumper-user" });

use meld_test::async_more::bumper;

fn main() {
    let unpolled = bumper::bump(1000);
    drop(unpolled);
    println!("dropped unpolled: calls {}", bumper::calls());
    wit_bindgen::block_on(async {
        let a = bumper::bump(1);
        let b = bumper::bump(20);
        let c = bumper::bump(300);
        drop(b);
        println!("c = {}", c.await);
        drop(a);
        println!("after dropping two: calls {}", bumper::calls());
        println!("bump 4 = {}", bumper::bump(4).await);
    });
    // Futures made inside a block_on and never awaited.
    wit_bindgen::block_on(async {
        let _ignored = bumper::bump(50_000);
        let _also = (bumper::bump(60_000), bumper::bump(70_000));
    });
    println!("total now = {}", wit_bindgen::block_on(bumper::bump(0)));
    println!("calls = {}", bumper::calls());
}
