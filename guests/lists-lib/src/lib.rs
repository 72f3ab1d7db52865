//! Exports `lists`: lists of bytes, integers, strings, tuples and lists.
wit_bindgen::generate!({ path: "../wit", world: "lists-lib" });

use exports::meld_test::fixtures::lists::Guest;

struct Lib;

impl Guest for Lib {
    fn sum_bytes(bytes: Vec<u8>) -> u32 {
        bytes.iter().map(|&b| b as u32).sum()
    }
    fn reverse_bytes(mut bytes: Vec<u8>) -> Vec<u8> {
        bytes.reverse();
        bytes
    }
    fn squares(xs: Vec<u32>) -> Vec<u32> {
        xs.iter().map(|x| x.wrapping_mul(*x)).collect()
    }
    fn join(parts: Vec<String>, sep: String) -> String {
        parts.join(&sep)
    }
    fn split(s: String, sep: String) -> Vec<String> {
        s.split(sep.as_str()).map(String::from).collect()
    }
    fn transpose(m: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
        let width = m.iter().map(Vec::len).max().unwrap_or(0);
        (0..width)
            .map(|j| m.iter().filter_map(|row| row.get(j).copied()).collect())
            .collect()
    }
    fn range_pairs(n: u32) -> Vec<(u32, i64)> {
        (0..n).map(|i| (i, -((i as i64) * (i as i64)))).collect()
    }
}

export!(Lib);
