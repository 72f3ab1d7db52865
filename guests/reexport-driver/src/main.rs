//! Calls `greeter` as re-exported by the middle component, and `shout` (which calls
//! `greeter` itself): the shared count shows both reach the same greeter instance.
wit_bindgen::generate!({ path: "../wit", world: "reexport-driver" });

use meld_test::fixtures::{greeter, shout};

fn main() {
    println!("greet = [{}]", greeter::greet("Ada"));
    println!("shout-greet = [{}]", shout::shout_greet("Grace"));
    println!("greetings-given = {}", greeter::greetings_given());
    println!("greet = [{}]", greeter::greet("Łukasz"));
    println!("greetings-given = {}", greeter::greetings_given());
}
