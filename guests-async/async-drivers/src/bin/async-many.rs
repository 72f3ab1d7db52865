//! Many async calls in turn (`bumper`): 2000 awaited in one block_on, 500
//! block_on calls of one call each, sync calls in between.
wit_bindgen::generate!({ path: "../wit-more", world: "bumper-user" });

use meld_test::async_more::bumper;

fn main() {
    let last = wit_bindgen::block_on(async {
        let mut last = 0;
        for _ in 0..2000 {
            last = bumper::bump(1).await;
        }
        last
    });
    println!("after 2000 bumps of 1: {last}, calls {}", bumper::calls());
    let mut total = 0;
    for i in 0..500u32 {
        total = wit_bindgen::block_on(bumper::bump(i));
        if i % 100 == 0 {
            println!("block_on {i}: total {total}, calls {}", bumper::calls());
        }
    }
    println!("final total {total}, calls {}", bumper::calls());
}
