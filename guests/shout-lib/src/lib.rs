//! Imports `greeter`, exports `shout`. The composition wraps this component so that it
//! also re-exports the `greeter` instance it imports, unchanged
//! (guests/compositions/shout-reexport.wac).
wit_bindgen::generate!({ path: "../wit", world: "shout-lib" });

use exports::meld_test::fixtures::shout::Guest;
use meld_test::fixtures::greeter;

struct Lib;

impl Guest for Lib {
    fn shout_greet(name: String) -> String {
        greeter::greet(&name).to_uppercase()
    }
}

export!(Lib);
