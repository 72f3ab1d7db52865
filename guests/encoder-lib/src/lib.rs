//! Middle of the chain: imports `checksum`, exports `encoder`.
wit_bindgen::generate!({ path: "../wit", world: "encoder-lib" });

use exports::meld_test::fixtures::encoder::Guest;
use meld_test::fixtures::checksum;

struct Lib;

impl Guest for Lib {
    fn encode(text: String) -> String {
        let sum = checksum::adler32(text.as_bytes());
        format!("{text}#{sum:08x}")
    }
}

export!(Lib);
