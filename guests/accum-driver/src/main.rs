//! Creates several accumulators, calls their methods (one taking another handle as a
//! borrow, a static one returning a new handle), hands one over by ownership and drops
//! the rest in a chosen order. The library prints from its destructor.
wit_bindgen::generate!({ path: "../wit", world: "accum-driver" });

use meld_test::fixtures::accum::{self, Accumulator};

fn main() {
    let a = Accumulator::new("a", 10);
    let b = Accumulator::new("b", -3);
    let c = Accumulator::new("c", 0);
    println!("a.add(5) = {}", a.add(5));
    println!("b.add(20) = {}", b.add(20));
    println!("c.add(1) = {}", c.add(1));
    println!("live = {}", Accumulator::live());
    println!("a.absorb(b) = {}", a.absorb(&b));
    println!("c.absorb(c) = {}", c.absorb(&c));
    let m = Accumulator::merged(&a, &c);
    println!("merged: {} = {}", m.name(), m.total());
    println!("live = {}", Accumulator::live());

    println!("drop b");
    drop(b);
    println!("dropped = {}", accum::dropped());
    println!("finish(a) = {}", accum::finish(a));
    println!("live = {}, dropped = {}", Accumulator::live(), accum::dropped());

    println!("m.add(-100) = {}", m.add(-100));
    println!("drop m, then c");
    drop(m);
    drop(c);
    println!("live = {}, dropped = {}", Accumulator::live(), accum::dropped());

    // A temporary handle: dropped at the end of the statement, after the print.
    println!("temp total = {}", Accumulator::new("temp", 7).total());
    println!("live = {}, dropped = {}", Accumulator::live(), accum::dropped());
}
