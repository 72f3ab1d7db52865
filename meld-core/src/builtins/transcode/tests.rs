//! Differential tests: every transcoder module, run on wasmtime's core API,
//! against a pure-Rust port of wasmtime 48's transcoding libcalls.

use super::reference::{reference, Outcome};
use super::TranscodeOp;
use wasmtime_environ::component::{FixedEncoding, Transcode};

const PAGE: usize = 65536;
/// Pages of the destination memory when it is not shared: a different size
/// from the source memory, so bounds checks against the wrong memory fail.
const TO_PAGES: usize = 2;

// ---------------------------------------------------------------------------
// Harness: the module on wasmtime's core API.
// ---------------------------------------------------------------------------

struct Harness {
    op: TranscodeOp,
    store: wasmtime::Store<()>,
    from: wasmtime::Memory,
    to: wasmtime::Memory,
    func: wasmtime::Func,
}

impl Harness {
    /// `shared`: both imports are the same memory.
    fn new(op: TranscodeOp, shared: bool) -> Self {
        use wasmtime::*;
        let engine = Engine::default();
        let bytes = wat::parse_str(op.module_wat()).expect("transcoder WAT assembles");
        let module = Module::new(&engine, &bytes).expect("wasmtime compiles the transcoder");
        let mut store = Store::new(&engine, ());
        let from = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let to = if shared {
            from
        } else {
            Memory::new(&mut store, MemoryType::new(TO_PAGES as u32, None)).unwrap()
        };
        let mut linker = Linker::new(&engine);
        linker.define(&store, "meld", "from", from).unwrap();
        linker.define(&store, "meld", "to", to).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let func = instance.get_func(&mut store, "transcode").unwrap();
        Harness {
            op,
            store,
            from,
            to,
            func,
        }
    }

    /// Load the images, call `transcode`, return (outcome, destination image).
    fn call(
        &mut self,
        from_img: &[u8],
        to_img: &[u8],
        args: &[u32],
    ) -> (Option<Vec<u32>>, Vec<u8>) {
        use wasmtime::Val;
        self.from
            .data_mut(&mut self.store)
            .copy_from_slice(from_img);
        self.to.data_mut(&mut self.store).copy_from_slice(to_img);
        let params: Vec<Val> = args.iter().map(|&x| Val::I32(x as i32)).collect();
        let nres = self.op.arity().1;
        let mut results = vec![Val::I32(0); nres];
        let got = match self.func.call(&mut self.store, &params, &mut results) {
            Ok(()) => Some(results.iter().map(|v| v.unwrap_i32() as u32).collect()),
            Err(e) => {
                assert_eq!(
                    e.downcast_ref::<wasmtime::Trap>(),
                    Some(&wasmtime::Trap::UnreachableCodeReached),
                    "{:?} {args:?}: every trap must be an explicit `unreachable`: {e:?}",
                    self.op
                );
                None
            }
        };
        (got, self.to.data(&self.store).to_vec())
    }

    /// Run one case on wasmtime and on the reference and compare them.
    /// `to_img` is ignored when the memories are shared.
    fn check(&mut self, from_img: &[u8], to_img: &[u8], args: &[u32]) -> Outcome {
        self.check_mem(from_img, to_img, args).0
    }

    /// [`Harness::check`], also returning the destination memory afterwards.
    fn check_mem(&mut self, from_img: &[u8], to_img: &[u8], args: &[u32]) -> (Outcome, Vec<u8>) {
        let shared = self.from.data_ptr(&self.store) == self.to.data_ptr(&self.store);
        let to_img = if shared { from_img } else { to_img };
        let (got, after) = self.call(from_img, to_img, args);
        let mut expect = to_img.to_vec();
        let want = reference(self.op, from_img, &mut expect, args);
        let ctx = || format!("{:?} args {args:?}", self.op);
        match &want {
            Outcome::Ok(vals) => {
                assert_eq!(got.as_ref(), Some(vals), "{}: results", ctx());
                if expect != after {
                    let i = (0..expect.len()).find(|&i| expect[i] != after[i]).unwrap();
                    panic!(
                        "{}: destination differs at byte {i}: want {:02x?} got {:02x?}",
                        ctx(),
                        &expect[i.saturating_sub(4)..(i + 8).min(expect.len())],
                        &after[i.saturating_sub(4)..(i + 8).min(expect.len())]
                    );
                }
            }
            Outcome::PreTrap => {
                assert_eq!(got, None, "{}: must trap", ctx());
                assert!(
                    after == to_img,
                    "{}: wrote before a bounds/alignment trap",
                    ctx()
                );
            }
            Outcome::Trap => assert_eq!(got, None, "{}: must trap", ctx()),
        }
        (want, after)
    }
}

/// Memory images: `data` placed at `at` in otherwise patterned pages.
fn image(fill: u8, pages: usize, parts: &[(u32, &[u8])]) -> Vec<u8> {
    let block: Vec<u8> = (0..16).map(|i| fill ^ i).collect();
    let mut m = block.repeat(pages * PAGE / 16);
    for (at, data) in parts {
        m[*at as usize..*at as usize + data.len()].copy_from_slice(data);
    }
    m
}

fn utf16le(s: &[u16]) -> Vec<u8> {
    s.iter().flat_map(|u| u.to_le_bytes()).collect()
}

fn s16(s: &str) -> Vec<u8> {
    utf16le(&s.encode_utf16().collect::<Vec<_>>())
}

/// Run `op` with the source at 64 in memory 0 and the destination at 128 in
/// memory 1, prefilled with `pre`. Returns the outcome and destination bytes.
fn run(op: TranscodeOp, src: &[u8], pre: &[u8], tail: &[u32]) -> (Outcome, Vec<u8>) {
    let mut h = Harness::new(op, false);
    let from = image(0x00, 1, &[(64, src)]);
    let to = image(0xA0, TO_PAGES, &[(128, pre)]);
    let src_units = src.len() / widths(op).0 as usize;
    let mut args = vec![64, src_units as u32, 128];
    args.extend_from_slice(tail);
    let (out, after) = h.check_mem(&from, &to, &args);
    (out, after[128..160].to_vec())
}

fn ok(v: &[u32]) -> Outcome {
    Outcome::Ok(v.to_vec())
}

// ---------------------------------------------------------------------------
// Module shape.
// ---------------------------------------------------------------------------

#[test]
fn modules_validate_and_have_the_contracted_shape() {
    use wasmparser::{Payload, TypeRef, ValType};
    for op in TranscodeOp::ALL {
        let bytes = wat::parse_str(op.module_wat()).unwrap();
        wasmparser::Validator::new()
            .validate_all(&bytes)
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        let (mut imports, mut exports, mut types, mut funcs) = (vec![], vec![], vec![], vec![]);
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            match payload.unwrap() {
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        let imp = imp.unwrap();
                        let TypeRef::Memory(m) = imp.ty else {
                            panic!("{op:?}: non-memory import")
                        };
                        assert!(!m.memory64 && !m.shared && m.initial == 0 && m.maximum.is_none());
                        imports.push(format!("{}.{}", imp.module, imp.name));
                    }
                }
                Payload::TypeSection(r) => {
                    for ty in r.into_iter_err_on_gc_types() {
                        let ty = ty.unwrap();
                        let all_i32 = ty
                            .params()
                            .iter()
                            .chain(ty.results())
                            .all(|t| *t == ValType::I32);
                        types.push((ty.params().len(), ty.results().len(), all_i32));
                    }
                }
                Payload::FunctionSection(r) => funcs.extend(r.into_iter().map(|t| t.unwrap())),
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.unwrap();
                        exports.push((e.name.to_string(), e.kind, e.index));
                    }
                }
                Payload::MemorySection(_)
                | Payload::TableSection(_)
                | Payload::GlobalSection(_)
                | Payload::DataSection(_)
                | Payload::ElementSection(_)
                | Payload::StartSection { .. } => panic!("{op:?}: defines state"),
                _ => {}
            }
        }
        assert_eq!(imports, ["meld.from", "meld.to"], "{op:?}");
        assert_eq!(exports.len(), 1, "{op:?}");
        let (name, kind, index) = &exports[0];
        assert_eq!(
            (name.as_str(), *kind),
            ("transcode", wasmparser::ExternalKind::Func)
        );
        let (np, nr) = op.arity();
        assert_eq!(
            types[funcs[*index as usize] as usize],
            (np, nr, true),
            "{op:?} signature"
        );
    }
}

#[test]
fn names_and_wasmtime_mapping() {
    let all = [
        Transcode::Copy(FixedEncoding::Utf8),
        Transcode::Copy(FixedEncoding::Utf16),
        Transcode::Copy(FixedEncoding::Latin1),
        Transcode::Latin1ToUtf16,
        Transcode::Latin1ToUtf8,
        Transcode::Utf16ToCompactProbablyUtf16,
        Transcode::Utf16ToCompactUtf16,
        Transcode::Utf16ToLatin1,
        Transcode::Utf16ToUtf8,
        Transcode::Utf8ToCompactUtf16,
        Transcode::Utf8ToLatin1,
        Transcode::Utf8ToUtf16,
    ];
    for (t, op) in all.iter().zip(TranscodeOp::ALL) {
        assert_eq!(TranscodeOp::from_wasmtime(t), op);
        assert_eq!(op.name(), t.desc());
    }
    assert_eq!(TranscodeOp::Utf8ToUtf16.name(), "utf8-to-utf16");
}

// ---------------------------------------------------------------------------
// Hand-written cases with concrete expectations.
// ---------------------------------------------------------------------------

/// Invalid UTF-8: stray continuation, overlong (C0, E0 80, F0 80), truncated,
/// bad continuation, UTF-8-encoded surrogate, above U+10FFFF, F5+ lead.
const BAD_UTF8: &[&[u8]] = &[
    b"\x80",
    b"a\xbfb",
    b"\xc0\x80",
    b"\xc1\xbf",
    b"\xe0\x80\x80",
    b"\xe0\x9f\xbf",
    b"\xf0\x80\x80\x80",
    b"\xf0\x8f\xbf\xbf",
    b"\xc3",
    b"ab\xe2\x82",
    b"\xf0\x9f\x98",
    b"\xc3\x28",
    b"\xe2\x28\xa1",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80",
    b"\xff",
];

#[test]
fn utf8_sources_trap_on_invalid_input() {
    for bad in BAD_UTF8 {
        assert_eq!(
            run(TranscodeOp::CopyUtf8, bad, &[], &[]).0,
            Outcome::Trap,
            "{bad:x?}"
        );
        assert_eq!(
            run(TranscodeOp::Utf8ToUtf16, bad, &[], &[]).0,
            Outcome::Trap,
            "{bad:x?}"
        );
        let len = bad.len() as u32;
        let out = run(TranscodeOp::Utf8ToCompactUtf16, bad, b"xy", &[len + 2, 2]).0;
        assert_eq!(out, Outcome::Trap, "{bad:x?}");
        // utf8-to-latin1 never traps: it stops at the bad byte.
        assert!(matches!(
            run(TranscodeOp::Utf8ToLatin1, bad, &[], &[]).0,
            Outcome::Ok(_)
        ));
    }
    // Boundary values that are valid.
    let edge = "\u{7f}\u{80}\u{7ff}\u{800}\u{d7ff}\u{e000}\u{ffff}\u{10000}\u{10ffff}";
    assert_eq!(
        run(TranscodeOp::CopyUtf8, edge.as_bytes(), &[], &[]).0,
        ok(&[])
    );
    let (out, dst) = run(TranscodeOp::Utf8ToUtf16, edge.as_bytes(), &[], &[]);
    assert_eq!(out, ok(&[11]));
    assert_eq!(&dst[..22], &s16(edge)[..]);
}

#[test]
fn utf16_sources_and_lone_surrogates() {
    let lone: &[&[u16]] = &[
        &[0xD800],
        &[0xDC00],
        &[0x61, 0xDBFF],
        &[0xD800, 0x61],
        &[0xDFFF, 0xD800],
    ];
    for s in lone {
        let b = utf16le(s);
        assert_eq!(
            run(TranscodeOp::CopyUtf16, &b, &[], &[]).0,
            Outcome::Trap,
            "{s:x?}"
        );
        let out = run(TranscodeOp::Utf16ToCompactProbablyUtf16, &b, &[], &[]).0;
        assert_eq!(out, Outcome::Trap);
        let n = s.len() as u32;
        assert_eq!(
            run(TranscodeOp::Utf16ToCompactUtf16, &b, &[], &[n, 0]).0,
            Outcome::Trap
        );
        assert_eq!(
            run(TranscodeOp::Utf16ToUtf8, &b, &[], &[3 * n, 0]).0,
            Outcome::Trap
        );
    }
    // A high surrogate ending the range traps even if memory continues with
    // a low surrogate.
    let b = utf16le(&[0x61, 0xD83D, 0xDE00]);
    let mut h = Harness::new(TranscodeOp::CopyUtf16, false);
    let (from, to) = (image(0, 1, &[(64, &b)]), image(0, TO_PAGES, &[]));
    assert_eq!(h.check(&from, &to, &[64, 2, 128]), Outcome::Trap);
    assert_eq!(h.check(&from, &to, &[64, 3, 128]), ok(&[]));
    // utf16-to-latin1 does not validate: it stops at the first unit >= 256.
    let (out, dst) = run(
        TranscodeOp::Utf16ToLatin1,
        &utf16le(&[0x61, 0xFF, 0xD800]),
        &[],
        &[],
    );
    assert_eq!((out, &dst[..2]), (ok(&[2, 2]), &b"a\xff"[..]));
    // A surrogate pair is fine; the pair counts as two read units.
    let (out, dst) = run(TranscodeOp::Utf16ToUtf8, &s16("a😀"), &[], &[9, 0]);
    assert_eq!((out, &dst[..5]), (ok(&[3, 5]), "a😀".as_bytes()));
    // Invalid UTF-16 is only noticed when reached.
    let b = utf16le(&[0xE9, 0xD800]);
    assert_eq!(
        run(TranscodeOp::Utf16ToUtf8, &b, &[], &[6, 1]).0,
        ok(&[0, 0])
    );
    assert_eq!(
        run(TranscodeOp::Utf16ToUtf8, &b, &[], &[6, 0]).0,
        Outcome::Trap
    );
    let b = utf16le(&[0x61, 0x62, 0xD800]);
    assert_eq!(
        run(TranscodeOp::Utf16ToUtf8, &b, &[], &[1, 0]).0,
        ok(&[1, 1])
    );
    // ...but the unfit/non-ASCII character itself must decode.
    assert_eq!(
        run(TranscodeOp::Utf16ToUtf8, &b, &[], &[2, 1]).0,
        Outcome::Trap
    );
}

#[test]
fn utf16_to_utf8_partial_results() {
    let src = s16("aé€😀");
    let cases: &[(u32, u32, [u32; 2])] = &[
        (0, 0, [0, 0]),
        (1, 0, [1, 1]),
        (2, 0, [1, 1]),
        (3, 0, [2, 3]),
        (5, 0, [2, 3]),
        (6, 0, [3, 6]),
        (9, 0, [3, 6]),
        (10, 0, [5, 10]),
        (15, 0, [5, 10]),
        (15, 1, [1, 1]),
        (0, 1, [0, 0]),
    ];
    for &(dst_len, first, want) in cases {
        let (out, dst) = run(TranscodeOp::Utf16ToUtf8, &src, &[], &[dst_len, first]);
        assert_eq!(out, ok(&want), "dst_len {dst_len} first {first}");
        assert_eq!(
            &dst[..want[1] as usize],
            &"aé€😀".as_bytes()[..want[1] as usize]
        );
        assert_eq!(
            dst[want[1] as usize],
            0xA0 ^ (128 + want[1] as u8) & 0x0F,
            "no extra write"
        );
    }
}

#[test]
fn latin1_to_utf8_partial_results() {
    let src = b"a\xe9b\xffc";
    let cases: &[(u32, u32, [u32; 2])] = &[
        (0, 0, [0, 0]),
        (1, 0, [1, 1]),
        (2, 0, [1, 1]),
        (3, 0, [2, 3]),
        (4, 0, [3, 4]),
        (5, 0, [3, 4]),
        (6, 0, [4, 6]),
        (7, 0, [5, 7]),
        (10, 0, [5, 7]),
        (10, 1, [1, 1]),
    ];
    for &(dst_len, first, want) in cases {
        let (out, dst) = run(TranscodeOp::Latin1ToUtf8, src, &[], &[dst_len, first]);
        assert_eq!(out, ok(&want), "dst_len {dst_len} first {first}");
        assert_eq!(
            &dst[..want[1] as usize],
            &"aébÿc".as_bytes()[..want[1] as usize]
        );
    }
    let (out, dst) = run(TranscodeOp::Latin1ToUtf8, b"\x80", &[], &[2, 0]);
    assert_eq!((out, &dst[..2]), (ok(&[1, 2]), &b"\xc2\x80"[..]));
}

#[test]
fn fixed_and_compact_transcodes() {
    use TranscodeOp::*;
    assert_eq!(run(CopyUtf8, b"", &[], &[]).0, ok(&[]));
    let (out, dst) = run(CopyUtf8, "hé€😀".as_bytes(), &[], &[]);
    assert_eq!((out, &dst[..10]), (ok(&[]), "hé€😀".as_bytes()));
    let (out, dst) = run(CopyLatin1, b"\x00\xff\x80", &[], &[]);
    assert_eq!((out, &dst[..3]), (ok(&[]), &b"\x00\xff\x80"[..]));
    let (out, dst) = run(CopyUtf16, &s16("é😀"), &[], &[]);
    assert_eq!((out, &dst[..6]), (ok(&[]), &s16("é😀")[..]));
    let (out, dst) = run(Latin1ToUtf16, b"a\xff", &[], &[]);
    assert_eq!((out, &dst[..4]), (ok(&[]), &b"a\x00\xff\x00"[..]));
    let (out, dst) = run(Utf8ToUtf16, "a€😀".as_bytes(), &[], &[]);
    assert_eq!((out, &dst[..8]), (ok(&[4]), &s16("a€😀")[..]));
    assert_eq!(run(Utf8ToUtf16, b"", &[], &[]).0, ok(&[0]));

    // latin1: deflated in place, the tail of the UTF-16 copy stays behind.
    let (out, dst) = run(Utf16ToCompactProbablyUtf16, &s16("aé"), &[], &[]);
    assert_eq!((out, &dst[..4]), (ok(&[2]), &b"a\xe9\xe9\x00"[..]));
    assert_eq!(
        run(Utf16ToCompactProbablyUtf16, &s16("aĀ"), &[], &[]).0,
        ok(&[2 | 1 << 31])
    );
    assert_eq!(
        run(Utf16ToCompactProbablyUtf16, &s16("ÿ"), &[], &[]).0,
        ok(&[1])
    );
    let (out, dst) = run(Utf16ToCompactProbablyUtf16, &s16("a€"), &[], &[]);
    assert_eq!((out, &dst[..4]), (ok(&[2 | 1 << 31]), &s16("a€")[..]));
    assert_eq!(run(Utf16ToCompactProbablyUtf16, &[], &[], &[]).0, ok(&[0]));

    // utf8-to-latin1 stops at the first char >= 256 or invalid byte.
    let (out, dst) = run(Utf8ToLatin1, "aé€b".as_bytes(), &[], &[]);
    assert_eq!((out, &dst[..2]), (ok(&[3, 2]), &b"a\xe9"[..]));
    assert_eq!(run(Utf8ToLatin1, b"ab\xc3", &[], &[]).0, ok(&[2, 2]));
    assert_eq!(
        run(Utf8ToLatin1, b"\xc3\xa9\xc4\x80", &[], &[]).0,
        ok(&[2, 1])
    );
    assert_eq!(
        run(Utf8ToLatin1, b"\xc2\x80\xc1\x81", &[], &[]).0,
        ok(&[2, 1])
    );
    assert_eq!(run(Utf16ToLatin1, &s16("ÿĀ"), &[], &[]).0, ok(&[1, 1]));

    // Compact UTF-16: inflate the latin1 prefix, then append.
    let (out, dst) = run(Utf8ToCompactUtf16, "€😀".as_bytes(), b"a\xe9", &[2 + 7, 2]);
    assert_eq!((out, &dst[..10]), (ok(&[5]), &s16("aé€😀")[..]));
    // dst_len counts units: room for 3 units (= only the high surrogate of 😀).
    let (out, dst) = run(Utf8ToCompactUtf16, "€😀".as_bytes(), b"a\xe9", &[2 + 2, 2]);
    assert_eq!(
        (out, &dst[..8]),
        (ok(&[4]), &utf16le(&[0x61, 0xE9, 0x20AC, 0xD83D])[..])
    );
    assert_eq!(
        run(Utf8ToCompactUtf16, b"x", b"ab", &[1, 2]).0,
        Outcome::PreTrap
    );
    let (out, dst) = run(Utf16ToCompactUtf16, &s16("€😀"), b"a\xe9", &[2 + 3, 2]);
    assert_eq!((out, &dst[..10]), (ok(&[5]), &s16("aé€😀")[..]));
    // Too little room: wasmtime panics, meld traps.
    assert_eq!(
        run(Utf16ToCompactUtf16, &s16("€😀"), b"ab", &[2 + 2, 2]).0,
        Outcome::Trap
    );
    assert_eq!(run(Utf16ToCompactUtf16, &[], b"ab", &[2, 2]).0, ok(&[2]));
}

/// Bytes per code unit of the (source, destination) of an op; width 2 is
/// exactly the `ptr_u16` parameters that wasmtime asserts to be aligned.
fn widths(op: TranscodeOp) -> (u32, u32) {
    use TranscodeOp::*;
    match op {
        CopyUtf8 | CopyLatin1 | Latin1ToUtf8 | Utf8ToLatin1 => (1, 1),
        Utf16ToUtf8 | Utf16ToLatin1 => (2, 1),
        Latin1ToUtf16 | Utf8ToUtf16 | Utf8ToCompactUtf16 => (1, 2),
        CopyUtf16 | Utf16ToCompactProbablyUtf16 | Utf16ToCompactUtf16 => (2, 2),
    }
}

#[test]
fn out_of_bounds_and_misaligned_arguments_trap_before_writing() {
    let (end, end_to) = (PAGE as u32, (TO_PAGES * PAGE) as u32);
    for op in TranscodeOp::ALL {
        let mut h = Harness::new(op, false);
        let (sw, dw) = widths(op);
        // Source text valid in every encoding (as UTF-16: U+6261 U+6463 ...).
        let from = image(0x30, 1, &[(0, b"abcdefgh"), (end - 8, b"abcdefgh")]);
        let to = image(0x50, TO_PAGES, &[]);
        // (src, len, dst); five-parameter ops get dst_len = len, and 0.
        let args = |src: u32, len: u32, dst: u32| -> Vec<u32> {
            let mut a = vec![src, len, dst];
            if op.arity().0 == 5 {
                a.extend([len, 0]);
            }
            a
        };
        let trapping = [
            args(end - 2, 4, 0),
            args(0, 4, end_to - 2),
            args(end + 2, 0, 0),
            args(0, 0, end_to + 2),
            args(0, u32::MAX, 0),
            args(0, 0x8000_0000, 0),
            args(u32::MAX - 1, 2, 0),
            args(0, 2, u32::MAX - 1),
            // One unit beyond the end of memory, on either side.
            args(end - 4 * sw + sw, 4, 0),
            args(0, 4, end_to - 4 * dw + dw.max(2)),
        ];
        for a in &trapping {
            assert_eq!(h.check(&from, &to, a), Outcome::PreTrap, "{op:?} {a:?}");
        }
        // Ranges ending exactly at the end of memory are fine, empty ones too.
        let fits = h.check(&from, &to, &args(end - 4 * sw, 4, end_to - 4 * dw));
        assert!(matches!(fits, Outcome::Ok(_)), "{op:?}: {fits:?}");
        let empty = h.check(&from, &to, &args(end, 0, end_to));
        // The source memory's size is not the destination's, and vice versa.
        assert_eq!(
            h.check(&from, &to, &args(0, 0, end_to + 2)),
            Outcome::PreTrap
        );
        let past_from = args(end, 4, end);
        assert_eq!(h.check(&from, &to, &past_from), Outcome::PreTrap, "{op:?}");
        let in_to_only = args(0, 4, end);
        assert!(
            matches!(h.check(&from, &to, &in_to_only), Outcome::Ok(_)),
            "{op:?}"
        );
        assert_eq!(empty, Outcome::Ok(vec![0; op.arity().1]), "{op:?}");
        // Misaligned 16-bit pointers trap (wasmtime asserts alignment);
        // misaligned byte pointers are fine.
        for (i, w) in [(0, sw), (2, dw)] {
            let mut a = args(0, 2, 16);
            a[i] += 1;
            let out = h.check(&from, &to, &a);
            assert_eq!(out == Outcome::PreTrap, w == 2, "{op:?} {a:?}: {out:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Pseudo-random differential testing.
// ---------------------------------------------------------------------------

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// Code points next to every boundary the transcoders care about.
const EDGES: &[u32] = &[
    0, 0x7F, 0x80, 0xFF, 0x100, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF,
];

fn random_char(rng: &mut XorShift, mix: u64) -> char {
    let class = if mix < 4 { mix } else { rng.below(5) };
    let cp = match class {
        0 => rng.below(0x80) as u32,
        1 => rng.below(0x100) as u32,
        2 => rng.below(0x10000) as u32,
        3 => 0x10000 + rng.below(0x100000) as u32,
        _ => EDGES[rng.below(EDGES.len() as u64) as usize],
    };
    char::from_u32(cp).unwrap_or('\u{fffd}')
}

/// A source string in the op's source encoding, sometimes corrupted.
fn random_source(rng: &mut XorShift, op: TranscodeOp) -> Vec<u8> {
    use TranscodeOp::*;
    let n = if rng.chance(8) {
        rng.below(4)
    } else {
        rng.below(40)
    } as usize;
    let mix = rng.below(6);
    let s: String = (0..n).map(|_| random_char(rng, mix)).collect();
    match op {
        CopyLatin1 | Latin1ToUtf16 | Latin1ToUtf8 => {
            let top = if mix == 0 { 0x80 } else { 0x100 };
            (0..n).map(|_| rng.below(top) as u8).collect()
        }
        CopyUtf8 | Utf8ToUtf16 | Utf8ToLatin1 | Utf8ToCompactUtf16 => {
            let mut b = s.into_bytes();
            if rng.chance(4) {
                let bad = BAD_UTF8[rng.below(BAD_UTF8.len() as u64) as usize];
                let at = rng.below(b.len() as u64 + 1) as usize;
                b.splice(at..at, bad.iter().copied());
            } else if rng.chance(6) && !b.is_empty() {
                let at = rng.below(b.len() as u64) as usize;
                b[at] = rng.next() as u8;
            }
            b
        }
        _ => {
            let mut u: Vec<u16> = s.encode_utf16().collect();
            if rng.chance(4) {
                let at = rng.below(u.len() as u64 + 1) as usize;
                u.insert(at, 0xD800 + rng.below(0x800) as u16);
            } else if rng.chance(8) && !u.is_empty() {
                u.pop();
            }
            utf16le(&u)
        }
    }
}

fn differential(op: TranscodeOp, shared: bool, cases: usize, seed: u64) -> [usize; 3] {
    use TranscodeOp::*;
    let mut rng = XorShift(seed);
    let mut h = Harness::new(op, shared);
    let mut tally = [0usize; 3];
    for _ in 0..cases {
        let src = random_source(&mut rng, op);
        let units = src.len() as u32 / widths(op).0;
        // Source in [0, 1024), destination in [2048, 4096): never overlapping,
        // even when the two memories are one.
        let src_at = (rng.below(256) * 2) as u32 + u32::from(rng.chance(64));
        let dst_at = 2048 + (rng.below(256) * 2) as u32 + u32::from(rng.chance(64));
        let latin1 = rng.below(6) as u32;
        let prefill: Vec<u8> = (0..latin1).map(|_| rng.next() as u8).collect();
        let tail = match op {
            Utf16ToUtf8 | Latin1ToUtf8 => {
                let max = units * if op == Latin1ToUtf8 { 2 } else { 3 };
                let dst_len = match rng.below(4) {
                    0 => units,
                    1 => max,
                    _ => rng.below(u64::from(max) + 3) as u32,
                };
                vec![dst_len, u32::from(rng.chance(2))]
            }
            Utf8ToCompactUtf16 | Utf16ToCompactUtf16 => {
                let dst_len = match rng.below(4) {
                    0 => (latin1 + units).saturating_sub(rng.below(4) as u32),
                    _ => latin1 + units + rng.below(3) as u32,
                };
                vec![dst_len, latin1]
            }
            _ => vec![],
        };
        let mut args = vec![src_at, units, dst_at];
        args.extend(tail);
        // Just past the source: a low surrogate / continuation bytes, which
        // must not be read as the rest of a truncated final character.
        let after = (src_at + src.len() as u32, &b"\x00\xdc\x80\x80"[..]);
        let after = if widths(op).0 == 2 {
            after
        } else {
            (after.0, &after.1[2..])
        };
        let (from, to) = if shared {
            (
                image(0x10, 1, &[(src_at, &src), after, (dst_at, &prefill)]),
                vec![],
            )
        } else {
            let to = image(0x60, TO_PAGES, &[(dst_at, &prefill)]);
            (image(0x10, 1, &[(src_at, &src), after]), to)
        };
        let out = h.check(&from, &to, &args);
        tally[match out {
            Outcome::Ok(_) => 0,
            Outcome::PreTrap => 1,
            Outcome::Trap => 2,
        }] += 1;
    }
    tally
}

#[test]
fn random_differential_against_wasmtime_libcall_semantics() {
    for (i, op) in TranscodeOp::ALL.into_iter().enumerate() {
        let tally = differential(op, false, 3000, 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
        // Every op must see plenty of successes; ops that validate must see
        // validation traps; misaligned pointers give a few pre-traps.
        assert!(tally[0] > 1500, "{op:?}: {tally:?}");
        let validates = !matches!(
            op,
            TranscodeOp::CopyLatin1
                | TranscodeOp::Latin1ToUtf16
                | TranscodeOp::Latin1ToUtf8
                | TranscodeOp::Utf8ToLatin1
                | TranscodeOp::Utf16ToLatin1
        );
        assert_eq!(tally[2] > 100, validates, "{op:?}: {tally:?}");
    }
}

#[test]
fn random_differential_with_one_shared_memory() {
    for (i, op) in TranscodeOp::ALL.into_iter().enumerate() {
        let tally = differential(op, true, 300, 0xD1B5_4A32_D192_ED03 ^ (i as u64 + 1));
        assert!(tally[0] > 100, "{op:?}: {tally:?}");
    }
}

// ---------------------------------------------------------------------------
// wasmi: the modules are valid and behave the same on another engine.
// ---------------------------------------------------------------------------

#[test]
fn modules_run_on_wasmi() {
    use wasmi::{Engine, Linker, Memory, MemoryType, Module, Store, Val};
    for op in TranscodeOp::ALL {
        let engine = Engine::default();
        let bytes = wat::parse_str(op.module_wat()).unwrap();
        let module = Module::new(&engine, &bytes).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        let mut store = Store::new(&engine, ());
        let from = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let to = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker.define("meld", "from", from).unwrap();
        linker.define("meld", "to", to).unwrap();
        let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
        let func = instance.get_func(&store, "transcode").unwrap();

        let src = match op {
            TranscodeOp::CopyLatin1 | TranscodeOp::Latin1ToUtf16 | TranscodeOp::Latin1ToUtf8 => {
                b"h\xe9llo".to_vec()
            }
            TranscodeOp::CopyUtf8
            | TranscodeOp::Utf8ToUtf16
            | TranscodeOp::Utf8ToLatin1
            | TranscodeOp::Utf8ToCompactUtf16 => "héllo€😀".as_bytes().to_vec(),
            _ => s16("héllo€😀"),
        };
        let units = src.len() as u32 / widths(op).0;
        let mut args = vec![16, units, 32];
        if op.arity().0 == 5 {
            args.extend(
                if op == TranscodeOp::Utf16ToUtf8 || op == TranscodeOp::Latin1ToUtf8 {
                    [3 * units, 0]
                } else {
                    [units + 1, 1]
                },
            );
        }
        let from_img = image(0, 1, &[(16, &src)]);
        let to_img = image(0, 1, &[(32, b"Z")]);
        from.data_mut(&mut store).copy_from_slice(&from_img);
        to.data_mut(&mut store).copy_from_slice(&to_img);
        let params: Vec<Val> = args.iter().map(|&x| Val::I32(x as i32)).collect();
        let mut results = vec![Val::I32(0); op.arity().1];
        func.call(&mut store, &params, &mut results)
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
        let got: Vec<u32> = results.iter().map(|v| v.i32().unwrap() as u32).collect();
        let mut expect = to_img.clone();
        assert_eq!(
            Outcome::Ok(got),
            reference(op, &from_img, &mut expect, &args),
            "{op:?}"
        );
        assert!(
            to.data(&store) == &expect[..],
            "{op:?}: destination differs on wasmi"
        );

        // And an out-of-bounds destination traps there too.
        args[2] = PAGE as u32;
        args[1] = args[1].max(1);
        assert!(
            func.call(&mut store, &params_of(&args), &mut results)
                .is_err(),
            "{op:?}"
        );
    }
}

fn params_of(args: &[u32]) -> Vec<wasmi::Val> {
    args.iter().map(|&x| wasmi::Val::I32(x as i32)).collect()
}
