//! `meld wrap`: a core module `meld fuse` wrote, wrapped back into a
//! component; the same bytes as `meld fuse --component`; and every module it
//! must refuse (exit code 1, one `error:` line, no output file).
//! Optimised modules (binaryen) are covered by `fuse_wat.rs` and
//! `rust_fixtures.rs` (`*_optimised_and_wrapped`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel);
    assert!(p.exists(), "missing fixture {}", p.display());
    p
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meld-wrap-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn meld(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meld"))
        .args(args)
        .output()
        .expect("meld runs")
}

fn fuse(input: &Path, out: &Path, extra: &[&str]) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["fuse".as_ref(), input.as_os_str()];
    args.push("-o".as_ref());
    args.push(out.as_os_str());
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    let r = meld(&args);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

fn wrap(input: &Path, out: &Path) -> Output {
    meld(&[
        "wrap".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
}

fn assert_refused(out: &Output, needle: &str, output_path: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "error line: {stderr}");
    assert!(
        lines[0].contains(needle),
        "should mention `{needle}`: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert!(!output_path.exists(), "no output file may be created");
}

/// `fixture` fused to a core module in `dir`; its bytes.
fn core_of(dir: &Path, fixture_rel: &str) -> Vec<u8> {
    let core = dir.join("core.wasm");
    fuse(&fixture(fixture_rel), &core, &[]);
    std::fs::read(core).unwrap()
}

/// `bytes` with the first occurrence of `from` replaced by `to` (same length).
fn replace_first(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(from)));
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// `module` with export `name` pointing at the function export `to` points
/// at (the export section rewritten).
fn retarget_export(module: &[u8], name: &str, to: &str) -> Vec<u8> {
    use wasmparser::{Parser, Payload};
    for p in Parser::new(0).parse_all(module) {
        if let Payload::ExportSection(r) = p.unwrap() {
            let range = r.range();
            let exports: Vec<_> = r.into_iter().map(|e| e.unwrap()).collect();
            let target = exports.iter().find(|e| e.name == to).expect("target").index;
            let mut body = Vec::new();
            leb(exports.len() as u32, &mut body);
            for e in &exports {
                leb(e.name.len() as u32, &mut body);
                body.extend_from_slice(e.name.as_bytes());
                body.push(match e.kind {
                    wasmparser::ExternalKind::Func => 0,
                    wasmparser::ExternalKind::Table => 1,
                    wasmparser::ExternalKind::Memory => 2,
                    wasmparser::ExternalKind::Global => 3,
                    _ => 4,
                });
                leb(if e.name == name { target } else { e.index }, &mut body);
            }
            // The section header: id and size, just before `range`.
            let mut head = range.start - 1;
            while module[head] != 7 || head + 1 + leb_len_at(module, head + 1) != range.start {
                head -= 1;
            }
            let mut out = module[..head].to_vec();
            out.push(7);
            leb(body.len() as u32, &mut out);
            out.extend_from_slice(&body);
            out.extend_from_slice(&module[range.end..]);
            return out;
        }
    }
    panic!("no export section");
}

fn leb_len_at(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|b| b & 0x80 == 0)
        .map_or(1, |p| p + 1)
}

#[test]
fn wrap_of_the_core_module_is_byte_identical_to_fuse_component() {
    let dir = scratch("identical");
    // A WAT composition, and a Rust one whose guests lower the same WASI
    // functions with their own memories (the import plan's table).
    for rel in ["wat/string_utf8_to_utf16_len.wat", "rust/stdio.wasm"] {
        let core = dir.join("core.wasm");
        let comp = dir.join("comp.wasm");
        let wrapped = dir.join("wrapped.wasm");
        // Without the provenance record: `meld fuse` records the outputs'
        // digests, which differ between a core module and a component.
        fuse(&fixture(rel), &core, &["--no-provenance"]);
        fuse(&fixture(rel), &comp, &["--component", "--no-provenance"]);
        let r = wrap(&core, &wrapped);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(r.stderr.is_empty() && r.stdout.is_empty());
        assert_eq!(
            std::fs::read(&wrapped).unwrap(),
            std::fs::read(&comp).unwrap(),
            "{rel}: meld wrap differs from fuse --component"
        );
    }
}

#[test]
fn refuses_a_module_without_its_abi_record() {
    let dir = scratch("no-abi");
    let core = core_of(&dir, "rust/stdio.wasm");
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, replace_first(&core, b"\x08meld:abi", b"\x08meld:abx")).unwrap();
    let out = dir.join("out.wasm");
    assert_refused(&wrap(&bad, &out), "no `meld:abi` section", &out);
}

#[test]
fn refuses_a_module_without_its_world() {
    let dir = scratch("no-world");
    let core = core_of(&dir, "rust/stdio.wasm");
    let bad = dir.join("bad.wasm");
    std::fs::write(
        &bad,
        replace_first(&core, b"component-type:meld", b"component-type:melx"),
    )
    .unwrap();
    let out = dir.join("out.wasm");
    assert_refused(&wrap(&bad, &out), "no `component-type:meld` section", &out);
}

#[test]
fn refuses_a_renamed_export() {
    let dir = scratch("renamed-export");
    let core = core_of(&dir, "rust/stdio.wasm");
    let bad = dir.join("bad.wasm");
    // The export section comes before the `meld:abi` record naming it.
    std::fs::write(
        &bad,
        replace_first(&core, b"wasi:cli/run@0.2.0#run", b"wasi:cli/run@0.2.0#rux"),
    )
    .unwrap();
    let out = dir.join("out.wasm");
    assert_refused(
        &wrap(&bad, &out),
        "names export `wasi:cli/run@0.2.0#run`, which the module lacks",
        &out,
    );
}

#[test]
fn refuses_an_import_the_abi_does_not_list() {
    let dir = scratch("unknown-import");
    let core = core_of(&dir, "rust/stdio.wasm");
    let bad = dir.join("bad.wasm");
    std::fs::write(
        &bad,
        replace_first(&core, b"\x0aget-stdout", b"\x0aget-stdoux"),
    )
    .unwrap();
    let out = dir.join("out.wasm");
    assert_refused(
        &wrap(&bad, &out),
        "imports `wasi:cli/stdout@0.2.6#get-stdoux`, which its ABI record does not list",
        &out,
    );
}

#[test]
fn refuses_a_changed_signature() {
    let dir = scratch("signature");
    let core = core_of(&dir, "rust/stdio.wasm");
    let exports: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&core)
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
    let realloc = exports
        .iter()
        .find(|n| n.starts_with("cabi_realloc"))
        .expect("a realloc export");
    let export = exports
        .iter()
        .find(|n| !n.starts_with("cabi_"))
        .expect("an export");
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, retarget_export(&core, export, realloc)).unwrap();
    let out = dir.join("out.wasm");
    assert_refused(&wrap(&bad, &out), "no longer match its world", &out);
}

#[test]
fn refuses_what_is_not_a_fused_core_module() {
    let dir = scratch("not-core");
    let out = dir.join("out.wasm");
    // A component.
    assert_refused(
        &wrap(&fixture("rust/stdio.wasm"), &out),
        "this is a component",
        &out,
    );
    // Not WebAssembly.
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert_refused(&wrap(&text, &out), "not a WebAssembly binary", &out);
    // Truncated.
    let core = core_of(&dir, "wat/string_utf8_to_utf16_len.wat");
    let cut = dir.join("cut.wasm");
    std::fs::write(&cut, &core[..core.len() / 2]).unwrap();
    assert_refused(&wrap(&cut, &out), "cannot wrap", &out);
    // A core module meld did not write.
    let plain = dir.join("plain.wasm");
    std::fs::write(
        &plain,
        wat::parse_str("(module (func (export \"f\")))").unwrap(),
    )
    .unwrap();
    assert_refused(&wrap(&plain, &out), "no `meld:abi` section", &out);
    // The output over the input.
    let core_path = dir.join("core.wasm");
    let r = wrap(&core_path, &core_path);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(std::fs::read(&core_path).unwrap(), core);
}
