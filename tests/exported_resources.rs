//! A resource type the composition defines *and exports*: its handles belong
//! to the embedder. `tests/fixtures/exported/counters.wat` exports the
//! interface `my:res/counters` (resource `counter`, defined by one inner
//! component with a counting destructor, and also used by a second inner
//! component whose functions are exported in the same interface, so handles
//! cross between the inner components and to the host).
//!
//! One call sequence ([`scenario`]) runs on
//!
//! 1. the composition on wasmtime's component API,
//! 2. `meld_core::fuse(.., FuseOptions::wrapped())` on wasmtime's component API,
//! 3. the plain fused core module on wasmtime's core API, with a host that
//!    implements the embedder's table: `[export]my:res/counters`
//!    `[resource-new|rep|drop]counter` over a `Vec<Option<u32>>` of reps, the
//!    drop calling the exported `my:res/counters#[dtor]counter` (docs/abi.md,
//!    docs/resources.md).
//!
//! Every run must produce the values worked out by hand in [`EXPECTED`].
//! `core_module_keeps_exported_handles_per_instance` fuses
//! `tests/fixtures/exported/pair.wat` (two users of an exported resource) as
//! a core module: each user numbers its handles from 1, a handle dropped
//! twice traps inside, and only handles the host asked for reach its table.
//! The core host follows the Canonical ABI the wrapped component would: the
//! fused module's exports belong to the instance that defines `counter`, so a
//! `borrow<counter>` argument is passed as the rep, an `own<counter>` as the
//! handle (which then belongs to the module), and a returned `own<counter>` is
//! a handle in the host's table.

#[path = "support/binaryen.rs"]
mod binaryen;

use std::collections::BTreeMap;
use std::path::Path;

const IFACE: &str = "my:res/counters";

fn fixture() -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/exported/counters.wat");
    assert!(p.exists(), "missing fixture {}", p.display());
    wat::parse_file(&p).unwrap()
}

fn component_engine() -> wasmtime::Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.wasm_multi_memory(true);
    wasmtime::Engine::new(&c).unwrap()
}

fn core_engine() -> wasmtime::Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_multi_memory(true);
    wasmtime::Engine::new(&c).unwrap()
}

/// The interface as the host sees it; `H` is an owned handle the host holds.
trait Counters {
    type H: Copy;
    fn ctor(&mut self, start: u32) -> Self::H;
    fn add(&mut self, c: Self::H, n: u32);
    fn get(&mut self, c: Self::H) -> u32;
    /// `[static]counter.finish`: takes the own.
    fn finish(&mut self, c: Self::H) -> u32;
    fn make_many(&mut self, n: u32) -> Vec<Self::H>;
    fn find(&mut self, v: u32) -> Option<Self::H>;
    fn dropped(&mut self) -> u32;
    fn double(&mut self, c: Self::H) -> u32;
    fn pair_sum(&mut self, a: u32, b: u32) -> u32;
    fn wrap(&mut self, start: u32) -> Self::H;
    /// Takes the own.
    fn absorb(&mut self, c: Self::H) -> u32;
    /// The host drops an own handle.
    fn drop_handle(&mut self, c: Self::H);
}

/// What [`scenario`] observes, worked out by hand from counters.wat:
/// a counter holds a value; `double` (in the helper component) adds the value
/// to itself through the defining component's methods; `wrap(s)` makes
/// counter(s) and adds 1; `make-many(n)` makes counters 0, 10, .., 10(n-1);
/// `pair-sum(a, b)` makes two counters inside, reads and drops them (two
/// destructor runs); `dropped()` counts destructor runs.
const EXPECTED: &[(&str, u32)] = &[
    ("c1 = counter(5); get", 5),
    ("add(c1, 3); get", 8),
    ("double(c1)", 16),
    ("get(c1) after double", 16),
    ("c2 = wrap(10); get", 11),
    ("double(c2)", 22),
    ("absorb(c2)", 22),
    ("dropped after absorb", 1),
    ("finish(c1)", 16),
    ("dropped after finish", 2),
    ("make-many(3) len", 3),
    ("many[0]", 0),
    ("many[1]", 10),
    ("many[2]", 20),
    ("double(many[2])", 40),
    ("add(many[0], 7); get", 7),
    ("find(7) is some", 1),
    ("get(found)", 7),
    ("find(0) is some", 0),
    ("pair-sum(2, 3)", 5),
    ("dropped after pair-sum", 4),
    ("dropped after host drops many[0], many[1]", 6),
    ("absorb(many[2])", 40),
    ("dropped after absorb(many[2])", 7),
    ("dropped after host drops found", 8),
    ("c3 = counter(1); double", 2),
    ("finish(c3)", 2),
    ("dropped at the end", 9),
];

fn scenario<A: Counters>(api: &mut A) -> Vec<(&'static str, u32)> {
    let mut log = Vec::new();
    let c1 = api.ctor(5);
    log.push(("c1 = counter(5); get", api.get(c1)));
    api.add(c1, 3);
    log.push(("add(c1, 3); get", api.get(c1)));
    log.push(("double(c1)", api.double(c1)));
    log.push(("get(c1) after double", api.get(c1)));
    let c2 = api.wrap(10);
    log.push(("c2 = wrap(10); get", api.get(c2)));
    log.push(("double(c2)", api.double(c2)));
    log.push(("absorb(c2)", api.absorb(c2)));
    log.push(("dropped after absorb", api.dropped()));
    log.push(("finish(c1)", api.finish(c1)));
    log.push(("dropped after finish", api.dropped()));
    let many = api.make_many(3);
    log.push(("make-many(3) len", many.len() as u32));
    log.push(("many[0]", api.get(many[0])));
    log.push(("many[1]", api.get(many[1])));
    log.push(("many[2]", api.get(many[2])));
    log.push(("double(many[2])", api.double(many[2])));
    api.add(many[0], 7);
    log.push(("add(many[0], 7); get", api.get(many[0])));
    let found = api.find(7);
    log.push(("find(7) is some", found.is_some() as u32));
    let found = found.expect("find(7) returns a counter");
    log.push(("get(found)", api.get(found)));
    let none = api.find(0);
    log.push(("find(0) is some", none.is_some() as u32));
    log.push(("pair-sum(2, 3)", api.pair_sum(2, 3)));
    log.push(("dropped after pair-sum", api.dropped()));
    api.drop_handle(many[0]);
    api.drop_handle(many[1]);
    log.push(("dropped after host drops many[0], many[1]", api.dropped()));
    log.push(("absorb(many[2])", api.absorb(many[2])));
    log.push(("dropped after absorb(many[2])", api.dropped()));
    api.drop_handle(found);
    log.push(("dropped after host drops found", api.dropped()));
    let c3 = api.ctor(1);
    log.push(("c3 = counter(1); double", api.double(c3)));
    log.push(("finish(c3)", api.finish(c3)));
    log.push(("dropped at the end", api.dropped()));
    log
}

fn check(what: &str, got: &[(&'static str, u32)]) {
    let want: Vec<(&str, u32)> = EXPECTED.to_vec();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{what}: step {i} differs");
    }
    assert_eq!(got.len(), want.len(), "{what}: number of steps");
}

// ---------------------------------------------------------------------------
// Component API (the composition, and the fused+wrapped component).

struct ComponentHost {
    store: wasmtime::Store<()>,
    funcs: BTreeMap<&'static str, wasmtime::component::Func>,
}

const FUNCS: &[&str] = &[
    "[constructor]counter",
    "[method]counter.add",
    "[method]counter.get",
    "[static]counter.finish",
    "make-many",
    "find",
    "dropped",
    "double",
    "pair-sum",
    "wrap",
    "absorb",
];

impl ComponentHost {
    fn new(engine: &wasmtime::Engine, bytes: &[u8]) -> Self {
        let component =
            wasmtime::component::Component::new(engine, bytes).expect("component compiles");
        let linker = wasmtime::component::Linker::<()>::new(engine);
        let mut store = wasmtime::Store::new(engine, ());
        let instance = linker
            .instantiate(&mut store, &component)
            .expect("instantiates");
        let iface = instance
            .get_export_index(&mut store, None, IFACE)
            .unwrap_or_else(|| panic!("no export `{IFACE}`"));
        let mut funcs = BTreeMap::new();
        for name in FUNCS {
            let idx = instance
                .get_export_index(&mut store, Some(&iface), name)
                .unwrap_or_else(|| panic!("no export `{IFACE}#{name}`"));
            let f = instance
                .get_func(&mut store, idx)
                .unwrap_or_else(|| panic!("`{IFACE}#{name}` is not a function"));
            funcs.insert(*name, f);
        }
        ComponentHost { store, funcs }
    }

    fn call(
        &mut self,
        name: &str,
        args: &[wasmtime::component::Val],
        results: usize,
    ) -> Vec<wasmtime::component::Val> {
        let f = self.funcs[name];
        let mut out = vec![wasmtime::component::Val::Bool(false); results];
        f.call(&mut self.store, args, &mut out)
            .unwrap_or_else(|e| panic!("`{name}` failed: {e:?}"));
        out
    }

    fn u32_of(name: &str, v: &wasmtime::component::Val) -> u32 {
        match v {
            wasmtime::component::Val::U32(x) => *x,
            other => panic!("`{name}` returned {other:?}, want u32"),
        }
    }

    fn res_of(name: &str, v: &wasmtime::component::Val) -> wasmtime::component::ResourceAny {
        match v {
            wasmtime::component::Val::Resource(r) => {
                assert!(r.owned(), "`{name}` returned a borrow");
                *r
            }
            other => panic!("`{name}` returned {other:?}, want own<counter>"),
        }
    }
}

impl Counters for ComponentHost {
    type H = wasmtime::component::ResourceAny;

    fn ctor(&mut self, start: u32) -> Self::H {
        use wasmtime::component::Val;
        let r = self.call("[constructor]counter", &[Val::U32(start)], 1);
        Self::res_of("[constructor]counter", &r[0])
    }
    fn add(&mut self, c: Self::H, n: u32) {
        use wasmtime::component::Val;
        self.call("[method]counter.add", &[Val::Resource(c), Val::U32(n)], 0);
    }
    fn get(&mut self, c: Self::H) -> u32 {
        use wasmtime::component::Val;
        let r = self.call("[method]counter.get", &[Val::Resource(c)], 1);
        Self::u32_of("[method]counter.get", &r[0])
    }
    fn finish(&mut self, c: Self::H) -> u32 {
        use wasmtime::component::Val;
        let r = self.call("[static]counter.finish", &[Val::Resource(c)], 1);
        Self::u32_of("[static]counter.finish", &r[0])
    }
    fn make_many(&mut self, n: u32) -> Vec<Self::H> {
        use wasmtime::component::Val;
        let r = self.call("make-many", &[Val::U32(n)], 1);
        match &r[0] {
            Val::List(items) => items.iter().map(|v| Self::res_of("make-many", v)).collect(),
            other => panic!("make-many returned {other:?}"),
        }
    }
    fn find(&mut self, v: u32) -> Option<Self::H> {
        use wasmtime::component::Val;
        let r = self.call("find", &[Val::U32(v)], 1);
        match &r[0] {
            Val::Option(o) => o.as_deref().map(|v| Self::res_of("find", v)),
            other => panic!("find returned {other:?}"),
        }
    }
    fn dropped(&mut self) -> u32 {
        let r = self.call("dropped", &[], 1);
        Self::u32_of("dropped", &r[0])
    }
    fn double(&mut self, c: Self::H) -> u32 {
        use wasmtime::component::Val;
        let r = self.call("double", &[Val::Resource(c)], 1);
        Self::u32_of("double", &r[0])
    }
    fn pair_sum(&mut self, a: u32, b: u32) -> u32 {
        use wasmtime::component::Val;
        let r = self.call("pair-sum", &[Val::U32(a), Val::U32(b)], 1);
        Self::u32_of("pair-sum", &r[0])
    }
    fn wrap(&mut self, start: u32) -> Self::H {
        use wasmtime::component::Val;
        let r = self.call("wrap", &[Val::U32(start)], 1);
        Self::res_of("wrap", &r[0])
    }
    fn absorb(&mut self, c: Self::H) -> u32 {
        use wasmtime::component::Val;
        let r = self.call("absorb", &[Val::Resource(c)], 1);
        Self::u32_of("absorb", &r[0])
    }
    fn drop_handle(&mut self, c: Self::H) {
        c.resource_drop(&mut self.store)
            .unwrap_or_else(|e| panic!("resource_drop failed: {e:?}"));
    }
}

// ---------------------------------------------------------------------------
// The plain fused core module with a host-side table.

/// The embedder's table of `counter` handles: handle `h` is slot `h - 1`;
/// freed slots are reused, most recently freed first.
#[derive(Default)]
struct Table {
    reps: Vec<Option<u32>>,
    free: Vec<u32>,
    /// `[resource-new]` calls.
    news: u32,
    /// Owned handles removed, by `[resource-drop]` or by the host itself.
    drops: u32,
}

impl Table {
    fn insert(&mut self, rep: u32) -> u32 {
        match self.free.pop() {
            Some(h) => {
                self.reps[h as usize - 1] = Some(rep);
                h
            }
            None => {
                self.reps.push(Some(rep));
                self.reps.len() as u32
            }
        }
    }
    fn rep(&self, h: u32) -> wasmtime::Result<u32> {
        h.checked_sub(1)
            .and_then(|i| self.reps.get(i as usize).copied().flatten())
            .ok_or_else(|| wasmtime::format_err!("unknown counter handle {h}"))
    }
    fn remove(&mut self, h: u32) -> wasmtime::Result<u32> {
        let rep = self.rep(h)?;
        self.reps[h as usize - 1] = None;
        self.free.push(h);
        Ok(rep)
    }
}

struct CoreHost {
    store: wasmtime::Store<Table>,
    instance: wasmtime::Instance,
    memory: wasmtime::Memory,
}

fn export_name(f: &str) -> String {
    format!("{IFACE}#{f}")
}

impl CoreHost {
    fn new(engine: &wasmtime::Engine, fused: &meld_core::Fused) -> Self {
        use wasmtime::{Caller, Linker, Module, Store};
        let module = Module::new(engine, &fused.wasm).expect("fused module compiles");
        let import_module = format!("[export]{IFACE}");
        let mut linker = Linker::<Table>::new(engine);
        linker
            .func_wrap(
                &import_module,
                "[resource-new]counter",
                |mut cx: Caller<'_, Table>, rep: i32| -> i32 {
                    let t = cx.data_mut();
                    t.news += 1;
                    t.insert(rep as u32) as i32
                },
            )
            .unwrap();
        linker
            .func_wrap(
                &import_module,
                "[resource-rep]counter",
                |cx: Caller<'_, Table>, h: i32| -> wasmtime::Result<i32> {
                    Ok(cx.data().rep(h as u32)? as i32)
                },
            )
            .unwrap();
        linker
            .func_wrap(
                &import_module,
                "[resource-drop]counter",
                |mut cx: Caller<'_, Table>, h: i32| -> wasmtime::Result<()> {
                    let rep = cx.data_mut().remove(h as u32)?;
                    cx.data_mut().drops += 1;
                    let dtor = cx
                        .get_export(&export_name("[dtor]counter"))
                        .and_then(|e| e.into_func())
                        .expect("the module exports the destructor");
                    dtor.typed::<i32, ()>(&cx)?.call(&mut cx, rep as i32)
                },
            )
            .unwrap();
        let mut store = Store::new(engine, Table::default());
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("fused module instantiates with the host table");
        // make-many and find return through memory: the ABI record names it.
        let mem_of = |f: &str| {
            fused
                .abi
                .exports
                .iter()
                .find(|e| e.name == export_name(f))
                .unwrap_or_else(|| panic!("ABI record lists `{}`", export_name(f)))
                .options
                .memory
                .clone()
                .unwrap_or_else(|| panic!("`{f}` returns through memory"))
        };
        let mem_name = mem_of("make-many");
        assert_eq!(mem_of("find"), mem_name);
        let memory = instance
            .get_memory(&mut store, &mem_name)
            .unwrap_or_else(|| panic!("memory export `{mem_name}`"));
        CoreHost {
            store,
            instance,
            memory,
        }
    }

    fn func(&mut self, f: &str) -> wasmtime::Func {
        self.instance
            .get_func(&mut self.store, &export_name(f))
            .unwrap_or_else(|| panic!("core export `{}`", export_name(f)))
    }

    fn call(&mut self, f: &str, args: &[i32]) -> Option<i32> {
        let func = self.func(f);
        let args: Vec<wasmtime::Val> = args.iter().map(|a| wasmtime::Val::I32(*a)).collect();
        let n = func.ty(&self.store).results().len();
        let mut out = vec![wasmtime::Val::I32(0); n];
        func.call(&mut self.store, &args, &mut out)
            .unwrap_or_else(|e| panic!("core `{f}` failed: {e:?}"));
        out.first().map(|v| v.unwrap_i32())
    }

    fn call_u32(&mut self, f: &str, args: &[i32]) -> u32 {
        self.call(f, args)
            .unwrap_or_else(|| panic!("core `{f}` returns nothing")) as u32
    }

    /// The rep a `borrow<counter>` argument is passed as.
    fn rep(&self, h: u32) -> i32 {
        self.store
            .data()
            .rep(h)
            .unwrap_or_else(|e| panic!("host lends a dead handle: {e}")) as i32
    }

    fn read_u32(&self, addr: u32) -> u32 {
        let mut b = [0u8; 4];
        self.memory
            .read(&self.store, addr as usize, &mut b)
            .expect("in bounds");
        u32::from_le_bytes(b)
    }

    fn read_u8(&self, addr: u32) -> u8 {
        let mut b = [0u8; 1];
        self.memory
            .read(&self.store, addr as usize, &mut b)
            .expect("in bounds");
        b[0]
    }
}

impl Counters for CoreHost {
    type H = u32;

    fn ctor(&mut self, start: u32) -> u32 {
        self.call_u32("[constructor]counter", &[start as i32])
    }
    fn add(&mut self, c: u32, n: u32) {
        let rep = self.rep(c);
        assert_eq!(self.call("[method]counter.add", &[rep, n as i32]), None);
    }
    fn get(&mut self, c: u32) -> u32 {
        let rep = self.rep(c);
        self.call_u32("[method]counter.get", &[rep])
    }
    fn finish(&mut self, c: u32) -> u32 {
        self.call_u32("[static]counter.finish", &[c as i32])
    }
    fn make_many(&mut self, n: u32) -> Vec<u32> {
        let ret = self.call_u32("make-many", &[n as i32]);
        let (ptr, len) = (self.read_u32(ret), self.read_u32(ret + 4));
        (0..len).map(|i| self.read_u32(ptr + 4 * i)).collect()
    }
    fn find(&mut self, v: u32) -> Option<u32> {
        let ret = self.call_u32("find", &[v as i32]);
        match self.read_u8(ret) {
            0 => None,
            1 => Some(self.read_u32(ret + 4)),
            d => panic!("find: bad option discriminant {d}"),
        }
    }
    fn dropped(&mut self) -> u32 {
        self.call_u32("dropped", &[])
    }
    fn double(&mut self, c: u32) -> u32 {
        let rep = self.rep(c);
        self.call_u32("double", &[rep])
    }
    fn pair_sum(&mut self, a: u32, b: u32) -> u32 {
        self.call_u32("pair-sum", &[a as i32, b as i32])
    }
    fn wrap(&mut self, start: u32) -> u32 {
        self.call_u32("wrap", &[start as i32])
    }
    fn absorb(&mut self, c: u32) -> u32 {
        self.call_u32("absorb", &[c as i32])
    }
    fn drop_handle(&mut self, c: u32) {
        // What the wrapper's `resource.drop` does for an own handle: remove it
        // from the table and run the destructor.
        let rep = self
            .store
            .data_mut()
            .remove(c)
            .unwrap_or_else(|e| panic!("host drops a dead handle: {e}"));
        self.store.data_mut().drops += 1;
        let dtor = self.func("[dtor]counter");
        dtor.typed::<i32, ()>(&self.store)
            .unwrap()
            .call(&mut self.store, rep as i32)
            .expect("destructor runs");
    }
}

// ---------------------------------------------------------------------------

#[test]
fn unfused_composition_matches_the_hand_worked_values() {
    let engine = component_engine();
    let mut host = ComponentHost::new(&engine, &fixture());
    check("unfused", &scenario(&mut host));
}

/// Fused to a core module, optimised by binaryen (docs/optimise.md flags)
/// and wrapped with `meld wrap`: the host sees the composition's results.
#[test]
fn optimised_and_wrapped_matches_the_composition() {
    let engine = component_engine();
    let input = fixture();
    let unfused = scenario(&mut ComponentHost::new(&engine, &input));
    let fused = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    let dir = binaryen::scratch("exported");
    let (i, o) = (dir.join("core.wasm"), dir.join("core.opt.wasm"));
    std::fs::write(&i, &fused.wasm).unwrap();
    binaryen::optimise_all(&[(i, o.clone())]);
    let optimised = std::fs::read(&o).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let wrapped = meld_core::wrap::given::wrap_module(&optimised, false).expect("meld wrap");
    assert_eq!(
        meld_core::front::world::wit_text(&wrapped).unwrap(),
        meld_core::front::world::wit_text(&input).unwrap(),
    );
    let got = scenario(&mut ComponentHost::new(&engine, &wrapped));
    assert_eq!(got, unfused, "optimised+wrapped differs from unfused");
    check("optimised+wrapped", &got);
}

#[test]
fn fused_and_wrapped_matches_the_composition() {
    let engine = component_engine();
    let input = fixture();
    let unfused = scenario(&mut ComponentHost::new(&engine, &input));
    let wrapped =
        meld_core::fuse(&[&input], &meld_core::FuseOptions::wrapped()).expect("fuse --component");
    assert_eq!(
        meld_core::front::world::wit_text(&wrapped.wasm).unwrap(),
        meld_core::front::world::wit_text(&input).unwrap(),
        "the wrapped component has the composition's world"
    );
    let got = scenario(&mut ComponentHost::new(&engine, &wrapped.wasm));
    assert_eq!(got, unfused, "wrapped differs from unfused");
    check("wrapped", &got);
}

#[test]
fn fused_core_module_imports_the_embedders_table() {
    let fused = meld_core::fuse(&[&fixture()], &Default::default()).expect("fuse");
    let module_name = format!("[export]{IFACE}");
    for field in [
        "[resource-new]counter",
        "[resource-rep]counter",
        "[resource-drop]counter",
    ] {
        assert!(
            fused
                .abi
                .imports
                .iter()
                .any(|i| i.module == module_name && i.field == field),
            "the fused module imports `{module_name}` `{field}`"
        );
    }
    let exports: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&fused.wasm)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ExportSection(r) => Some(
                r.into_iter()
                    .map(|e| e.unwrap().name.to_string())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        exports.contains(&export_name("[dtor]counter")),
        "the fused module exports the destructor; exports: {exports:?}"
    );
    for f in FUNCS {
        assert!(
            exports.contains(&export_name(f)),
            "core export `{}`",
            export_name(f)
        );
    }
}

#[test]
fn fused_core_module_with_a_host_table_matches_the_composition() {
    let engine = component_engine();
    let input = fixture();
    let unfused = scenario(&mut ComponentHost::new(&engine, &input));
    let fused = meld_core::fuse(&[&input], &Default::default()).expect("fuse");
    let mut host = CoreHost::new(&core_engine(), &fused);
    let got = scenario(&mut host);
    assert_eq!(got, unfused, "core module differs from unfused");
    check("core", &got);
    // Handles of `counter` live in meld's per-instance tables inside the
    // module; the host's table only holds the ones the host was given. An
    // embedder handle is made (`[resource-new]`) each time an own leaves to
    // the host: counter(5), wrap(10), make-many(3) (three), find(7),
    // counter(1) = 7 (find(0) returns none; pair-sum's two counters and the
    // borrows `double` hands to $helper never leave the module). One is
    // removed each time an own comes back: by the export thunk
    // (`[resource-drop]` with the destructor suppressed) for absorb(c2),
    // finish(c1), absorb(many[2]), finish(c3), and by the host for
    // many[0], many[1], found = 7.
    let t = host.store.data();
    assert_eq!(t.news, 7, "[resource-new] calls");
    assert_eq!(t.drops, 7, "[resource-drop] of owned handles");
    assert!(
        t.reps.iter().all(|r| r.is_none()),
        "handles left in the host table: {:?}",
        t.reps
    );
}

// ---------------------------------------------------------------------------
// Handles of an exported resource held by two fused components
// (tests/fixtures/exported/pair.wat): per instance, never in the host's table.

#[test]
fn core_module_keeps_exported_handles_per_instance() {
    use wasmtime::{Caller, Linker, Module, Store};
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/exported/pair.wat");
    let fused =
        meld_core::fuse(&[&wat::parse_file(&p).unwrap()], &Default::default()).expect("fuse");
    let engine = core_engine();
    let module = Module::new(&engine, &fused.wasm).expect("fused module compiles");
    let iface = "[export]test:res/iso";
    // The host's table of reps, and its log of embedder calls.
    type Host = (Table, Vec<String>);
    let mut linker = Linker::<Host>::new(&engine);
    linker
        .func_wrap(
            iface,
            "[resource-new]resource1",
            |mut cx: Caller<'_, Host>, rep: i32| -> i32 {
                let h = cx.data_mut().0.insert(rep as u32);
                cx.data_mut().1.push(format!("new {rep} -> {h}"));
                h as i32
            },
        )
        .unwrap();
    linker
        .func_wrap(
            iface,
            "[resource-rep]resource1",
            |mut cx: Caller<'_, Host>, h: i32| -> wasmtime::Result<i32> {
                cx.data_mut().1.push(format!("rep {h}"));
                Ok(cx.data().0.rep(h as u32)? as i32)
            },
        )
        .unwrap();
    linker
        .func_wrap(
            iface,
            "[resource-drop]resource1",
            |mut cx: Caller<'_, Host>, h: i32| -> wasmtime::Result<()> {
                cx.data_mut().1.push(format!("drop {h}"));
                cx.data_mut().0.remove(h as u32).map(|_| ())
            },
        )
        .unwrap();
    linker.define_unknown_imports_as_traps(&module).unwrap();
    let mut store = Store::new(&engine, (Table::default(), Vec::new()));
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let mut call = |name: &str, args: &[i32]| -> Result<Option<i32>, String> {
        let f = instance
            .get_func(&mut store, name)
            .unwrap_or_else(|| panic!("core export `{name}`"));
        let args: Vec<wasmtime::Val> = args.iter().map(|a| wasmtime::Val::I32(*a)).collect();
        let mut out = vec![wasmtime::Val::I32(0); f.ty(&store).results().len()];
        f.call(&mut store, &args, &mut out)
            .map_err(|e| format!("{e:?}"))?;
        Ok(out.first().map(|v| v.unwrap_i32()))
    };
    // Each user numbers its handles from 1; none reaches the host's table.
    assert_eq!(call("a-make", &[10]), Ok(Some(1)));
    assert_eq!(call("b-make", &[20]), Ok(Some(1)));
    assert_eq!(call("a-make", &[11]), Ok(Some(2)));
    assert_eq!(call("a-simple", &[1, 10]), Ok(None));
    assert_eq!(call("b-simple", &[1, 20]), Ok(None));
    // An own the host asks for becomes the host's handle 1 (rep 7); a
    // borrow of it comes back as the rep.
    let ctor = "test:res/iso#[constructor]resource1";
    assert_eq!(call(ctor, &[7]), Ok(Some(1)));
    assert_eq!(
        call("test:res/iso#[method]resource1.simple", &[7, 7]),
        Ok(None)
    );
    // b drops its own handle 1 (rep 20): the destructor runs inside.
    assert_eq!(call("b-drop", &[1]), Ok(None));
    assert_eq!(call("drops", &[]), Ok(Some(1)));
    assert_eq!(call("last-drop", &[]), Ok(Some(20)));
    // b's handle 1 is gone: dropping it again traps inside the module.
    let e = call("b-drop", &[1]).expect_err("b's handle 1 was dropped");
    assert!(e.contains("wasm backtrace"), "{e}");
    let (table, log) = store.data();
    assert_eq!(log, &["new 7 -> 1"], "embedder calls");
    assert_eq!(table.reps, [Some(7)], "the host's table");
}
