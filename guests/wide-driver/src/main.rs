//! Calls a function with more parameters than the canonical ABI passes flat, and one
//! whose record result is returned through memory.
wit_bindgen::generate!({ path: "../wit", world: "wide-driver" });

use meld_test::fixtures::wide as w;

fn main() {
    let total = w::sum20(
        1,
        2,
        0.5,
        0.25,
        -3,
        -4,
        -5,
        -6,
        7,
        8,
        9,
        10,
        1.5,
        2.5,
        true,
        'B',
        "héllo",
        &[1, 2, 3],
        11,
        -12,
    );
    println!("sum20 = {total}");
    for seed in [7, 300] {
        let b = w::build(seed);
        println!(
            "build {seed} = a {} b {} c {} d {} e {} f {} g {} h {} i {} j {} k {} l {} m {}",
            b.a, b.b, b.c, b.d, b.e, b.f, b.g, b.h, b.i, b.j, b.k, b.l, b.m
        );
    }
}
