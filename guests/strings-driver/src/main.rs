//! Passes ASCII, Latin, CJK and emoji strings through `strings`.
wit_bindgen::generate!({ path: "../wit", world: "strings-driver" });

use meld_test::fixtures::strings as s;

fn main() {
    println!("concat = [{}]", s::concat("héllo, ", "wörld 🌍"));
    println!("concat empty = [{}]", s::concat("", ""));
    println!("reverse = [{}]", s::reverse("añb🎉c"));
    println!("upper = [{}]", s::upper("straße ǆ ω"));
    let (bytes, chars) = s::measure("日本語 text");
    println!("measure cjk = {bytes} bytes, {chars} chars");
    let (bytes, chars) = s::measure("");
    println!("measure empty = {bytes} bytes, {chars} chars");
    println!("repeat = [{}]", s::repeat("ab€", 3));
    let long = s::repeat("x", 10_000);
    let (bytes, chars) = s::measure(&long);
    println!("long = {} / {bytes} bytes, {chars} chars", long.len());
}
