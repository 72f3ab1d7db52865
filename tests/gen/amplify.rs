//! Amplifying compositions, written as WAT: component level `j` instantiates
//! level `j - 1` `fan_out` times (nested instantiation), a leaf instantiates
//! its core module `leaf_instances` times (repeated instantiation), and the
//! leaf module can carry a large body (a big module copied once per
//! instance). Shared by the limits tests (`tests/limits.rs`) and the bench
//! (`meld-bench --limits`). Small text, large expansion: the
//! input is a few hundred bytes per level, its inlined form `fan_out^depth`
//! leaves.
#![allow(dead_code)]

/// One member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amplify {
    /// Levels of nested components above the leaf.
    pub depth: u32,
    /// Instantiations of level `j - 1` inside level `j`.
    pub fan_out: u32,
    /// Core instances of the leaf module inside each leaf component.
    pub leaf_instances: u32,
    /// Extra `i32.const 0 i32.add` pairs in the leaf's function.
    pub body_ops: u32,
    /// A memory in the leaf module (one per leaf core instance when fused).
    pub leaf_memory: bool,
    /// No core code at all: components that only instantiate components
    /// (work for the front end, nothing for the output).
    pub hollow: bool,
    /// Each leaf instance's `f` lifted and lowered again inside the leaf,
    /// the next instance importing it (a chain) and the sum calling them
    /// all: one adapter module per leaf instance, the shape whose
    /// translation cost is quadratic. Calling it re-enters the leaf
    /// instance, which traps fused and unfused alike.
    pub lift_lower: bool,
}

impl Amplify {
    /// The family: level `j` instantiates level `j - 1` twice.
    pub fn doubling(depth: u32) -> Self {
        Amplify {
            depth,
            fan_out: 2,
            leaf_instances: 1,
            body_ops: 0,
            leaf_memory: false,
            hollow: false,
            lift_lower: false,
        }
    }

    /// Core instances of the composition's own modules once every nested
    /// instantiation is expanded (saturating).
    pub fn core_instances(&self) -> u64 {
        if self.hollow {
            return 0;
        }
        let leaves = (self.fan_out as u64).saturating_pow(self.depth);
        let levels: u64 = (0..self.depth)
            .map(|j| (self.fan_out as u64).saturating_pow(j))
            .fold(0, u64::saturating_add);
        // Each leaf: its instances of the leaf module and one of `$sum`;
        // each level above: one of `$sum`.
        leaves
            .saturating_mul(self.leaf_instances as u64 + 1)
            .saturating_add(levels)
    }

    /// Component instances once expanded (the root included): every
    /// level's, and a summing one inside each level above the leaves.
    pub fn component_instances(&self) -> u64 {
        let f = self.fan_out as u64;
        let levels = (0..=self.depth)
            .map(|j| f.saturating_pow(j))
            .fold(0, u64::saturating_add);
        let sums = if self.hollow {
            0
        } else {
            (0..self.depth)
                .map(|j| f.saturating_pow(j))
                .fold(0, u64::saturating_add)
        };
        levels.saturating_add(sums)
    }

    /// What the root's `f` returns: each leaf instance gives 1, each level
    /// sums its children.
    pub fn expected(&self) -> u64 {
        (self.fan_out as u64)
            .saturating_pow(self.depth)
            .saturating_mul(self.leaf_instances as u64)
    }

    /// The composition as WAT. Every level exports `f: func() -> u32`
    /// (none in a hollow one).
    pub fn wat(&self) -> String {
        let mut text = self.leaf();
        for _ in 0..self.depth {
            text = self.level(&text);
        }
        text
    }

    fn leaf(&self) -> String {
        if self.hollow {
            return "(component)".into();
        }
        let mut s = String::from("(component\n  (core module $m\n");
        if self.leaf_memory {
            s.push_str("    (memory 1)\n");
        }
        s.push_str("    (func (export \"f\") (result i32) i32.const 1");
        for _ in 0..self.body_ops {
            s.push_str(" i32.const 0 i32.add");
        }
        s.push_str("))\n");
        if self.lift_lower {
            s.push_str("  (core module $mc\n    (import \"i\" \"g\" (func $g (result i32)))\n");
            if self.leaf_memory {
                s.push_str("    (memory 1)\n");
            }
            s.push_str("    (func (export \"f\") (result i32) call $g i32.const 1 i32.add))\n");
        }
        for i in 0..self.leaf_instances {
            if self.lift_lower && i > 0 {
                // Chained: each instance imports the previous one's `f`,
                // lifted and lowered, so FACT needs an adapter module
                // between every two instances.
                s.push_str(&format!(
                    "  (core instance $i{i} (instantiate $mc (with \"i\" (instance (export \"g\" (func $L{}))))))\n",
                    i - 1
                ));
            } else {
                s.push_str(&format!("  (core instance $i{i} (instantiate $m))\n"));
            }
            if self.lift_lower {
                s.push_str(&format!(
                    "  (func $F{i} (result u32) (canon lift (core func $i{i} \"f\")))\n  (core func $L{i} (canon lower (func $F{i})))\n"
                ));
            }
        }
        s.push_str("  (core module $sum\n");
        for i in 0..self.leaf_instances {
            s.push_str(&format!(
                "    (import \"i\" \"f{i}\" (func $f{i} (result i32)))\n"
            ));
        }
        s.push_str(&sum_body(self.leaf_instances));
        s.push_str("  (core instance $s (instantiate $sum (with \"i\" (instance\n");
        for i in 0..self.leaf_instances {
            if self.lift_lower {
                s.push_str(&format!("    (export \"f{i}\" (func $L{i}))\n"));
            } else {
                s.push_str(&format!("    (export \"f{i}\" (func $i{i} \"f\"))\n"));
            }
        }
        s.push_str("  ))))\n");
        s.push_str("  (func (export \"f\") (result u32) (canon lift (core func $s \"f\")))\n)");
        s
    }

    /// Level `j`: `fan_out` instances of level `j - 1` and one of a summing
    /// component that imports their `f`s. The sum lives in a sibling of the
    /// children, not in their parent, so no call crosses into a descendant
    /// (wasmtime 48 as published traps on those: "cannot enter component
    /// instance").
    fn level(&self, inner: &str) -> String {
        // `inner` is `(component …)`: name it `$c` where it is nested.
        let body = inner.strip_prefix("(component").unwrap_or(inner);
        let mut s = format!("(component\n  (component $c{body}\n");
        if !self.hollow {
            s.push_str("  (component $s\n");
            for i in 0..self.fan_out {
                s.push_str(&format!(
                    "    (import \"f{i}\" (func $g{i} (result u32)))\n    (core func $l{i} (canon lower (func $g{i})))\n"
                ));
            }
            s.push_str("    (core module $sum\n");
            for i in 0..self.fan_out {
                s.push_str(&format!(
                    "      (import \"i\" \"f{i}\" (func $f{i} (result i32)))\n"
                ));
            }
            s.push_str(&sum_body(self.fan_out));
            s.push_str("    (core instance $s (instantiate $sum (with \"i\" (instance\n");
            for i in 0..self.fan_out {
                s.push_str(&format!("      (export \"f{i}\" (func $l{i}))\n"));
            }
            s.push_str("    ))))\n");
            s.push_str(
                "    (func (export \"f\") (result u32) (canon lift (core func $s \"f\"))))\n",
            );
        }
        for i in 0..self.fan_out {
            s.push_str(&format!("  (instance $c{i} (instantiate $c))\n"));
        }
        if self.hollow {
            s.push(')');
            return s;
        }
        s.push_str("  (instance $sum (instantiate $s\n");
        for i in 0..self.fan_out {
            s.push_str(&format!("    (with \"f{i}\" (func $c{i} \"f\"))\n"));
        }
        s.push_str("  ))\n  (export \"f\" (func $sum \"f\"))\n)");
        s
    }
}

/// `(func (export "f") (result i32) …)` summing imports `$f0..$f{n-1}`,
/// closing the module.
fn sum_body(n: u32) -> String {
    let mut s = String::from("    (func (export \"f\") (result i32) i32.const 0");
    for i in 0..n {
        s.push_str(&format!(" call $f{i} i32.add"));
    }
    s.push_str("))\n");
    s
}
