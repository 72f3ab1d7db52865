//! The conformance scripts' host-free segments as **core modules on wasmi**
//! (an interpreter with no component-model support: what meld is for).
//!
//! Every top-level component of `tests/conformance/*.wast` is fused to a
//! core module (no `--component`). When the module imports nothing (the
//! composition needs no host), the segment's directives run against it on
//! wasmi: each `(component instance ...)` (or a `(component ...)` that is
//! instantiated where it is defined) is a fresh instance, `invoke`,
//! `assert_return` and `assert_trap` call the export of that name through
//! the core ABI. A segment is run only when every value it passes or
//! expects is a scalar (bool, integers, floats, char) and every function it
//! calls takes and returns scalars flat (one result at most); the others
//! (strings, lists, results through memory, host imports, async exports,
//! which import the host's `task.return`) are counted as not run here: the
//! component runs of `tests/conformance.rs` cover them on wasmtime.
//!
//! `assert_trap` needs a trap; wasmi's message does not carry the fused
//! module's trap-function names, so the reason is compared on wasmtime by
//! `tests/conformance.rs`, not here. A minimum count of segments run
//! (`MIN_RUN`) keeps the test from passing by skipping.

use std::path::PathBuf;

use wast::core::{WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastRet, Wat};

/// Host-free segments run on wasmi; fewer means the coverage shrank.
const MIN_RUN: usize = 200;

fn engine() -> wasmi::Engine {
    let mut c = wasmi::Config::default();
    c.wasm_multi_memory(true);
    wasmi::Engine::new(&c)
}

/// A component scalar as the core ABI passes or returns it (`None`: not a
/// scalar).
fn scalar(v: &wast::component::WastVal<'_>) -> Option<wasmi::Val> {
    use wast::component::WastVal as V;
    Some(match v {
        V::Bool(b) => wasmi::Val::I32(*b as i32),
        V::U8(x) => wasmi::Val::I32(*x as i32),
        V::S8(x) => wasmi::Val::I32(*x as i32),
        V::U16(x) => wasmi::Val::I32(*x as i32),
        V::S16(x) => wasmi::Val::I32(*x as i32),
        V::U32(x) => wasmi::Val::I32(*x as i32),
        V::S32(x) => wasmi::Val::I32(*x),
        V::U64(x) => wasmi::Val::I64(*x as i64),
        V::S64(x) => wasmi::Val::I64(*x),
        V::Char(c) => wasmi::Val::I32(*c as i32),
        _ => return None,
    })
}

fn arg(a: &WastArg<'_>) -> Option<wasmi::Val> {
    match a {
        WastArg::Component(v) => scalar(v),
        WastArg::Core(WastArgCore::I32(x)) => Some(wasmi::Val::I32(*x)),
        WastArg::Core(WastArgCore::I64(x)) => Some(wasmi::Val::I64(*x)),
        _ => None,
    }
}

fn expected(r: &WastRet<'_>) -> Option<wasmi::Val> {
    match r {
        WastRet::Component(v) => scalar(v),
        WastRet::Core(WastRetCore::I32(x)) => Some(wasmi::Val::I32(*x)),
        WastRet::Core(WastRetCore::I64(x)) => Some(wasmi::Val::I64(*x)),
        _ => None,
    }
}

/// The primitive result type of each top-level function export of a
/// component (`None`: no result, or not a primitive).
fn result_types(
    bytes: &[u8],
) -> std::collections::BTreeMap<String, Option<wasmparser::PrimitiveValType>> {
    use wasmparser::component_types::ComponentEntityType;
    let mut out = std::collections::BTreeMap::new();
    let Ok(types) = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
    else {
        return out;
    };
    let tr = types.as_ref();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::ComponentExportSection(r)) = payload else {
            continue;
        };
        for e in r.into_iter().flatten() {
            if let Some(ComponentEntityType::Func(f)) =
                tr.component_item_for_export(e.name.name).map(|i| i.ty)
            {
                let prim = match tr[f].result {
                    Some(wasmparser::component_types::ComponentValType::Primitive(p)) => Some(p),
                    _ => None,
                };
                out.insert(e.name.name.to_string(), prim);
            }
        }
    }
    out
}

/// The host's lift of a core result: small integers and bools normalised,
/// an invalid `char` a trap (`None`).
fn lift(ty: Option<wasmparser::PrimitiveValType>, v: wasmi::Val) -> Option<wasmi::Val> {
    use wasmparser::PrimitiveValType as P;
    let wasmi::Val::I32(x) = v else {
        return Some(v);
    };
    Some(wasmi::Val::I32(match ty {
        Some(P::Bool) => (x != 0) as i32,
        Some(P::U8) => x & 0xff,
        Some(P::S8) => x as i8 as i32,
        Some(P::U16) => x & 0xffff,
        Some(P::S16) => x as i16 as i32,
        Some(P::Char) => {
            char::from_u32(x as u32)?;
            x
        }
        _ => x,
    }))
}

fn same(a: &wasmi::Val, b: &wasmi::Val) -> bool {
    match (a, b) {
        (wasmi::Val::I32(x), wasmi::Val::I32(y)) => x == y,
        (wasmi::Val::I64(x), wasmi::Val::I64(y)) => x == y,
        _ => false,
    }
}

/// One directive of a segment, reduced to what wasmi runs.
enum Step {
    Instantiate,
    Call {
        name: String,
        args: Vec<wasmi::Val>,
        /// `Some(results)`: must return them; `None`: must trap.
        want: Option<Vec<wasmi::Val>>,
        line: usize,
    },
}

struct Segment {
    label: String,
    bytes: Vec<u8>,
    steps: Vec<Step>,
    /// Something in it is not a scalar call.
    other: bool,
}

fn segments(name: &str, source: &str) -> Vec<Segment> {
    let buf = ParseBuffer::new(source).unwrap_or_else(|e| panic!("{name}: {e}"));
    let wast = parser::parse::<Wast>(&buf).unwrap_or_else(|e| panic!("{name}: {e}"));
    let line = |offset: usize| source[..offset].matches('\n').count() + 1;
    let mut out: Vec<Segment> = Vec::new();
    for mut d in wast.directives {
        let at = line(d.span().offset());
        let (quote, instantiate) = match &mut d {
            WastDirective::Module(q) => (Some(q), true),
            WastDirective::ModuleDefinition(q) => (Some(q), false),
            _ => (None, false),
        };
        if let Some(q @ (QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))) = quote {
            let bytes = q.encode().unwrap_or_else(|e| panic!("{name}: {e}"));
            out.push(Segment {
                label: format!("{name}:{at}"),
                bytes,
                steps: if instantiate {
                    vec![Step::Instantiate]
                } else {
                    Vec::new()
                },
                other: false,
            });
            continue;
        }
        let Some(seg) = out.last_mut() else { continue };
        let call = |inv: &wast::WastInvoke<'_>, want: Option<Vec<wasmi::Val>>| {
            let args: Option<Vec<wasmi::Val>> = inv.args.iter().map(arg).collect();
            args.map(|args| Step::Call {
                name: inv.name.to_string(),
                args,
                want,
                line: at,
            })
        };
        let step = match &d {
            WastDirective::ModuleInstance { .. } => Some(Step::Instantiate),
            // a bare invoke: must not trap, results unchecked
            WastDirective::Invoke(inv) => call(inv, Some(Vec::new())),
            WastDirective::AssertReturn {
                exec: WastExecute::Invoke(inv),
                results,
                ..
            } => {
                let want: Option<Vec<wasmi::Val>> = results.iter().map(expected).collect();
                want.and_then(|w| call(inv, Some(w)))
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Invoke(inv),
                ..
            } => call(inv, None),
            _ => None,
        };
        match step {
            Some(s) => seg.steps.push(s),
            None => seg.other = true,
        }
    }
    out
}

/// Runs a segment on wasmi: `Ok(false)` when it is not host-free or its
/// calls are not scalar.
fn run(engine: &wasmi::Engine, seg: &Segment) -> Result<bool, String> {
    if seg.other {
        return Ok(false);
    }
    let wasm = match meld_core::fuse(&[&seg.bytes], &Default::default()) {
        Ok(f) => f.wasm,
        // refused (marked unsupported in the script): tests/conformance.rs
        Err(_) => return Ok(false),
    };
    // a core proposal wasmi does not implement (exceptions, typed
    // function references): not run here
    let Ok(module) = wasmi::Module::new(engine, &wasm[..]) else {
        return Ok(false);
    };
    let lifts = result_types(&seg.bytes);
    if module.imports().len() != 0 {
        return Ok(false);
    }
    // Every called export takes and returns scalars flat.
    for step in &seg.steps {
        if let Step::Call { name, args, .. } = step {
            let Some(wasmi::ExternType::Func(ty)) = module.get_export(name) else {
                return Ok(false);
            };
            if ty.params().len() != args.len() || ty.results().len() > 1 {
                return Ok(false);
            }
        }
    }
    let mut store = wasmi::Store::new(engine, ());
    let linker = wasmi::Linker::<()>::new(engine);
    let mut instance = None;
    for step in &seg.steps {
        match step {
            Step::Instantiate => {
                instance = Some(
                    linker
                        .instantiate_and_start(&mut store, &module)
                        .map_err(|e| format!("instantiating: {e}"))?,
                );
            }
            Step::Call {
                name,
                args,
                want,
                line,
            } => {
                let inst = instance
                    .ok_or_else(|| format!("line {line}: `{name}` called before instantiation"))?;
                let func = inst
                    .get_func(&store, name)
                    .ok_or_else(|| format!("line {line}: no export `{name}`"))?;
                let n = func.ty(&store).results().len();
                let mut results = vec![wasmi::Val::I32(0); n];
                // the host's lift of the result (the core module leaves
                // it to the host): an invalid char traps there
                let got = func
                    .call(&mut store, args, &mut results)
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        let ty = lifts.get(name.as_str()).copied().flatten();
                        results
                            .iter()
                            .map(|v| lift(ty, v.clone()).ok_or_else(|| "invalid char".to_string()))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .map(|r| results = r);
                match (want, got) {
                    (Some(w), Ok(())) => {
                        if !w.is_empty()
                            && (w.len() != results.len()
                                || !w.iter().zip(&results).all(|(a, b)| same(a, b)))
                        {
                            return Err(format!(
                                "line {line}: `{name}` returned {results:?}, expected {w:?}"
                            ));
                        }
                    }
                    (Some(_), Err(e)) => {
                        return Err(format!("line {line}: `{name}` trapped: {e}"));
                    }
                    (None, Ok(())) => {
                        return Err(format!(
                            "line {line}: `{name}` returned {results:?}, expected a trap"
                        ));
                    }
                    (None, Err(_)) => {}
                }
            }
        }
    }
    Ok(true)
}

#[test]
fn conformance_core_on_wasmi() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/conformance")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    paths.sort();
    let engine = engine();
    let (mut total, mut ran, mut calls) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(path).unwrap();
        for seg in segments(&name, &source) {
            total += 1;
            match run(&engine, &seg) {
                Ok(true) => {
                    ran += 1;
                    calls += seg
                        .steps
                        .iter()
                        .filter(|s| matches!(s, Step::Call { .. }))
                        .count();
                }
                Ok(false) => {}
                Err(e) => failures.push(format!("{}: {e}", seg.label)),
            }
        }
    }
    println!(
        "conformance on wasmi: {ran} of {total} segments host-free with scalar calls, \
         {calls} calls, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        ran >= MIN_RUN,
        "only {ran} segments ran on wasmi (at least {MIN_RUN} expected)"
    );
}
