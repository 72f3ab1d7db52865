//! Exports `shapes` (strings, lists, records, tuples, flags, enums,
//! variants, options, results) as async functions; each completes without
//! awaiting anything; and `text` as sync functions.
wit_bindgen::generate!({ path: "../wit-more", world: "shapes-lib" });

use exports::meld_test::async_more::shapes::{Color, DivError, Guest, Perms, Point, Shape};
use exports::meld_test::async_more::text;

struct Lib;

impl Guest for Lib {
    async fn reverse(s: String) -> String {
        s.chars().rev().collect()
    }
    async fn measure(s: String) -> (u32, u32) {
        (s.len() as u32, s.chars().count() as u32)
    }
    async fn concat(a: String, b: String) -> String {
        a + &b
    }
    async fn repeat(s: String, n: u32) -> String {
        s.repeat(n as usize)
    }
    async fn checksum(bytes: Vec<u8>) -> (u32, u64) {
        (
            bytes.len() as u32,
            bytes.iter().map(|b| u64::from(*b)).sum(),
        )
    }
    async fn make_bytes(n: u32) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }
    async fn upper_all(xs: Vec<String>) -> Vec<String> {
        xs.iter().map(|s| s.to_uppercase()).collect()
    }
    async fn lens(xs: Vec<Vec<u32>>) -> Vec<u32> {
        xs.iter().map(|x| x.len() as u32).collect()
    }
    async fn move_point(p: Point, dx: i32, dy: i32) -> Point {
        Point {
            x: p.x + dx,
            y: p.y + dy,
            label: format!("{} moved", p.label),
        }
    }
    async fn points(n: u32) -> Vec<Point> {
        (0..n as i32)
            .map(|i| Point {
                x: i,
                y: -i,
                label: format!("p{i}"),
            })
            .collect()
    }
    async fn swap(t: (u8, String, f64)) -> (f64, String, u8) {
        (t.2, t.1, t.0)
    }
    async fn toggle(p: Perms) -> Perms {
        p ^ (Perms::READ | Perms::WRITE | Perms::EXEC)
    }
    async fn next_color(c: Color) -> Color {
        match c {
            Color::Red => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::Red,
        }
    }
    async fn area(s: Shape) -> Option<f64> {
        match s {
            Shape::Circle(r) => Some(std::f64::consts::PI * r * r),
            Shape::Rect((w, h)) => Some(w * h),
            Shape::Named(_) | Shape::Empty => None,
        }
    }
    async fn describe(s: Shape) -> String {
        match s {
            Shape::Circle(r) => format!("circle of radius {r}"),
            Shape::Rect((w, h)) => format!("rect {w} x {h}"),
            Shape::Named(n) => format!("named {n} ({} chars)", n.chars().count()),
            Shape::Empty => "empty".to_string(),
        }
    }
    async fn parse(s: String) -> Result<u32, String> {
        s.parse::<u32>().map_err(|e| e.to_string())
    }
    async fn maybe_double(x: Option<u32>) -> Option<u64> {
        x.map(|v| u64::from(v) * 2)
    }
    async fn safe_div(a: i32, b: i32) -> Result<i32, DivError> {
        if b == 0 {
            Err(DivError::ByZero)
        } else {
            a.checked_div(b).ok_or(DivError::Overflow)
        }
    }
}

impl text::Guest for Lib {
    fn upper(s: String) -> String {
        s.to_uppercase()
    }
    fn words(s: String) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }
}

export!(Lib);
