//! Lists through async calls (`shapes`): large list<u8> both ways,
//! list<string>, list<list<u32>>.
wit_bindgen::generate!({ path: "../wit-more", world: "shapes-user" });

use meld_test::async_more::shapes;

fn main() {
    wit_bindgen::block_on(async {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        println!("checksum 100000 = {:?}", shapes::checksum(bytes).await);
        println!("checksum empty = {:?}", shapes::checksum(Vec::new()).await);
        let made = shapes::make_bytes(70_000).await;
        let sum: u64 = made.iter().map(|b| u64::from(*b)).sum();
        println!(
            "make-bytes 70000: len {} sum {sum} head {:?} last {}",
            made.len(),
            &made[..5],
            made[made.len() - 1]
        );
        println!("make-bytes 0 = {:?}", shapes::make_bytes(0).await);
        let words = vec![
            "abc".to_string(),
            String::new(),
            "straße".to_string(),
            "ünï".to_string(),
        ];
        println!("upper-all = {:?}", shapes::upper_all(words).await);
        let many: Vec<String> = (0..500).map(|i| format!("s{i}")).collect();
        let upper = shapes::upper_all(many).await;
        println!(
            "upper-all 500: len {} first {} last {}",
            upper.len(),
            upper[0],
            upper[499]
        );
        println!(
            "upper-all empty = {:?}",
            shapes::upper_all(Vec::new()).await
        );
        println!(
            "lens = {:?}",
            shapes::lens(vec![vec![1, 2, 3], Vec::new(), vec![7], vec![0; 1000]]).await
        );
    });
}
