//! Top of res-import-export: reaches the `cells` definer only through the middle
//! component, which re-exports `cells` and exports `cell-ops` on the same type.
wit_bindgen::generate!({ path: "../wit", world: "cells-driver" });

use meld_test::fixtures::cell_ops as ops;
use meld_test::fixtures::cells::{live_cells, Cell};

fn main() {
    let a = Cell::new(7);
    let (b, c) = ops::pair(20, 300);
    println!("a = {}, pair = ({}, {})", a.get(), b.get(), c.get());
    println!("live cells = {}", live_cells());
    ops::swap(&a, &c);
    println!("swap(a, c): a = {}, c = {}", a.get(), c.get());
    ops::swap(&b, &b);
    println!("swap(b, b): b = {}", b.get());
    b.set(21);
    let b = ops::bumped(b, 100);
    println!("bumped(b, 100) = {}", b.get());

    let d = Cell::new(50);
    let sorted = ops::sorted(vec![a, b, c, d]);
    let values: Vec<u32> = sorted.iter().map(|c| c.get()).collect();
    println!("sorted = {values:?}");
    println!("sorted([]) has {}", ops::sorted(Vec::new()).len());
    println!("live cells = {}", live_cells());

    let mut it = sorted.into_iter();
    let first = it.next().unwrap();
    println!("melt(first) = {}", ops::melt(first));
    println!("live cells = {}", live_cells());
    println!("melt(new 5) = {}", ops::melt(Cell::new(5)));
    println!("live cells = {}", live_cells());
    let rest: Vec<Cell> = it.collect();
    rest[0].set(1);
    println!("after set: {:?}", rest.iter().map(|c| c.get()).collect::<Vec<_>>());
    drop(rest);
    println!("live cells = {}", live_cells());
}
