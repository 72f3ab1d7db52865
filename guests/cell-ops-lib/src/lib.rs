//! Middle of res-import-export: imports `cells` and exports `cell-ops`, an interface
//! on that same imported `cell` type. The composition also re-exports the imported
//! `cells` instance (guests/compositions/cell-ops-reexport.wac), so this component
//! both imports and exports the resource.
wit_bindgen::generate!({ path: "../wit", world: "cell-ops-lib" });

use exports::meld_test::fixtures::cell_ops::Guest;
use meld_test::fixtures::cells::Cell;

struct Lib;

impl Guest for Lib {
    fn pair(a: u32, b: u32) -> (Cell, Cell) {
        (Cell::new(a), Cell::new(b))
    }
    fn swap(a: &Cell, b: &Cell) {
        let (va, vb) = (a.get(), b.get());
        a.set(vb);
        b.set(va);
    }
    fn sorted(mut cs: Vec<Cell>) -> Vec<Cell> {
        cs.sort_by_key(|c| c.get());
        cs
    }
    fn bumped(c: Cell, by: u32) -> Cell {
        c.set(c.get() + by);
        c
    }
    fn melt(c: Cell) -> u32 {
        c.get()
    }
}

export!(Lib);
