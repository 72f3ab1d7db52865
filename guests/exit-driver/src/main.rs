//! Calls the library, then exits with a non-zero status.
wit_bindgen::generate!({ path: "../wit", world: "fragile-driver" });

use meld_test::fixtures::fragile;

fn main() {
    println!("inverse 8 = {}", fragile::checked_inverse(8));
    eprintln!("exiting with status 3");
    std::process::exit(3);
}
