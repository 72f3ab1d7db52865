//! Exports `variants`: enums and variants with and without payloads.
wit_bindgen::generate!({ path: "../wit", world: "variants-lib" });

use exports::meld_test::fixtures::variants::{Color, Guest, Outcome, Shape};

struct Lib;

impl Guest for Lib {
    fn area(s: Shape) -> f64 {
        match s {
            Shape::Circle(r) => core::f64::consts::PI * r * r,
            Shape::Rect((w, h)) => w * h,
            Shape::Named(_) => -1.0,
            Shape::Dot => 0.0,
        }
    }
    fn complement(c: Color) -> Color {
        match c {
            Color::Red => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::UltraViolet,
            Color::UltraViolet => Color::Red,
        }
    }
    fn describe(s: Shape) -> String {
        match s {
            Shape::Circle(r) => format!("circle r={r}"),
            Shape::Rect((w, h)) => format!("rect {w}x{h}"),
            Shape::Named(n) => format!("named {n}"),
            Shape::Dot => "dot".to_string(),
        }
    }
    fn classify(n: u64) -> Outcome {
        if n < 256 {
            Outcome::Small(n as u8)
        } else if n < 1_000_000 {
            Outcome::Text(format!("medium {n}"))
        } else if n % 2 == 0 {
            Outcome::Big(n)
        } else {
            let cycle = [Color::Red, Color::Green, Color::Blue, Color::UltraViolet];
            Outcome::Colors((0..(n % 5 + 1) as usize).map(|i| cycle[i % 4]).collect())
        }
    }
}

export!(Lib);
