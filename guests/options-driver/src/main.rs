//! Exercises `option<T>`, `result<T, E>` and `option<option<T>>` across components.
wit_bindgen::generate!({ path: "../wit", world: "options-driver" });

use meld_test::fixtures::options::{self as o, Failure};

fn main() {
    println!("find-index 7 = {:?}", o::find_index(&[5, 7, 9, 7], 7));
    println!("find-index 8 = {:?}", o::find_index(&[5, 7, 9, 7], 8));
    println!("find-index empty = {:?}", o::find_index(&[], 0));
    for id in [1, 42, 3] {
        println!("maybe-name {id} = {:?}", o::maybe_name(id));
    }
    for s in ["4294967295", "4294967296", "-1", ""] {
        println!("parse-u32 [{s}] = {:?}", o::parse_u32(s));
    }
    for s in ["abc123", "", "abcdefghi", "ab-c", "ü"] {
        let r = match o::validate(s) {
            Ok(()) => "ok",
            Err(Failure::Empty) => "empty",
            Err(Failure::TooLong) => "too-long",
            Err(Failure::BadChar) => "bad-char",
        };
        println!("validate [{s}] = {r}");
    }
    for x in [None, Some(None), Some(Some(7)), Some(Some(255))] {
        println!("nested {:?} = {}", x, o::nested(x));
    }
    for (a, b) in [(7, -2), (1, 0), (i64::MIN, -1), (-i64::MAX, 1)] {
        println!("checked-div {a}/{b} = {:?}", o::checked_div(a, b));
    }
}
