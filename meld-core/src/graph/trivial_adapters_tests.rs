//! Unit tests of [`super::optimize`] on hand-built graphs: an adapter in
//! FACT's exact scalar-only shape, next to writers of the same flag that do
//! or do not keep the proof, and near-misses of the shape.

use super::*;
use crate::graph::Node;

/// FACT's shape for `(u32, u32) -> u32`, with `$extra` spliced into the
/// parameter conversions.
fn adapter_wat(extra: &str, other: &str) -> String {
    format!(
        r#"(module
  (type $t (func (param i32 i32) (result i32)))
  (import "flags" "instance0" (global $fl (mut i32)))
  (import "flags" "instance1" (global $fc (mut i32)))
  (import "callee" "f" (func $callee (type $t)))
  (import "runtime" "trap" (func $trap (param i32)))
  (func (export "adapter") (type $t) (local i32 i32)
    block
      global.get $fl
      local.tee 2
      br_if 0
      i32.const 23
      call $trap
      unreachable
    end
    global.get $fc
    local.set 3
    i32.const 0
    global.set $fc
    local.get 0
    local.get 1
    {extra}
    local.get 3
    global.set $fc
    call $callee
    local.set 3
    i32.const 0
    global.set $fl
    local.get 3
    local.get 2
    global.set $fl)
  {other})"#
    )
}

/// Another adapter writing the caller's flag the way FACT does around a
/// result translation; `$window` is what runs while the flag is cleared.
fn other_writer(window: &str) -> String {
    format!(
        r#"(func (export "other") (type $t) (local i32)
    block
      global.get $fl
      local.tee 2
      br_if 0
      i32.const 23
      call $trap
      unreachable
    end
    i32.const 0
    global.set $fl
    {window}
    local.get 2
    global.set $fl
    i32.const 0)"#
    )
}

fn node(label: &str, kind: NodeKind, wat: &str, args: Vec<Def>) -> Node<'static> {
    Node {
        label: label.into(),
        kind,
        wasm: ModuleBytes::Owned(Arc::new(wat::parse_str(wat).unwrap())),
        args,
    }
}

fn func(instance: usize, index: u32) -> Def {
    Def::Item {
        instance,
        kind: ItemKind::Func,
        index,
    }
}

/// Nodes: 0, 1 flags; 2 trap; 3 callee; 4 the adapter module; 5 the caller.
fn graph(adapter: &str) -> Graph<'static> {
    let flags = |i: usize| Def::Item {
        instance: i,
        kind: ItemKind::Global,
        index: 0,
    };
    let builtin = |b: Builtin| node("b", NodeKind::Builtin(b), &b.wat(), vec![]);
    let mut g = Graph::default();
    g.nodes.push(builtin(Builtin::Flags));
    g.nodes.push(builtin(Builtin::Flags));
    g.nodes.push(builtin(Builtin::Trap));
    g.nodes.push(node(
        "callee",
        NodeKind::Component {
            component: 1,
            module: 0,
        },
        r#"(module (func (export "f") (param i32 i32) (result i32) local.get 0))"#,
        vec![],
    ));
    g.nodes.push(node(
        "adapter",
        NodeKind::Adapter { module: 1 },
        adapter,
        vec![flags(0), flags(1), func(3, 0), func(2, 0)],
    ));
    g.nodes.push(node(
        "caller",
        NodeKind::Component {
            component: 0,
            module: 2,
        },
        r#"(module (import "" "f" (func (param i32 i32) (result i32))))"#,
        vec![func(4, 2)],
    ));
    g
}

fn adapter_calls_global_set(g: &Graph) -> bool {
    let m = Module::parse(&g.nodes[4].wasm).unwrap();
    let ops = read_ops(&m.bodies[0]).unwrap();
    ops.iter()
        .any(|op| matches!(op, Operator::GlobalSet { .. }))
}

#[test]
fn exact_shape_is_wired_direct() {
    let mut g = graph(&adapter_wat("", ""));
    let out = optimize(&mut g).unwrap();
    assert_eq!(
        out,
        Outcome {
            trivial: 1,
            direct: 1
        }
    );
    assert_eq!(g.nodes[5].args, vec![func(3, 0)]);
    assert!(!adapter_calls_global_set(&g));
}

#[test]
fn other_writers_decide_the_proof() {
    // Another adapter clears the caller's flag around nothing: still proven.
    let mut g = graph(&adapter_wat("", &other_writer("")));
    assert_eq!(
        optimize(&mut g).unwrap(),
        Outcome {
            trivial: 1,
            direct: 1
        }
    );
    // `drop` is not on the pure list: balanced, but not quiet.
    let mut g = graph(&adapter_wat("", &other_writer("local.get 0\n    drop")));
    assert_eq!(
        optimize(&mut g).unwrap(),
        Outcome {
            trivial: 1,
            direct: 0
        }
    );
}

#[test]
fn a_call_with_the_flag_cleared_keeps_the_check() {
    let window = "local.get 0\n    local.get 1\n    call $callee\n    drop";
    let mut g = graph(&adapter_wat("", &other_writer(window)));
    let out = optimize(&mut g).unwrap();
    assert_eq!(
        out,
        Outcome {
            trivial: 1,
            direct: 0
        }
    );
    // The caller still calls the adapter, whose body is now the check, the
    // conversions and the call.
    assert_eq!(g.nodes[5].args, vec![func(4, 2)]);
    assert!(!adapter_calls_global_set(&g));
    let m = Module::parse(&g.nodes[4].wasm).unwrap();
    let ops = read_ops(&m.bodies[0]).unwrap();
    assert!(ops.contains(&Operator::GlobalGet { global_index: 0 }));
    assert!(ops.contains(&Operator::Call { function_index: 1 }));
}

#[test]
fn an_unbalanced_writer_blocks_even_the_slim_form() {
    // Restores from a local never loaded from the flag.
    let other = r#"(func (export "other") (type $t) (local i32)
    i32.const 0
    global.set $fl
    local.get 2
    global.set $fl
    i32.const 0)"#;
    let mut g = graph(&adapter_wat("", other));
    assert_eq!(optimize(&mut g).unwrap(), Outcome::default());
    assert!(adapter_calls_global_set(&g));
}

#[test]
fn near_misses_are_not_trivial() {
    for extra in ["nop", "i32.add\n    i32.const 0", "drop\n    i32.const 0"] {
        let mut g = graph(&adapter_wat(extra, ""));
        assert_eq!(optimize(&mut g).unwrap(), Outcome::default(), "{extra}");
    }
}

#[test]
fn a_converting_adapter_is_slimmed_not_bypassed() {
    let mut g = graph(&adapter_wat("i32.const 255\n    i32.and", ""));
    assert_eq!(
        optimize(&mut g).unwrap(),
        Outcome {
            trivial: 1,
            direct: 0
        }
    );
    assert_eq!(g.nodes[5].args, vec![func(4, 2)]);
    assert!(!adapter_calls_global_set(&g));
}
