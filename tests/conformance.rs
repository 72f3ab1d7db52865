//! Component-model conformance scripts, run unfused and fused.
//!
//! Every `tests/conformance/*.wast` script is cut into *segments*: a segment
//! starts at a top-level `(component ...)` (or `(component definition ...)`)
//! directive and runs up to the next one, so it holds that component and the
//! `invoke` / `assert_return` / `assert_trap` / `component instance` ...
//! directives that use it. Each segment is run twice on wasmtime through
//! `wasmtime-wast`, with the component model, multi-memory, fixed-length
//! lists and maps enabled:
//!
//! 1. as written;
//! 2. with every top-level component replaced by `meld_core::fuse(..,
//!    component: true)` of it, written back as `(component $id binary "..")`.
//!    All other directives keep their original text, so the assertions are
//!    exactly the ones of run 1.
//!
//! A segment's text is the whole script with everything outside the segment
//! blanked (newlines kept), and a replaced component keeps the number of lines
//! it had, so every `file.wast:LINE` in an error points into the real script.
//!
//! A component that meld refuses fails the test, unless the line right before
//! it is `;; meld: unsupported <reason>` (for what meld documents as
//! unsupported). Such a segment still has to pass unfused; if meld fuses it
//! after all, that is reported too, so the marker does not outlive the gap.
//!
//! Segments are independent (wasmtime-wast gives every component instance its
//! own store, and `register` does not apply to components), so running them
//! one by one equals running the script as written, while a failure in one
//! segment does not hide the others.
//!
//! Trap assertions must hold in both runs, and they compare the *reason*:
//! the script names it with wasmtime's words (`"invalid `char` bit
//! pattern"`, `"unknown handle index"`, ...), which the unfused run has in
//! its error message and the fused run in its backtrace, where the innermost
//! frame is the fused module's trap function named with those words
//! (`meld:trap:invalid `char` bit pattern`; docs/traps.md). An assertion
//! that only checks that something trapped (`"wasm trap"`, `"wasm
//! backtrace"`, `"unreachable"`) is counted as *any trap accepted*, and the
//! counts of both kinds are printed with the scripts that still have such
//! assertions.
//!
//! Each segment not marked unsupported runs a third time with the component
//! fused `--memory shared --component` (one memory; region thunks give the
//! host absolute pointers): it must pass too.
//!
//! `MELD_CONFORMANCE_FILTER=text` runs only the segments whose label
//! (`file.wast:LINE [$id]`) contains `text` (the counts are then not
//! enforced); `MELD_CONFORMANCE_DUMP=dir` writes each fused segment's script
//! to `dir`; `MELD_CONFORMANCE_VERBOSE=1` prints meld's refusal of segments
//! marked unsupported.

#[path = "support/binaryen.rs"]
mod binaryen;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use wasmtime_wast::{Async, WastContext};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, Wat};

/// The scripts in `tests/conformance/`; fewer means one went missing.
const MIN_SCRIPTS: usize = 42;
/// Top-level component segments over all scripts; fewer means some went
/// missing (a script that stopped parsing fails on its own).
const MIN_SEGMENTS: usize = 325;

const UNSUPPORTED_MARKER: &str = ";; meld: unsupported";
/// A segment whose assertions are wasmtime 49's (the CLI users run) where
/// wasmtime 48 differs: as written it must *fail* on the 48 crates (so the
/// marker does not outlive the difference); fused it must pass.
/// `scripts/wasmtime49-conformance.sh` runs it as written on 49.
const DIFFERS48_MARKER: &str = ";; wasmtime-48: differs as written";

/// One top-level component of a script and the directives after it.
struct Segment {
    /// `file.wast:LINE $id` for reports.
    label: String,
    /// Byte range of the segment in the script.
    range: std::ops::Range<usize>,
    /// The component directive that starts the segment.
    component: ComponentDirective,
    /// The reason of a `;; meld: unsupported` marker, if any.
    unsupported: Option<String>,
    /// What a `;; wasmtime-48: differs as written` marker says, if any.
    differs48: Option<String>,
    /// Trap assertions that name the reason / accept any trap.
    traps: TrapCounts,
}

/// Trap assertions by what they compare.
#[derive(Default, Clone, Copy)]
struct TrapCounts {
    /// The expected message names the reason (wasmtime's words).
    reason: usize,
    /// The expected message only says that something trapped.
    any: usize,
}

/// Expected trap messages that say nothing about the reason: every trap's
/// message or backtrace has them.
const ANY_TRAP: &[&str] = &[
    "wasm trap",
    "wasm backtrace",
    "unreachable",
    "wasm `unreachable` instruction executed",
];

struct ComponentDirective {
    /// Byte range from the opening to the closing parenthesis.
    range: std::ops::Range<usize>,
    /// The component's binary encoding.
    bytes: Vec<u8>,
    /// `$id` without the `$`.
    id: Option<String>,
    /// `(component definition ...)` rather than `(component ...)`.
    definition: bool,
}

struct Script {
    name: String,
    source: String,
    segments: Vec<Segment>,
}

#[derive(Default)]
struct Tally {
    segments: usize,
    passed_unfused: usize,
    /// Marked as differing on wasmtime 48, and failing as written there.
    differs48: usize,
    passed_fused: usize,
    marked_unsupported: usize,
    failures: Vec<String>,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

#[test]
fn conformance() {
    let dir = conformance_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("conformance scripts dir {} missing: {e}", dir.display()))
        .map(|e| e.expect("read_dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wast"))
        .collect();
    paths.sort();
    let filter = std::env::var("MELD_CONFORMANCE_FILTER").ok();
    let mut tally = Tally::default();
    if filter.is_none() && paths.len() < MIN_SCRIPTS {
        tally.failures.push(format!(
            "expected at least {MIN_SCRIPTS} scripts in {}, found {}",
            dir.display(),
            paths.len()
        ));
    }
    let mut work: Vec<(usize, usize)> = Vec::new();
    let mut scripts = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        match split(&name, &source) {
            Ok(segments) => {
                if segments.is_empty() {
                    tally
                        .failures
                        .push(format!("{name}: no top-level component"));
                }
                scripts.push(Script {
                    name,
                    source,
                    segments,
                })
            }
            Err(e) => tally.failures.push(format!("{name}: does not parse: {e}")),
        }
    }
    for (si, script) in scripts.iter().enumerate() {
        for (gi, seg) in script.segments.iter().enumerate() {
            if filter
                .as_ref()
                .is_none_or(|f| seg.label.contains(f.as_str()))
            {
                work.push((si, gi));
            }
        }
    }

    let engine = engine();
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<(usize, SegmentOutcome)>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(&(si, gi)) = work.get(i) else { break };
                let script = &scripts[si];
                let seg = &script.segments[gi];
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_segment(&engine, script, seg)
                }))
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("a non-string panic");
                    let e = format!("panicked: {what}");
                    SegmentOutcome {
                        unfused: Err(e.clone()),
                        fused: FusedOutcome::Failed(e.clone()),
                        shared: SharedOutcome::Failed(e),
                    }
                });
                results.lock().unwrap().push((i, out));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let mut traps = TrapCounts::default();
    let mut any_trap_scripts: Vec<String> = Vec::new();
    for &(si, gi) in &work {
        let t = scripts[si].segments[gi].traps;
        traps.reason += t.reason;
        traps.any += t.any;
        if t.any > 0 && !any_trap_scripts.contains(&scripts[si].name) {
            any_trap_scripts.push(scripts[si].name.clone());
        }
    }

    let mut shared_passed = 0;
    for (i, out) in results {
        let (si, gi) = work[i];
        let seg = &scripts[si].segments[gi];
        tally.segments += 1;
        match (out.unfused, &seg.differs48) {
            (Ok(()), None) => tally.passed_unfused += 1,
            (Err(e), None) => tally.failures.push(format!("{} (unfused): {e}", seg.label)),
            (Err(_), Some(_)) => tally.differs48 += 1,
            (Ok(()), Some(_)) => tally.failures.push(format!(
                "{} (unfused): marked `{DIFFERS48_MARKER}` but passes as written on \
                 wasmtime 48: drop the marker",
                seg.label
            )),
        }
        match out.fused {
            FusedOutcome::Passed => tally.passed_fused += 1,
            FusedOutcome::Failed(e) => tally.failures.push(format!("{} (fused): {e}", seg.label)),
            FusedOutcome::RefusedAsMarked(e) => {
                tally.marked_unsupported += 1;
                if std::env::var_os("MELD_CONFORMANCE_VERBOSE").is_some() {
                    eprintln!("{}: refused as marked: {e}", seg.label);
                }
            }
        }
        match out.shared {
            SharedOutcome::Passed => shared_passed += 1,
            SharedOutcome::Marked => {}
            SharedOutcome::Failed(e) => tally
                .failures
                .push(format!("{} (--memory shared): {e}", seg.label)),
        }
    }

    // Straight to stderr, past libtest's output capture, so the counts show in
    // every run.
    let _ = writeln!(
        std::io::stderr(),
        "conformance: {} scripts, {} component segments, {} passed fused \
         ({} passed unfused, {} marked unsupported, {} marked as differing on wasmtime 48)",
        scripts.len(),
        tally.segments,
        tally.passed_fused,
        tally.passed_unfused,
        tally.marked_unsupported,
        tally.differs48
    );
    let _ = writeln!(
        std::io::stderr(),
        "conformance: --memory shared --component: {shared_passed} segments passed"
    );
    let _ = writeln!(
        std::io::stderr(),
        "conformance: {} trap assertions compare the reason, {} accept any trap{}",
        traps.reason,
        traps.any,
        if any_trap_scripts.is_empty() {
            String::new()
        } else {
            format!(" (in {})", any_trap_scripts.join(", "))
        }
    );
    if filter.is_none() && tally.segments < MIN_SEGMENTS {
        tally.failures.push(format!(
            "expected at least {MIN_SEGMENTS} component segments, found {}",
            tally.segments
        ));
    }
    if !tally.failures.is_empty() {
        let mut msg = format!("{} conformance failure(s):\n", tally.failures.len());
        for f in &tally.failures {
            let _ = writeln!(msg, "- {f}\n");
        }
        panic!("{msg}");
    }
}

/// Every segment's component (those meld fuses) fused to a core module,
/// optimised by binaryen (docs/optimise.md flags, one node process for all),
/// wrapped with `meld wrap` and put in place of the component: the script
/// must pass as written.
#[test]
fn conformance_optimised_and_wrapped() {
    let dir = conformance_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("conformance scripts dir {} missing: {e}", dir.display()))
        .map(|e| e.expect("read_dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wast"))
        .collect();
    paths.sort();
    let filter = std::env::var("MELD_CONFORMANCE_FILTER").ok();
    let scratch = binaryen::scratch("conformance");
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    let mut pairs = Vec::new();
    let mut scripts = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(path).expect("read script");
        let segments = split(&name, &source).unwrap_or_else(|e| panic!("{name}: {e}"));
        scripts.push(Script {
            name,
            source,
            segments,
        });
    }
    for (si, script) in scripts.iter().enumerate() {
        for (gi, seg) in script.segments.iter().enumerate() {
            if filter
                .as_ref()
                .is_some_and(|f| !seg.label.contains(f.as_str()))
            {
                continue;
            }
            let Ok(fused) = meld_core::fuse(&[&seg.component.bytes], &Default::default()) else {
                // Refusals are `conformance`'s to check.
                continue;
            };
            let input = scratch.join(format!("{si}-{gi}.wasm"));
            let output = scratch.join(format!("{si}-{gi}.opt.wasm"));
            std::fs::write(&input, &fused.wasm).expect("write fused module");
            pairs.push((input, output.clone()));
            jobs.push((si, gi, output));
        }
    }
    binaryen::optimise_all(&pairs);
    let engine = engine();
    let mut passed = 0;
    for (si, gi, output) in &jobs {
        let script = &scripts[*si];
        let seg = &script.segments[*gi];
        let optimised = std::fs::read(output).expect("read optimised module");
        let wrapped = match meld_core::wrap::given::wrap_module(&optimised, false) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: meld wrap failed: {e}", seg.label));
                continue;
            }
        };
        let text = any_trap(&blank_outside(&script.source, seg.range.clone()));
        let c = &seg.component;
        let replaced = format!(
            "{}{}{}",
            &text[..c.range.start],
            binary_component(c, &wrapped, &text[c.range.clone()]),
            &text[c.range.end..]
        );
        match run_wast(&engine, &script.name, &replaced) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{} (optimised+wrapped): {e}", seg.label)),
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let _ = writeln!(
        std::io::stderr(),
        "conformance_optimised_and_wrapped: {} segments through wasm-opt and meld wrap, \
         {passed} passed",
        jobs.len()
    );
    if filter.is_none() && jobs.len() < MIN_SEGMENTS {
        failures.push(format!("only {} segments fused", jobs.len()));
    }
    if !failures.is_empty() {
        panic!(
            "{} failure(s):\n- {}",
            failures.len(),
            failures.join("\n- ")
        );
    }
}

/// `text` with the reason of every `assert_trap` blanked (`""`: any trap).
/// A trap's reason is read from the name of the function it happens in
/// (docs/traps.md), and binaryen inlines those functions and drops the name
/// section; the optimised module must still trap where the script says.
fn any_trap(text: &str) -> String {
    let mut out = text.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find("(assert_trap").map(|i| i + from) {
        let Some(close) = matching_paren(&out, at) else {
            break;
        };
        // The reason is the last string literal of the directive.
        if let Some(end) = out[..close].rfind('"') {
            if let Some(start) = out[..end].rfind('"') {
                if start > at {
                    out.replace_range(start + 1..end, "");
                }
            }
        }
        from = at + 1;
    }
    out
}

fn engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_multi_memory(true);
    config.wasm_component_model_fixed_length_lists(true);
    config.wasm_component_model_map(true);
    // Component-model concurrency (tests/conformance/async_*.wast).
    config.wasm_component_model_async(true);
    config.wasm_component_model_more_async_builtins(true);
    config.wasm_component_model_async_stackful(true);
    config.wasm_component_model_error_context(true);
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    wasmtime::Engine::new(&config).expect("wasmtime engine")
}

enum FusedOutcome {
    Passed,
    Failed(String),
    /// meld refused a component whose segment carries the unsupported marker.
    RefusedAsMarked(String),
}

struct SegmentOutcome {
    unfused: Result<(), String>,
    fused: FusedOutcome,
    shared: SharedOutcome,
}

/// The segment again with the component fused `--memory shared
/// --component`.
enum SharedOutcome {
    Passed,
    Failed(String),
    /// The segment is marked unsupported (multi-memory refuses it too).
    Marked,
}

fn run_segment(engine: &wasmtime::Engine, script: &Script, seg: &Segment) -> SegmentOutcome {
    let unfused_text = blank_outside(&script.source, seg.range.clone());
    let unfused = run_wast(engine, &script.name, &unfused_text);

    let c = &seg.component;
    let options = meld_core::FuseOptions {
        component: true,
        ..Default::default()
    };
    let fused_text = match meld_core::fuse(&[&c.bytes], &options) {
        Ok(fused) => Ok(format!(
            "{}{}{}",
            &unfused_text[..c.range.start],
            binary_component(c, &fused.wasm, &unfused_text[c.range.clone()]),
            &unfused_text[c.range.end..]
        )),
        Err(e) => Err(format!("meld refused the component: {e}")),
    };
    let fused = match (fused_text, &seg.unsupported) {
        (Err(e), Some(_)) => FusedOutcome::RefusedAsMarked(e),
        (Err(e), None) => FusedOutcome::Failed(e),
        (Ok(fused_text), marked) => {
            if let Some(dir) = std::env::var_os("MELD_CONFORMANCE_DUMP") {
                let line = unfused_text[..c.range.start].matches('\n').count() + 1;
                let path = Path::new(&dir).join(format!("{}-{line}.fused.wast", script.name));
                std::fs::write(&path, &fused_text)
                    .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
            }
            match (run_wast(engine, &script.name, &fused_text), marked) {
                (Ok(()), None) => FusedOutcome::Passed,
                (Ok(()), Some(reason)) => FusedOutcome::Failed(format!(
                    "marked `{UNSUPPORTED_MARKER} {reason}` but meld fused it and it passed: \
                     drop the marker"
                )),
                (Err(e), _) => FusedOutcome::Failed(e),
            }
        }
    };
    let shared = if seg.unsupported.is_some() {
        SharedOutcome::Marked
    } else {
        let options = meld_core::FuseOptions {
            component: true,
            memory: meld_core::MemoryMode::Shared,
            ..Default::default()
        };
        match meld_core::fuse(&[&c.bytes], &options) {
            Ok(fused) => {
                let text = format!(
                    "{}{}{}",
                    &unfused_text[..c.range.start],
                    binary_component(c, &fused.wasm, &unfused_text[c.range.clone()]),
                    &unfused_text[c.range.end..]
                );
                match run_wast(engine, &script.name, &text) {
                    Ok(()) => SharedOutcome::Passed,
                    Err(e) => SharedOutcome::Failed(e),
                }
            }
            Err(e) => SharedOutcome::Failed(format!("meld refused the component: {e}")),
        }
    };
    SegmentOutcome {
        unfused,
        fused,
        shared,
    }
}

fn run_wast(engine: &wasmtime::Engine, name: &str, text: &str) -> Result<(), String> {
    // An async call suspends the caller on a fiber in wasmtime: the async
    // scripts run on an async store.
    let mode = if name.starts_with("async") {
        Async::Yes
    } else {
        Async::No
    };
    let mut cx = WastContext::new(engine, mode, |_| {});
    cx.generate_dwarf(false);
    // wasmtime-wast's host instance `host` (resource types `resource1`,
    // `resource2` with a constructor and a counting destructor): what the
    // host-resource segments import.
    cx.register_spectest(&wasmtime_wast::SpectestConfig {
        use_shared_memory: false,
        suppress_prints: true,
    })
    .map_err(|e| format!("registering the spectest host: {e:?}"))?;
    cx.run_wast(name, text.as_bytes())
        .map_err(|e| format!("{e:?}").trim().replace('\n', "\n    "))
}

/// `(component [definition] [$id] binary "...")`, padded with the newlines of
/// `original` so the lines after it keep their numbers.
fn binary_component(c: &ComponentDirective, wasm: &[u8], original: &str) -> String {
    let mut out = String::from("(component");
    if c.definition {
        out.push_str(" definition");
    }
    if let Some(id) = &c.id {
        out.push_str(" $");
        out.push_str(id);
    }
    out.push_str(" binary \"");
    for b in wasm {
        let _ = write!(out, "\\{b:02x}");
    }
    out.push_str("\")");
    for _ in original.matches('\n') {
        out.push('\n');
    }
    out
}

/// `source` with every byte outside `keep` turned into a space, newlines kept.
fn blank_outside(source: &str, keep: std::ops::Range<usize>) -> String {
    let mut out = String::with_capacity(source.len());
    for (i, ch) in source.char_indices() {
        if keep.contains(&i) || ch == '\n' {
            out.push(ch);
        } else {
            // one space per byte: the segments' byte ranges stay put
            for _ in 0..ch.len_utf8() {
                out.push(' ');
            }
        }
    }
    out
}

/// Parses a script and cuts it into segments.
fn split(name: &str, source: &str) -> Result<Vec<Segment>, String> {
    let buf = ParseBuffer::new(source).map_err(|e| located(e, name, source))?;
    let wast = parser::parse::<Wast>(&buf).map_err(|e| located(e, name, source))?;
    let mut segments: Vec<Segment> = Vec::new();
    for mut directive in wast.directives {
        if let WastDirective::AssertTrap { message, .. } = &directive {
            if let Some(last) = segments.last_mut() {
                if ANY_TRAP.contains(&message.trim()) {
                    last.traps.any += 1;
                } else {
                    last.traps.reason += 1;
                }
            }
        }
        let keyword_at = directive.span().offset();
        let open = open_paren_before(source, keyword_at)
            .ok_or_else(|| format!("{name}: no `(` before the directive at byte {keyword_at}"))?;
        let (quote, definition) = match &mut directive {
            WastDirective::Module(q) => (Some(q), false),
            WastDirective::ModuleDefinition(q) => (Some(q), true),
            _ => (None, false),
        };
        let component = match quote {
            Some(q @ (QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))) => {
                let id = q.name().map(|id| id.name().to_string());
                let bytes = q.encode().map_err(|e| located(e, name, source))?;
                let close = matching_paren(source, open)
                    .ok_or_else(|| format!("{name}: unbalanced component at byte {open}"))?;
                Some(ComponentDirective {
                    range: open..close + 1,
                    bytes,
                    id,
                    definition,
                })
            }
            _ => None,
        };
        let Some(component) = component else {
            continue;
        };
        if let Some(last) = segments.last_mut() {
            last.range.end = open;
        }
        let line = source[..open].matches('\n').count() + 1;
        let mut label = format!("{name}:{line}");
        if let Some(id) = &component.id {
            let _ = write!(label, " ${id}");
        }
        segments.push(Segment {
            label,
            range: if segments.is_empty() { 0 } else { open }..source.len(),
            unsupported: unsupported_marker(&source[..open]),
            differs48: differs48_marker(&source[..open]),
            component,
            traps: TrapCounts::default(),
        });
    }
    Ok(segments)
}

fn located(mut e: wast::Error, name: &str, source: &str) -> String {
    e.set_path(Path::new(name));
    e.set_text(source);
    e.to_string()
}

/// The reason of a `;; meld: unsupported <reason>` line that directly precedes
/// (only blank lines between) the text ending at `before`.
fn unsupported_marker(before: &str) -> Option<String> {
    for line in before.lines().rev() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        return line
            .strip_prefix(UNSUPPORTED_MARKER)
            .map(|reason| reason.trim().to_string());
    }
    None
}

/// What a `;; wasmtime-48: differs as written` line in the comment block
/// right before the text ending at `before` says, if there is one.
fn differs48_marker(before: &str) -> Option<String> {
    for line in before.lines().rev() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(";;") {
            return None;
        }
        if let Some(rest) = line.strip_prefix(DIFFERS48_MARKER) {
            return Some(rest.trim().to_string());
        }
    }
    None
}

/// The `(` that opens the directive whose keyword is at `keyword_at`.
fn open_paren_before(source: &str, keyword_at: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = keyword_at;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b'(' => return Some(i),
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => return None,
        }
    }
    None
}

/// The `)` that closes the `(` at `open`, skipping strings and comments.
fn matching_paren(source: &str, open: usize) -> Option<usize> {
    let b = source.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b';' if b.get(i + 1) == Some(&b';') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' if b.get(i + 1) == Some(&b';') => {
                let mut nest = 1;
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i] == b'(' && b.get(i + 1) == Some(&b';') {
                        nest += 1;
                        i += 1;
                    } else if b[i] == b';' && b.get(i + 1) == Some(&b')') {
                        nest -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}
