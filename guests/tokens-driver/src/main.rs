//! Passes `token` handles to and from the library inside lists, records and options,
//! and prints which tokens the library destroyed after each step.
wit_bindgen::generate!({ path: "../wit", world: "tokens-driver" });

use meld_test::fixtures::tokens::{self, Peek, Token};

fn ids(ts: &[Token]) -> Vec<u32> {
    ts.iter().map(|t| t.id()).collect()
}

fn drained(step: &str) {
    println!("  drained after {step}: {:?}", tokens::drained());
}

fn main() {
    let minted = tokens::mint(&["ant".into(), "bee".into(), "cat".into(), "dog".into()]);
    println!("mint -> ids {:?}", ids(&minted));
    let labels: Vec<String> = minted.iter().map(|t| t.label()).collect();
    println!("labels = {labels:?}");
    println!("join(all) = {}", tokens::join_labels(&minted.iter().collect::<Vec<_>>(), "-"));
    println!("join(odd) = {}", tokens::join_labels(&[&minted[1], &minted[3]], "+"));
    println!("join([]) = [{}]", tokens::join_labels(&[], ","));

    let rev = tokens::reverse(minted);
    println!("reverse -> ids {:?}", ids(&rev));
    drained("reverse");

    let mut rev = rev;
    let last = rev.pop().unwrap(); // id 1 (ant)
    println!("consume(ids {:?}) = {}", ids(&rev), tokens::consume(rev));
    drained("consume");

    let tagged = tokens::wrap("keep", last);
    println!("wrap -> tag {} id {} label {}", tagged.tag, tagged.item.id(), tagged.item.label());
    println!("describe = {}", tokens::describe(&Peek { tag: "peek".into(), item: &tagged.item }));
    let back = tokens::unwrap(tagged);
    println!("unwrap -> id {}", back.id());
    drained("wrap/unwrap");

    println!("maybe-label(some) = {}", tokens::maybe_label(Some(&back)));
    println!("maybe-label(none) = {}", tokens::maybe_label(None));

    let extra = Token::new("eel");
    println!("new eel -> id {}", extra.id());
    let five = tokens::mint(&["f0".into(), "f1".into(), "f2".into(), "f3".into(), "f4".into()]);
    println!("mint -> ids {:?}", ids(&five));
    let picked = tokens::pick(five, 2);
    println!("pick(2) -> {:?}", picked.as_ref().map(|t| (t.id(), t.label())));
    drained("pick(2)");
    let none = tokens::pick(vec![extra], 3);
    println!("pick(3) of one -> {:?}", none.as_ref().map(|t| t.id()));
    drained("pick(3)");
    println!("pick([], 0) -> {:?}", tokens::pick(Vec::new(), 0).map(|t| t.id()));

    drop(picked);
    drained("drop picked");
    drop(back);
    drained("drop back");
    drained("nothing");
}
