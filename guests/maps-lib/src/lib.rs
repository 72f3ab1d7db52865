//! Exports `maps`: `map<K, V>` as parameters and results, alone and inside
//! records, lists and options (wit-bindgen maps them to `BTreeMap`).
wit_bindgen::generate!({ path: "../wit-maps", world: "maps-lib" });

use exports::meld_test::maps::maps::{Guest, Inventory};
use std::collections::BTreeMap as Map;

struct Lib;

impl Guest for Lib {
    fn count_words(text: String) -> Map<String, u32> {
        let mut m = Map::new();
        for w in text.split(' ').filter(|w| !w.is_empty()) {
            *m.entry(w.to_string()).or_insert(0) += 1;
        }
        m
    }
    fn total(m: Map<String, u32>) -> u64 {
        m.values().map(|&v| v as u64).sum()
    }
    fn invert(m: Map<String, u32>) -> Map<u32, String> {
        // Keys come in ascending order, so the greatest key is inserted last.
        let mut out = Map::new();
        for (k, v) in m {
            out.insert(v, k);
        }
        out
    }
    fn merge(a: Map<u32, String>, b: Map<u32, String>) -> Map<u32, String> {
        let mut out = a;
        out.extend(b);
        out
    }
    fn empty() -> Map<String, u32> {
        Map::new()
    }
    fn lookup(m: Map<String, u32>, key: String) -> Option<u32> {
        m.get(&key).copied()
    }
    fn restock(mut inv: Inventory, amount: u32) -> Inventory {
        for v in inv.items.values_mut() {
            *v += amount;
        }
        inv.tags.push("restocked".to_string());
        inv
    }
    fn split_by_parity(m: Map<u32, String>) -> Vec<Map<u32, String>> {
        let (even, odd): (Map<u32, String>, Map<u32, String>) =
            m.into_iter().partition(|(k, _)| k % 2 == 0);
        vec![even, odd]
    }
    fn sizes(ms: Vec<Map<String, u32>>) -> Vec<u32> {
        ms.iter().map(|m| m.len() as u32).collect()
    }
    fn find_items(invs: Vec<Inventory>, owner: String) -> Option<Map<String, u32>> {
        invs.into_iter().find(|i| i.owner == owner).map(|i| i.items)
    }
    fn negate(m: Option<Map<u8, bool>>) -> Option<Map<u8, bool>> {
        m.map(|m| m.into_iter().map(|(k, v)| (k, !v)).collect())
    }
    fn blobs(m: Map<String, Vec<u8>>) -> Map<String, Vec<u8>> {
        m.into_iter()
            .map(|(k, mut v)| {
                let len = v.len() as u8;
                v.reverse();
                v.push(len);
                (k, v)
            })
            .collect()
    }
    fn sums(m: Map<String, Map<char, i64>>) -> Map<String, i64> {
        m.into_iter()
            .map(|(k, inner)| (k, inner.values().sum()))
            .collect()
    }
}

export!(Lib);
