//! Passes flags values across components and prints their bits.
wit_bindgen::generate!({ path: "../wit", world: "flags-driver" });

use meld_test::fixtures::permissions::{self as p, Access, Many};

fn main() {
    println!(
        "grant read+write = {}",
        p::grant(Access::READ, Access::WRITE).bits()
    );
    println!(
        "grant none = {}",
        p::grant(Access::empty(), Access::empty()).bits()
    );
    println!(
        "revoke write = {}",
        p::revoke(Access::all(), Access::WRITE).bits()
    );
    println!(
        "revoke all = {}",
        p::revoke(Access::READ | Access::EXECUTE, Access::all()).bits()
    );
    println!(
        "shift f0|f29 = {}",
        p::shift_many(Many::F0 | Many::F29).bits()
    );
    println!("shift f14 = {}", p::shift_many(Many::F14).bits());
    println!("shift all = {}", p::shift_many(Many::all()).bits());
    println!("count all = {}", p::count_many(Many::all()));
    println!(
        "count f3|f17|f28 = {}",
        p::count_many(Many::F3 | Many::F17 | Many::F28)
    );
    println!("count none = {}", p::count_many(Many::empty()));
}
