//! Top of res-chain3: builds floats (bottom component) and vectors (middle component)
//! out of them, and watches the bottom's live count as handles move and die.
wit_bindgen::generate!({ path: "../wit", world: "vectors-driver" });

use meld_test::fixtures::floats::{live_floats, Float};
use meld_test::fixtures::vectors::{dot_self, unpack, Vec2};

fn show(label: &str, v: &Vec2) {
    println!("{label} = ({}, {})", v.x().get(), v.y().get());
}

fn main() {
    let a = Vec2::new(Float::new(1.5), Float::new(-2.0));
    let b = Vec2::new(Float::new(0.25), Float::new(4.0));
    println!("live floats = {}", live_floats());
    show("a", &a);
    let c = a.plus(&b);
    show("a + b", &c);
    println!("live floats = {}", live_floats());
    let k = Float::new(3.0);
    let d = c.scaled(&k);
    show("(a + b) * 3", &d);
    let n = dot_self(&d);
    println!("|(a + b) * 3|^2 = {}", n.get());
    println!("live floats = {}", live_floats());

    println!("drop a");
    drop(a);
    println!("live floats = {}", live_floats());
    let (x, y) = unpack(b);
    println!("unpack(b) = ({}, {})", x.get(), y.get());
    println!("live floats = {}", live_floats());
    let s = Float::sum(&x, &y);
    println!("x + y = {}", s.get());
    // The unpacked floats go into a new vector.
    let e = Vec2::new(x, y);
    show("e", &e);
    println!("live floats = {}", live_floats());

    println!("drop c, d, e, k, n, s");
    drop(c);
    drop(d);
    drop(e);
    drop(k);
    drop(n);
    drop(s);
    println!("live floats = {}", live_floats());
}
