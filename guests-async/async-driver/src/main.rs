//! A synchronous `run` (the command's `main`) that calls the async `calc`
//! functions with wit-bindgen's `block_on` and prints the results.
wit_bindgen::generate!({ path: "../wit", world: "async-driver" });

use meld_test::async_fixtures::calc;

fn main() {
    wit_bindgen::block_on(async {
        println!("add 2+3 = {}", calc::add(2, 3).await);
        println!("add max+1 = {}", calc::add(u32::MAX, 1).await);
        println!("greet = {}", calc::greet("meld".to_string()).await);
        let long = "x".repeat(1000);
        println!("greet long len = {}", calc::greet(long).await.len());
        println!("total = {}", calc::total(vec![1, 2, 3, 4_000_000_000]).await);
        println!("total empty = {}", calc::total(Vec::new()).await);
        println!("split = {:?}", calc::split("a,b,,c".to_string(), ",".to_string()).await);
    });
    // Three calls made before any is awaited (each starts when first polled).
    let (a, b, c) = wit_bindgen::block_on(async {
        let a = calc::add(10, 20);
        let b = calc::greet("twice".to_string());
        let c = calc::total(vec![7; 7]);
        (a.await, b.await, c.await)
    });
    println!("made then awaited = {a} {b} {c}");
}
