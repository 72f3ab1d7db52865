//! The `meld` command line in release pipelines (issue 18): `-` for standard
//! input and output through real pipes, `-t`, JSON stats, the
//! `meld:provenance` section, `meld verify`, completions, `--version` and
//! the exit codes (0 ok, 1 bad input or failed verification, 2 usage, 3
//! internal error).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MELD: &str = env!("CARGO_BIN_EXE_meld");

fn fixture(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel);
    assert!(p.exists(), "missing fixture {}", p.display());
    p
}

/// The small composition most tests fuse (export `run` returns 5).
fn small() -> PathBuf {
    fixture("wat/string_utf8_to_utf16_len.wat")
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meld-release-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn meld<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(MELD).args(args).output().expect("meld runs")
}

/// Run `meld` with `stdin` written to a real pipe and stdout/stderr read
/// from real pipes.
fn meld_piped(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(MELD)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("meld starts");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Written from another thread: meld may write before it has read all.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("meld ends");
    writer.join().unwrap();
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "meld failed: {}", stderr(o));
}

/// Exit code `code`, exactly one `error:` line containing `needle`.
fn failed(o: &Output, code: i32, needle: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit code; stderr: {e}");
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {e}");
    assert!(lines[0].starts_with("error: "), "{e}");
    assert!(lines[0].contains(needle), "`{needle}` in: {e}");
}

fn fuse_to_file(inputs: &[&Path], out: &Path, extra: &[&str]) -> Vec<u8> {
    let mut args: Vec<&std::ffi::OsStr> = vec!["fuse".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend(["-o".as_ref(), out.as_os_str()]);
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    ok(&meld(&args));
    std::fs::read(out).unwrap()
}

/// Run export `run` (no params, one i32 result) of a host-free core module.
fn run(wasm: &[u8]) -> i32 {
    let mut config = wasmtime::Config::new();
    config.wasm_multi_memory(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = wasmtime::Module::new(&engine, wasm).expect("compiles");
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    f.call(&mut store, ()).unwrap()
}

/// The custom sections at the top level of a module or component.
fn top_level_customs(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut depth = 0;
    for p in wasmparser::Parser::new(0).parse_all(bytes) {
        match p.unwrap() {
            wasmparser::Payload::CustomSection(c) if depth == 0 => {
                out.push((c.name().to_string(), c.data().to_vec()))
            }
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            _ => {}
        }
    }
    out
}

/// The provenance record of an output, parsed as JSON.
fn provenance(bytes: &[u8]) -> serde_json::Value {
    let (_, data) = top_level_customs(bytes)
        .into_iter()
        .find(|(n, _)| n == "meld:provenance")
        .expect("a meld:provenance section");
    serde_json::from_slice(&data).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn stdin_to_stdout_through_real_pipes() {
    let text = std::fs::read(small()).unwrap();
    let r = meld_piped(&["fuse", "-", "-o", "-"], &text);
    ok(&r);
    assert!(r.stderr.is_empty(), "{}", stderr(&r));
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&r.stdout)
        .unwrap();
    assert_eq!(run(&r.stdout), 5);
    // The same bytes as from a file: provenance hashes what was read.
    let dir = scratch("pipes");
    let file = fuse_to_file(&[&small()], &dir.join("o.wasm"), &[]);
    assert_eq!(r.stdout, file);
    // A binary input through stdin too, and `inspect -`.
    let r2 = meld_piped(&["fuse", "-", "-o", "-"], &wat::parse_bytes(&text).unwrap());
    ok(&r2);
    assert_eq!(run(&r2.stdout), 5);
    let r = meld_piped(&["inspect", "-", "--json"], &file);
    ok(&r);
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(json["input"], "fused-core-module");
    // `-o -` never makes a file named `-`.
    let r = Command::new(MELD)
        .current_dir(&dir)
        .args([
            "fuse".as_ref(),
            small().as_os_str(),
            "-o".as_ref(),
            "-".as_ref(),
        ])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    ok(&r);
    assert!(!dir.join("-").exists());
}

#[test]
fn stdin_can_be_read_only_once_and_a_failure_writes_nothing_to_stdout() {
    let r = meld_piped(&["fuse", "-", "-", "-o", "-"], b"");
    failed(&r, 2, "standard input");
    let r = meld_piped(
        &["fuse", "-", "-o", "-"],
        &std::fs::read(fixture("bad/thread_builtin.wat")).unwrap(),
    );
    failed(&r, 1, "unsupported: async");
    assert!(r.stdout.is_empty(), "nothing written on failure");
    let r = meld_piped(&["fuse", "-", "-o", "-"], b"not wasm at all");
    failed(&r, 1, "<stdin>: not a WebAssembly binary");
    assert!(r.stdout.is_empty());
}

/// A pseudo-terminal: (controller, terminal side).
fn pty() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain libc calls on a descriptor this function owns; the name
    // buffer is NUL-terminated by ptsname_r on success.
    unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(fd >= 0, "posix_openpt");
        let controller = std::fs::File::from_raw_fd(fd);
        assert_eq!(libc::grantpt(fd), 0);
        assert_eq!(libc::unlockpt(fd), 0);
        let mut name = [0 as libc::c_char; 256];
        assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
        let name = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_str()
            .unwrap()
            .to_string();
        let terminal = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name)
            .unwrap();
        (controller, terminal)
    }
}

#[test]
fn binary_to_a_terminal_is_refused_but_text_is_printed() {
    let (mut controller, terminal) = pty();
    let r = Command::new(MELD)
        .args([
            "fuse".as_ref(),
            small().as_os_str(),
            "-o".as_ref(),
            "-".as_ref(),
        ])
        .stdout(terminal.try_clone().unwrap())
        .output()
        .unwrap();
    failed(
        &r,
        2,
        "refusing to write a binary WebAssembly module to a terminal",
    );
    assert!(stderr(&r).contains("-t"), "the hint names -t");
    // With -t the text goes to the terminal.
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Read until the terminal side is closed (EIO) or the module ends.
        while let Ok(n) = controller.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains("meld:provenance") {
                break;
            }
        }
        seen
    });
    let r = Command::new(MELD)
        .args([
            "fuse".as_ref(),
            small().as_os_str(),
            "-o".as_ref(),
            "-".as_ref(),
            "-t".as_ref(),
        ])
        .stdout(terminal)
        .output()
        .unwrap();
    ok(&r);
    let seen = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert!(seen.contains("(module $meld-fused"), "{seen}");
}

#[test]
fn text_output_parses_back_to_the_same_module() {
    let dir = scratch("wat");
    let binary = fuse_to_file(&[&small()], &dir.join("o.wasm"), &[]);
    for (args, file) in [
        (vec!["-t"], "o.txt"),
        (vec!["--wat"], "o2.txt"),
        (vec![], "o.wat"),
    ] {
        let bytes = fuse_to_file(&[&small()], &dir.join(file), &args);
        let text = String::from_utf8(bytes).expect("text output is UTF-8");
        assert!(text.starts_with("(module"), "{args:?}: {}", &text[..40]);
        let back = wat::parse_str(&text).expect("the text parses");
        assert_eq!(run(&back), 5);
        // The same module: it prints back to the same text, with the same
        // custom sections (provenance included) as the binary output.
        assert!(
            wasmprinter::print_bytes(&back).unwrap() == text,
            "{args:?}: the assembled text prints back to itself"
        );
        assert!(
            wasmprinter::print_bytes(&binary).unwrap() == text,
            "{args:?}: the text is the binary output's"
        );
        // (The `name` section is rebuilt from the text's identifiers.)
        let customs = |b: &[u8]| -> Vec<(String, Vec<u8>)> {
            let mut c = top_level_customs(b);
            c.retain(|(n, _)| n != "name");
            c
        };
        assert!(
            customs(&back) == customs(&binary),
            "{args:?}: custom sections"
        );
    }
    // Through stdout as well, with --component.
    let r = meld(&[
        "fuse".as_ref(),
        small().as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
        "-t".as_ref(),
        "--component".as_ref(),
    ]);
    ok(&r);
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(text.starts_with("(component"), "{}", &text[..40]);
    let back = wat::parse_str(&text).unwrap();
    assert_eq!(
        meld_core::front::precheck::classify(&back).unwrap(),
        meld_core::front::precheck::BinaryKind::Component
    );
}

#[test]
fn stats_json_parses_and_matches_the_text() {
    let dir = scratch("stats");
    let out = dir.join("o.wasm");
    let r = meld(&[
        "fuse".as_ref(),
        fixture("rust/res-chain3.wasm").as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--stats-format".as_ref(),
        "json".as_ref(),
    ]);
    ok(&r);
    let lines: Vec<&str> = std::str::from_utf8(&r.stderr).unwrap().lines().collect();
    assert_eq!(lines.len(), 1, "one line of JSON: {lines:?}");
    let json: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["output_bytes"],
        std::fs::metadata(&out).unwrap().len(),
        "output_bytes is the size written"
    );
    assert_eq!(json["resource_types"]["in_tables"], 2);
    assert_eq!(json["resource_types"]["opaque"], 0);
    for key in ["translate", "merge", "world", "encode", "wrap"] {
        assert!(json["stage_us"][key].is_u64(), "stage_us.{key}");
    }
    for key in [
        "component_instances",
        "functions",
        "removed_functions",
        "bulk_copies",
        "trivial_adapters",
        "direct_calls",
        "memories",
        "host_imports",
        "exports",
        "input_bytes",
        "time_us",
    ] {
        assert!(json[key].is_u64(), "{key} in {json}");
    }
    for key in [
        "component_instances",
        "core_instances",
        "modules",
        "module_bytes",
        "adapters",
        "memories",
        "tables",
        "functions",
        "estimated_output_bytes",
    ] {
        assert!(json["expansion"][key].is_u64(), "expansion.{key}");
    }
    assert_eq!(
        json["expansion"]["component_instances"],
        json["component_instances"]
    );
    for key in ["total", "adapter", "builtin"] {
        assert!(json["core_modules"][key].is_u64(), "core_modules.{key}");
    }
    // The text form (the default, also `--stats-format text`) has the same figures.
    for args in [&["--stats"][..], &["--stats-format", "text"]] {
        let input = fixture("rust/res-chain3.wasm");
        let mut all: Vec<&std::ffi::OsStr> = vec![
            "fuse".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        let r = meld(&all);
        ok(&r);
        let text = stderr(&r);
        let want = format!(
            "functions:           {} ({} unreachable removed)",
            json["functions"], json["removed_functions"]
        );
        assert!(text.contains(&want), "{want} in {text}");
        assert!(text.contains(&format!("memories:            {}", json["memories"])));
    }
    let r = meld(&[
        "fuse".as_ref(),
        small().as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--stats-format".as_ref(),
        "yaml".as_ref(),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
}

#[test]
fn provenance_records_meld_options_and_inputs_and_nothing_else_changes() {
    let dir = scratch("provenance");
    let app = fixture("link/app.wat");
    let lib = fixture("link/lib.wat");
    let a = fuse_to_file(&[&app, &lib], &dir.join("a.wasm"), &[]);
    let again = fuse_to_file(&[&app, &lib], &dir.join("again.wasm"), &[]);
    assert_eq!(a, again, "stable across runs");
    let p = provenance(&a);
    assert_eq!(p["version"], 1);
    assert_eq!(p["meld"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["options"]["memory"], "multi");
    assert_eq!(p["options"]["component"], false);
    assert_eq!(p["options"]["opaque-rep"], serde_json::json!([]));
    for (i, f) in [&app, &lib].iter().enumerate() {
        let bytes = std::fs::read(f).unwrap();
        assert_eq!(p["inputs"][i]["sha256"], sha256_hex(&bytes), "input {i}");
        assert_eq!(p["inputs"][i]["size"], bytes.len());
    }
    // Without the section, the output is the same but for that one section,
    // which is the last.
    let bare = fuse_to_file(&[&app, &lib], &dir.join("bare.wasm"), &["--no-provenance"]);
    assert!(top_level_customs(&bare)
        .iter()
        .all(|(n, _)| n != "meld:provenance"));
    assert!(a.starts_with(&bare));
    let customs = top_level_customs(&a[..]);
    assert_eq!(customs.last().unwrap().0, "meld:provenance");
    let mut tail = b"\0asm\x01\0\0\0".to_vec();
    tail.extend_from_slice(&a[bare.len()..]);
    assert_eq!(
        top_level_customs(&tail).len(),
        1,
        "exactly one section appended"
    );
    assert_eq!(run(&a), run(&bare));

    // Each input and each option changes the record.
    let swapped = fuse_to_file(&[&lib, &app], &dir.join("s.wasm"), &[]);
    let ps = provenance(&swapped);
    assert_eq!(ps["inputs"][0], p["inputs"][1], "inputs recorded in order");
    let edited = dir.join("app.wat");
    let mut text = std::fs::read(&app).unwrap();
    text.extend_from_slice(b"\n;; edited\n");
    std::fs::write(&edited, &text).unwrap();
    let e = fuse_to_file(&[&edited, &lib], &dir.join("e.wasm"), &[]);
    let pe = provenance(&e);
    assert_ne!(pe["inputs"][0], p["inputs"][0]);
    assert_eq!(pe["inputs"][1], p["inputs"][1]);
    let e_bare = fuse_to_file(&[&edited, &lib], &dir.join("eb.wasm"), &["--no-provenance"]);
    assert_eq!(e_bare, bare, "a comment changes only the provenance");

    let single = fuse_to_file(&[&small()], &dir.join("one.wasm"), &[]);
    let p1 = provenance(&single);
    for (args, key, value) in [
        (
            &["--memory", "auto"][..],
            "memory",
            serde_json::json!("auto"),
        ),
        (&["--component"][..], "component", serde_json::json!(true)),
    ] {
        let o = fuse_to_file(&[&small()], &dir.join("opt.wasm"), args);
        let po = provenance(&o);
        assert_eq!(po["options"][key], value, "{args:?}");
        assert_ne!(po, p1, "{args:?}");
        assert_eq!(po["inputs"], p1["inputs"]);
    }
    let res = fixture("rust/res-basic.wasm");
    let plain = provenance(&fuse_to_file(&[&res], &dir.join("r.wasm"), &[]));
    let opaque = provenance(&fuse_to_file(
        &[&res],
        &dir.join("r2.wasm"),
        &["--opaque-rep", "meld-test:fixtures/accum.accumulator"],
    ));
    assert_eq!(plain["options"]["opaque-rep"], serde_json::json!([]));
    assert_eq!(
        opaque["options"]["opaque-rep"],
        serde_json::json!(["meld-test:fixtures/accum.accumulator"])
    );
}

#[test]
fn provenance_of_a_wrapped_component_is_in_the_component_and_inspect_shows_it() {
    let dir = scratch("prov-component");
    let input = fixture("host/host_strings.wat");
    let c = fuse_to_file(&[&input], &dir.join("c.wasm"), &["--component"]);
    let bare = fuse_to_file(
        &[&input],
        &dir.join("b.wasm"),
        &["--component", "--no-provenance"],
    );
    assert!(
        c.starts_with(&bare),
        "only a section appended to the component"
    );
    assert_eq!(provenance(&c)["options"]["component"], true);
    // The core module inside has none.
    let mut nested = 0;
    let mut depth = 0;
    for p in wasmparser::Parser::new(0).parse_all(&c) {
        match p.unwrap() {
            wasmparser::Payload::CustomSection(s) if depth > 0 => {
                assert_ne!(s.name(), "meld:provenance");
                nested += 1;
            }
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            _ => {}
        }
    }
    assert!(nested > 0, "the fused module's own sections are there");
    let digest = sha256_hex(&std::fs::read(&input).unwrap());
    for out in [
        dir.join("c.wasm"),
        fuse_to_file_path(&input, &dir.join("core.wasm")),
    ] {
        let r = meld(&["inspect".as_ref(), out.as_os_str()]);
        ok(&r);
        let text = String::from_utf8(r.stdout).unwrap();
        assert!(text.contains("provenance (meld:provenance):"), "{text}");
        assert!(
            text.contains(&format!("input 1: sha256 {digest}")),
            "{text}"
        );
        let r = meld(&["inspect".as_ref(), out.as_os_str(), "--json".as_ref()]);
        ok(&r);
        let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(json["provenance"]["inputs"][0]["sha256"], digest);
    }
    // A composition has none.
    let r = meld(&["inspect".as_ref(), input.as_os_str(), "--json".as_ref()]);
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert!(json["provenance"].is_null());
}

fn fuse_to_file_path(input: &Path, out: &Path) -> PathBuf {
    fuse_to_file(&[input], out, &[]);
    out.to_path_buf()
}

fn verify(output: &Path, inputs: &[&Path], extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), output.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    meld(&args)
}

#[test]
fn verify_passes_for_the_same_inputs_and_options() {
    let dir = scratch("verify-ok");
    let app = fixture("link/app.wat");
    let lib = fixture("link/lib.wat");
    let out = dir.join("o.wasm");
    fuse_to_file(&[&app, &lib], &out, &[]);
    let r = verify(&out, &[&app, &lib], &[]);
    ok(&r);
    let line = String::from_utf8(r.stdout).unwrap();
    assert!(line.starts_with("verified: "), "{line}");
    assert!(line.contains(&sha256_hex(&std::fs::read(&out).unwrap())));
    for args in [
        &["--component"][..],
        &["--no-provenance"],
        &["--component", "--no-provenance"],
    ] {
        let o = dir.join("x.wasm");
        fuse_to_file(&[&app, &lib], &o, args);
        ok(&verify(&o, &[&app, &lib], args));
    }
    // The artefact through stdin.
    let mut args = vec!["verify", "-"];
    args.extend([app.to_str().unwrap(), lib.to_str().unwrap()]);
    ok(&meld_piped(&args, &std::fs::read(&out).unwrap()));
}

#[test]
fn verify_fails_naming_the_input_or_option_that_differs() {
    let dir = scratch("verify-prov");
    let app = fixture("link/app.wat");
    let lib = fixture("link/lib.wat");
    let out = dir.join("o.wasm");
    fuse_to_file(&[&app, &lib], &out, &[]);
    failed(
        &verify(&out, &[&lib, &app], &[]),
        1,
        &format!(
            "provenance differs: input 1 ({}): recorded sha256",
            lib.display()
        ),
    );
    failed(
        &verify(&out, &[&app], &[]),
        1,
        "provenance differs: 2 input(s) recorded, 1 given",
    );
    failed(
        &verify(&out, &[&app, &lib], &["--component"]),
        1,
        "provenance differs: option --component: recorded false, given true",
    );
    failed(
        &verify(&out, &[&app, &lib], &["--memory", "auto"]),
        1,
        "provenance differs: option --memory: recorded multi, given auto",
    );
    failed(
        &verify(&out, &[&app, &lib], &["--no-provenance"]),
        1,
        "but --no-provenance was given",
    );
    let bare = dir.join("bare.wasm");
    fuse_to_file(&[&app, &lib], &bare, &["--no-provenance"]);
    failed(
        &verify(&bare, &[&app, &lib], &[]),
        1,
        "the output has no `meld:provenance` section",
    );
    let edited = dir.join("lib.wat");
    let mut text = std::fs::read(&lib).unwrap();
    text.extend_from_slice(b"\n;; edited\n");
    std::fs::write(&edited, &text).unwrap();
    failed(
        &verify(&out, &[&app, &edited], &[]),
        1,
        &format!("input 2 ({}): recorded", edited.display()),
    );
}

#[test]
fn verify_fails_naming_the_offset_and_section_of_changed_bytes() {
    let dir = scratch("verify-bytes");
    let input = small();
    for (args, section) in [
        (&[][..], "in section code ("),
        (&["--component"][..], "in section code of core module 0"),
    ] {
        let out = dir.join("o.wasm");
        let good = fuse_to_file(&[&input], &out, args);
        // Flip one byte inside the first function body of the (first) code
        // section; the provenance record is unchanged.
        let mut at = None;
        for p in wasmparser::Parser::new(0).parse_all(&good) {
            if let wasmparser::Payload::CodeSectionEntry(body) = p.unwrap() {
                at = Some(body.range().end - 1);
                break;
            }
        }
        let at = at.expect("a function body");
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        std::fs::write(&out, &bad).unwrap();
        failed(
            &verify(&out, &[&input], args),
            1,
            &format!("bytes differ at offset {at} (0x{at:x}) {section}"),
        );
        // A truncated artefact: the missing part is named.
        std::fs::write(&out, &good[..good.len() - 10]).unwrap();
        failed(
            &verify(&out, &[&input], args),
            1,
            &format!("bytes differ at offset {} ", good.len() - 10),
        );
    }
    // Not a file at all.
    failed(
        &verify(&dir.join("missing.wasm"), &[&input], &[]),
        1,
        "cannot read",
    );
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let r = meld(&["completions", shell]);
        ok(&r);
        let script = String::from_utf8(r.stdout).unwrap();
        assert!(script.len() > 500, "{shell}: {script}");
        for word in [
            "meld",
            "fuse",
            "verify",
            "inspect",
            "stats-format",
            "no-provenance",
        ] {
            assert!(script.contains(word), "{shell} script names {word}");
        }
    }
    assert_eq!(meld(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let (big, small) = (fixture("rust/res-chain3.wasm"), small());
    let (big, small) = (big.to_str().unwrap(), small.to_str().unwrap());
    let commands: [&[&str]; 4] = [
        &["inspect", big],
        &["inspect", big, "--json"],
        &["fuse", small, "-o", "-"],
        &["completions", "bash"],
    ];
    for args in commands {
        // A pipe whose reader is gone before meld writes: every write fails
        // with EPIPE, as after `| head -1` has exited.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let r = Command::new(MELD)
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(0), "{args:?}: {}", stderr(&r));
        assert!(r.stderr.is_empty(), "{args:?}: quiet, got {}", stderr(&r));
    }
    // Through a shell pipeline, as a user types it.
    let r = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{MELD}' inspect '{}' | head -1",
            fixture("rust/res-chain3.wasm").display()
        ))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "input: component\n");
    assert!(r.stderr.is_empty(), "{}", stderr(&r));
}

#[test]
fn version_names_the_commit() {
    let r = meld(&["--version"]);
    ok(&r);
    let line = String::from_utf8(r.stdout).unwrap();
    let git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    let commit = match git {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap().trim().to_string(),
        _ => "unknown".to_string(),
    };
    let want = format!("meld {} (commit {commit}", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&want), "`{line}` starts with `{want}`");
}

#[test]
fn exit_codes_are_0_1_2_and_3() {
    let dir = scratch("exit");
    let out = dir.join("o.wasm");
    let o = out.to_str().unwrap();
    let s = small();
    let s = s.to_str().unwrap();
    // 0: success, help and version.
    for args in [
        &["fuse", s, "-o", o][..],
        &["--help"],
        &["--version"],
        &["fuse", "--help"],
    ] {
        assert_eq!(meld(args).status.code(), Some(0), "{args:?}");
    }
    // 1: bad or unsupported input, failed verification.
    failed(
        &meld(&["fuse", "/nonexistent.wasm", "-o", o]),
        1,
        "cannot read",
    );
    // A cooperative-threads built-in (async exports, async host imports
    // and streams fuse now, so none of them serves here).
    let refused = fixture("bad/thread_builtin.wat");
    failed(
        &meld(&["fuse", refused.to_str().unwrap(), "-o", o]),
        1,
        "unsupported",
    );
    failed(&meld(&["verify", o, s, "--component"]), 1, "does not match");
    // 2: usage.
    for args in [
        &["fuse", s][..],
        &["fuse", s, "-o", o, "--no-such-flag"],
        &["frobnicate"],
        &["fuse", s, "-o", o, "--memory", "tiny"],
        &["verify", o],
        &[],
    ] {
        let r = meld(args);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
        assert!(!stderr(&r).contains("panicked"));
    }
    failed(
        &meld(&["fuse", s, "-o", "-", "--emit-import-map", "-"]),
        2,
        "only one of",
    );
    failed(
        &meld_piped(&["verify", "-", "-"], b""),
        2,
        "can be given only once",
    );
    // 3: internal errors, a returned one and a panic, one line each.
    for (fault, needle) in [
        ("internal", "error: internal error: fault injected"),
        (
            "panic",
            "error: internal error: meld panicked: fault injected",
        ),
    ] {
        let r = Command::new(MELD)
            .args(["fuse", s, "-o", o])
            .env("MELD_FAULT", fault)
            .output()
            .unwrap();
        failed(&r, 3, needle);
    }
}
