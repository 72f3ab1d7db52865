//! Sends every case of `shape` and `color` and receives every case of `outcome`.
wit_bindgen::generate!({ path: "../wit", world: "variants-driver" });

use meld_test::fixtures::variants::{self as v, Color, Outcome, Shape};

fn color(c: Color) -> &'static str {
    match c {
        Color::Red => "red",
        Color::Green => "green",
        Color::Blue => "blue",
        Color::UltraViolet => "ultra-violet",
    }
}

fn main() {
    let shapes = [
        Shape::Circle(2.0),
        Shape::Rect((3.0, 4.5)),
        Shape::Named("blob".to_string()),
        Shape::Dot,
    ];
    for s in &shapes {
        println!("{} has area {:.3}", v::describe(s), v::area(s));
    }
    for c in [Color::Red, Color::Green, Color::Blue, Color::UltraViolet] {
        println!("complement {} = {}", color(c), color(v::complement(c)));
    }
    for n in [
        7,
        255,
        256,
        999_999,
        1_000_000,
        10_000_000_000,
        1_000_001,
        1_000_003,
        u64::MAX,
    ] {
        let text = match v::classify(n) {
            Outcome::Small(x) => format!("small {x}"),
            Outcome::Big(x) => format!("big {x}"),
            Outcome::Text(t) => format!("text [{t}]"),
            Outcome::Colors(cs) => {
                let names: Vec<&str> = cs.into_iter().map(color).collect();
                format!("colors {}", names.join(","))
            }
        };
        println!("classify {n} = {text}");
    }
}
