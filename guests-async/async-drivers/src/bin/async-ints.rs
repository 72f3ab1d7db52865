//! Integers of every width through async calls (`scalars`).
wit_bindgen::generate!({ path: "../wit-more", world: "scalars-user" });

use meld_test::async_more::scalars;

fn main() {
    wit_bindgen::block_on(async {
        let max = scalars::inc_all(
            u8::MAX,
            i8::MAX,
            u16::MAX,
            i16::MAX,
            u32::MAX,
            i32::MAX,
            u64::MAX,
            i64::MAX,
        )
        .await;
        println!("inc-all max = {max:?}");
        let min = scalars::inc_all(0, i8::MIN, 0, i16::MIN, 0, i32::MIN, 0, i64::MIN).await;
        println!("inc-all min = {min:?}");
        let minus_one = scalars::inc_all(41, -1, 1000, -1, 7, -1, 1 << 40, -1).await;
        println!("inc-all -1 = {minus_one:?}");
        println!("widen -1 -1 -1 = {}", scalars::widen(-1, -1, -1).await);
        println!(
            "widen min = {}",
            scalars::widen(i8::MIN, i16::MIN, i32::MIN).await
        );
        println!(
            "widen max = {}",
            scalars::widen(i8::MAX, i16::MAX, i32::MAX).await
        );
        println!(
            "narrow 0x123480ff = {:?}",
            scalars::narrow(0x1234_80ff).await
        );
        println!("narrow 0x7f = {:?}", scalars::narrow(0x7f).await);
    });
}
