//! An async callee that panics (`fragile`): the composition traps after
//! the lines printed before.
wit_bindgen::generate!({ path: "../wit-more", world: "fragile-user" });

use meld_test::async_more::fragile;

fn main() {
    wit_bindgen::block_on(async {
        println!("100 / 7 = {}", fragile::checked_div(100, 7).await);
        println!("7 / 100 = {}", fragile::checked_div(7, 100).await);
        println!("about to divide by zero");
        let q = fragile::checked_div(1, 0).await;
        println!("unreachable: {q}");
    });
}
