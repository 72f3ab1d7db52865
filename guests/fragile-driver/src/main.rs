//! Prints, then makes the library trap: the run must end in a trap, with the lines
//! printed before it kept.
wit_bindgen::generate!({ path: "../wit", world: "fragile-driver" });

use meld_test::fixtures::fragile;

fn main() {
    println!("inverse 4 = {}", fragile::checked_inverse(4));
    println!("inverse 3 = {}", fragile::checked_inverse(3));
    println!("about to divide by zero");
    let v = fragile::checked_inverse(0);
    println!("unreachable: {v}");
}
