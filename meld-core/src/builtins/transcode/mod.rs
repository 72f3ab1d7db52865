//! String transcoders: in-wasm replacements for the `transcode/<op>` host
//! libcalls that wasmtime's adapter compiler (FACT) imports.
//!
//! Each op is a tiny core module importing two memories (`meld.from`, the
//! source, and `meld.to`, the destination) and exporting one `transcode`
//! function with the signature of `wasmtime_environ::fact::Transcoder::ty`
//! (32-bit memories only). The behaviour mirrors the libcalls of
//! `wasmtime::runtime::vm::component::libcalls` (wasmtime 48):
//!
//! * Every source and destination range is bounds-checked (and every 16-bit
//!   pointer alignment-checked) before anything is read or written; a
//!   failing check executes `unreachable`. Wasmtime relies on the adapter
//!   for these checks (and panics on misalignment), so they never fire for
//!   adapter-driven calls.
//! * Invalid UTF-8 / UTF-16 traps with `unreachable`, exactly where the
//!   libcall returns an error. Every trap is in a function named with its
//!   reason (`invalid utf8 encoding`, ..., see `TRAPS`). Only the result values and the trap/no-trap
//!   outcome are guaranteed to match; destination bytes written before a
//!   trap may differ from wasmtime (the instance is dead after a trap anyway).
//! * Conditions on which the libcall panics (destination of
//!   `utf16-to-compact-utf16` too small, `latin1_bytes_so_far > dst_len`)
//!   trap here.
//!
//! All loops count code units with unsigned 32-bit counters relative to the
//! base pointers, so a range ending exactly at 4 GiB works too.

use wasmtime_environ::component::{FixedEncoding, Transcode};

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

/// Which transcoder. Mirror of `wasmtime_environ::component::Transcode`,
/// kept as meld's own type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TranscodeOp {
    CopyUtf8,
    CopyUtf16,
    CopyLatin1,
    Latin1ToUtf16,
    Latin1ToUtf8,
    Utf16ToCompactProbablyUtf16,
    Utf16ToCompactUtf16,
    Utf16ToLatin1,
    Utf16ToUtf8,
    Utf8ToCompactUtf16,
    Utf8ToLatin1,
    Utf8ToUtf16,
}

impl TranscodeOp {
    /// Every op, in declaration order.
    pub const ALL: [TranscodeOp; 12] = [
        TranscodeOp::CopyUtf8,
        TranscodeOp::CopyUtf16,
        TranscodeOp::CopyLatin1,
        TranscodeOp::Latin1ToUtf16,
        TranscodeOp::Latin1ToUtf8,
        TranscodeOp::Utf16ToCompactProbablyUtf16,
        TranscodeOp::Utf16ToCompactUtf16,
        TranscodeOp::Utf16ToLatin1,
        TranscodeOp::Utf16ToUtf8,
        TranscodeOp::Utf8ToCompactUtf16,
        TranscodeOp::Utf8ToLatin1,
        TranscodeOp::Utf8ToUtf16,
    ];

    pub fn from_wasmtime(t: &Transcode) -> Self {
        match t {
            Transcode::Copy(FixedEncoding::Utf8) => TranscodeOp::CopyUtf8,
            Transcode::Copy(FixedEncoding::Utf16) => TranscodeOp::CopyUtf16,
            Transcode::Copy(FixedEncoding::Latin1) => TranscodeOp::CopyLatin1,
            Transcode::Latin1ToUtf16 => TranscodeOp::Latin1ToUtf16,
            Transcode::Latin1ToUtf8 => TranscodeOp::Latin1ToUtf8,
            Transcode::Utf16ToCompactProbablyUtf16 => TranscodeOp::Utf16ToCompactProbablyUtf16,
            Transcode::Utf16ToCompactUtf16 => TranscodeOp::Utf16ToCompactUtf16,
            Transcode::Utf16ToLatin1 => TranscodeOp::Utf16ToLatin1,
            Transcode::Utf16ToUtf8 => TranscodeOp::Utf16ToUtf8,
            Transcode::Utf8ToCompactUtf16 => TranscodeOp::Utf8ToCompactUtf16,
            Transcode::Utf8ToLatin1 => TranscodeOp::Utf8ToLatin1,
            Transcode::Utf8ToUtf16 => TranscodeOp::Utf8ToUtf16,
        }
    }

    /// e.g. "utf8-to-utf16" (stable name used in the fused module's name
    /// section; identical to wasmtime's `Transcode::desc`).
    pub fn name(&self) -> &'static str {
        match self {
            TranscodeOp::CopyUtf8 => "utf8-to-utf8",
            TranscodeOp::CopyUtf16 => "utf16-to-utf16",
            TranscodeOp::CopyLatin1 => "latin1-to-latin1",
            TranscodeOp::Latin1ToUtf16 => "latin1-to-utf16",
            TranscodeOp::Latin1ToUtf8 => "latin1-to-utf8",
            TranscodeOp::Utf16ToCompactProbablyUtf16 => "utf16-to-compact-probably-utf16",
            TranscodeOp::Utf16ToCompactUtf16 => "utf16-to-compact-utf16",
            TranscodeOp::Utf16ToLatin1 => "utf16-to-latin1",
            TranscodeOp::Utf16ToUtf8 => "utf16-to-utf8",
            TranscodeOp::Utf8ToCompactUtf16 => "utf8-to-compact-utf16",
            TranscodeOp::Utf8ToLatin1 => "utf8-to-latin1",
            TranscodeOp::Utf8ToUtf16 => "utf8-to-utf16",
        }
    }

    /// Number of i32 parameters and results of `transcode`.
    pub fn arity(&self) -> (usize, usize) {
        use TranscodeOp::*;
        match self {
            CopyUtf8 | CopyUtf16 | CopyLatin1 | Latin1ToUtf16 => (3, 0),
            Utf8ToUtf16 | Utf16ToCompactProbablyUtf16 => (3, 1),
            Utf16ToUtf8 | Latin1ToUtf8 => (5, 2),
            Utf8ToLatin1 | Utf16ToLatin1 => (3, 2),
            Utf8ToCompactUtf16 | Utf16ToCompactUtf16 => (5, 1),
        }
    }

    /// WAT text of a core module that imports exactly two memories, in this
    /// order: `(import "meld" "from" (memory 0)) (import "meld" "to" (memory 0))`
    /// and exports exactly one function, `transcode`, with the signature of
    /// `Transcoder::ty` (i32 everywhere), transcoding from memory 0 (source)
    /// to memory 1 (destination). No other imports, no memory/table/global
    /// definitions; traps are `unreachable`, each in a function named with
    /// its reason ([`TRAPS`]). The two memories may be the
    /// same memory at runtime.
    pub fn module_wat(&self) -> String {
        let (body, helpers) = self.body();
        let mut wat = String::with_capacity(4096);
        wat.push_str(";; meld builtin: ");
        wat.push_str(self.name());
        wat.push_str("\n(module\n");
        wat.push_str("  (import \"meld\" \"from\" (memory 0))\n");
        wat.push_str("  (import \"meld\" \"to\" (memory 0))\n");
        wat.push_str(TRAPS);
        for h in HELPERS {
            if helpers.contains(&h.0) {
                wat.push_str(h.1);
            }
        }
        wat.push_str(body);
        wat.push_str(")\n");
        wat
    }

    /// The `transcode` function and the names of the helpers it calls.
    fn body(&self) -> (&'static str, &'static [&'static str]) {
        use TranscodeOp::*;
        match self {
            CopyUtf8 => (COPY_UTF8, &["in_from", "in_to", "dec8"]),
            CopyUtf16 => (COPY_UTF16, &["in_from", "in_to", "align2", "dec16"]),
            CopyLatin1 => (COPY_LATIN1, &["in_from", "in_to"]),
            Latin1ToUtf16 => (LATIN1_TO_UTF16, &["in_from", "in_to", "align2"]),
            Latin1ToUtf8 => (LATIN1_TO_UTF8, &["in_from", "in_to"]),
            Utf16ToCompactProbablyUtf16 => (
                UTF16_TO_COMPACT_PROBABLY_UTF16,
                &["in_from", "in_to", "align2", "dec16"],
            ),
            Utf16ToCompactUtf16 => (
                UTF16_TO_COMPACT_UTF16,
                &["in_from", "in_to", "align2", "dec16", "inflate"],
            ),
            Utf16ToLatin1 => (UTF16_TO_LATIN1, &["in_from", "in_to", "align2"]),
            Utf16ToUtf8 => (
                UTF16_TO_UTF8,
                &["in_from", "in_to", "align2", "dec16", "len8", "enc8"],
            ),
            Utf8ToCompactUtf16 => (
                UTF8_TO_COMPACT_UTF16,
                &["in_from", "in_to", "align2", "dec8", "enc16", "inflate"],
            ),
            Utf8ToLatin1 => (UTF8_TO_LATIN1, &["in_from", "in_to"]),
            Utf8ToUtf16 => (
                UTF8_TO_UTF16,
                &["in_from", "in_to", "align2", "dec8", "enc16"],
            ),
        }
    }
}

/// The traps, one function each named with wasmtime's words (its transcoding
/// libcalls' errors; the bounds and alignment checks' words are FACT's), so
/// a backtrace says why (`meld:transcode/<op>:<reason>` in the fused module;
/// docs/traps.md). In every transcoder; the dead-code pass drops the ones a
/// fused module never calls.
const TRAPS: &str = r#"
  (func $"string content out-of-bounds" unreachable)
  (func $"unaligned pointer" unreachable)
  (func $"invalid utf8 encoding" unreachable)
  (func $"invalid utf16 encoding" unreachable)
  (func $"transcode destination too small" unreachable)
"#;

/// Shared helper functions, included on demand (name, text).
const HELPERS: &[(&str, &str)] = &[
    ("in_from", IN_FROM),
    ("in_to", IN_TO),
    ("align2", ALIGN2),
    ("dec8", DEC8),
    ("dec16", DEC16),
    ("len8", LEN8),
    ("enc8", ENC8),
    ("enc16", ENC16),
    ("inflate", INFLATE),
];

/// Trap unless `[ptr, ptr + bytes)` lies inside memory 0.
const IN_FROM: &str = r#"
  (func $in_from (param $ptr i32) (param $bytes i64)
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $ptr)) (local.get $bytes))
                  (i64.shl (i64.extend_i32_u (memory.size 0)) (i64.const 16)))
      (then (call $"string content out-of-bounds"))))
"#;

/// Trap unless `[ptr, ptr + bytes)` lies inside memory 1.
const IN_TO: &str = r#"
  (func $in_to (param $ptr i32) (param $bytes i64)
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $ptr)) (local.get $bytes))
                  (i64.shl (i64.extend_i32_u (memory.size 1)) (i64.const 16)))
      (then (call $"string content out-of-bounds"))))
"#;

/// Trap unless `ptr` is 2-aligned (wasmtime asserts this for u16 pointers).
const ALIGN2: &str = r#"
  (func $align2 (param $ptr i32)
    (if (i32.and (local.get $ptr) (i32.const 1)) (then (call $"unaligned pointer"))))
"#;

/// Decode one scalar value of strict UTF-8 (the rules of
/// `core::str::from_utf8`) at `p` in memory 0, with `rem >= 1` bytes left.
/// Returns (code point, bytes consumed); traps on any invalid sequence:
/// stray continuation, C0/C1/F5..FF lead, truncation, bad continuation,
/// overlong form, surrogate code point, or a value above U+10FFFF.
const DEC8: &str = r#"
  (func $dec8 (param $p i32) (param $rem i32) (result i32 i32)
    (local $b i32) (local $cp i32) (local $n i32) (local $k i32) (local $min i32)
    (local.set $b (i32.load8_u 0 (local.get $p)))
    (if (i32.lt_u (local.get $b) (i32.const 0x80))
      (then (return (local.get $b) (i32.const 1))))
    (if (i32.lt_u (local.get $b) (i32.const 0xC2)) (then (call $"invalid utf8 encoding")))
    (if (i32.lt_u (local.get $b) (i32.const 0xE0))
      (then
        (local.set $n (i32.const 2))
        (local.set $cp (i32.and (local.get $b) (i32.const 0x1F)))
        (local.set $min (i32.const 0x80)))
      (else
        (if (i32.lt_u (local.get $b) (i32.const 0xF0))
          (then
            (local.set $n (i32.const 3))
            (local.set $cp (i32.and (local.get $b) (i32.const 0x0F)))
            (local.set $min (i32.const 0x800)))
          (else
            (if (i32.ge_u (local.get $b) (i32.const 0xF5)) (then (call $"invalid utf8 encoding")))
            (local.set $n (i32.const 4))
            (local.set $cp (i32.and (local.get $b) (i32.const 0x07)))
            (local.set $min (i32.const 0x10000))))))
    (if (i32.gt_u (local.get $n) (local.get $rem)) (then (call $"invalid utf8 encoding")))
    (local.set $k (i32.const 1))
    (loop $cont
      (local.set $b (i32.load8_u 0 (i32.add (local.get $p) (local.get $k))))
      (if (i32.ne (i32.and (local.get $b) (i32.const 0xC0)) (i32.const 0x80))
        (then (call $"invalid utf8 encoding")))
      (local.set $cp (i32.or (i32.shl (local.get $cp) (i32.const 6))
                             (i32.and (local.get $b) (i32.const 0x3F))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $cont (i32.lt_u (local.get $k) (local.get $n))))
    (if (i32.lt_u (local.get $cp) (local.get $min)) (then (call $"invalid utf8 encoding")))
    (if (i32.lt_u (i32.sub (local.get $cp) (i32.const 0xD800)) (i32.const 0x800))
      (then (call $"invalid utf8 encoding")))
    (if (i32.gt_u (local.get $cp) (i32.const 0x10FFFF)) (then (call $"invalid utf8 encoding")))
    (local.get $cp)
    (local.get $n))
"#;

/// Decode one scalar value of little-endian UTF-16 (the rules of
/// `char::decode_utf16`) at `p` in memory 0, with `rem >= 1` units left.
/// Returns (code point, units consumed); traps on an unpaired surrogate.
const DEC16: &str = r#"
  (func $dec16 (param $p i32) (param $rem i32) (result i32 i32)
    (local $u i32) (local $v i32)
    (local.set $u (i32.load16_u 0 (local.get $p)))
    (if (i32.ge_u (i32.sub (local.get $u) (i32.const 0xD800)) (i32.const 0x800))
      (then (return (local.get $u) (i32.const 1))))
    (if (i32.ge_u (local.get $u) (i32.const 0xDC00)) (then (call $"invalid utf16 encoding")))
    (if (i32.lt_u (local.get $rem) (i32.const 2)) (then (call $"invalid utf16 encoding")))
    (local.set $v (i32.load16_u 0 offset=2 (local.get $p)))
    (if (i32.ge_u (i32.sub (local.get $v) (i32.const 0xDC00)) (i32.const 0x400))
      (then (call $"invalid utf16 encoding")))
    (i32.add (i32.const 0x10000)
      (i32.or (i32.shl (i32.sub (local.get $u) (i32.const 0xD800)) (i32.const 10))
              (i32.sub (local.get $v) (i32.const 0xDC00))))
    (i32.const 2))
"#;

/// UTF-8 length of a scalar value.
const LEN8: &str = r#"
  (func $len8 (param $cp i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $cp) (i32.const 0x80))
      (then (i32.const 1))
      (else
        (if (result i32) (i32.lt_u (local.get $cp) (i32.const 0x800))
          (then (i32.const 2))
          (else
            (if (result i32) (i32.lt_u (local.get $cp) (i32.const 0x10000))
              (then (i32.const 3))
              (else (i32.const 4))))))))
"#;

/// Encode a scalar value as UTF-8 at `p` in memory 1; returns bytes written.
const ENC8: &str = r#"
  (func $enc8 (param $p i32) (param $cp i32) (result i32)
    (if (i32.lt_u (local.get $cp) (i32.const 0x80))
      (then
        (i32.store8 1 (local.get $p) (local.get $cp))
        (return (i32.const 1))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x800))
      (then
        (i32.store8 1 (local.get $p)
          (i32.or (i32.const 0xC0) (i32.shr_u (local.get $cp) (i32.const 6))))
        (i32.store8 1 offset=1 (local.get $p)
          (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3F))))
        (return (i32.const 2))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then
        (i32.store8 1 (local.get $p)
          (i32.or (i32.const 0xE0) (i32.shr_u (local.get $cp) (i32.const 12))))
        (i32.store8 1 offset=1 (local.get $p)
          (i32.or (i32.const 0x80)
                  (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3F))))
        (i32.store8 1 offset=2 (local.get $p)
          (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3F))))
        (return (i32.const 3))))
    (i32.store8 1 (local.get $p)
      (i32.or (i32.const 0xF0) (i32.shr_u (local.get $cp) (i32.const 18))))
    (i32.store8 1 offset=1 (local.get $p)
      (i32.or (i32.const 0x80)
              (i32.and (i32.shr_u (local.get $cp) (i32.const 12)) (i32.const 0x3F))))
    (i32.store8 1 offset=2 (local.get $p)
      (i32.or (i32.const 0x80)
              (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3F))))
    (i32.store8 1 offset=3 (local.get $p)
      (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3F))))
    (i32.const 4))
"#;

/// Encode a scalar value as little-endian UTF-16 at `p` in memory 1;
/// returns units written.
const ENC16: &str = r#"
  (func $enc16 (param $p i32) (param $cp i32) (result i32)
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then
        (i32.store16 1 (local.get $p) (local.get $cp))
        (return (i32.const 1))))
    (local.set $cp (i32.sub (local.get $cp) (i32.const 0x10000)))
    (i32.store16 1 (local.get $p)
      (i32.or (i32.const 0xD800) (i32.shr_u (local.get $cp) (i32.const 10))))
    (i32.store16 1 offset=2 (local.get $p)
      (i32.or (i32.const 0xDC00) (i32.and (local.get $cp) (i32.const 0x3FF))))
    (i32.const 2))
"#;

/// Inflate, in place in memory 1, the first `n` latin1 bytes at `dst` into
/// `n` UTF-16 units (back to front, like wasmtime's `inflate_latin1_bytes`).
const INFLATE: &str = r#"
  (func $inflate (param $dst i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (i32.store16 1
          (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 1)))
          (i32.load8_u 1 (i32.add (local.get $dst) (local.get $n))))
        (br $next))))
"#;

/// `utf8_to_utf8`: validate the whole source, then copy `len` bytes.
const COPY_UTF8: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32)
    (local $i i32) (local $n i32) (local $p i32)
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $len)))
    (call $in_to (local.get $dst) (i64.extend_i32_u (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        ;; fast path: runs of 32 ASCII bytes, then 8
        (block $short
          (loop $run
            (br_if $short (i32.lt_u (i32.sub (local.get $len) (local.get $i)) (i32.const 32)))
            (local.set $p (i32.add (local.get $src) (local.get $i)))
            (br_if $short (i64.ne (i64.const 0)
              (i64.and (i64.or (i64.or (i64.load 0 (local.get $p)) (i64.load 0 offset=8 (local.get $p)))
                               (i64.or (i64.load 0 offset=16 (local.get $p)) (i64.load 0 offset=24 (local.get $p))))
                       (i64.const 0x8080808080808080))))
            (local.set $i (i32.add (local.get $i) (i32.const 32)))
            (br $run)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.ge_u (i32.sub (local.get $len) (local.get $i)) (i32.const 8))
          (then
            (if (i64.eqz (i64.and (i64.load 0 (i32.add (local.get $src) (local.get $i)))
                                  (i64.const 0x8080808080808080)))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 8)))
                (br $next)))))
        (call $dec8 (i32.add (local.get $src) (local.get $i))
                    (i32.sub (local.get $len) (local.get $i)))
        (local.set $n)
        (drop)
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (memory.copy 1 0 (local.get $dst) (local.get $src) (local.get $len)))
"#;

/// `utf16_to_utf16`: validate the whole source, then copy `2 * len` bytes
/// (as two copies of `len` bytes so that `2 * len = 4 GiB` cannot wrap).
const COPY_UTF16: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32)
    (local $i i32) (local $n i32) (local $bytes i64)
    (call $align2 (local.get $src))
    (call $align2 (local.get $dst))
    (local.set $bytes (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 1)))
    (call $in_from (local.get $src) (local.get $bytes))
    (call $in_to (local.get $dst) (local.get $bytes))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $dec16 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))
                     (i32.sub (local.get $len) (local.get $i)))
        (local.set $n)
        (drop)
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (memory.copy 1 0 (local.get $dst) (local.get $src) (local.get $len))
    (memory.copy 1 0 (i32.add (local.get $dst) (local.get $len))
                     (i32.add (local.get $src) (local.get $len))
                     (local.get $len)))
"#;

/// `latin1_to_latin1`: a plain copy.
const COPY_LATIN1: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32)
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $len)))
    (call $in_to (local.get $dst) (i64.extend_i32_u (local.get $len)))
    (memory.copy 1 0 (local.get $dst) (local.get $src) (local.get $len)))
"#;

/// `latin1_to_utf16`: zero-extend every byte.
const LATIN1_TO_UTF16: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32)
    (local $i i32)
    (call $align2 (local.get $dst))
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $len)))
    (call $in_to (local.get $dst) (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store16 1 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i32.load8_u 0 (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
"#;

/// `latin1_to_utf8`: stop at the first byte >= 0x80 on the first pass, and
/// at the first character that does not fit in the destination
/// (= encoding_rs `convert_latin1_to_utf8_partial`). Returns (read, written).
const LATIN1_TO_UTF8: &str = r#"
  (func (export "transcode") (param $src i32) (param $src_len i32)
                             (param $dst i32) (param $dst_len i32)
                             (param $first_pass i32) (result i32 i32)
    (local $i i32) (local $o i32) (local $b i32)
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $src_len)))
    (call $in_to (local.get $dst) (i64.extend_i32_u (local.get $dst_len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $src_len)))
        (local.set $b (i32.load8_u 0 (i32.add (local.get $src) (local.get $i))))
        (if (i32.lt_u (local.get $b) (i32.const 0x80))
          (then
            (br_if $done (i32.ge_u (local.get $o) (local.get $dst_len)))
            (i32.store8 1 (i32.add (local.get $dst) (local.get $o)) (local.get $b))
            (local.set $o (i32.add (local.get $o) (i32.const 1))))
          (else
            (br_if $done (local.get $first_pass))
            (br_if $done (i32.lt_u (i32.sub (local.get $dst_len) (local.get $o)) (i32.const 2)))
            (i32.store8 1 (i32.add (local.get $dst) (local.get $o))
              (i32.or (i32.const 0xC0) (i32.shr_u (local.get $b) (i32.const 6))))
            (i32.store8 1 offset=1 (i32.add (local.get $dst) (local.get $o))
              (i32.or (i32.const 0x80) (i32.and (local.get $b) (i32.const 0x3F))))
            (local.set $o (i32.add (local.get $o) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i)
    (local.get $o))
"#;

/// `utf16_to_compact_probably_utf16`: validate and copy as UTF-16; if every
/// code point is < 256, deflate the copy in place to latin1 and return `len`,
/// else return `len | UTF16_TAG`.
const UTF16_TO_COMPACT_PROBABLY_UTF16: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32) (result i32)
    (local $i i32) (local $n i32) (local $cp i32) (local $wide i32) (local $bytes i64)
    (call $align2 (local.get $src))
    (call $align2 (local.get $dst))
    (local.set $bytes (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 1)))
    (call $in_from (local.get $src) (local.get $bytes))
    (call $in_to (local.get $dst) (local.get $bytes))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $dec16 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))
                     (i32.sub (local.get $len) (local.get $i)))
        (local.set $n)
        (local.set $cp)
        (if (i32.gt_u (local.get $cp) (i32.const 0xFF))
          (then (local.set $wide (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (memory.copy 1 0 (local.get $dst) (local.get $src) (local.get $len))
    (memory.copy 1 0 (i32.add (local.get $dst) (local.get $len))
                     (i32.add (local.get $src) (local.get $len))
                     (local.get $len))
    (if (local.get $wide)
      (then (return (i32.or (local.get $len) (i32.const 0x80000000)))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 1 (i32.add (local.get $dst) (local.get $i))
          (i32.load8_u 1 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $len))
"#;

/// `utf16_to_compact_utf16`: inflate the `latin1` bytes already at `dst`,
/// then copy the (validated) source after them. Returns `src_len + latin1`.
const UTF16_TO_COMPACT_UTF16: &str = r#"
  (func (export "transcode") (param $src i32) (param $src_len i32)
                             (param $dst i32) (param $dst_len i32)
                             (param $latin1 i32) (result i32)
    (local $i i32) (local $n i32) (local $out i32) (local $room i32) (local $at i32)
    (call $align2 (local.get $src))
    (call $align2 (local.get $dst))
    (call $in_from (local.get $src)
      (i64.shl (i64.extend_i32_u (local.get $src_len)) (i64.const 1)))
    (call $in_to (local.get $dst)
      (i64.shl (i64.extend_i32_u (local.get $dst_len)) (i64.const 1)))
    (if (i32.gt_u (local.get $latin1) (local.get $dst_len)) (then (call $"transcode destination too small")))
    (call $inflate (local.get $dst) (local.get $latin1))
    (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $latin1) (i32.const 1))))
    (local.set $room (i32.sub (local.get $dst_len) (local.get $latin1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $src_len)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (call $dec16 (i32.add (local.get $src) (local.get $at))
                     (i32.sub (local.get $src_len) (local.get $i)))
        (local.set $n)
        (drop)
        ;; wasmtime panics when the character does not fit
        (if (i32.lt_u (i32.sub (local.get $room) (local.get $i)) (local.get $n))
          (then (call $"transcode destination too small")))
        (i32.store16 1 (i32.add (local.get $out) (local.get $at))
          (i32.load16_u 0 (i32.add (local.get $src) (local.get $at))))
        (if (i32.eq (local.get $n) (i32.const 2))
          (then
            (i32.store16 1 offset=2 (i32.add (local.get $out) (local.get $at))
              (i32.load16_u 0 offset=2 (i32.add (local.get $src) (local.get $at))))))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (i32.add (local.get $src_len) (local.get $latin1)))
"#;

/// `utf16_to_latin1`: copy units while they are < 256. Returns (n, n).
const UTF16_TO_LATIN1: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32)
                             (result i32 i32)
    (local $i i32) (local $u i32)
    (call $align2 (local.get $src))
    (call $in_from (local.get $src) (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 1)))
    (call $in_to (local.get $dst) (i64.extend_i32_u (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $u (i32.load16_u 0
          (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))))
        (br_if $done (i32.gt_u (local.get $u) (i32.const 0xFF)))
        (i32.store8 1 (i32.add (local.get $dst) (local.get $i)) (local.get $u))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i)
    (local.get $i))
"#;

/// `utf16_to_utf8`: transcode until the source ends, the first pass meets a
/// non-ASCII character, or the next character does not fit. Invalid UTF-16
/// traps only if it is reached. Returns (units read, bytes written).
const UTF16_TO_UTF8: &str = r#"
  (func (export "transcode") (param $src i32) (param $src_len i32)
                             (param $dst i32) (param $dst_len i32)
                             (param $first_pass i32) (result i32 i32)
    (local $i i32) (local $o i32) (local $n i32) (local $cp i32) (local $need i32) (local $x i64)
    (call $align2 (local.get $src))
    (call $in_from (local.get $src)
      (i64.shl (i64.extend_i32_u (local.get $src_len)) (i64.const 1)))
    (call $in_to (local.get $dst) (i64.extend_i32_u (local.get $dst_len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $src_len)))
        ;; fast path: 4 ASCII units narrowed to 4 bytes, if they fit
        (if (i32.and (i32.ge_u (i32.sub (local.get $src_len) (local.get $i)) (i32.const 4))
                     (i32.ge_u (i32.sub (local.get $dst_len) (local.get $o)) (i32.const 4)))
          (then
            (local.set $x (i64.load 0 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))))
            (if (i64.eqz (i64.and (local.get $x) (i64.const 0xff80ff80ff80ff80)))
              (then
                (i32.store 1 (i32.add (local.get $dst) (local.get $o))
                  (i32.wrap_i64
                    (i64.or
                      (i64.or (i64.and (local.get $x) (i64.const 0xff))
                              (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0xff00)))
                      (i64.or (i64.and (i64.shr_u (local.get $x) (i64.const 16)) (i64.const 0xff0000))
                              (i64.and (i64.shr_u (local.get $x) (i64.const 24)) (i64.const 0xff000000))))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (br $next)))))
        (call $dec16 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))
                     (i32.sub (local.get $src_len) (local.get $i)))
        (local.set $n)
        (local.set $cp)
        (br_if $done (i32.and (i32.ne (local.get $first_pass) (i32.const 0))
                              (i32.ge_u (local.get $cp) (i32.const 0x80))))
        (local.set $need (call $len8 (local.get $cp)))
        (br_if $done (i32.lt_u (i32.sub (local.get $dst_len) (local.get $o)) (local.get $need)))
        (drop (call $enc8 (i32.add (local.get $dst) (local.get $o)) (local.get $cp)))
        (local.set $o (i32.add (local.get $o) (local.get $need)))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (local.get $i)
    (local.get $o))
"#;

/// `utf8_to_compact_utf16`: inflate the `latin1` bytes already at `dst`,
/// then validate the whole source and write its UTF-16 after them, silently
/// truncated to the `dst_len - latin1` units of room (wasmtime zips the
/// output with the destination). Returns units written + `latin1`.
const UTF8_TO_COMPACT_UTF16: &str = r#"
  (func (export "transcode") (param $src i32) (param $src_len i32)
                             (param $dst i32) (param $dst_len i32)
                             (param $latin1 i32) (result i32)
    (local $i i32) (local $o i32) (local $n i32) (local $cp i32) (local $units i32)
    (local $out i32) (local $room i32)
    (call $align2 (local.get $dst))
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $src_len)))
    (call $in_to (local.get $dst)
      (i64.shl (i64.extend_i32_u (local.get $dst_len)) (i64.const 1)))
    (if (i32.gt_u (local.get $latin1) (local.get $dst_len)) (then (call $"transcode destination too small")))
    (call $inflate (local.get $dst) (local.get $latin1))
    (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $latin1) (i32.const 1))))
    (local.set $room (i32.sub (local.get $dst_len) (local.get $latin1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $src_len)))
        (call $dec8 (i32.add (local.get $src) (local.get $i))
                    (i32.sub (local.get $src_len) (local.get $i)))
        (local.set $n)
        (local.set $cp)
        (local.set $units (i32.add (i32.const 1)
                                   (i32.ge_u (local.get $cp) (i32.const 0x10000))))
        (if (i32.le_u (local.get $units) (i32.sub (local.get $room) (local.get $o)))
          (then
            (drop (call $enc16
              (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const 1)))
              (local.get $cp)))
            (local.set $o (i32.add (local.get $o) (local.get $units))))
          (else
            ;; only the high surrogate of a pair fits
            (if (i32.lt_u (local.get $o) (local.get $room))
              (then
                (i32.store16 1
                  (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const 1)))
                  (i32.or (i32.const 0xD800)
                    (i32.shr_u (i32.sub (local.get $cp) (i32.const 0x10000)) (i32.const 10))))
                (local.set $o (local.get $room))))))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (i32.add (local.get $o) (local.get $latin1)))
"#;

/// `utf8_to_latin1`: copy the longest prefix that is valid UTF-8 made only
/// of code points < 256 (encoding_rs `utf8_latin1_up_to`); never traps on
/// bad input. Returns (bytes read, bytes written).
const UTF8_TO_LATIN1: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32)
                             (result i32 i32)
    (local $i i32) (local $o i32) (local $b i32) (local $c i32)
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $len)))
    (call $in_to (local.get $dst) (i64.extend_i32_u (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $b (i32.load8_u 0 (i32.add (local.get $src) (local.get $i))))
        (if (i32.lt_u (local.get $b) (i32.const 0x80))
          (then
            (i32.store8 1 (i32.add (local.get $dst) (local.get $o)) (local.get $b))
            (local.set $i (i32.add (local.get $i) (i32.const 1))))
          (else
            ;; only C2 xx / C3 xx encode U+0080..U+00FF
            (br_if $done (i32.ne (i32.and (local.get $b) (i32.const 0xFE)) (i32.const 0xC2)))
            (br_if $done (i32.lt_u (i32.sub (local.get $len) (local.get $i)) (i32.const 2)))
            (local.set $c (i32.load8_u 0 offset=1 (i32.add (local.get $src) (local.get $i))))
            (br_if $done (i32.ne (i32.and (local.get $c) (i32.const 0xC0)) (i32.const 0x80)))
            (i32.store8 1 (i32.add (local.get $dst) (local.get $o))
              (i32.or (i32.shl (i32.and (local.get $b) (i32.const 0x1F)) (i32.const 6))
                      (i32.and (local.get $c) (i32.const 0x3F))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next)))
    (local.get $i)
    (local.get $o))
"#;

/// `utf8_to_utf16`: validate and transcode; the destination (`len` units)
/// always has room. Returns units written.
const UTF8_TO_UTF16: &str = r#"
  (func (export "transcode") (param $src i32) (param $len i32) (param $dst i32) (result i32)
    (local $i i32) (local $o i32) (local $n i32) (local $cp i32) (local $x i64)
    (call $align2 (local.get $dst))
    (call $in_from (local.get $src) (i64.extend_i32_u (local.get $len)))
    (call $in_to (local.get $dst) (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        ;; fast path: 4 ASCII bytes widened to 4 units (o <= i, so the 8
        ;; bytes written lie inside the checked 2 * len)
        (if (i32.ge_u (i32.sub (local.get $len) (local.get $i)) (i32.const 4))
          (then
            (local.set $x (i64.load32_u 0 (i32.add (local.get $src) (local.get $i))))
            (if (i64.eqz (i64.and (local.get $x) (i64.const 0x80808080)))
              (then
                (i64.store 1 (i32.add (local.get $dst) (i32.shl (local.get $o) (i32.const 1)))
                  (i64.or
                    (i64.or (i64.and (local.get $x) (i64.const 0xff))
                            (i64.and (i64.shl (local.get $x) (i64.const 8)) (i64.const 0xff0000)))
                    (i64.or (i64.and (i64.shl (local.get $x) (i64.const 16)) (i64.const 0xff00000000))
                            (i64.and (i64.shl (local.get $x) (i64.const 24)) (i64.const 0xff000000000000)))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (br $next)))))
        (call $dec8 (i32.add (local.get $src) (local.get $i))
                    (i32.sub (local.get $len) (local.get $i)))
        (local.set $n)
        (local.set $cp)
        (local.set $o (i32.add (local.get $o)
          (call $enc16 (i32.add (local.get $dst) (i32.shl (local.get $o) (i32.const 1)))
                       (local.get $cp))))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))
    (local.get $o))
"#;
