//! Limits: amplifying compositions (nested instantiation, repeated
//! instantiation, large bodies in shared modules) either fuse within the
//! bounds or are refused with a limit error naming the flag, never an
//! out-of-memory or a hang; the pre-count agrees with the structure it
//! counts; the core-module format's limits are reported as limits.

#[path = "gen/amplify.rs"]
mod amplify;

use amplify::Amplify;
use meld_core::{Error, FuseOptions, Limits};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the family's structure expands to, computed from its parameters
/// (independently of meld's count).
struct Model {
    component_instances: u64,
    core_instances: u64,
    adapters: u64,
    memories: u64,
}

fn model(a: &Amplify) -> Model {
    let f = a.fan_out as u64;
    let leaves = f.saturating_pow(a.depth);
    // Each level above the leaves lowers each of its `fan_out` children's
    // lifted `f`: one adapter per child instance; with `lift_lower`, one
    // more per leaf instance.
    let adapters = if a.hollow {
        0
    } else {
        let levels = (1..=a.depth)
            .map(|i| f.saturating_pow(i))
            .fold(0, u64::saturating_add);
        let leaf = if a.lift_lower {
            leaves.saturating_mul(a.leaf_instances as u64)
        } else {
            0
        };
        levels.saturating_add(leaf)
    };
    Model {
        component_instances: a.component_instances(),
        core_instances: a.core_instances(),
        adapters,
        memories: if a.leaf_memory && !a.hollow {
            leaves.saturating_mul(a.leaf_instances as u64)
        } else {
            0
        },
    }
}

fn random_case(rng: &mut Rng) -> Amplify {
    let fan_out = 1 + rng.below(4) as u32;
    // Deep enough to pass every limit for fan-outs above one.
    let depth = rng.below(if fan_out == 1 { 30 } else { 15 }) as u32;
    let many = rng.below(4) == 0;
    Amplify {
        depth,
        fan_out,
        leaf_instances: 1 + rng.below(if many { 200 } else { 4 }) as u32,
        body_ops: if rng.below(3) == 0 {
            rng.below(20_000) as u32
        } else {
            0
        },
        leaf_memory: rng.below(3) == 0,
        hollow: rng.below(6) == 0,
        lift_lower: rng.below(4) == 0,
    }
}

/// Run `f` of a fused core module on wasmtime.
fn run_f(wasm: &[u8]) -> i32 {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = wasmtime::Module::new(&engine, wasm).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
    f.call(&mut store, ()).unwrap()
}

#[test]
fn ls_limit_1_amplifying_compositions_fuse_within_bounds_or_are_refused() {
    let mut rng = Rng(0x6c69_6d69_7473_2d32);
    // A small output-size limit, so large bodies copied into many
    // instances reach it too; more component instances than adapters
    // allowed, so the adapter limit is reached first in some cases (in
    // this family every adapter is a component instance's call).
    let limits = Limits {
        output_size: 1 << 20,
        component_instances: 4_000,
        ..Limits::default()
    };
    let opts = FuseOptions {
        limits,
        ..Default::default()
    };
    let (mut fused, mut refused, mut ran) = (0, 0, 0);
    let mut refused_by = std::collections::BTreeSet::new();
    for case in 0..60 {
        let a = random_case(&mut rng);
        let m = model(&a);
        let bytes = wat::parse_str(a.wat()).unwrap_or_else(|e| panic!("{a:?}: {e}"));
        // Memoised per definition and arguments: the count never expands,
        // so it is exact (saturating) at any size.
        let counted = meld_core::front::precount::count(&bytes, &limits);
        let c = counted
            .as_ref()
            .unwrap_or_else(|e| panic!("case {case} {a:?}: count: {e}"));
        assert_eq!(c.component_instances, m.component_instances, "{a:?}");
        assert_eq!(c.core_instances, m.core_instances, "{a:?}");
        assert_eq!(c.adapters, m.adapters, "{a:?}");
        assert_eq!(c.memories, m.memories, "{a:?}");
        let within = m.memories <= 100
            && m.component_instances <= limits.component_instances
            && m.core_instances <= limits.instances
            && m.adapters <= limits.adapters;
        match meld_core::fuse(&[&bytes], &opts) {
            Ok(out) => {
                fused += 1;
                assert!(within, "case {case} {a:?} fused past a limit");
                assert!(out.wasm.len() as u64 <= limits.output_size);
                assert!(
                    counted.as_ref().unwrap().estimated_output_bytes() <= limits.output_size,
                    "{a:?}"
                );
                meld_core::encode::validate(&out.wasm).unwrap();
                if !a.hollow && !a.lift_lower && m.core_instances <= 300 {
                    ran += 1;
                    assert_eq!(run_f(&out.wasm) as u64, a.expected(), "case {case} {a:?}");
                }
            }
            Err(Error::Limit { what, remedy, .. }) => {
                refused += 1;
                let by_size = what.contains("output size");
                assert!(
                    !within || by_size,
                    "case {case} {a:?} refused within the limits: {what}"
                );
                if by_size {
                    assert!(
                        counted
                            .as_ref()
                            .map_or(true, |c| c.estimated_output_bytes() > limits.output_size),
                        "{a:?}"
                    );
                }
                assert!(
                    remedy.contains("--max-") || remedy.contains("format"),
                    "{remedy}"
                );
                refused_by.insert(what.split(" after").next().unwrap().to_string());
            }
            Err(e) => panic!("case {case} {a:?}: not a limit error: {e}"),
        }
    }
    eprintln!("amplify: {fused} fused ({ran} run), {refused} refused by {refused_by:?}");
    // The seed reaches every limit and fuses a fair share.
    assert!(fused >= 15, "{fused} fused");
    for what in [
        "component instances",
        "core instances",
        "adapters (functions lifted and lowered again)",
        "memories in the fused module",
        "estimated output size in bytes",
    ] {
        assert!(
            refused_by.contains(what),
            "no case refused by {what}: {refused_by:?}"
        );
    }
}

/// The doubling family: meld's count is exact and costs no expansion.
#[test]
fn the_pre_count_of_the_doubling_family_is_exact_at_any_depth() {
    for (k, fan_out) in [
        (0, 2),
        (1, 2),
        (6, 2),
        (12, 2),
        (20, 2),
        (30, 2),
        (31, 4),
        (32, 4),
        (40, 4),
    ] {
        let a = Amplify {
            fan_out,
            ..Amplify::doubling(k)
        };
        let bytes = wat::parse_str(a.wat()).unwrap();
        let c = meld_core::front::precount::count(&bytes, &Limits::default()).unwrap();
        let m = model(&a);
        assert_eq!(c.component_instances, m.component_instances, "k = {k}");
        assert_eq!(c.core_instances, m.core_instances, "k = {k}");
        assert_eq!(c.adapters, m.adapters, "k = {k}");
        if k >= 32 && fan_out == 4 {
            assert_eq!(c.core_instances, u64::MAX, "saturates");
        } else {
            assert!(c.core_instances < u64::MAX);
        }
    }
}

/// Format limits are limits, not internal errors: 1 000 memories are
/// refused by the pre-count; 100 memories in the composition and the
/// resource runtime's own pass the pre-count (100) but not the merged
/// module (101), refused before encoding, not as invalid output.
#[test]
fn ls_limit_2_format_limits_are_reported_as_limits() {
    let a = Amplify {
        depth: 1,
        fan_out: 1000,
        leaf_memory: true,
        ..Amplify::doubling(0)
    };
    let bytes = wat::parse_str(a.wat()).unwrap();
    match meld_core::fuse(&[&bytes], &Default::default()) {
        Err(e @ Error::Limit { .. }) => {
            let line = e.to_string();
            assert!(
                line.starts_with("limit exceeded: memories in the fused module: 1000 (limit 100;"),
                "{line}"
            );
            assert!(line.contains("--memory shared"), "{line}");
        }
        other => panic!("1 000 memories: {:?}", other.map(|_| ())),
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/wat/resource_same_user_twice.wat");
    assert!(path.exists(), "missing fixture {}", path.display());
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.trim_end().strip_suffix(')').unwrap();
    let mems = "(memory 1) ".repeat(100);
    let wat = format!(
        "{text}\n  (core module $mems {mems})\n  (core instance $mi (instantiate $mems)))\n"
    );
    let bytes = wat::parse_str(&wat).unwrap();
    let c = meld_core::front::precount::count(&bytes, &Limits::default()).unwrap();
    assert_eq!(c.memories, 100);
    for component in [false, true] {
        let opts = FuseOptions {
            component,
            ..Default::default()
        };
        match meld_core::fuse(&[&bytes], &opts) {
            Err(Error::Limit {
                what,
                count,
                limit,
                remedy,
            }) => {
                assert!(what.starts_with("memories"), "{what}");
                assert_eq!((count, limit), (101, 100));
                assert!(remedy.contains("--memory shared"), "{remedy}");
            }
            other => panic!("component: {component}: {:?}", other.map(|_| ())),
        }
    }
}

/// The generator's compositions mean what the model says: small members run
/// unfused (wasmtime's component API) and fused with the expected result.
#[test]
fn small_amplifying_compositions_run_unfused_and_fused_alike() {
    for (depth, fan_out, leaf_instances) in [(0, 1, 1), (1, 1, 1), (3, 2, 1), (2, 3, 5)] {
        let a = Amplify {
            depth,
            fan_out,
            leaf_instances,
            body_ops: 10,
            ..Amplify::doubling(0)
        };
        let bytes = wat::parse_str(a.wat()).unwrap();
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        let engine = wasmtime::Engine::new(&config).unwrap();
        let component = wasmtime::component::Component::new(&engine, &bytes).unwrap();
        let linker = wasmtime::component::Linker::<()>::new(&engine);
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let f = instance
            .get_typed_func::<(), (u32,)>(&mut store, "f")
            .unwrap();
        let (unfused,) = f.call(&mut store, ()).unwrap();
        assert_eq!(u64::from(unfused), a.expected(), "{a:?}");
        let out = meld_core::fuse(&[&bytes], &Default::default()).unwrap();
        assert_eq!(run_f(&out.wasm) as u64, a.expected(), "{a:?}");
    }
    // Lifted and lowered again inside the leaf: calling it re-enters the
    // leaf instance, a trap fused and unfused alike.
    let a = Amplify {
        depth: 1,
        leaf_instances: 2,
        lift_lower: true,
        ..Amplify::doubling(0)
    };
    let bytes = wat::parse_str(a.wat()).unwrap();
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let component = wasmtime::component::Component::new(&engine, &bytes).unwrap();
    let linker = wasmtime::component::Linker::<()>::new(&engine);
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance
        .get_typed_func::<(), (u32,)>(&mut store, "f")
        .unwrap();
    assert!(f.call(&mut store, ()).is_err(), "unfused traps");
    let out = meld_core::fuse(&[&bytes], &Default::default()).unwrap();
    assert!(
        std::panic::catch_unwind(|| run_f(&out.wasm)).is_err(),
        "fused traps"
    );
}

/// A component nesting `depth` empty components, each level instantiating
/// the next once, as bytes (the text format stops at 100 parentheses).
fn nested_binary(depth: usize) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let header = [0, b'a', b's', b'm', 0x0d, 0, 1, 0];
    let mut c = header.to_vec();
    for _ in 0..depth {
        let inner = std::mem::replace(&mut c, header.to_vec());
        // component section (4) holding the inner component
        c.push(4);
        leb(inner.len(), &mut c);
        c.extend(inner);
        // component instance section (5): one `instantiate 0` without args
        c.extend([5, 4, 1, 0, 0, 0]);
    }
    c
}

/// The count recurses once per nested instantiation, as the translator
/// does: a deep input is refused, not a stack overflow.
#[test]
fn deep_nesting_is_refused_before_the_stack_runs_out() {
    let max = meld_core::front::precount::MAX_DEPTH as usize;
    let ok = nested_binary(max);
    let out = meld_core::fuse(&[&ok], &Default::default()).unwrap();
    assert_eq!(out.stats.expansion.component_instances, max as u64 + 1);
    for depth in [max + 1, 5_000] {
        let bytes = nested_binary(depth);
        match meld_core::fuse(&[&bytes], &Default::default()) {
            Err(Error::Limit { what, limit, .. }) => {
                assert!(what.starts_with("depth of nested"), "{what}");
                assert_eq!(limit, max as u64);
            }
            other => panic!("depth {depth}: {:?}", other.map(|_| ())),
        }
    }
}
