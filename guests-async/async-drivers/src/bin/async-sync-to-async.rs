//! A sync lower into an async lift, from an async task: this driver awaits
//! `bridge`'s async exports, whose bodies call `plain-async` (async in WIT,
//! lifted async by a third component) through sync lowers.
wit_bindgen::generate!({ path: "../wit-more", world: "bridge-user" });

use meld_test::async_more::bridge;

fn main() {
    wit_bindgen::block_on(async {
        println!("mul = {}", bridge::mul_via(123_456_789, 1000).await);
        println!("mul wraps = {}", bridge::mul_via(u64::MAX, 3).await);
        let words = vec![
            "α".to_string(),
            "β".to_string(),
            String::new(),
            "γ".to_string(),
        ];
        println!(
            "join = {}",
            bridge::join_via(words, " · ".to_string()).await
        );
        println!(
            "join none = [{}]",
            bridge::join_via(Vec::new(), ",".to_string()).await
        );
        let many: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let joined = bridge::join_via(many, ",".to_string()).await;
        println!(
            "join 300: {} bytes, ends {}",
            joined.len(),
            &joined[joined.len() - 7..]
        );
        println!("halve = {}", bridge::halve_via(5.0).await);
        println!("halve neg = {:?}", bridge::halve_via(-1e300).await);
    });
}
