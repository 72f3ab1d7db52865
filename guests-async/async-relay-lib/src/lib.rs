//! The middle of a three-component chain: async exports (`relay`) that
//! await async imports (`shapes`, from a third component).
wit_bindgen::generate!({ path: "../wit-more", world: "relay-lib" });

use exports::meld_test::async_more::relay::Guest;
use meld_test::async_more::shapes;

struct Lib;

impl Guest for Lib {
    async fn shout(s: String) -> String {
        let reversed = shapes::reverse(s).await;
        format!("{}!", reversed.to_uppercase())
    }
    async fn checksum_of(n: u32) -> u64 {
        // Two async calls in turn: the bytes come back, then go out again.
        let bytes = shapes::make_bytes(n).await;
        shapes::checksum(bytes).await.1
    }
    async fn label_sum(n: u32) -> String {
        let points = shapes::points(n).await;
        let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
        let joined = shapes::concat(labels.join("+"), "=".to_string()).await;
        let sum: i64 = points.iter().map(|p| i64::from(p.x) - i64::from(p.y)).sum();
        format!("{joined}{sum}")
    }
}

export!(Lib);
