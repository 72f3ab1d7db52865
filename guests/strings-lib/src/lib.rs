//! Exports `strings`: UTF-8 strings in and out.
wit_bindgen::generate!({ path: "../wit", world: "strings-lib" });

use exports::meld_test::fixtures::strings::Guest;

struct Lib;

impl Guest for Lib {
    fn concat(a: String, b: String) -> String {
        a + &b
    }
    fn reverse(s: String) -> String {
        s.chars().rev().collect()
    }
    fn upper(s: String) -> String {
        s.to_uppercase()
    }
    fn measure(s: String) -> (u32, u32) {
        (s.len() as u32, s.chars().count() as u32)
    }
    fn repeat(s: String, n: u32) -> String {
        s.repeat(n as usize)
    }
}

export!(Lib);
