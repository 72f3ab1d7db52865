//! Exports `calc` as async functions (wit-bindgen's callback-lifted async
//! exports); each completes without awaiting anything.
wit_bindgen::generate!({ path: "../wit", world: "async-lib" });

use exports::meld_test::async_fixtures::calc::Guest;

struct Lib;

impl Guest for Lib {
    async fn add(a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }
    async fn greet(name: String) -> String {
        format!("hello, {name}!")
    }
    async fn total(xs: Vec<u32>) -> u64 {
        xs.iter().map(|x| u64::from(*x)).sum()
    }
    async fn split(s: String, sep: String) -> Vec<String> {
        s.split(sep.as_str()).map(String::from).collect()
    }
}

export!(Lib);
