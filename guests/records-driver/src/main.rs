//! Round-trips records through `records`.
wit_bindgen::generate!({ path: "../wit", world: "records-driver" });

use meld_test::fixtures::records::{self as r, Person, Point};

fn show(p: &Person) -> String {
    format!(
        "{} age {} tags {:?} home ({}, {})",
        p.name, p.age, p.tags, p.home.x, p.home.y
    )
}

fn person(name: &str, age: u8, tags: &[&str], x: i32) -> Person {
    Person {
        name: name.to_string(),
        age,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        home: Point { x, y: -x },
    }
}

fn main() {
    let p = r::translate(Point { x: 1, y: -2 }, 10, 20);
    println!("translate = ({}, {})", p.x, p.y);
    let zoe = person("Zoë", 41, &["a", "b"], 3);
    println!("birthday = {}", show(&r::birthday(&zoe)));
    println!(
        "birthday max = {}",
        show(&r::birthday(&person("Old", 255, &[], 0)))
    );
    let members = vec![
        zoe,
        person("Bob", 30, &[], 1),
        person("Eve", 41, &["x"], 2),
        person("Dan", 20, &["y", "z"], 4),
    ];
    let team = r::make_team("Ωmega", &members);
    println!(
        "team = {} with {} members, score {}",
        team.title,
        team.members.len(),
        team.score
    );
    match r::oldest(&team) {
        Some(p) => println!("oldest = {}", show(&p)),
        None => println!("oldest = none"),
    }
    let empty = r::make_team("", &[]);
    println!("empty team score = {}", empty.score);
    match r::oldest(&empty) {
        Some(p) => println!("empty oldest = {}", show(&p)),
        None => println!("empty oldest = none"),
    }
}
