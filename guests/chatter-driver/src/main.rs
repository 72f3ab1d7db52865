//! Both components print to both streams; the interleaving is part of the expectation.
wit_bindgen::generate!({ path: "../wit", world: "chatter-driver" });

use meld_test::fixtures::chatter;

fn main() {
    println!("driver: start");
    eprintln!("driver: stderr start");
    for round in 1..=3 {
        let v = chatter::chat(round);
        println!("driver: chat({round}) = {v}");
    }
    eprintln!("driver: done");
}
