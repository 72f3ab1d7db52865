//! Exports `numbers`: one function per scalar type.
wit_bindgen::generate!({ path: "../wit", world: "numbers-lib" });

use exports::meld_test::fixtures::numbers::Guest;

struct Lib;

impl Guest for Lib {
    fn add_u8(a: u8, b: u8) -> u8 {
        a.wrapping_add(b)
    }
    fn neg_s8(a: i8) -> i8 {
        a.wrapping_neg()
    }
    fn mul_u16(a: u16, b: u16) -> u16 {
        a.wrapping_mul(b)
    }
    fn sub_s16(a: i16, b: i16) -> i16 {
        a.wrapping_sub(b)
    }
    fn mul_u32(a: u32, b: u32) -> u32 {
        a.wrapping_mul(b)
    }
    fn div_s32(a: i32, b: i32) -> i32 {
        a.checked_div(b).unwrap_or(i32::MIN)
    }
    fn add_u64(a: u64, b: u64) -> u64 {
        a.wrapping_add(b)
    }
    fn mul_s64(a: i64, b: i64) -> i64 {
        a.wrapping_mul(b)
    }
    fn scale_f32(a: f32, factor: f32) -> f32 {
        a * factor
    }
    fn hypot_f64(a: f64, b: f64) -> f64 {
        (a * a + b * b).sqrt()
    }
    fn not_bool(a: bool) -> bool {
        !a
    }
    fn next_char(c: char) -> char {
        char::from_u32(c as u32 + 1).unwrap_or('?')
    }
    #[allow(clippy::too_many_arguments)]
    fn mix(
        a: u8,
        b: i8,
        c: u16,
        d: i16,
        e: u32,
        f: i32,
        g: u64,
        h: i64,
        i: f32,
        j: f64,
        k: bool,
        l: char,
    ) -> f64 {
        a as f64
            + b as f64
            + c as f64
            + d as f64
            + e as f64
            + f as f64
            + g as f64
            + h as f64
            + i as f64
            + j
            + if k { 1000.0 } else { 0.0 }
            + l as u32 as f64
    }
}

export!(Lib);
