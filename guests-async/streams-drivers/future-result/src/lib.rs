//! Futures of results (`result<string, enum>`, `result<u32, string>`),
//! both cases, written by library tasks; and a future whose writer the
//! library drops without writing (wit-bindgen writes the default it was
//! made with: the reader gets that).
wit_bindgen::generate!({ path: "../../wit-streams", world: "future-result-driver" });

use meld_test::async_streams::futures;

struct Driver;

impl Guest for Driver {
    async fn run() {
        for s in [
            "21",
            "18446744073709551615",
            "",
            "x1",
            "9223372036854775807",
        ] {
            let f = futures::parse(s.to_string()).await;
            println!("parse {s:?} -> {:?}", f.await);
        }
        for s in ["abc", "", "é€🦀", "toolong", "ünïcödé"] {
            let f = futures::check(s.to_string()).await;
            println!("check {s:?} -> {:?}", f.await);
        }
        // Two futures made first, read in the opposite order.
        let a = futures::parse("5".to_string()).await;
        let b = futures::check("ok".to_string()).await;
        println!("later b -> {:?}", b.await);
        println!("later a -> {:?}", a.await);
        let f = futures::forgotten().await;
        println!("forgotten -> {:?}", f.await);
    }
}

export!(Driver);
