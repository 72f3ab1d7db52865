//! Middle of res-chain3: imports `floats` and exports `vectors`, whose `vec2` owns two
//! `float` handles of the bottom component. Its destructor prints the coordinates and
//! drops both handles (which the bottom component counts).
wit_bindgen::generate!({ path: "../wit", world: "vectors-lib" });

use exports::meld_test::fixtures::vectors::{Guest, GuestVec2, Vec2, Vec2Borrow};
use meld_test::fixtures::floats::Float;

struct V {
    // `Option` so that `unpack` can move the handles out before the destructor runs.
    xy: Option<(Float, Float)>,
}

impl V {
    fn xy(&self) -> (&Float, &Float) {
        let (x, y) = self.xy.as_ref().unwrap();
        (x, y)
    }
    fn from_f64(x: f64, y: f64) -> Vec2 {
        Vec2::new(V { xy: Some((Float::new(x), Float::new(y))) })
    }
}

impl Drop for V {
    fn drop(&mut self) {
        match &self.xy {
            Some((x, y)) => println!("  vectors: drop vec2({}, {})", x.get(), y.get()),
            None => println!("  vectors: drop unpacked vec2"),
        }
    }
}

impl GuestVec2 for V {
    fn new(x: Float, y: Float) -> V {
        V { xy: Some((x, y)) }
    }
    fn x(&self) -> Float {
        Float::new(self.xy().0.get())
    }
    fn y(&self) -> Float {
        Float::new(self.xy().1.get())
    }
    fn plus(&self, other: Vec2Borrow<'_>) -> Vec2 {
        let (ax, ay) = self.xy();
        let (bx, by) = other.get::<V>().xy();
        Vec2::new(V { xy: Some((Float::sum(ax, bx), Float::sum(ay, by))) })
    }
    fn scaled(&self, k: &Float) -> Vec2 {
        let (x, y) = self.xy();
        V::from_f64(x.get() * k.get(), y.get() * k.get())
    }
}

struct Lib;

impl Guest for Lib {
    type Vec2 = V;

    fn unpack(v: Vec2) -> (Float, Float) {
        let mut v: V = v.into_inner();
        v.xy.take().unwrap()
    }
    fn dot_self(v: Vec2Borrow<'_>) -> Float {
        let (x, y) = v.get::<V>().xy();
        Float::new(x.get() * x.get() + y.get() * y.get())
    }
}

export!(Lib);
