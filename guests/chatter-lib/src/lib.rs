//! Exports `chatter`, which prints to stdout and stderr itself.
wit_bindgen::generate!({ path: "../wit", world: "chatter-lib" });

use exports::meld_test::fixtures::chatter::Guest;

struct Lib;

impl Guest for Lib {
    fn chat(round: u32) -> u32 {
        println!("chatter stdout round {round}");
        eprintln!("chatter stderr round {round}");
        round * 10
    }
}

export!(Lib);
