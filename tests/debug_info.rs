//! DWARF debug info survives fusion (`--debug keep`, docs/debug-info.md).
//!
//! The fixtures are `tests/fixtures/rust-debug/*.wasm`: the Rust guest
//! compositions of `tests/fixtures/rust/` built with full DWARF
//! (`scripts/build-fixtures.sh`): two components (`trap`, `trap-o0`), three
//! (`chain3`) and one component instantiated twice (`two-instances`).
//!
//! Addresses are checked with the `addr2line` crate on both sides, and the
//! translated address is found without meld's own offset maps: each
//! original function is found in the fused module by its name (the name
//! section names every fused function `<instance>:<name>`), and the k-th
//! operator of the original body is the k-th operator of the fused body.

use gimli::{EndianSlice, LittleEndian};
use meld_core::{DebugInfo, FuseOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Ctx<'a> = addr2line::Context<EndianSlice<'a, LittleEndian>>;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rust-debug");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    paths.sort();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in ["trap", "trap-o0", "chain3", "two-instances"] {
        assert!(
            names.iter().any(|n| n == want),
            "missing fixture rust-debug/{want}.wasm"
        );
    }
    names
        .into_iter()
        .zip(paths)
        .map(|(n, p)| (n, std::fs::read(p).unwrap()))
        .collect()
}

fn fuse(input: &[u8], debug: DebugInfo, component: bool) -> Vec<u8> {
    let opts = FuseOptions {
        debug,
        component,
        ..Default::default()
    };
    meld_core::fuse(&[input], &opts).unwrap().wasm
}

/// The custom sections of a core module, by name.
fn customs(wasm: &[u8]) -> BTreeMap<String, &[u8]> {
    let mut out = BTreeMap::new();
    for p in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CustomSection(c) = p.unwrap() {
            out.insert(c.name().to_string(), c.data());
        }
    }
    out
}

fn context(wasm: &[u8]) -> Ctx<'_> {
    let sections = customs(wasm);
    let dwarf = gimli::Dwarf::load(|id| {
        Ok::<_, gimli::Error>(EndianSlice::new(
            sections.get(id.name()).copied().unwrap_or(&[]),
            LittleEndian,
        ))
    })
    .unwrap();
    addr2line::Context::from_dwarf(dwarf).unwrap()
}

/// A core module's functions: per defined function, its name and the
/// code-section-relative offsets of its body's contents and of every
/// operator.
struct Code {
    imported: u32,
    bodies: Vec<Body>,
    names: BTreeMap<u32, String>,
}

struct Body {
    start: u64,
    end: u64,
    ops: Vec<u64>,
}

fn code(wasm: &[u8]) -> Code {
    let mut c = Code {
        imported: 0,
        bodies: Vec::new(),
        names: BTreeMap::new(),
    };
    let mut base = 0;
    for p in wasmparser::Parser::new(0).parse_all(wasm) {
        match p.unwrap() {
            wasmparser::Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    if matches!(
                        i.unwrap().ty,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                    ) {
                        c.imported += 1;
                    }
                }
            }
            wasmparser::Payload::CodeSectionStart { range, .. } => base = range.start as u64,
            wasmparser::Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader().unwrap();
                let mut at = Vec::new();
                while !ops.eof() {
                    at.push(ops.original_position() as u64 - base);
                    ops.read().unwrap();
                }
                c.bodies.push(Body {
                    start: body.range().start as u64 - base,
                    end: body.range().end as u64 - base,
                    ops: at,
                });
            }
            wasmparser::Payload::CustomSection(s) => {
                if let wasmparser::KnownCustom::Name(names) = s.as_known() {
                    for n in names.into_iter().flatten() {
                        if let wasmparser::Name::Function(map) = n {
                            for f in map.into_iter().flatten() {
                                c.names.insert(f.index, f.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    c
}

/// What the address check found for one fused module.
#[derive(Debug, Default)]
struct Counts {
    /// Line-table addresses whose file:line:column matched.
    matched: usize,
    mismatched: Vec<String>,
    /// Rows of functions dropped as dead (no address in the output).
    dropped_rows: usize,
    /// Rows of functions whose name is not unique (not checked).
    ambiguous_rows: usize,
    /// Rows naming the middle of an operator (not checked).
    inside_operators: usize,
    /// Functions whose entry resolves to the same function name(s).
    entries: usize,
    entry_mismatches: Vec<String>,
}

fn loc(l: &Option<addr2line::Location<'_>>) -> Option<(String, u32, u32)> {
    l.as_ref().map(|l| {
        (
            l.file.unwrap_or("?").to_string(),
            l.line.unwrap_or(0),
            l.column.unwrap_or(0),
        )
    })
}

/// The function names addr2line gives for `addr`, innermost first (`None`
/// if it cannot read the DWARF there).
fn frame_names(ctx: &Ctx<'_>, addr: u64) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut frames = ctx.find_frames(addr).skip_all_loads().ok()?;
    while let Some(f) = frames.next().ok()? {
        if let Some(func) = f.function {
            out.push(func.raw_name().ok()?.into_owned());
        }
    }
    Some(out)
}

/// Every line-table address of every original module with DWARF against the
/// fused module `fused`.
fn check_addresses(input: &[u8], fused: &[u8]) -> Counts {
    let graph = meld_core::front::translate::translate_with(input, &[]).unwrap();
    let fused_code = code(fused);
    let fused_ctx = context(fused);
    assert!(
        customs(fused).contains_key(".debug_info"),
        "the fused module has no .debug_info"
    );
    // Names given to more than one function (C `static` functions of the
    // same name in different files) identify none.
    let mut by_name: BTreeMap<&str, Option<u32>> = BTreeMap::new();
    for (i, n) in &fused_code.names {
        by_name
            .entry(n.as_str())
            .and_modify(|v| *v = None)
            .or_insert(Some(*i));
    }
    let mut counts = Counts::default();
    let mut modules = 0;
    for node in &graph.nodes {
        let wasm: &[u8] = &node.wasm;
        if !customs(wasm).contains_key(".debug_info") {
            continue;
        }
        modules += 1;
        let orig = code(wasm);
        let ctx = context(wasm);
        // Original body k → fused body, by name.
        // `Err(true)`: the name is ambiguous; `Err(false)`: dropped as dead.
        let target = |k: usize| -> Result<&Body, bool> {
            let idx = orig.imported + k as u32;
            let name = match orig.names.get(&idx) {
                Some(n) => format!("{}:{n}", node.label),
                None => format!("{}:f{idx}", node.label),
            };
            match by_name.get(name.as_str()) {
                None => Err(false),
                Some(None) => Err(true),
                Some(Some(f)) => Ok(&fused_code.bodies[(f - fused_code.imported) as usize]),
            }
        };
        let body_of = |a: u64| {
            let i = orig.bodies.partition_point(|b| b.start <= a);
            i.checked_sub(1).filter(|i| a < orig.bodies[*i].end)
        };
        for (addr, _, _) in ctx.find_location_range(0, u64::MAX).unwrap() {
            let Some(k) = body_of(addr) else { continue };
            let Ok(j) = orig.bodies[k].ops.binary_search(&addr) else {
                // clang names the middle of an operator now and then.
                counts.inside_operators += 1;
                continue;
            };
            let new = match target(k) {
                Ok(b) => b,
                Err(true) => {
                    counts.ambiguous_rows += 1;
                    continue;
                }
                Err(false) => {
                    counts.dropped_rows += 1;
                    continue;
                }
            };
            let new_addr = new.ops[j];
            let want = loc(&ctx.find_location(addr).unwrap());
            let got = loc(&fused_ctx.find_location(new_addr).unwrap());
            if want == got {
                counts.matched += 1;
            } else if counts.mismatched.len() < 10 {
                counts.mismatched.push(format!(
                    "{} {addr:#x} -> {new_addr:#x}: {want:?} vs {got:?}",
                    node.label
                ));
            } else {
                counts.mismatched.push(String::new());
            }
        }
        for (k, b) in orig.bodies.iter().enumerate() {
            let Ok(new) = target(k) else { continue };
            let want = frame_names(&ctx, b.start).unwrap();
            if want.is_empty() {
                continue;
            }
            let got = frame_names(&fused_ctx, new.start).unwrap();
            if want == got {
                counts.entries += 1;
            } else {
                counts
                    .entry_mismatches
                    .push(format!("{} body {k}: {want:?} vs {got:?}", node.label));
            }
        }
    }
    assert!(modules >= 2, "only {modules} modules with DWARF");
    no_stale_addresses(fused, &fused_code);
    counts
}

/// Every address range of every DIE and every line-table row of the fused
/// DWARF lies inside one fused function body: dropped bodies left no stale
/// ranges (only tombstones, which consumers skip).
fn no_stale_addresses(fused: &[u8], code: &Code) {
    let inside = |b: u64, e: u64| {
        let i = code.bodies.partition_point(|x| x.start <= b);
        i > 0 && e <= code.bodies[i - 1].end
    };
    let sections = customs(fused);
    let dwarf = gimli::Dwarf::load(|id| {
        Ok::<_, gimli::Error>(EndianSlice::new(
            sections.get(id.name()).copied().unwrap_or(&[]),
            LittleEndian,
        ))
    })
    .unwrap();
    let (mut ranges, mut tombstones) = (0, 0);
    let mut units = dwarf.units();
    while let Some(header) = units.next().unwrap() {
        let unit = dwarf.unit(header).unwrap();
        let unit = unit.unit_ref(&dwarf);
        let mut entries = unit.entries();
        while let Some(entry) = entries.next_dfs().unwrap() {
            if entry.tag == gimli::DW_TAG_compile_unit {
                continue;
            }
            let mut rs = unit.die_ranges(entry).unwrap();
            while let Some(r) = rs.next().unwrap() {
                if r.begin >= 0xffff_fffe {
                    tombstones += 1;
                    continue;
                }
                assert!(
                    inside(r.begin, r.end),
                    "{:?} at {:?}: range {:#x}..{:#x} is in no body",
                    entry.tag,
                    entry.offset,
                    r.begin,
                    r.end
                );
                ranges += 1;
            }
        }
    }
    assert!(ranges > 100, "only {ranges} ranges");
    let ctx = context(fused);
    for (addr, len, _) in ctx.find_location_range(0, u64::MAX).unwrap() {
        assert!(
            inside(addr, addr + len),
            "line row {addr:#x}+{len} is in no body"
        );
    }
    eprintln!("  {ranges} DIE ranges inside bodies, {tombstones} tombstoned");
}

fn assert_counts(name: &str, c: &Counts) {
    eprintln!(
        "{name}: {} line-table addresses match (not compared: {} rows in dropped functions, \
         {} in functions of ambiguous name, {} inside an operator); \
         {} function entries match",
        c.matched, c.dropped_rows, c.ambiguous_rows, c.inside_operators, c.entries
    );
    assert!(
        c.mismatched.is_empty(),
        "{name}: {} addresses differ, e.g. {:#?}",
        c.mismatched.len(),
        &c.mismatched[..c.mismatched.len().min(10)]
    );
    assert!(
        c.entry_mismatches.is_empty(),
        "{name}: function entries differ: {:#?}",
        &c.entry_mismatches[..c.entry_mismatches.len().min(10)]
    );
    assert!(c.matched >= 2000, "{name}: only {} addresses", c.matched);
    assert!(
        c.entries >= 50,
        "{name}: only {} function entries",
        c.entries
    );
}

#[test]
fn every_line_table_address_resolves_to_the_same_source() {
    for (name, input) in fixtures() {
        let fused = fuse(&input, DebugInfo::Keep, false);
        meld_core::encode::validate(&fused).unwrap();
        assert_counts(&name, &check_addresses(&input, &fused));
    }
}

/// The one core module with DWARF inside a wrapped component.
fn main_module<'a>(name: &str, wrapped: &'a [u8]) -> &'a [u8] {
    let mut main = None;
    for p in wasmparser::Parser::new(0).parse_all(wrapped) {
        if let wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        } = p.unwrap()
        {
            let m = &wrapped[unchecked_range];
            if customs(m).contains_key(".debug_info") {
                assert!(main.is_none(), "{name}: two modules with DWARF");
                main = Some(m);
            }
        }
    }
    main.unwrap_or_else(|| panic!("{name}: no module with DWARF"))
}

/// The core module inside the `--component` output carries the DWARF too,
/// for its own layout (repeated host imports moved behind a table change
/// call indices), and so does `meld wrap` of the fused core module (which
/// relocates the DWARF it carries once more).
#[test]
fn the_wrapped_module_keeps_the_dwarf() {
    for (name, input) in fixtures() {
        let wrapped = fuse(&input, DebugInfo::Keep, true);
        let main = main_module(&name, &wrapped);
        assert_counts(
            &format!("{name} (--component)"),
            &check_addresses(&input, main),
        );
        let core = fuse(&input, DebugInfo::Keep, false);
        let rewrapped = meld_core::wrap::given::wrap_module(&core, true).unwrap();
        let main = main_module(&name, &rewrapped);
        assert_counts(
            &format!("{name} (meld wrap)"),
            &check_addresses(&input, main),
        );
    }
}

/// `--debug strip` writes what meld wrote before DWARF was kept: `keep`
/// only appends the `.debug_*` sections; inputs without DWARF give the same
/// bytes either way; reruns are byte-identical.
#[test]
fn strip_drops_only_the_debug_sections_and_output_is_deterministic() {
    for (name, input) in fixtures() {
        for component in [false, true] {
            let keep = fuse(&input, DebugInfo::Keep, component);
            assert!(
                keep == fuse(&input, DebugInfo::Keep, component),
                "{name}: two runs differ"
            );
            // Bodies merged on two threads (the body moves of the second
            // half are renumbered when joined), and everything on one.
            for opts in [
                FuseOptions {
                    world_beside_translation: true,
                    ..Default::default()
                },
                FuseOptions {
                    serial: true,
                    ..Default::default()
                },
            ] {
                let opts = FuseOptions { component, ..opts };
                let other = meld_core::fuse(&[&input], &opts).unwrap().wasm;
                assert!(keep == other, "{name}: {opts:?} gives other bytes");
            }
            let strip = fuse(&input, DebugInfo::Strip, component);
            assert!(
                !customs(&strip).keys().any(|k| k.starts_with(".debug")),
                "{name}: strip left debug sections"
            );
            if !component {
                assert!(
                    without_debug_sections(&keep) == strip,
                    "{name}: keep is not strip plus debug sections"
                );
            }
            assert!(keep.len() > strip.len() + 100_000, "{name}: little DWARF");
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rust");
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "wasm") {
            let input = std::fs::read(&p).unwrap();
            for component in [false, true] {
                let keep = fuse(&input, DebugInfo::Keep, component);
                let strip = fuse(&input, DebugInfo::Strip, component);
                assert!(keep == strip, "{}: keep and strip differ", p.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} fixtures without DWARF");
}

/// The module without its `.debug_*` custom sections, every other byte
/// as it is.
fn without_debug_sections(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm[..8].to_vec();
    let mut r = wasmparser::BinaryReader::new(&wasm[8..], 8);
    while !r.eof() {
        let start = r.original_position();
        let id = r.read_u8().unwrap();
        let size = r.read_var_u32().unwrap() as usize;
        let data = r.original_position();
        r.read_bytes(size).unwrap();
        let debug = id == 0 && {
            let mut n = wasmparser::BinaryReader::new(&wasm[data..data + size], data);
            n.read_string().unwrap().starts_with(".debug")
        };
        if !debug {
            out.extend_from_slice(&wasm[start..data + size]);
        }
    }
    out
}

fn engine(debug_info: bool) -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_multi_memory(true);
    config.debug_info(debug_info);
    config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Enable);
    wasmtime::Engine::new(&config).unwrap()
}

/// wasmtime compiles the fused module and the wrapped component with
/// `debug_info` (its DWARF transform reads every unit).
#[test]
fn wasmtime_compiles_fused_debug_builds_with_debug_info() {
    let engine = engine(true);
    for (name, input) in fixtures() {
        let fused = fuse(&input, DebugInfo::Keep, false);
        wasmtime::Module::new(&engine, &fused).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let wrapped = fuse(&input, DebugInfo::Keep, true);
        wasmtime::component::Component::new(&engine, &wrapped)
            .unwrap_or_else(|e| panic!("{name} (--component): {e:?}"));
    }
}

struct Host {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}

impl wasmtime_wasi::WasiView for Host {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// Run a `wasi:cli/run` component: its stdout, and whether `run` returned.
fn run(engine: &wasmtime::Engine, wasm: &[u8]) -> (Vec<u8>, Result<(), String>) {
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    let component = wasmtime::component::Component::new(engine, wasm).unwrap();
    let mut linker = wasmtime::component::Linker::<Host>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let ctx = wasmtime_wasi::WasiCtx::builder()
        .stdout(stdout.clone())
        .stderr(MemoryOutputPipe::new(1 << 16))
        .build();
    let mut store = wasmtime::Store::new(
        engine,
        Host {
            ctx,
            table: wasmtime::component::ResourceTable::new(),
        },
    );
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .unwrap();
    let outcome = match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(())) => Err("run returned err".to_string()),
        Err(e) => Err(format!("trap: {:?}", e.downcast_ref::<wasmtime::Trap>())),
    };
    drop(store);
    (stdout.contents().to_vec(), outcome)
}

/// The debug builds fused (with their DWARF) and wrapped print what the
/// compositions print and end the same way.
#[test]
fn debug_builds_run_the_same_fused() {
    let engine = engine(false);
    for (name, input) in fixtures() {
        let unfused = run(&engine, &input);
        let fused = run(&engine, &fuse(&input, DebugInfo::Keep, true));
        assert!(!unfused.0.is_empty(), "{name}: printed nothing");
        assert_eq!(
            String::from_utf8_lossy(&unfused.0),
            String::from_utf8_lossy(&fused.0),
            "{name}: stdout"
        );
        assert_eq!(unfused.1, fused.1, "{name}: outcome");
        assert_eq!(unfused.1.is_err(), name.starts_with("trap"), "{name}");
    }
}

/// Run a `wasi:cli/run` component that traps; the source locations
/// (file, line) of its backtrace's frames, innermost first.
fn trap_locations(engine: &wasmtime::Engine, wasm: &[u8]) -> Vec<(String, u32)> {
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    let component = wasmtime::component::Component::new(engine, wasm).unwrap();
    let mut linker = wasmtime::component::Linker::<Host>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let ctx = wasmtime_wasi::WasiCtx::builder()
        .stdout(MemoryOutputPipe::new(1 << 16))
        .stderr(MemoryOutputPipe::new(1 << 16))
        .build();
    let mut store = wasmtime::Store::new(
        engine,
        Host {
            ctx,
            table: wasmtime::component::ResourceTable::new(),
        },
    );
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .unwrap();
    let err = match command.wasi_cli_run().call_run(&mut store) {
        Err(e) => e,
        Ok(r) => panic!("expected a trap, got {r:?}"),
    };
    let bt = err
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .unwrap_or_else(|| panic!("no backtrace: {err:?}"));
    let mut out = Vec::new();
    for f in bt.frames() {
        for s in f.symbols() {
            if let (Some(file), Some(line)) = (s.file(), s.line()) {
                out.push((file.to_string(), line));
            }
        }
    }
    out
}

/// A panic in a fused (and wrapped) debug build: wasmtime's backtrace names
/// the same source files and lines as the unfused composition's.
#[test]
fn a_trap_backtrace_names_the_original_source_lines() {
    let engine = engine(false);
    let mut checked = 0;
    for (name, input) in fixtures() {
        if !name.starts_with("trap") {
            continue;
        }
        let unfused = trap_locations(&engine, &input);
        let fused = trap_locations(&engine, &fuse(&input, DebugInfo::Keep, true));
        eprintln!(
            "{name}: {} frames with a source line: {:?}",
            fused.len(),
            fused.first()
        );
        assert!(
            unfused.iter().any(|(f, _)| f.ends_with("lib.rs")),
            "{name}: the unfused backtrace names no guest source: {unfused:?}"
        );
        assert_eq!(unfused, fused, "{name}: backtraces differ");
        let stripped = trap_locations(&engine, &fuse(&input, DebugInfo::Strip, true));
        assert!(
            stripped.is_empty(),
            "{name}: stripped build has {stripped:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// The command line: `--debug` defaults to `keep`, `strip` is recorded in
/// the provenance section, anything else is a usage error.
#[test]
fn the_debug_flag() {
    let dir = std::env::temp_dir().join(format!("meld-debug-info-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rust-debug/trap.wasm");
    let run = |extra: &[&str], out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_meld"))
            .arg("fuse")
            .arg(&input)
            .arg("-o")
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let (keep, strip) = (dir.join("keep.wasm"), dir.join("strip.wasm"));
    assert!(run(&[], &keep).status.success());
    assert!(run(&["--debug", "strip"], &strip).status.success());
    let (keep, strip) = (
        std::fs::read(&keep).unwrap(),
        std::fs::read(&strip).unwrap(),
    );
    assert!(customs(&keep).contains_key(".debug_info"));
    assert!(!customs(&strip).contains_key(".debug_info"));
    let record = |w: &[u8]| String::from_utf8(customs(w)["meld:provenance"].to_vec()).unwrap();
    assert!(
        record(&strip).contains(r#""debug":"strip""#),
        "{}",
        record(&strip)
    );
    assert!(!record(&keep).contains("debug"), "{}", record(&keep));
    let bad = run(&["--debug", "some"], &dir.join("bad.wasm"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(!dir.join("bad.wasm").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
