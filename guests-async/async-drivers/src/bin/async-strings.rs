//! Strings through async calls (`shapes`): ASCII, non-ASCII, empty, 10 KB.
wit_bindgen::generate!({ path: "../wit-more", world: "shapes-user" });

use meld_test::async_more::shapes;

fn main() {
    wit_bindgen::block_on(async {
        println!(
            "reverse = {}",
            shapes::reverse("stressed".to_string()).await
        );
        println!(
            "reverse utf8 = {}",
            shapes::reverse("héllo wörld 🦀".to_string()).await
        );
        println!("reverse empty = [{}]", shapes::reverse(String::new()).await);
        println!(
            "measure utf8 = {:?}",
            shapes::measure("日本語 ✓".to_string()).await
        );
        println!("measure empty = {:?}", shapes::measure(String::new()).await);
        println!(
            "concat = {}",
            shapes::concat("ünï".to_string(), "cödé".to_string()).await
        );
        println!(
            "concat empties = [{}]",
            shapes::concat(String::new(), String::new()).await
        );
        let big = "abcdefghij".repeat(1024);
        let back = shapes::reverse(big).await;
        println!(
            "reverse 10 KB: len {} starts {} ends {}",
            back.len(),
            &back[..5],
            &back[back.len() - 5..]
        );
        println!(
            "measure 10 KB = {:?}",
            shapes::measure("é".repeat(5120)).await
        );
        let made = shapes::repeat("ß€".to_string(), 2048).await;
        println!(
            "repeat ß€ x2048: {} bytes, {} chars, all pairs {}",
            made.len(),
            made.chars().count(),
            made.chars()
                .collect::<Vec<_>>()
                .chunks(2)
                .all(|p| p == ['ß', '€'])
        );
        println!(
            "repeat zero = [{}]",
            shapes::repeat("x".to_string(), 0).await
        );
    });
}
