//! `--memory shared` on hand-written multi-memory core modules
//! (`meld_core::shared::lower`): growth moving regions, new pages zeroed,
//! out-of-region segments failing instantiation, the region verifier
//! catching an unguarded access, atomics refused. The compositions are in
//! `fuse_wat.rs` (`fuse_wat_fixtures_shared_memory`).

use meld_core::shared::{lower, verify, SECTION};
use meld_core::AbiRecord;

/// Two memories: 0 (1 page, never grown) and 1 (1 page, grown by `grow1`).
const TWO: &str = r#"(module
  (memory $a 1)
  (memory $b 1)
  (data (memory $a) (i32.const 0) "\01\02\03\04")
  (data (memory $b) (i32.const 65532) "\05\06\07\08")
  (func (export "a0") (result i32) (i32.load $a (i32.const 0)))
  (func (export "b-top") (result i32) (i32.load $b (i32.const 65532)))
  (func (export "b-edge") (result i32) (i32.load $b (i32.const 65533)))
  (func (export "a-edge") (result i32) (i32.load8_u $a (i32.const 65536)))
  (func (export "grow1") (result i32) (memory.grow $b (i32.const 2)))
  (func (export "size1") (result i32) (memory.size $b))
  (func (export "store-b") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
  (func (export "load-b") (param i32) (result i32) (i32.load $b (local.get 0)))
  (func (export "copy-ab") (param i32 i32 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2))))"#;

fn lowered(wat: &str) -> Vec<u8> {
    let multi = wat::parse_str(wat).unwrap();
    let mut record = AbiRecord {
        version: 1,
        imports: vec![],
        exports: vec![],
    };
    lower(&multi, &mut record, false, &[], false).unwrap()
}

fn instance(wasm: &[u8]) -> (wasmtime::Store<()>, wasmtime::Instance) {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(false);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = wasmtime::Module::new(&engine, wasm).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let i = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
    (store, i)
}

#[test]
fn regions_are_isolated_and_grow() {
    let wasm = lowered(TWO);
    let report = verify::check(&wasm);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.regions, 2);
    let (mut s, i) = instance(&wasm);
    let call = |s: &mut wasmtime::Store<()>, name: &str| {
        i.get_typed_func::<(), i32>(&mut *s, name)
            .unwrap()
            .call(&mut *s, ())
    };
    assert_eq!(call(&mut s, "a0").unwrap(), 0x04030201);
    assert_eq!(call(&mut s, "b-top").unwrap(), 0x08070605);
    let trap = call(&mut s, "b-edge").unwrap_err();
    assert_eq!(
        trap.downcast_ref::<wasmtime::Trap>(),
        Some(&wasmtime::Trap::MemoryOutOfBounds)
    );
    assert!(call(&mut s, "a-edge").is_err());
    // Region 0 (never grown) is laid out first, region 1 above it: growing
    // region 1 moves nothing, its old contents stay, its new pages are 0.
    assert_eq!(call(&mut s, "grow1").unwrap(), 1);
    assert_eq!(call(&mut s, "size1").unwrap(), 3);
    assert_eq!(call(&mut s, "b-top").unwrap(), 0x08070605);
    // Bytes 65533..65537 of region 1: 06 07 08 and a new zero byte.
    assert_eq!(call(&mut s, "b-edge").unwrap(), 0x00080706);
    let store_b = i
        .get_typed_func::<(i32, i32), ()>(&mut s, "store-b")
        .unwrap();
    let load_b = i.get_typed_func::<i32, i32>(&mut s, "load-b").unwrap();
    store_b.call(&mut s, (3 * 65536 - 4, 77)).unwrap();
    assert_eq!(load_b.call(&mut s, 3 * 65536 - 4).unwrap(), 77);
    assert!(store_b.call(&mut s, (3 * 65536 - 3, 1)).is_err());
    assert!(load_b.call(&mut s, -1).is_err());
    // A copy from region 1 into region 0 across 0's edge traps before writing.
    let copy = i
        .get_typed_func::<(i32, i32, i32), ()>(&mut s, "copy-ab")
        .unwrap();
    assert!(copy.call(&mut s, (65530, 0, 7)).is_err());
    copy.call(&mut s, (65530, 65532, 6)).unwrap();
    assert_eq!(call(&mut s, "a0").unwrap(), 0x04030201);
}

#[test]
fn growth_moves_the_regions_above() {
    // Both grow: laid out in index order, so growing 0 moves 1.
    let wasm = lowered(
        r#"(module
  (memory $a 1) (memory $b 1)
  (data (memory $b) (i32.const 8) "\2a")
  (func (export "ga") (result i32) (memory.grow $a (i32.const 1)))
  (func (export "gb") (result i32) (memory.grow $b (i32.const 1)))
  (func (export "b8") (result i32) (i32.load8_u $b (i32.const 8)))
  (func (export "a-new") (result i32) (i32.load $a (i32.const 70000)))
  (func (export "sa") (result i32) (memory.size $a)))"#,
    );
    assert!(verify::check(&wasm).violations.is_empty());
    let (mut s, i) = instance(&wasm);
    let call = |s: &mut wasmtime::Store<()>, name: &str| {
        i.get_typed_func::<(), i32>(&mut *s, name)
            .unwrap()
            .call(&mut *s, ())
            .unwrap()
    };
    assert_eq!(call(&mut s, "ga"), 1);
    assert_eq!(call(&mut s, "sa"), 2);
    // Region 1 moved up one page: its byte is where it was for it.
    assert_eq!(call(&mut s, "b8"), 42);
    // Region 0's new page is zeroed (it held region 1's first page).
    assert_eq!(call(&mut s, "a-new"), 0);
}

#[test]
fn segments_out_of_their_region_fail_instantiation() {
    let wasm = lowered(
        r#"(module (memory $a 1) (memory $b 1)
  (data (memory $a) (i32.const 65535) "\01\02")
  (func (export "f") (result i32) (i32.load8_u $b (i32.const 0))))"#,
    );
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, &wasm).unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    assert!(wasmtime::Instance::new(&mut store, &module, &[]).is_err());
}

#[test]
fn the_verifier_finds_an_unguarded_access() {
    let wasm = lowered(TWO);
    let mut layout = None;
    for p in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let Ok(wasmparser::Payload::CustomSection(c)) = p {
            if c.name() == SECTION {
                layout = Some(std::str::from_utf8(c.data()).unwrap().to_string());
            }
        }
    }
    let layout = layout.unwrap().replace('"', "\\\"");
    // A one-memory module naming itself shared, with one raw load.
    let forged = wat::parse_str(format!(
        r#"(module (memory 1) (func (result i32) (i32.load (i32.const 65536)))
           (@custom "meld:regions" "{layout}"))"#
    ))
    .unwrap();
    let report = verify::check(&forged);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.starts_with("function 0,")),
        "{:?}",
        report.violations
    );
    // And atomics are refused by name rather than left unguarded.
    let err = lower(
        &wat::parse_str(
            r#"(module (memory 1 1 shared) (func (result i32) (i32.atomic.load (i32.const 0))))"#,
        )
        .unwrap(),
        &mut AbiRecord {
            version: 1,
            imports: vec![],
            exports: vec![],
        },
        false,
        &[],
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("shared"), "{err}");
}

/// meld's resource runtime is a region beside the component's: probes past
/// the component's edge trap, and afterwards, on the same instance, the
/// handle table is intact (new handles, their reps).
#[test]
fn resource_runtime_state_is_unreachable() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/wat/region_resource_runtime.wat"
    );
    let bytes = wat::parse_file(path).expect("fixture");
    let (iso, regions) = meld_core::isolation::check_regions(&bytes).unwrap();
    assert!(iso.violations.is_empty() && regions.violations.is_empty());
    assert!(regions.regions >= 2, "the component's and the runtime's");
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let wasm = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
    let (mut s, i) = instance(&wasm);
    let call = |s: &mut wasmtime::Store<()>, name: &str| {
        i.get_typed_func::<(), i32>(&mut *s, name)
            .unwrap()
            .call(&mut *s, ())
    };
    assert_eq!(call(&mut s, "new-rep").unwrap(), 42);
    for probe in ["probe-above", "probe-far", "probe-store", "probe-copy"] {
        let e = call(&mut s, probe).unwrap_err();
        assert_eq!(
            e.downcast_ref::<wasmtime::Trap>(),
            Some(&wasmtime::Trap::MemoryOutOfBounds),
            "{probe}"
        );
    }
    // Three handles were made by the probes that got that far; the table
    // still hands out working ones.
    for _ in 0..3 {
        assert_eq!(call(&mut s, "new-rep").unwrap(), 42);
    }
}

/// Every Rust (wit-bindgen, WASI) fixture, with DWARF or without, fuses with
/// `--memory shared` into
/// a valid single-memory module the region verifier accepts, without DWARF,
/// and so does the core module of `--memory shared --component` (with its
/// region thunks). `rust_fixtures.rs` runs them wrapped.
#[test]
fn rust_fixtures_fuse_shared_and_every_access_is_region_checked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut files: Vec<_> = ["rust", "rust-debug"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("Rust fixtures"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "Rust fixtures missing");
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let (mut accesses, mut wrapped_accesses) = (0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let fused =
            meld_core::fuse(&[&bytes], &opts).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let report = verify::check(&fused.wasm);
        assert!(
            report.violations.is_empty(),
            "{}: {:?}",
            f.display(),
            report.violations
        );
        assert!(report.regions >= 2, "{}", f.display());
        // DWARF (the rust-debug fixtures have it) is left out: the rewrite
        // moves the code offsets it names.
        for p in wasmparser::Parser::new(0).parse_all(&fused.wasm) {
            if let Ok(wasmparser::Payload::CustomSection(c)) = p {
                assert!(
                    !c.name().starts_with(".debug_"),
                    "{}: {}",
                    f.display(),
                    c.name()
                );
            }
        }
        accesses += report.accesses;
        // Wrapped: the region thunks' accesses (and every other) are
        // region-checked in the core module inside the component.
        let wrapped = meld_core::fuse(
            &[&bytes],
            &meld_core::FuseOptions {
                component: true,
                ..opts.clone()
            },
        )
        .unwrap_or_else(|e| panic!("{} --component: {e}", f.display()));
        let inner = regions_module(&wrapped.wasm)
            .unwrap_or_else(|| panic!("{}: no module with meld:regions", f.display()));
        let report = verify::check(&inner);
        assert!(
            report.violations.is_empty(),
            "{} --component: {:?}",
            f.display(),
            report.violations
        );
        wrapped_accesses += report.accesses;
    }
    assert!(accesses > 1000);
    assert!(wrapped_accesses > 1000);
}

/// The core module inside component `wasm` that carries `meld:regions`.
fn regions_module(wasm: &[u8]) -> Option<Vec<u8>> {
    for p in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        }) = p
        {
            let m = &wasm[unchecked_range];
            if meld_core::shared::layout(m).is_some() {
                return Some(m.to_vec());
            }
        }
    }
    None
}

/// `meld wrap` of a shared core module whose repeated host import the
/// import plan merges (renumbering functions): the `meld:regions` record in
/// the wrapped component names meld's helpers by their new indices, and the
/// component runs.
#[test]
fn meld_wrap_renumbers_the_region_layout() {
    let wat = r#"(component
  (import "test:host/api" (instance $api (export "add" (func (param "a" u32) (param "b" u32) (result u32)))))
  (component $L
    (import "add" (func $add (param "a" u32) (param "b" u32) (result u32)))
    (core func $add_l (canon lower (func $add)))
    (core module $code
      (import "h" "add" (func $add (param i32 i32) (result i32)))
      (memory 1)
      (data (i32.const 0) "\05")
      (func (export "go") (result i32) (call $add (i32.load8_u (i32.const 0)) (i32.const 1))))
    (core instance $c (instantiate $code (with "h" (instance (export "add" (func $add_l))))))
    (func (export "go") (result u32) (canon lift (core func $c "go"))))
  (instance $x (instantiate $L (with "add" (func $api "add"))))
  (instance $y (instantiate $L (with "add" (func $api "add"))))
  (component $Sum
    (import "a" (func $a (result u32)))
    (import "b" (func $b (result u32)))
    (core func $al (canon lower (func $a)))
    (core func $bl (canon lower (func $b)))
    (core module $code
      (import "x" "a" (func $a (result i32)))
      (import "x" "b" (func $b (result i32)))
      (func (export "run") (result i32) call $a call $b i32.add))
    (core instance $c (instantiate $code (with "x" (instance (export "a" (func $al)) (export "b" (func $bl))))))
    (func (export "run") (result u32) (canon lift (core func $c "run"))))
  (instance $s (instantiate $Sum (with "a" (func $x "go")) (with "b" (func $y "go"))))
  (export "run" (func $s "run")))"#;
    let bytes = wat::parse_str(wat).unwrap();
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let core = meld_core::fuse(&[&bytes], &opts).unwrap().wasm;
    let before = meld_core::shared::layout(&core).expect("meld:regions");
    let wrapped = meld_core::wrap::given::wrap_module(&core, false).unwrap();
    // The core module inside the component that carries the layout.
    let mut inner = None;
    for p in wasmparser::Parser::new(0).parse_all(&wrapped) {
        if let Ok(wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        }) = p
        {
            let m = &wrapped[unchecked_range];
            if meld_core::shared::layout(m).is_some() {
                inner = Some(m.to_vec());
            }
        }
    }
    let inner = inner.expect("the wrapped core module keeps meld:regions");
    let after = meld_core::shared::layout(&inner).unwrap();
    assert_ne!(before.oob, after.oob, "the plan renumbered the helpers");
    let report = verify::check(&inner);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    // And it runs: (5 + 1) + (5 + 1).
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let component = wasmtime::component::Component::new(&engine, &wrapped).unwrap();
    let mut linker = wasmtime::component::Linker::<()>::new(&engine);
    linker
        .instance("test:host/api")
        .unwrap()
        .func_wrap("add", |_, (a, b): (u32, u32)| Ok((a + b,)))
        .unwrap();
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance
        .get_typed_func::<(), (u32,)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), (12,));
}

/// Active segments with extended-const offsets land in their region too.
#[test]
fn extended_const_segment_offsets() {
    let wasm = lowered(
        r#"(module (memory $a 1) (memory $b 1)
  (data (memory $b) (i32.add (i32.const 4) (i32.mul (i32.const 2) (i32.const 2))) "\2a")
  (func (export "b8") (result i32) (i32.load8_u $b (i32.const 8)))
  (func (export "a8") (result i32) (i32.load8_u $a (i32.const 8))))"#,
    );
    let (mut s, i) = instance(&wasm);
    let mut call = |name: &str| {
        i.get_typed_func::<(), i32>(&mut s, name)
            .unwrap()
            .call(&mut s, ())
            .unwrap()
    };
    assert_eq!(call("b8"), 42);
    assert_eq!(call("a8"), 0);
}

/// A core host may pass any pointer with an empty string (it need not
/// allocate for it): the region thunk passes 0 on; a non-empty string whose
/// pointer lies below the component's region traps instead of reaching a
/// neighbour. The component's region is the second one (base 64 KiB).
#[test]
fn empty_strings_from_the_host_take_any_pointer() {
    let wat = r#"(component
  (core module $pad
    (memory (export "mem") 1)
    (func (export "grow") (result i32) (memory.grow (i32.const 1))))
  (core instance $pad (instantiate $pad))
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (global.get $bump) (local.get 3)))
      (if (i32.gt_u (global.get $bump) (i32.shl (memory.size) (i32.const 16)))
        (then (drop (memory.grow (i32.const 1)))))
      (local.get $p))
    (func (export "len") (param i32 i32) (result i32)
      (i32.add (i32.mul (local.get 0) (i32.const 1000)) (local.get 1))))
  (core instance $i (instantiate $m))
  (func (export "len") (param "s" string) (result u32)
    (canon lift (core func $i "len") (memory $i "mem") (realloc (func $i "realloc"))))
  (func (export "grow") (result u32) (canon lift (core func $pad "grow"))))"#;
    let bytes = wat::parse_str(wat).unwrap();
    let opts = meld_core::FuseOptions {
        memory: meld_core::MemoryMode::Shared,
        ..Default::default()
    };
    let fused = meld_core::fuse(&[&bytes], &opts).unwrap();
    let layout = meld_core::shared::layout(&fused.wasm).unwrap();
    assert!(
        layout.regions.iter().any(|r| r.start == 65536),
        "{layout:?}"
    );
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(false);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = wasmtime::Module::new(&engine, &fused.wasm).unwrap();
    let call = |ptr: i32, len: i32| {
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "len")
            .unwrap();
        f.call(&mut store, (ptr, len)).map_err(|e| format!("{e:?}"))
    };
    // Empty: any pointer, the component sees 0.
    assert_eq!(call(0, 0), Ok(0));
    assert_eq!(call(7, 0), Ok(0));
    // In the region (base 65536 + 1024): relative 1024.
    assert_eq!(call(65536 + 1024, 3), Ok(1024 * 1000 + 3));
    // Below the region (the neighbour's bytes): a trap, named.
    let e = call(16, 3).unwrap_err();
    assert!(
        e.contains("string pointer/length out of bounds of memory"),
        "{e}"
    );
    // Past its end.
    let e = call(65536 + 65530, 10).unwrap_err();
    assert!(
        e.contains("string pointer/length out of bounds of memory"),
        "{e}"
    );
}
