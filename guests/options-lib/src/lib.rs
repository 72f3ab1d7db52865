//! Exports `options`: option, result and nested option values.
wit_bindgen::generate!({ path: "../wit", world: "options-lib" });

use exports::meld_test::fixtures::options::{Failure, Guest};

struct Lib;

impl Guest for Lib {
    fn find_index(haystack: Vec<u32>, needle: u32) -> Option<u32> {
        haystack.iter().position(|&x| x == needle).map(|i| i as u32)
    }
    fn maybe_name(id: u32) -> Option<String> {
        match id {
            1 => Some("one".to_string()),
            2 => Some("two".to_string()),
            42 => Some("forty-two".to_string()),
            _ => None,
        }
    }
    fn parse_u32(s: String) -> Result<u32, String> {
        s.parse::<u32>().map_err(|_| format!("cannot parse '{s}'"))
    }
    fn validate(s: String) -> Result<(), Failure> {
        if s.is_empty() {
            Err(Failure::Empty)
        } else if s.len() > 8 {
            Err(Failure::TooLong)
        } else if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            Err(Failure::BadChar)
        } else {
            Ok(())
        }
    }
    fn nested(x: Option<Option<u8>>) -> u32 {
        match x {
            None => 0,
            Some(None) => 1,
            Some(Some(v)) => 100 + v as u32,
        }
    }
    fn checked_div(a: i64, b: i64) -> Result<i64, ()> {
        a.checked_div(b).ok_or(())
    }
}

export!(Lib);
