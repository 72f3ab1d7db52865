//! Sends and receives lists through `lists`.
wit_bindgen::generate!({ path: "../wit", world: "lists-driver" });

use meld_test::fixtures::lists as l;

fn main() {
    println!("sum-bytes [] = {}", l::sum_bytes(&[]));
    let all: Vec<u8> = (0..=255).collect();
    println!("sum-bytes 0..=255 = {}", l::sum_bytes(&all));
    println!("reverse-bytes = {:?}", l::reverse_bytes(&[1, 2, 3, 255]));
    println!("squares = {:?}", l::squares(&[0, 3, 65536, u32::MAX]));
    let many: Vec<u32> = (0..1000).collect();
    let total: u64 = l::squares(&many).iter().map(|&x| x as u64).sum();
    println!("sum of squares below 1000 = {total}");
    let parts = ["α".to_string(), "β".to_string(), "γ".to_string()];
    println!("join = [{}]", l::join(&parts, ", "));
    println!("join empty = [{}]", l::join(&[], "-"));
    println!("split = {:?}", l::split("a--b----c", "--"));
    println!(
        "transpose = {:?}",
        l::transpose(&[vec![1, 2, 3], vec![4, 5, 6]])
    );
    println!("transpose empty = {:?}", l::transpose(&[]));
    println!("range-pairs = {:?}", l::range_pairs(4));
}
