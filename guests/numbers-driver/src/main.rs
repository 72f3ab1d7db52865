//! Calls every `numbers` function with edge values and prints the results.
wit_bindgen::generate!({ path: "../wit", world: "numbers-driver" });

use meld_test::fixtures::numbers as n;

fn main() {
    println!("add-u8 200+100 = {}", n::add_u8(200, 100));
    println!("neg-s8 -128 = {}", n::neg_s8(-128));
    println!("neg-s8 5 = {}", n::neg_s8(5));
    println!("mul-u16 300*300 = {}", n::mul_u16(300, 300));
    println!("sub-s16 -32768-1 = {}", n::sub_s16(-32768, 1));
    println!("mul-u32 65536*65537 = {}", n::mul_u32(65536, 65537));
    println!("div-s32 -7/2 = {}", n::div_s32(-7, 2));
    println!("div-s32 1/0 = {}", n::div_s32(1, 0));
    println!("add-u64 max+2 = {}", n::add_u64(u64::MAX, 2));
    println!("add-u64 big = {}", n::add_u64(1 << 40, 1 << 33));
    println!("mul-s64 -3*4000000000 = {}", n::mul_s64(-3, 4_000_000_000));
    println!("scale-f32 1.5*-2.25 = {}", n::scale_f32(1.5, -2.25));
    println!(
        "scale-f32 inf*0 is-nan = {}",
        n::scale_f32(f32::INFINITY, 0.0).is_nan()
    );
    println!("hypot-f64 3,4 = {}", n::hypot_f64(3.0, 4.0));
    println!("hypot-f64 -5,12 = {}", n::hypot_f64(-5.0, 12.0));
    println!("hypot-f64 1,1 = {}", n::hypot_f64(1.0, 1.0));
    println!("not-bool true = {}", n::not_bool(true));
    println!("not-bool false = {}", n::not_bool(false));
    println!("next-char a = {}", n::next_char('a'));
    println!("next-char \u{e9} = {}", n::next_char('\u{e9}'));
    println!("next-char \u{1f600} = {}", n::next_char('\u{1f600}'));
    println!("next-char U+D7FF = {}", n::next_char('\u{d7ff}'));
    println!(
        "mix = {}",
        n::mix(1, -2, 3, -4, 5, -6, 7, -8, 0.5, 0.25, true, 'A')
    );
}
