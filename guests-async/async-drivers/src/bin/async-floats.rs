//! Floats, bools and chars through async calls (`scalars`).
wit_bindgen::generate!({ path: "../wit-more", world: "scalars-user" });

use meld_test::async_more::scalars;

fn main() {
    wit_bindgen::block_on(async {
        println!("floats 1.5 10 = {:?}", scalars::floats(1.5, 10.0).await);
        println!(
            "floats max -0 = {:?}",
            scalars::floats(f32::MAX, -0.0).await
        );
        let (x, y) = scalars::floats(f32::NAN, f64::INFINITY).await;
        println!(
            "floats nan inf = ({}, {y:?})",
            if x.is_nan() { "NaN" } else { "not NaN" }
        );
        println!("floats tiny = {:?}", scalars::floats(1e-45, 1e-320).await);
        for (a, b) in [(false, false), (false, true), (true, false), (true, true)] {
            println!("logic {a} {b} = {:?}", scalars::logic(a, b).await);
        }
        for c in ['a', 'z', 'é', '€', '🦀', '\u{d7ff}', '\u{10ffff}'] {
            let next = scalars::next_char(c).await;
            println!(
                "next-char U+{:04X} = U+{:04X} {next}",
                u32::from(c),
                u32::from(next)
            );
        }
    });
}
