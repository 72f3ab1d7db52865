//! Enums, variants, options and results through async calls (`shapes`).
wit_bindgen::generate!({ path: "../wit-more", world: "shapes-user" });

use meld_test::async_more::shapes::{self, Color, DivError, Shape};

fn color(c: Color) -> &'static str {
    match c {
        Color::Red => "red",
        Color::Green => "green",
        Color::Blue => "blue",
    }
}

fn main() {
    wit_bindgen::block_on(async {
        for c in [Color::Red, Color::Green, Color::Blue] {
            println!(
                "next-color {} = {}",
                color(c),
                color(shapes::next_color(c).await)
            );
        }
        let shapes_ = [
            Shape::Circle(1.0),
            Shape::Rect((2.0, 3.5)),
            Shape::Named("zoë".to_string()),
            Shape::Empty,
        ];
        for s in shapes_ {
            let area = shapes::area(s.clone()).await;
            println!("{} -> area {area:?}", shapes::describe(s).await);
        }
        for s in ["42", "-1", "", "99999999999", "4294967295"] {
            println!("parse {s:?} = {:?}", shapes::parse(s.to_string()).await);
        }
        for x in [Some(4_000_000_000), Some(0), None] {
            println!("maybe-double {x:?} = {:?}", shapes::maybe_double(x).await);
        }
        for (a, b) in [(7, -2), (1, 0), (i32::MIN, -1), (-9, 3)] {
            let r = match shapes::safe_div(a, b).await {
                Ok(q) => format!("ok {q}"),
                Err(DivError::ByZero) => "error by-zero".to_string(),
                Err(DivError::Overflow) => "error overflow".to_string(),
            };
            println!("safe-div {a} {b} = {r}");
        }
    });
}
