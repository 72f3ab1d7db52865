//! Sends and receives `map<K, V>` through `maps` and prints every result
//! (`BTreeMap`: entries in key order).
wit_bindgen::generate!({ path: "../wit-maps", world: "maps-driver" });

use std::collections::BTreeMap as Map;

use meld_test::maps::maps as m;

fn strs(pairs: &[(&str, u32)]) -> Map<String, u32> {
    pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

fn nums(pairs: &[(u32, &str)]) -> Map<u32, String> {
    pairs.iter().map(|&(k, v)| (k, v.to_string())).collect()
}

fn main() {
    let words = m::count_words("the cat and the hat and the bat");
    println!("count-words = {words:?}");
    println!("count-words empty = {:?}", m::count_words(""));
    println!("total = {}", m::total(&words));
    println!("total big = {}", m::total(&strs(&[("a", u32::MAX), ("b", u32::MAX)])));
    println!("invert = {:?}", m::invert(&words));
    let a = nums(&[(1, "one"), (2, "two"), (3, "three")]);
    let b = nums(&[(3, "drei"), (4, "vier")]);
    println!("merge = {:?}", m::merge(&a, &b));
    println!("merge empty = {:?}", m::merge(&Map::new(), &Map::new()));
    let e = m::empty();
    println!("empty = {e:?} (len {})", e.len());
    println!("lookup cat = {:?}", m::lookup(&words, "cat"));
    println!("lookup dog = {:?}", m::lookup(&words, "dog"));
    println!("lookup in empty = {:?}", m::lookup(&e, "cat"));

    let inv = m::Inventory {
        owner: "ada".to_string(),
        items: strs(&[("bolts", 10), ("nuts", 0), ("gears", 7)]),
        tags: vec!["shop".to_string()],
    };
    let r = m::restock(&inv, 5);
    println!("restock = {} {:?} {:?}", r.owner, r.items, r.tags);
    let bare = m::Inventory {
        owner: String::new(),
        items: Map::new(),
        tags: Vec::new(),
    };
    let r = m::restock(&bare, 5);
    println!("restock empty = [{}] {:?} {:?}", r.owner, r.items, r.tags);

    let mixed = nums(&[(0, "zero"), (1, "one"), (2, "two"), (7, "seven"), (10, "ten")]);
    println!("split-by-parity = {:?}", m::split_by_parity(&mixed));
    println!("split-by-parity empty = {:?}", m::split_by_parity(&Map::new()));
    let many: Map<String, u32> = (0..300).map(|i| (format!("k{i:03}"), i)).collect();
    println!(
        "sizes = {:?}",
        m::sizes(&[words.clone(), Map::new(), many.clone(), strs(&[("x", 1)])])
    );
    println!("sizes none = {:?}", m::sizes(&[]));
    println!("total of 300 = {}", m::total(&many));

    let other = m::Inventory {
        owner: "bob".to_string(),
        items: strs(&[("rope", 3)]),
        tags: Vec::new(),
    };
    let invs = [inv.clone(), other];
    println!("find-items bob = {:?}", m::find_items(&invs, "bob"));
    println!("find-items ada = {:?}", m::find_items(&invs, "ada"));
    println!("find-items eve = {:?}", m::find_items(&invs, "eve"));

    let flags: Map<u8, bool> = [(0, true), (1, false), (255, true)].into_iter().collect();
    println!("negate = {:?}", m::negate(Some(&flags)));
    println!("negate empty = {:?}", m::negate(Some(&Map::new())));
    println!("negate none = {:?}", m::negate(None));

    let mut blobs: Map<String, Vec<u8>> = Map::new();
    blobs.insert("abc".to_string(), b"abc".to_vec());
    blobs.insert("empty".to_string(), Vec::new());
    blobs.insert("ff".to_string(), vec![0xff; 200]);
    let out = m::blobs(&blobs);
    for (k, v) in &out {
        let head: Vec<u8> = v.iter().take(4).copied().collect();
        println!("blobs[{k}] = len {} starts {head:?} ends {:?}", v.len(), v.last());
    }
    println!("blobs empty = {:?}", m::blobs(&Map::new()));

    let mut nested: Map<String, Map<char, i64>> = Map::new();
    nested.insert("a".to_string(), [('x', 1), ('y', -5), ('😀', 100)].into_iter().collect());
    nested.insert("b".to_string(), Map::new());
    nested.insert("c".to_string(), [('z', i64::MIN), ('w', 1)].into_iter().collect());
    println!("sums = {:?}", m::sums(&nested));
}
