//! Records, tuples and flags through async calls (`shapes`).
wit_bindgen::generate!({ path: "../wit-more", world: "shapes-user" });

use meld_test::async_more::shapes::{self, Perms, Point};

fn show(p: &Point) -> String {
    format!("({}, {}, {})", p.x, p.y, p.label)
}

fn has(p: Perms, flag: Perms) -> bool {
    (p & flag).bits() != 0
}

fn perms(p: Perms) -> String {
    let mut names = Vec::new();
    if has(p, Perms::READ) {
        names.push("read");
    }
    if has(p, Perms::WRITE) {
        names.push("write");
    }
    if has(p, Perms::EXEC) {
        names.push("exec");
    }
    format!("{{{}}}", names.join(", "))
}

fn main() {
    wit_bindgen::block_on(async {
        let p = Point {
            x: 1,
            y: 2,
            label: "p".to_string(),
        };
        println!(
            "move-point = {}",
            show(&shapes::move_point(p, 10, -20).await)
        );
        let q = Point {
            x: i32::MIN,
            y: i32::MAX,
            label: "ünï".to_string(),
        };
        println!(
            "move-point extremes = {}",
            show(&shapes::move_point(q, 5, -5).await)
        );
        let ps = shapes::points(3).await;
        println!(
            "points 3 = [{}]",
            ps.iter().map(show).collect::<Vec<_>>().join(", ")
        );
        let ps = shapes::points(1000).await;
        println!("points 1000: len {} last {}", ps.len(), show(&ps[999]));
        println!(
            "swap = {:?}",
            shapes::swap((7, "mid".to_string(), 2.5)).await
        );
        println!(
            "swap empty = {:?}",
            shapes::swap((255, String::new(), -0.5)).await
        );
        for p in [
            Perms::READ | Perms::EXEC,
            Perms::empty(),
            Perms::READ | Perms::WRITE | Perms::EXEC,
            Perms::WRITE,
        ] {
            println!("toggle {} = {}", perms(p), perms(shapes::toggle(p).await));
        }
    });
}
