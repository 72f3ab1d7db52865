//! Top of the chain: driver -> encoder -> checksum.
wit_bindgen::generate!({ path: "../wit", world: "chain-driver" });

use meld_test::fixtures::encoder;

fn main() {
    for text in ["Wikipedia", "", "abc"] {
        println!("encode [{text}] = [{}]", encoder::encode(text));
    }
}
