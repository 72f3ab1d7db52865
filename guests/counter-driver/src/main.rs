//! Imports two instances of the counter library (as `counter-left` and
//! `counter-right`) and shows that each keeps its own count.
wit_bindgen::generate!({ path: "../wit", world: "counter-driver" });

use meld_test::fixtures::{counter_left as left, counter_right as right};

fn main() {
    println!("left += 1 -> {}", left::increment(1));
    println!("left += 2 -> {}", left::increment(2));
    println!("right += 10 -> {}", right::increment(10));
    println!("left = {}", left::get());
    println!("right += 5 -> {}", right::increment(5));
    println!("right = {}", right::get());
    println!("left = {}", left::get());
}
