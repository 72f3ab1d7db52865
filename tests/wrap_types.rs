//! `--component` for compositions no WIT world can express
//! (`tests/fixtures/types/*.wat`): the wrapper is built from the
//! composition's own component type (meld-core `wrap::shell`). Each fixture
//! runs unfused and fused+wrapped on wasmtime with the same host; results
//! (values, traps, resource destructors) must agree with the `;; expect:`
//! lines and the per-fixture calls below. `meld wrap` of the core module
//! must give the same component, and every import and export must be there
//! with the same name and kind, and (resources apart, which are fresh per
//! component) mutually subtypes of the original's.

#[path = "support/type_export.rs"]
mod type_export;

use std::path::PathBuf;
use wasmparser::component_types::ComponentEntityType;
use wasmtime::component::{Component, Linker, Resource, ResourceAny, ResourceType, Val};
use wasmtime::{Engine, Store};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/types")
        .join(name);
    wat::parse_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn engine() -> Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_multi_memory(true);
    Engine::new(&config).unwrap()
}

/// The host `h` resource of imports.wat (rep 5).
struct H;

fn linker(engine: &Engine) -> Linker<()> {
    let mut l = Linker::<()>::new(engine);
    let mut root = l.root();
    root.resource("h", ResourceType::host::<H>(), |_, _| Ok(()))
        .unwrap();
    root.func_wrap("make-h", |_, (): ()| Ok((Resource::<H>::new_own(5),)))
        .unwrap();
    root.func_wrap("peek", |_, (h,): (Resource<H>,)| Ok((h.rep() + 1,)))
        .unwrap();
    root.func_wrap("echo", |_, (s,): (String,)| Ok((format!("{s}{s}"),)))
        .unwrap();
    l.instance("my:types/defs").unwrap();
    l
}

/// Fuse (core, and with `--component`) without provenance.
fn fuse(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let opts = |component| meld_core::FuseOptions {
        component,
        provenance: None,
        ..Default::default()
    };
    let core = meld_core::fuse(&[bytes], &opts(false)).unwrap().wasm;
    let wrapped = meld_core::fuse(&[bytes], &opts(true))
        .unwrap_or_else(|e| panic!("fuse --component: {e}"))
        .wasm;
    (core, wrapped)
}

fn call(
    store: &mut Store<()>,
    inst: &wasmtime::component::Instance,
    name: &str,
    args: &[Val],
) -> Result<Val, String> {
    let f = inst
        .get_func(&mut *store, name)
        .ok_or_else(|| format!("no export `{name}`"))?;
    let mut results = vec![Val::Bool(false); f.ty(&*store).results().len()];
    f.call(&mut *store, args, &mut results).map_err(|e| {
        match e.downcast_ref::<wasmtime::Trap>() {
            Some(t) => format!("trap {t}"),
            None => format!("trap {}", e.root_cause()),
        }
    })?;
    Ok(results.pop().unwrap_or(Val::Bool(false)))
}

/// What a script of calls gives, one line per call.
fn run(
    engine: &Engine,
    bytes: &[u8],
    script: &dyn Fn(&mut Store<()>, &wasmtime::component::Instance) -> Vec<String>,
) -> Vec<String> {
    let component = Component::new(engine, bytes).unwrap();
    let mut store = Store::new(engine, ());
    let inst = linker(engine).instantiate(&mut store, &component).unwrap();
    script(&mut store, &inst)
}

fn expectations(name: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/types")
            .join(name),
    )
    .unwrap();
    let v: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix(";; expect: "))
        .map(|l| {
            let (a, b) = l.split_once(" = ").unwrap();
            (a.to_string(), b.to_string())
        })
        .collect();
    assert!(!v.is_empty(), "{name}: no `;; expect:` lines");
    v
}

fn show(v: Result<Val, String>) -> String {
    match v {
        Ok(Val::U32(x)) => x.to_string(),
        Ok(other) => format!("{other:?}"),
        Err(e) => e,
    }
}

/// Imports and exports of `a` and `b`: same names, same kinds, and each
/// type (resources apart) a subtype of the other.
fn same_interface(a: &[u8], b: &[u8]) {
    let mut f = wasmparser::WasmFeatures::default();
    f.insert(wasmparser::WasmFeatures::COMPONENT_MODEL);
    f.insert(wasmparser::WasmFeatures::CM_MAP);
    f.insert(wasmparser::WasmFeatures::CM_FIXED_LENGTH_LISTS);
    let ta = wasmparser::Validator::new_with_features(f)
        .validate_all(a)
        .unwrap();
    let tb = wasmparser::Validator::new_with_features(f)
        .validate_all(b)
        .unwrap();
    let names = |bytes: &[u8]| {
        let mut v = Vec::new();
        let mut depth = 0;
        for p in wasmparser::Parser::new(0).parse_all(bytes) {
            match p.unwrap() {
                wasmparser::Payload::ModuleSection { .. }
                | wasmparser::Payload::ComponentSection { .. } => depth += 1,
                wasmparser::Payload::End(_) => depth -= 1,
                wasmparser::Payload::ComponentImportSection(r) if depth == 0 => {
                    for i in r {
                        v.push((true, i.unwrap().name.name.to_string()));
                    }
                }
                wasmparser::Payload::ComponentExportSection(r) if depth == 0 => {
                    for e in r {
                        v.push((false, e.unwrap().name.name.to_string()));
                    }
                }
                _ => {}
            }
        }
        v
    };
    let (na, nb) = (names(a), names(b));
    assert_eq!(na, nb, "import/export names differ");
    let (ra, rb) = (ta.as_ref(), tb.as_ref());
    for (import, n) in &na {
        let (x, y) = if *import {
            (
                ra.component_item_for_import(n),
                rb.component_item_for_import(n),
            )
        } else {
            (
                ra.component_item_for_export(n),
                rb.component_item_for_export(n),
            )
        };
        let (x, y) = (&x.unwrap().ty, &y.unwrap().ty);
        assert_eq!(describe(ra, x), describe(rb, y), "`{n}`: types differ");
    }
}

/// A type's structure with names, resources as `resource`.
fn describe(t: wasmparser::types::TypesRef<'_>, e: &ComponentEntityType) -> String {
    use wasmparser::component_types::{
        ComponentAnyTypeId as A, ComponentDefinedType as D, ComponentValType as V,
    };
    fn val(t: wasmparser::types::TypesRef<'_>, v: &V) -> String {
        match v {
            V::Primitive(p) => format!("{p:?}"),
            V::Type(id) => defined(t, *id),
        }
    }
    fn opt(t: wasmparser::types::TypesRef<'_>, v: &Option<V>) -> String {
        v.as_ref().map(|v| val(t, v)).unwrap_or_else(|| "_".into())
    }
    fn defined(
        t: wasmparser::types::TypesRef<'_>,
        id: wasmparser::component_types::ComponentDefinedTypeId,
    ) -> String {
        match &t[id] {
            D::Primitive(p) => format!("{p:?}"),
            D::Record(r) => format!(
                "record{{{}}}",
                r.fields
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", val(t, v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            D::Variant(r) => format!(
                "variant{{{}}}",
                r.cases
                    .iter()
                    .map(|(n, c)| format!("{n}({})", opt(t, &c.ty)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            D::List { element, .. } => format!("list<{}>", val(t, element)),
            D::Tuple(r) => format!(
                "tuple<{}>",
                r.types
                    .iter()
                    .map(|v| val(t, v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            D::Flags(f) => format!("flags{f:?}"),
            D::Enum(f) => format!("enum{f:?}"),
            D::Option { ty, .. } => format!("option<{}>", val(t, ty)),
            D::Result { ok, err, .. } => format!("result<{}, {}>", opt(t, ok), opt(t, err)),
            D::Map { key, value, .. } => format!("map<{}, {}>", val(t, key), val(t, value)),
            D::FixedLengthList {
                element, length, ..
            } => {
                format!("list<{}, {length}>", val(t, element))
            }
            D::Own(_) => "own<resource>".into(),
            D::Borrow(_) => "borrow<resource>".into(),
            other => format!("{other:?}"),
        }
    }
    fn func(
        t: wasmparser::types::TypesRef<'_>,
        id: wasmparser::component_types::ComponentFuncTypeId,
    ) -> String {
        let f = &t[id];
        format!(
            "func({}) -> {}",
            f.params
                .iter()
                .map(|(n, v)| format!("{n}: {}", val(t, v)))
                .collect::<Vec<_>>()
                .join(", "),
            opt(t, &f.result)
        )
    }
    match e {
        ComponentEntityType::Func(f) => func(t, *f),
        ComponentEntityType::Type { referenced, .. } => match referenced {
            A::Resource(_) => "resource".into(),
            A::Defined(d) => format!("type {}", defined(t, *d)),
            other => format!("{other:?}"),
        },
        ComponentEntityType::Instance(i) => format!(
            "instance{{{}}}",
            t[*i]
                .exports
                .iter()
                .map(|(n, item)| format!("{n}: {}", describe(t, &item.ty)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ComponentEntityType::Module(m) => {
            let entity = |e: &wasmparser::types::EntityType| match e {
                wasmparser::types::EntityType::Func(f) => format!("func {}", t[*f]),
                other => format!("{other:?}"),
            };
            let m = &t[*m];
            format!(
                "module{{imports: {:?}; exports: {:?}}}",
                m.imports
                    .iter()
                    .map(|((a, b), e)| format!("{a}.{b}: {}", entity(e)))
                    .collect::<Vec<_>>(),
                m.exports
                    .iter()
                    .map(|(n, e)| format!("{n}: {}", entity(e)))
                    .collect::<Vec<_>>()
            )
        }
        other => format!("{other:?}"),
    }
}

type Script = dyn Fn(&mut Store<()>, &wasmtime::component::Instance) -> Vec<String>;

fn check(name: &str, script: &Script) -> Vec<String> {
    let bytes = fixture(name);
    let engine = engine();
    let (core, wrapped) = fuse(&bytes);
    // `meld wrap` of the core module is the same component.
    let rewrapped = meld_core::wrap::given::wrap_module(&core, false).unwrap();
    assert!(
        rewrapped == wrapped,
        "{name}: meld wrap differs from fuse --component"
    );
    same_interface(&bytes, &wrapped);
    let want: Vec<String> = expectations(name)
        .into_iter()
        .map(|(e, v)| format!("{e} = {v}"))
        .collect();
    let expect_script = |store: &mut Store<()>, inst: &wasmtime::component::Instance| {
        expectations(name)
            .into_iter()
            .map(|(e, _)| {
                let got = show(call(store, inst, &e, &[]));
                format!("{e} = {got}")
            })
            .collect::<Vec<_>>()
    };
    for (what, b) in [("unfused", &bytes), ("wrapped", &wrapped)] {
        assert_eq!(run(&engine, b, &expect_script), want, "{name} {what}");
    }
    let unfused = run(&engine, &bytes, script);
    let fused = run(&engine, &wrapped, script);
    assert!(!unfused.is_empty());
    assert_eq!(unfused, fused, "{name}: wrapped and unfused differ");
    unfused
}

#[test]
fn value_types() {
    let log = check("value_types.wat", &|store, inst| {
        let point = Val::Record(vec![("x".into(), Val::U32(3)), ("y".into(), Val::U32(4))]);
        vec![
            show(call(store, inst, "point-sum", std::slice::from_ref(&point))),
            show(call(store, inst, "color-id", &[Val::Enum("blue".into())])),
            show(call(
                store,
                inst,
                "shape-sum",
                &[Val::Variant("dot".into(), Some(Box::new(point)))],
            )),
            show(call(
                store,
                inst,
                "shape-sum",
                &[Val::Variant("none".into(), None)],
            )),
        ]
    });
    assert_eq!(log, ["7", "2", "7", "0"]);
}

#[test]
fn resource_without_interface() {
    let log = check("resource.wat", &|store, inst| {
        let mut log = Vec::new();
        let c = call(store, inst, "[constructor]cell", &[Val::U32(7)]).unwrap();
        log.push(show(call(
            store,
            inst,
            "[method]cell.get",
            std::slice::from_ref(&c),
        )));
        let t = call(store, inst, "twice", &[Val::U32(21)]).unwrap();
        log.push(show(call(
            store,
            inst,
            "[method]cell.get",
            std::slice::from_ref(&t),
        )));
        log.push(show(call(
            store,
            inst,
            "[static]cell.take",
            std::slice::from_ref(&c),
        )));
        log.push(show(call(store, inst, "drops", &[])));
        let Val::Resource(r) = t else {
            panic!("not a resource")
        };
        ResourceAny::resource_drop(r, &mut *store).unwrap();
        log.push(show(call(store, inst, "drops", &[])));
        // A handle moved into `take` is gone (the instance traps, last).
        log.push(show(call(store, inst, "[method]cell.get", &[c])));
        log
    });
    assert_eq!(log[..5], ["7", "42", "7", "1", "2"]);
    assert!(log[5].starts_with("trap unknown handle index"), "{log:?}");
}

#[test]
fn imports_without_interface() {
    let log = check("imports.wat", &|store, inst| {
        vec![show(call(store, inst, "run", &[]))]
    });
    assert_eq!(log, ["16"]);
}

#[test]
fn instance_with_type_only_exports() {
    let log = check("instance.wat", &|store, inst| {
        let calc = inst
            .get_export_index(&mut *store, None, "my:api/calc")
            .unwrap();
        let double = inst
            .get_export_index(&mut *store, Some(&calc), "double")
            .unwrap();
        let f = inst.get_func(&mut *store, double).unwrap();
        let mut r = [Val::U32(0)];
        f.call(
            &mut *store,
            &[Val::Record(vec![("v".into(), Val::U32(21))])],
            &mut r,
        )
        .unwrap();
        vec![format!("{:?}", r[0]), show(call(store, inst, "run", &[]))]
    });
    assert_eq!(log, ["U32(42)", "4"]);
}

/// Every real-toolchain composition (tests/fixtures/rust), with a type
/// exported at the top level: `meld wrap` of its core module gives the
/// `--component` output, and the wrapper has the composition's imports and
/// exports. (tests/rust_fixtures.rs runs them.)
#[test]
fn rust_fixtures_with_a_type_export() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rust");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 19, "fixtures missing in {}", dir.display());
    for p in &paths {
        let typed = type_export::with_top_level_type_export(&std::fs::read(p).unwrap());
        let (core, wrapped) = fuse(&typed);
        let rewrapped = meld_core::wrap::given::wrap_module(&core, false).unwrap();
        assert!(rewrapped == wrapped, "{}: meld wrap differs", p.display());
        same_interface(&typed, &wrapped);
    }
}

#[test]
fn core_module_export() {
    let log = check("module_export.wat", &|store, inst| {
        let module = inst.get_module(&mut *store, "util").expect("module `util`");
        let exports: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
        let mut core = Store::new(store.engine(), ());
        let i = wasmtime::Instance::new(&mut core, &module, &[]).unwrap();
        let triple = i.get_typed_func::<i32, i32>(&mut core, "triple").unwrap();
        vec![
            exports.join(","),
            triple.call(&mut core, 5).unwrap().to_string(),
            show(call(store, inst, "run", &[])),
        ]
    });
    assert_eq!(log, ["triple,mem,g", "15", "42"]);
}
