//! Exports `wide`: a 20-parameter function and a 13-field record result.
wit_bindgen::generate!({ path: "../wit", world: "wide-lib" });

use exports::meld_test::fixtures::wide::{Big, Guest};

struct Lib;

impl Guest for Lib {
    #[allow(clippy::too_many_arguments)]
    fn sum20(
        p1: u32,
        p2: u64,
        p3: f32,
        p4: f64,
        p5: i8,
        p6: i16,
        p7: i32,
        p8: i64,
        p9: u8,
        p10: u16,
        p11: u32,
        p12: u64,
        p13: f32,
        p14: f64,
        p15: bool,
        p16: char,
        p17: String,
        p18: Vec<u8>,
        p19: u32,
        p20: i64,
    ) -> f64 {
        p1 as f64
            + p2 as f64
            + p3 as f64
            + p4
            + p5 as f64
            + p6 as f64
            + p7 as f64
            + p8 as f64
            + p9 as f64
            + p10 as f64
            + p11 as f64
            + p12 as f64
            + p13 as f64
            + p14
            + if p15 { 1.0 } else { 0.0 }
            + p16 as u32 as f64
            + p17.len() as f64
            + p18.iter().map(|&b| b as f64).sum::<f64>()
            + p19 as f64
            + p20 as f64
    }
    fn build(seed: u32) -> Big {
        Big {
            a: seed as u8,
            b: (seed * 2) as u16,
            c: seed * 3,
            d: seed as u64 * 10_000_000_000,
            e: (seed as i8).wrapping_neg(),
            f: ((seed * 2) as i16).wrapping_neg(),
            g: -((seed * 3) as i32),
            h: -(seed as i64) * 10_000_000_000,
            i: seed as f32 / 2.0,
            j: seed as f64 / 4.0,
            k: seed % 2 == 1,
            l: char::from_u32('a' as u32 + seed % 26).unwrap(),
            m: format!("big-{seed}-ü"),
        }
    }
}

export!(Lib);
