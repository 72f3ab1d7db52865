//! A chain of three components: this driver calls `blocker`'s sync exports
//! (no block_on here), whose bodies run `block_on` over async imports
//! (`shapes`) of a third component.
wit_bindgen::generate!({ path: "../wit-more", world: "blocker-user" });

use meld_test::async_more::blocker;

fn main() {
    println!("reverse-twice = {}", blocker::reverse_twice("héllo 🦀"));
    println!("reverse-twice empty = [{}]", blocker::reverse_twice(""));
    println!("checksum-of 100000 = {}", blocker::checksum_of(100_000));
    println!("checksum-of 251 = {}", blocker::checksum_of(251));
}
