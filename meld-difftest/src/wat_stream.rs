//! Stream and future cases (docs/streams.md): a callee component exports
//! `make: func() -> stream<T>` (or `future<T>`), keeping the writable end
//! in a global, `pump: func()`, which writes the next chunk(s) of its N
//! values (laid out in its memory) asynchronously, or drops the writable
//! end once all N were taken, `finish: func()` (delivers a write still
//! pending and drops the end, for a future written first) and
//! `seen: func() -> u64` (values written, plus odd events << 32).
//!
//! The caller's `run` reads with async reads of random buffer sizes
//! (1..=8 elements), polling a waitable set with the readable end joined;
//! after each BLOCKED read it calls `pump` until the set has the read's
//! event. Every element received is folded into the checksum (its words,
//! as for the other cases), then the total count and `seen()`. How the
//! elements are split between reads and writes (partial copies, a waiting
//! copy that took part staying open until its event is delivered, writes
//! made before the read) is left to the engine: only the elements, their
//! order and the end (DROPPED) are checked.
//!
//! `T` is none or any value type the call cases use (`types::gen_type`:
//! numbers, bool, char, string, list, map, record, tuple, variant, enum,
//! option, result, flags, nested), often one with strings or lists in it.
//! The writer's values sit in its memory in its string encoding (pointers
//! into its memory); the reader reads with `(memory ..) (realloc ..)` and
//! its own string encoding (each side's drawn from utf8, utf16 and
//! latin1+utf16), and checksums each element by walking it in its own
//! memory (pointers followed, as the call cases walk results), so the
//! words are those of the values as the reader sees them. The reader's
//! realloc flags a bad alignment argument, which goes into the checksum.
//! A stream case replaces a generated case with probability 1 in
//! [`STREAM_ONE_IN`], drawn from a random stream of its own, so every
//! other case is generated exactly as before.

use std::fmt::Write;

use super::layout;
use super::rng::Rng;
use super::types::{gen_type, Encoding, Ty, TyId, Types, MAX_DEPTH};
use super::values::{gen_value, hash_words, words, Budget, Image, Lowerer, Val, HASH_INIT};
use super::wat_core::{
    data_segment, heap_and_pages, memory_walkers, module_prelude, walker, REALLOC,
};
use super::wat_gen::{nominal_names, ty_def, ty_ref, IMAGE_BASE};

/// One case in this many is a stream / future case.
pub const STREAM_ONE_IN: u64 = 6;

/// Hashed (by the caller) or counted (by the callee) when an event or a
/// copy result is not one the component model allows here.
pub const ODD_STREAM: u64 = 0x0dd_57e;

/// Percentage of stream / future cases allowed one big string or list.
const BIG_PERCENT: u64 = 10;

/// Length of the read-size / chunk tables (indexed modulo this).
const TABLE: u32 = 32;

#[derive(Clone, Debug)]
pub struct StreamCase {
    pub future: bool,
    pub types: Types,
    /// The payload type (`None`: no payload).
    pub elem: Option<TyId>,
    /// The values written, in order (one for a future).
    pub values: Vec<Val>,
    /// The caller's read buffer sizes, in elements (1..=8), cycled.
    pub reads: Vec<u8>,
    /// The callee's write sizes (1..=8), cycled over the writes.
    pub chunks: Vec<u8>,
    /// Per `pump` (cycled): how many more writes it makes after one
    /// that completed at once (0..=2).
    pub extra: Vec<u8>,
    /// The caller calls `pump` once before its first read.
    pub write_first: bool,
    /// Junk padding in the callee's values (the reader never looks at
    /// its padding, where meld and wasmtime differ: see `render`).
    pub dirty: bool,
    pub dirt_seed: u64,
    /// The writer's (`stream.write`) and the reader's (`stream.read`)
    /// string encodings.
    pub writer_enc: Encoding,
    pub reader_enc: Encoding,
    /// Name `string-encoding=utf8` even though it is the default.
    pub explicit_utf8: bool,
    /// The read names `(realloc ..)` even when the payload has no
    /// strings or lists.
    pub realloc_always: bool,
    /// The reader's heap starts at the end of its memory (every
    /// allocation grows it).
    pub reader_heap_at_edge: bool,
}

/// A random payload type: any type the call cases use, made to hold a
/// string or list more often than not. A bare `stream<char>` is wrapped
/// too (wasmparser refuses it: "use `stream<u8>` with a defined
/// encoding"; `future<char>` and a char inside a compound are allowed).
fn gen_elem(rng: &mut Rng, types: &mut Types, future: bool) -> TyId {
    let depth = rng.range(0, MAX_DEPTH as u64) as u32;
    let t = gen_type(rng, types, depth);
    let bare_char = !future && *types.get(t) == Ty::Char;
    if !bare_char && (types.has_pointers(t) || rng.percent(40)) {
        return t;
    }
    let s = types.add(Ty::String);
    match rng.below(5) {
        0 => types.add(Ty::List(t)),
        1 => types.add(Ty::Record(vec![s, t])),
        2 => types.add(Ty::Tuple(vec![t, s])),
        3 => types.add(Ty::Result(Some(s), Some(t))),
        _ => {
            let l = types.add(Ty::List(t));
            types.add(Ty::Option(l))
        }
    }
}

impl StreamCase {
    pub fn generate(rng: &mut Rng) -> StreamCase {
        let future = rng.percent(30);
        let mut types = Types::default();
        let elem = (!rng.percent(12)).then(|| gen_elem(rng, &mut types, future));
        let n = if future { 1 } else { rng.range(0, 19) };
        // sometimes one big string or list (1000s of elements): the
        // reader's realloc grows its memory
        let mut budget = Budget::new(rng.percent(BIG_PERCENT));
        let values = (0..n)
            .map(|_| match elem {
                Some(t) => gen_value(rng, &types, t, budget.fresh()),
                None => Val::Seq(Vec::new()),
            })
            .collect();
        let table = |rng: &mut Rng, lo: u64, hi: u64| -> Vec<u8> {
            (0..TABLE).map(|_| rng.range(lo, hi) as u8).collect()
        };
        let reads = table(rng, 1, 8);
        let chunks = table(rng, 1, 8);
        let extra = (0..TABLE).map(|_| *rng.pick(&[0u8, 0, 1, 2])).collect();
        StreamCase {
            future,
            types,
            elem,
            values,
            reads,
            chunks,
            extra,
            write_first: rng.percent(35),
            dirty: rng.percent(50),
            dirt_seed: rng.next_u64(),
            writer_enc: *rng.pick(&Encoding::ALL),
            reader_enc: *rng.pick(&Encoding::ALL),
            explicit_utf8: rng.percent(30),
            realloc_always: rng.percent(30),
            reader_heap_at_edge: rng.percent(15),
        }
    }

    /// Whether the payload holds strings or lists (the read needs a
    /// realloc).
    fn has_pointers(&self) -> bool {
        self.elem.is_some_and(|t| self.types.has_pointers(t))
    }

    /// ` string-encoding=..` for a side, or nothing for an implicit utf8.
    fn enc_opt(&self, enc: Encoding) -> String {
        if enc == Encoding::Utf8 && !self.explicit_utf8 {
            String::new()
        } else {
            format!(" string-encoding={}", enc.wat_name())
        }
    }

    fn kind(&self) -> &'static str {
        if self.future {
            "future"
        } else {
            "stream"
        }
    }

    pub fn signature(&self) -> String {
        match self.elem {
            Some(t) => format!("{}<{}>", self.kind(), self.types.display(t)),
            None => self.kind().to_string(),
        }
    }

    pub fn options(&self) -> String {
        let mut s = format!(
            "{} values, {} -> {}",
            self.values.len(),
            self.writer_enc.wat_name(),
            self.reader_enc.wat_name()
        );
        if self.realloc_always && !self.has_pointers() {
            s.push_str(", realloc");
        }
        if self.reader_heap_at_edge {
            s.push_str(", reader heap at edge");
        }
        if self.write_first {
            s.push_str(", write first");
        }
        if self.dirty {
            s.push_str(", dirty");
        }
        s
    }

    /// Each element's words as the reader sees them (1 per element
    /// without payload), the count received, `seen()` = N, and the
    /// reader's realloc's bad-alignment flag (0).
    pub fn expected(&self) -> u64 {
        let mut ws = Vec::new();
        for v in &self.values {
            match self.elem {
                Some(t) => words(&self.types, t, v, self.reader_enc, &mut ws),
                None => ws.push(1),
            }
        }
        let n = self.values.len() as u64;
        ws.push(n);
        ws.push(n);
        ws.push(0);
        hash_words(HASH_INIT, &ws)
    }

    fn elem_size_align(&self) -> (u32, u32) {
        match self.elem {
            Some(t) => (
                layout::size(&self.types, t),
                layout::alignment(&self.types, t),
            ),
            None => (0, 1),
        }
    }

    fn type_text(&self, names: &std::collections::HashMap<TyId, String>) -> String {
        match self.elem {
            Some(t) => format!("({} {})", self.kind(), ty_ref(&self.types, names, t)),
            None => format!("({})", self.kind()),
        }
    }

    pub fn render(&self) -> String {
        let roots: Vec<TyId> = self.elem.into_iter().collect();
        let (nominal, names) = nominal_names(&self.types, &roots);
        let sty = self.type_text(&names);
        let k = self.kind();
        let (size, align) = self.elem_size_align();
        let n = self.values.len() as u32;
        let mut w = String::from("(component\n");

        // ---- the callee
        let mut lw = Lowerer {
            types: &self.types,
            enc: self.writer_enc,
            img: Image::new(IMAGE_BASE, if self.dirty { 0xa5 } else { 0 }),
            rng: Rng::new(self.dirt_seed),
            // bool bytes other than 0 / 1 and junk padding too: the copy
            // hub lowers bools as 1 and leaves the reader's padding
            // (tests/fixtures/difftest-regressions/stream-bool-byte.wat,
            // stream-record-padding.wat)
            dirty: self.dirty,
            mutate: None,
            sites: 0,
        };
        let values_at = lw.img.alloc((size * n).max(1), align);
        if let Some(t) = self.elem {
            for (i, v) in self.values.iter().enumerate() {
                lw.store(t, v, values_at + i as u32 * size);
            }
        }
        let chunks_at = lw.img.alloc(TABLE, 1);
        lw.img.write(chunks_at, &self.chunks);
        let extra_at = lw.img.alloc(TABLE, 1);
        lw.img.write(extra_at, &self.extra);
        let ev = layout::align_to(lw.img.end(), 8);
        let callee_img = lw.img;
        let (_, callee_pages) = heap_and_pages(ev + 8, false);

        writeln!(w, "  (component $callee").unwrap();
        for id in &nominal {
            let nm = &names[id];
            writeln!(w, "    (type ${nm}' {})", ty_def(&self.types, &names, *id)).unwrap();
            writeln!(w, "    (export ${nm} \"{nm}\" (type ${nm}'))").unwrap();
        }
        writeln!(w, "    (type $s {sty})").unwrap();
        writeln!(
            w,
            "    (core module $libc (memory (export \"mem\") {callee_pages})\n      {})",
            data_segment(&callee_img)
        )
        .unwrap();
        writeln!(w, "    (core instance $libc (instantiate $libc))").unwrap();
        let mem = "(memory $libc \"mem\")";
        writeln!(w, "    (core func $new (canon {k}.new $s))").unwrap();
        writeln!(
            w,
            "    (core func $write (canon {k}.write $s async {mem}{}))",
            self.enc_opt(self.writer_enc)
        )
        .unwrap();
        writeln!(w, "    (core func $dw (canon {k}.drop-writable $s))").unwrap();
        writeln!(w, "    (core func $wsnew (canon waitable-set.new))").unwrap();
        writeln!(w, "    (core func $join (canon waitable.join))").unwrap();
        writeln!(w, "    (core func $poll (canon waitable-set.poll {mem}))").unwrap();
        let write_ty = if self.future {
            "(param i32 i32)"
        } else {
            "(param i32 i32 i32)"
        };
        write!(
            w,
            r#"    (core module $m
      (import "" "mem" (memory 1))
      (import "" "new" (func $new (result i64)))
      (import "" "write" (func $write {write_ty} (result i32)))
      (import "" "dw" (func $dw (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "poll" (func $poll (param i32 i32) (result i32)))
      (global $w (mut i32) (i32.const 0))
      (global $ws (mut i32) (i32.const 0))
      (global $pos (mut i32) (i32.const 0))
      (global $pend (mut i32) (i32.const 0))
      (global $dropped (mut i32) (i32.const 0))
      (global $pumps (mut i32) (i32.const 0))
      (global $odd (mut i32) (i32.const 0))
      (func $odd (global.set $odd (i32.add (global.get $odd) (i32.const 1))))
      (func (export "make") (result i32) (local $rw i64)
        (local.set $rw (call $new))
        (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
        (global.set $ws (call $wsnew))
        (call $join (global.get $w) (global.get $ws))
        (i32.wrap_i64 (local.get $rw)))
      ;; a write still pending: its event, if delivered (returns 1), else 0
      (func $settle (param $code i32) (result i32) (local $st i32) (local $e i32)
        (if (i32.eqz (global.get $pend)) (then (return (i32.const 1))))
        (local.set $e (call $poll (global.get $ws) (i32.const {ev})))
        (if (i32.eqz (local.get $e)) (then (return (i32.const 0))))
        (if (i32.or (i32.ne (local.get $e) (local.get $code))
                    (i32.ne (i32.load (i32.const {ev})) (global.get $w))) (then (call $odd)))
        (local.set $st (i32.load (i32.const {ev4})))
        (if (i32.and (local.get $st) (i32.const 15)) (then (call $odd)))
        (global.set $pos (i32.add (global.get $pos) {count}))
        (global.set $pend (i32.const 0))
        (i32.const 1))
      (func $drop
        (call $dw (global.get $w))
        (global.set $dropped (i32.const 1)))
"#,
            ev4 = ev + 4,
            count = if self.future {
                "(i32.const 1)"
            } else {
                "(i32.shr_u (local.get $st) (i32.const 4))"
            },
        )
        .unwrap();
        if self.future {
            write!(
                w,
                r#"      (func (export "pump") (local $st i32)
        (if (global.get $dropped) (then (call $odd) (return)))
        (if (global.get $pend) (then
          (if (call $settle (i32.const 5)) (then (call $drop)))
          (return)))
        (local.set $st (call $write (global.get $w) (i32.const {values_at})))
        (if (i32.eq (local.get $st) (i32.const -1)) (then (global.set $pend (i32.const 1)) (return)))
        (if (local.get $st) (then (call $odd)))
        (global.set $pos (i32.const 1))
        (call $drop))
"#
            )
            .unwrap();
        } else {
            write!(
                w,
                r#"      (func (export "pump") (local $st i32) (local $k i32) (local $c i32) (local $i i32)
        (if (global.get $dropped) (then (call $odd) (return)))
        (local.set $i (i32.rem_u (global.get $pumps) (i32.const {TABLE})))
        (local.set $k (i32.load8_u (i32.add (i32.const {extra_at}) (local.get $i))))
        (global.set $pumps (i32.add (global.get $pumps) (i32.const 1)))
        (block $out
          (loop $more
            (br_if $out (i32.eqz (call $settle (i32.const 3))))
            (if (i32.ge_u (global.get $pos) (i32.const {n})) (then (call $drop) (br $out)))
            (local.set $c (i32.load8_u (i32.add (i32.const {chunks_at})
              (i32.rem_u (i32.add (local.get $i) (local.get $k)) (i32.const {TABLE})))))
            (if (i32.gt_u (local.get $c) (i32.sub (i32.const {n}) (global.get $pos)))
              (then (local.set $c (i32.sub (i32.const {n}) (global.get $pos)))))
            (local.set $st (call $write (global.get $w)
              (i32.add (i32.const {values_at}) (i32.mul (global.get $pos) (i32.const {size})))
              (local.get $c)))
            (if (i32.eq (local.get $st) (i32.const -1)) (then (global.set $pend (i32.const 1)) (br $out)))
            (if (i32.and (local.get $st) (i32.const 15)) (then (call $odd) (br $out)))
            (global.set $pos (i32.add (global.get $pos) (i32.shr_u (local.get $st) (i32.const 4))))
            (br_if $out (i32.eqz (local.get $k)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $more))))
"#
            )
            .unwrap();
        }
        write!(
            w,
            r#"      (func (export "finish")
        (if (i32.eqz (global.get $dropped)) (then
          (if (call $settle (i32.const {wcode})) (then (call $drop)) (else (call $odd))))))
      (func (export "seen") (result i64)
        (i64.or (i64.extend_i32_u (global.get $pos)) (i64.shl (i64.extend_i32_u (global.get $odd)) (i64.const 32)))))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $libc "mem")) (export "new" (func $new)) (export "write" (func $write))
      (export "dw" (func $dw)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "poll" (func $poll))))))
    (func (export "make") (result $s) (canon lift (core func $i "make")))
    (func (export "pump") (canon lift (core func $i "pump")))
    (func (export "finish") (canon lift (core func $i "finish")))
    (func (export "seen") (result u64) (canon lift (core func $i "seen"))))
"#,
            wcode = if self.future { 5 } else { 3 },
        )
        .unwrap();

        // ---- the caller
        let mut img = Image::new(IMAGE_BASE, 0);
        let sizes_at = img.alloc(TABLE, 1);
        img.write(sizes_at, &self.reads);
        let buf = img.alloc((8 * size).max(8), align.max(8));
        img.fill_range(buf, (8 * size).max(8), 0xcc);
        let cev = layout::align_to(img.end(), 8);
        let (heap, pages) = heap_and_pages(cev + 8, self.reader_heap_at_edge);
        let read_opts = format!(
            "{mem}{}{}",
            if self.has_pointers() || self.realloc_always {
                " (realloc (func $libc \"realloc\"))"
            } else {
                ""
            },
            self.enc_opt(self.reader_enc)
        );
        writeln!(w, "  (component $caller").unwrap();
        for id in &nominal {
            let nm = &names[id];
            writeln!(w, "    (type ${nm}' {})", ty_def(&self.types, &names, *id)).unwrap();
            writeln!(w, "    (import \"{nm}\" (type ${nm} (eq ${nm}')))").unwrap();
        }
        writeln!(w, "    (type $s {sty})").unwrap();
        write!(
            w,
            r#"    (import "make" (func $make (result $s)))
    (import "pump" (func $pump))
    (import "finish" (func $finish))
    (import "seen" (func $seen (result u64)))
    (core module $libc (memory (export "mem") {pages})
      (global $heap (mut i32) (i32.const {heap}))
      (global $bad (export "bad") (mut i32) (i32.const 0)){REALLOC}      {data})
    (core instance $libc (instantiate $libc))
    (core func $make (canon lower (func $make)))
    (core func $pump (canon lower (func $pump)))
    (core func $finish (canon lower (func $finish)))
    (core func $seen (canon lower (func $seen)))
    (core func $read (canon {k}.read $s async {read_opts}))
    (core func $dr (canon {k}.drop-readable $s))
    (core func $wsnew (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $poll (canon waitable-set.poll {mem}))
    (core module $m
      (import "" "mem" (memory 1))
      (import "" "make" (func $make (result i32)))
      (import "" "pump" (func $pump))
      (import "" "finish" (func $finish))
      (import "" "seen" (func $seen (result i64)))
      (import "" "read" (func $read {read_ty} (result i32)))
      (import "" "dr" (func $dr (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "poll" (func $poll (param i32 i32) (result i32)))
      (import "" "bad" (global $bad (mut i32)))
      (global $h (mut i64) (i64.const 0))
      (global $total (mut i32) (i32.const 0))
"#,
            data = data_segment(&img),
            read_ty = if self.future {
                "(param i32 i32)"
            } else {
                "(param i32 i32 i32)"
            },
        )
        .unwrap();
        module_prelude(&mut w);
        if let Some(t) = self.elem {
            let ids = self.types.reachable(&[t]);
            w.push_str(&memory_walkers(&self.types, &ids, self.reader_enc));
        }
        let fold_one = match self.elem {
            Some(t) => format!(
                "(call {} (i32.add (i32.const {buf}) (i32.mul (local.get $i) (i32.const {size}))))",
                walker(t, self.reader_enc)
            ),
            None => "(call $hw (i64.const 1))".to_string(),
        };
        // `$fold`: the elements a copy result says arrived, its result code
        let (count, cap) = if self.future {
            (
                "(i32.eqz (local.get $st))".to_string(),
                "(i32.const 1)".to_string(),
            )
        } else {
            (
                "(i32.shr_u (local.get $st) (i32.const 4))".to_string(),
                "(local.get $n)".to_string(),
            )
        };
        let read_args = if self.future {
            format!("(local.get $r) (i32.const {buf})")
        } else {
            format!("(local.get $r) (i32.const {buf}) (local.get $n)")
        };
        let (rcode, limit) = if self.future { (4, 2) } else { (2, 200) };
        write!(
            w,
            r#"      (func $fold (param $st i32) (param $n i32) (result i32) (local $c i32) (local $i i32)
        (local.set $c {count})
        (if (i32.gt_u (local.get $c) {cap}) (then (call $hw (i64.const {ODD_STREAM})) (local.set $c {cap})))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $c)))
            {fold_one}
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (global.set $total (i32.add (global.get $total) (local.get $c)))
        (i32.and (local.get $st) (i32.const 15)))
      (func (export "run") (result i64)
        (local $r i32) (local $set i32) (local $st i32) (local $n i32) (local $reads i32) (local $tries i32) (local $code i32) (local $end i32)
        (global.set $h (i64.const {init}))
        (global.set $total (i32.const 0))
        (local.set $r (call $make))
        (local.set $set (call $wsnew))
        (call $join (local.get $r) (local.get $set)){first}
        (block $out
          (loop $next
            (if (i32.ge_u (local.get $reads) (i32.const {limit})) (then (call $hw (i64.const {ODD_STREAM})) (br $out)))
            (local.set $n (i32.load8_u (i32.add (i32.const {sizes_at}) (i32.rem_u (local.get $reads) (i32.const {TABLE})))))
            (local.set $reads (i32.add (local.get $reads) (i32.const 1)))
            (local.set $st (call $read {read_args}))
            (if (i32.eq (local.get $st) (i32.const -1))
              (then
                (local.set $tries (i32.const 0))
                (block $got
                  (loop $again
                    (if (i32.ge_u (local.get $tries) (i32.const 4)) (then unreachable))
                    (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
                    (call $pump)
                    (local.set $code (call $poll (local.get $set) (i32.const {cev})))
                    (br_if $again (i32.eqz (local.get $code)))))
                (if (i32.or (i32.ne (local.get $code) (i32.const {rcode}))
                            (i32.ne (i32.load (i32.const {cev})) (local.get $r)))
                  (then (call $hw (i64.const {ODD_STREAM}))))
                (local.set $st (i32.load (i32.const {cev4})))))
            (local.set $code (call $fold (local.get $st) (local.get $n)))
            (br_if $out (i32.ne (local.get $code) (i32.const 0)))
            (br_if $out (i32.const {future}))
            (br $next)))
        (if (i32.gt_u (local.get $code) (i32.const 1)) (then (call $hw (i64.const {ODD_STREAM}))))
        (call $dr (local.get $r))
        (call $finish)
        (call $hw (i64.extend_i32_u (global.get $total)))
        (call $hw (call $seen))
        (call $hw (i64.extend_i32_u (global.get $bad)))
        (global.get $h)))
    (core instance $i (instantiate $m (with "" (instance
      (export "mem" (memory $libc "mem")) (export "make" (func $make)) (export "pump" (func $pump))
      (export "finish" (func $finish)) (export "seen" (func $seen)) (export "read" (func $read))
      (export "dr" (func $dr)) (export "wsnew" (func $wsnew)) (export "join" (func $join)) (export "poll" (func $poll))
      (export "bad" (global $libc "bad"))))))
    (func (export "run") (result u64) (canon lift (core func $i "run"))))
"#,
            init = HASH_INIT as i64,
            cev4 = cev + 4,
            first = if self.write_first {
                "\n        (call $pump)"
            } else {
                ""
            },
            future = self.future as u32,
        )
        .unwrap();
        let type_withs: String = nominal
            .iter()
            .map(|id| {
                let nm = &names[id];
                format!(" (with \"{nm}\" (type $c \"{nm}\"))")
            })
            .collect();
        write!(
            w,
            r#"  (instance $c (instantiate $callee))
  (instance $d (instantiate $caller{type_withs}
    (with "make" (func $c "make")) (with "pump" (func $c "pump"))
    (with "finish" (func $c "finish")) (with "seen" (func $c "seen"))))
  (export "run" (func $d "run")))
"#
        )
        .unwrap();
        w
    }
}
