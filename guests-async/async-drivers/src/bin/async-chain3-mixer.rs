//! A chain of three components: this driver awaits `mixer`'s async
//! exports, whose bodies call sync imports (`text`) of a third component.
wit_bindgen::generate!({ path: "../wit-more", world: "mixer-user" });

use meld_test::async_more::mixer;

fn main() {
    wit_bindgen::block_on(async {
        println!(
            "shout-words = {:?}",
            mixer::shout_words("the quick  brown straße".to_string()).await
        );
        println!(
            "shout-words empty = {:?}",
            mixer::shout_words(String::new()).await
        );
        let long = "word ".repeat(2000);
        println!("count-words 2000 = {}", mixer::count_words(long).await);
    });
}
