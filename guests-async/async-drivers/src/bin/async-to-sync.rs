//! An async lower into a sync lift: `plain` is async in WIT, the library
//! lifts it synchronously, this driver lowers it async and awaits each call.
wit_bindgen::generate!({ path: "../wit-more", world: "plain-user" });

use meld_test::async_more::plain;

fn main() {
    wit_bindgen::block_on(async {
        println!("mul = {}", plain::mul(123_456_789, 1000).await);
        println!("mul wraps = {}", plain::mul(u64::MAX, 3).await);
        let words = vec![
            "α".to_string(),
            "β".to_string(),
            String::new(),
            "γ".to_string(),
        ];
        println!("join = {}", plain::join(words, " · ".to_string()).await);
        println!(
            "join none = [{}]",
            plain::join(Vec::new(), ",".to_string()).await
        );
        let many: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let joined = plain::join(many, ",".to_string()).await;
        println!(
            "join 300: {} bytes, ends {}",
            joined.len(),
            &joined[joined.len() - 7..]
        );
        println!("halve = {}", plain::halve(5.0).await);
        println!("halve neg = {:?}", plain::halve(-1e300).await);
    });
}
