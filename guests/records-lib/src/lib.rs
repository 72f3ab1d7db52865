//! Exports `records`: flat, nested and list-carrying records.
wit_bindgen::generate!({ path: "../wit", world: "records-lib" });

use exports::meld_test::fixtures::records::{Guest, Person, Point, Team};

struct Lib;

impl Guest for Lib {
    fn translate(p: Point, dx: i32, dy: i32) -> Point {
        Point {
            x: p.x + dx,
            y: p.y + dy,
        }
    }
    fn birthday(mut p: Person) -> Person {
        p.age = p.age.saturating_add(1);
        p.tags.push("older".to_string());
        p
    }
    fn make_team(title: String, members: Vec<Person>) -> Team {
        let score = if members.is_empty() {
            0.0
        } else {
            members.iter().map(|m| m.age as f64).sum::<f64>() / members.len() as f64
        };
        Team {
            title,
            members,
            score,
        }
    }
    fn oldest(t: Team) -> Option<Person> {
        let mut best: Option<Person> = None;
        for m in t.members {
            if best.as_ref().map_or(true, |b| m.age > b.age) {
                best = Some(m);
            }
        }
        best
    }
}

export!(Lib);
