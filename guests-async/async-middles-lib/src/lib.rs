//! Middles of three-component chains: `mixer`'s async exports call sync
//! imports (`text`); `blocker`'s sync exports run `block_on` over async
//! imports (`shapes`), each of which completes at once.
wit_bindgen::generate!({ path: "../wit-more", world: "middles-lib" });

use exports::meld_test::async_more::{blocker, mixer};
use meld_test::async_more::{shapes, text};

struct Lib;

impl mixer::Guest for Lib {
    async fn shout_words(s: String) -> Vec<String> {
        text::words(&text::upper(&s))
    }
    async fn count_words(s: String) -> u32 {
        text::words(&s).len() as u32
    }
}

impl blocker::Guest for Lib {
    fn reverse_twice(s: String) -> String {
        wit_bindgen::block_on(async {
            let once = shapes::reverse(s).await;
            shapes::reverse(once).await
        })
    }
    fn checksum_of(n: u32) -> u64 {
        wit_bindgen::block_on(async {
            let bytes = shapes::make_bytes(n).await;
            shapes::checksum(bytes).await.1
        })
    }
}

export!(Lib);
