//! Random values, their checksum words, and their canonical-ABI
//! representation (memory images and flat core values).

use super::layout::{self, CoreTy};
use super::rng::Rng;
use super::types::{Encoding, Ty, TyId, Types};

/// A component-model value; its type gives the interpretation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Bool(bool),
    /// Any integer type: unsigned values zero-extended, signed values
    /// sign-extended, as 64 bits.
    Int(u64),
    F32(u32),
    F64(u64),
    Char(char),
    Str(String),
    /// list, record or tuple elements.
    Seq(Vec<Val>),
    /// variant, enum, option or result: case index and payload.
    Case(u32, Option<Box<Val>>),
    Flags(u32),
}

// ---------------------------------------------------------------------------
// Generation.

fn gen_uint(rng: &mut Rng, bits: u32) -> u64 {
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    if rng.percent(30) {
        let half = 1u64 << (bits - 1);
        *rng.pick(&[0, 1, mask, mask - 1, half, half - 1])
    } else {
        rng.next_u64() & mask
    }
}

fn sign_extend(v: u64, bits: u32) -> u64 {
    let shift = 64 - bits;
    (((v << shift) as i64) >> shift) as u64
}

fn gen_f32(rng: &mut Rng) -> u32 {
    if rng.percent(25) {
        let specials: [f32; 10] = [
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0,
            -1.5,
            f32::MIN_POSITIVE,
            f32::from_bits(1), // smallest subnormal
            f32::MAX,
            f32::MIN,
        ];
        return rng.pick(&specials).to_bits();
    }
    loop {
        let bits = rng.next_u32();
        if !f32::from_bits(bits).is_nan() {
            return bits;
        }
    }
}

fn gen_f64(rng: &mut Rng) -> u64 {
    if rng.percent(25) {
        let specials: [f64; 10] = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.0,
            -2.5,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            f64::MIN,
        ];
        return rng.pick(&specials).to_bits();
    }
    loop {
        let bits = rng.next_u64();
        if !f64::from_bits(bits).is_nan() {
            return bits;
        }
    }
}

#[derive(Clone, Copy)]
enum CharClass {
    Ascii,
    Latin1,
    Bmp,
    Astral,
    Edge,
}

fn gen_char_of(rng: &mut Rng, class: CharClass) -> char {
    let cp = match class {
        CharClass::Ascii => rng.range(0x20, 0x7e) as u32,
        CharClass::Latin1 => rng.range(0x80, 0xff) as u32,
        CharClass::Bmp => loop {
            let c = rng.range(0x100, 0xffff) as u32;
            if !(0xd800..=0xdfff).contains(&c) {
                break c;
            }
        },
        CharClass::Astral => rng.range(0x10000, 0x10ffff) as u32,
        CharClass::Edge => *rng.pick(&[
            0, 0x7f, 0x80, 0xff, 0x100, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000,
            0x10ffff,
        ]),
    };
    char::from_u32(cp).expect("generated a valid scalar value")
}

fn gen_char(rng: &mut Rng) -> char {
    let class = match rng.weighted(&[40, 20, 20, 15, 5]) {
        0 => CharClass::Ascii,
        1 => CharClass::Latin1,
        2 => CharClass::Bmp,
        3 => CharClass::Astral,
        _ => CharClass::Edge,
    };
    gen_char_of(rng, class)
}

/// Bounds the size of generated values.
#[derive(Clone, Debug)]
pub struct Budget {
    /// List elements + string characters left for the current value.
    pub left: i64,
    /// One list / string may still be big (thousands of elements).
    pub big: bool,
}

/// List elements + string characters per top-level value.
const VALUE_BUDGET: i64 = 60;

impl Budget {
    pub fn new(big: bool) -> Budget {
        Budget {
            left: VALUE_BUDGET,
            big,
        }
    }

    /// Resets the per-value allowance, keeps the big one.
    pub fn fresh(&mut self) -> &mut Budget {
        self.left = VALUE_BUDGET;
        self
    }

    fn take_big(&mut self, rng: &mut Rng) -> bool {
        let take = self.big && rng.percent(30);
        if take {
            self.big = false;
        }
        take
    }
}

fn gen_string(rng: &mut Rng, budget: &mut Budget) -> String {
    let len = if budget.take_big(rng) {
        rng.range(1000, 20000)
    } else if budget.left <= 0 || rng.percent(10) {
        return String::new();
    } else {
        rng.range(1, 12)
    };
    budget.left -= len as i64;
    let style = rng.weighted(&[25, 20, 55]);
    (0..len)
        .map(|_| match style {
            0 => gen_char_of(rng, CharClass::Ascii),
            1 => {
                if rng.percent(50) {
                    gen_char_of(rng, CharClass::Ascii)
                } else {
                    gen_char_of(rng, CharClass::Latin1)
                }
            }
            _ => gen_char(rng),
        })
        .collect()
}

/// A random value of type `id`.
pub fn gen_value(rng: &mut Rng, types: &Types, id: TyId, budget: &mut Budget) -> Val {
    match types.get(id) {
        Ty::Bool => Val::Bool(rng.percent(50)),
        Ty::U8 => Val::Int(gen_uint(rng, 8)),
        Ty::S8 => Val::Int(sign_extend(gen_uint(rng, 8), 8)),
        Ty::U16 => Val::Int(gen_uint(rng, 16)),
        Ty::S16 => Val::Int(sign_extend(gen_uint(rng, 16), 16)),
        Ty::U32 => Val::Int(gen_uint(rng, 32)),
        Ty::S32 => Val::Int(sign_extend(gen_uint(rng, 32), 32)),
        Ty::U64 | Ty::S64 => Val::Int(gen_uint(rng, 64)),
        Ty::F32 => Val::F32(gen_f32(rng)),
        Ty::F64 => Val::F64(gen_f64(rng)),
        Ty::Char => Val::Char(gen_char(rng)),
        Ty::String => Val::Str(gen_string(rng, budget)),
        Ty::List(e) | Ty::Map(e) => {
            let n = if types.get(*e).is_primitive() && budget.take_big(rng) {
                rng.range(1000, 12000)
            } else if budget.left <= 0 {
                0
            } else {
                *rng.pick(&[0, 1, 1, 2, 2, 3, 4, 5])
            };
            budget.left -= n as i64;
            Val::Seq((0..n).map(|_| gen_value(rng, types, *e, budget)).collect())
        }
        Ty::Record(fs) | Ty::Tuple(fs) => Val::Seq(
            fs.iter()
                .map(|f| gen_value(rng, types, *f, budget))
                .collect(),
        ),
        Ty::Flags(n) => Val::Flags(rng.next_u32() & flags_mask(*n)),
        _ => {
            let cases = types.cases(id).unwrap();
            let d = rng.below(cases.len() as u64) as usize;
            let payload = cases[d].map(|t| Box::new(gen_value(rng, types, t, budget)));
            Val::Case(d as u32, payload)
        }
    }
}

pub fn flags_mask(n: u32) -> u32 {
    if n == 32 {
        u32::MAX
    } else {
        (1u32 << n) - 1
    }
}

// ---------------------------------------------------------------------------
// Checksum.
//
// A value is checksummed as a stream of 64-bit words, walked in order:
// scalars are one word (bool 0/1, integers zero- or sign-extended, floats as
// their bits, char as its scalar value, flags as their bits), a string is its
// length in code units of the receiving side's encoding followed by one word
// per code unit (UTF-8 bytes, or UTF-16 units for utf16 and latin1+utf16; a
// latin1 byte is the same unit as its UTF-16 unit), a list is its length and
// then its elements, records / tuples are their fields, and variant-likes
// are the discriminant followed by the payload if the case has one.
// The generated WAT computes the same stream with `$hw`, from the raw
// representation the receiving side finds: the canonical ABI defines it
// exactly (a lowered `true` is 1, flat small integers are zero- / sign-
// extended, flags have no stray bits, unused variant slots are 0), so a
// glue that passes on the sender's slack changes the checksum.

pub const HASH_INIT: u64 = 0x6A09_E667_F3BC_C908;
pub const HASH_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

pub fn mix(h: u64, w: u64) -> u64 {
    let h = (h ^ w).wrapping_mul(HASH_MUL);
    h ^ (h >> 32)
}

pub fn hash_words(init: u64, words: &[u64]) -> u64 {
    words.iter().fold(init, |h, w| mix(h, *w))
}

/// Code units of `s` as the receiving side sees them.
pub fn string_units(s: &str, enc: Encoding) -> Vec<u64> {
    match enc {
        Encoding::Utf8 => s.bytes().map(u64::from).collect(),
        Encoding::Utf16 | Encoding::Latin1Utf16 => s.encode_utf16().map(u64::from).collect(),
    }
}

pub fn words(types: &Types, id: TyId, val: &Val, enc: Encoding, out: &mut Vec<u64>) {
    match (types.get(id), val) {
        (Ty::Bool, Val::Bool(b)) => out.push(*b as u64),
        (_, Val::Int(v)) => out.push(*v),
        (Ty::F32, Val::F32(b)) => out.push(*b as u64),
        (Ty::F64, Val::F64(b)) => out.push(*b),
        (Ty::Char, Val::Char(c)) => out.push(*c as u64),
        (Ty::String, Val::Str(s)) => {
            let units = string_units(s, enc);
            out.push(units.len() as u64);
            out.extend(units);
        }
        (Ty::List(e) | Ty::Map(e), Val::Seq(items)) => {
            out.push(items.len() as u64);
            for it in items {
                words(types, *e, it, enc, out);
            }
        }
        (Ty::Record(fs) | Ty::Tuple(fs), Val::Seq(items)) => {
            for (f, it) in fs.iter().zip(items) {
                words(types, *f, it, enc, out);
            }
        }
        (Ty::Flags(_), Val::Flags(bits)) => out.push(*bits as u64),
        (_, Val::Case(d, payload)) => {
            out.push(*d as u64);
            let cases = types.cases(id).expect("variant-like type");
            if let (Some(t), Some(p)) = (cases[*d as usize], payload) {
                words(types, t, p, enc, out);
            }
        }
        (t, v) => panic!("value {v:?} does not have type {t:?}"),
    }
}

// ---------------------------------------------------------------------------
// Representation.

/// A string in one encoding, as it sits in memory.
pub struct EncodedStr {
    pub bytes: Vec<u8>,
    /// The canonical length field (code units; bit 31 tags UTF-16 in
    /// latin1+utf16).
    pub len_field: u32,
    pub align: u32,
}

pub const UTF16_TAG: u32 = 1 << 31;

/// Encodes `s`; for latin1+utf16 a latin1-only string is stored as latin1
/// unless `force_utf16` (both are valid representations).
pub fn encode_str(s: &str, enc: Encoding, force_utf16: bool) -> EncodedStr {
    let utf16 = |tag: u32| {
        let units: Vec<u16> = s.encode_utf16().collect();
        EncodedStr {
            bytes: units.iter().flat_map(|u| u.to_le_bytes()).collect(),
            len_field: units.len() as u32 | tag,
            align: 2,
        }
    };
    match enc {
        Encoding::Utf8 => EncodedStr {
            bytes: s.as_bytes().to_vec(),
            len_field: s.len() as u32,
            align: 1,
        },
        Encoding::Utf16 => utf16(0),
        Encoding::Latin1Utf16 => {
            if !force_utf16 && s.chars().all(|c| (c as u32) <= 0xff) {
                EncodedStr {
                    bytes: s.chars().map(|c| c as u8).collect(),
                    len_field: s.chars().count() as u32,
                    align: 2,
                }
            } else {
                utf16(UTF16_TAG)
            }
        }
    }
}

/// Bytes placed in a linear memory's data segment starting at `base`.
#[derive(Clone, Debug)]
pub struct Image {
    pub base: u32,
    pub bytes: Vec<u8>,
    /// Fill byte for fresh allocations (so padding holds garbage).
    pub fill: u8,
}

impl Image {
    pub fn new(base: u32, fill: u8) -> Image {
        Image {
            base,
            bytes: Vec::new(),
            fill,
        }
    }

    pub fn end(&self) -> u32 {
        self.base + self.bytes.len() as u32
    }

    pub fn alloc(&mut self, size: u32, align: u32) -> u32 {
        let addr = layout::align_to(self.end(), align.max(1));
        let new_len = (addr + size - self.base) as usize;
        self.bytes.resize(new_len, self.fill);
        addr
    }

    pub fn write(&mut self, addr: u32, data: &[u8]) {
        let at = (addr - self.base) as usize;
        self.bytes[at..at + data.len()].copy_from_slice(data);
    }

    pub fn fill_range(&mut self, addr: u32, len: u32, byte: u8) {
        let at = (addr - self.base) as usize;
        self.bytes[at..at + len as usize].fill(byte);
    }
}

/// An address no memory in a test composition reaches.
pub const OUT_OF_BOUNDS: u32 = 0xffff_0000;

/// Writes values in one side's representation: into an [`Image`] and as
/// flat core values.
///
/// With `dirty`, it uses every freedom the canonical ABI leaves the sender:
/// garbage in padding, non-1 bytes for `true`, garbage above the value bits
/// of flat small integers and flags, garbage in the high half of joined i64
/// slots and in unused variant slots, UTF-16 tagging of latin1-only strings.
/// The receiver must ignore all of it.
///
/// `mutate` names one "site" (an invalid value the receiver must trap on:
/// a char, a discriminant, a string's contents or a string / list pointer);
/// sites are numbered in walk order, and `sites` counts the ones seen.
pub struct Lowerer<'a> {
    pub types: &'a Types,
    pub enc: Encoding,
    pub img: Image,
    pub rng: Rng,
    pub dirty: bool,
    pub mutate: Option<usize>,
    pub sites: usize,
}

impl<'a> Lowerer<'a> {
    fn hit(&mut self) -> bool {
        let hit = self.mutate == Some(self.sites);
        self.sites += 1;
        hit
    }

    fn bad_char(&mut self) -> u32 {
        *self
            .rng
            .pick(&[0xd800, 0xdbff, 0xdc00, 0xdfff, 0x110000, 0xffff_ffff])
    }

    /// Stores a string's contents, returns (ptr, len field).
    fn string(&mut self, s: &str) -> (u32, u32) {
        let force_utf16 = self.enc == Encoding::Latin1Utf16 && self.rng.percent(30);
        let mut e = encode_str(s, self.enc, force_utf16);
        let mut bad_ptr = false;
        if !s.is_empty() && self.hit() {
            let content_corruptible =
                self.enc != Encoding::Latin1Utf16 || e.len_field & UTF16_TAG != 0;
            if content_corruptible && self.rng.percent(60) {
                if self.enc == Encoding::Utf8 {
                    let i = self.rng.below(e.bytes.len() as u64) as usize;
                    e.bytes[i] = 0xff; // never valid in UTF-8
                } else {
                    e.bytes[0] = 0x00; // lone low surrogate first
                    e.bytes[1] = 0xdc;
                }
            } else {
                bad_ptr = true;
            }
        }
        let ptr = self.img.alloc(e.bytes.len() as u32, e.align);
        self.img.write(ptr, &e.bytes);
        (if bad_ptr { OUT_OF_BOUNDS } else { ptr }, e.len_field)
    }

    /// Stores a list's elements, returns (ptr, len).
    fn list(&mut self, elem: TyId, items: &[Val]) -> (u32, u32) {
        let bad_ptr = !items.is_empty() && self.hit();
        let esz = layout::size(self.types, elem);
        let ptr = self.img.alloc(
            esz * items.len() as u32,
            layout::alignment(self.types, elem),
        );
        for (i, it) in items.iter().enumerate() {
            self.store(elem, it, ptr + i as u32 * esz);
        }
        (
            if bad_ptr { OUT_OF_BOUNDS } else { ptr },
            items.len() as u32,
        )
    }

    /// Writes `val` (of type `id`) to `addr`, which is already allocated.
    pub fn store(&mut self, id: TyId, val: &Val, addr: u32) {
        let types = self.types;
        match (types.get(id), val) {
            (Ty::Bool, Val::Bool(b)) => {
                let byte = match (*b, self.dirty && self.rng.percent(50)) {
                    (false, _) => 0,
                    (true, false) => 1,
                    (true, true) => self.rng.range(1, 255) as u8,
                };
                self.img.write(addr, &[byte]);
            }
            (_, Val::Int(v)) => {
                let n = layout::size(types, id) as usize;
                self.img.write(addr, &v.to_le_bytes()[..n]);
            }
            (Ty::F32, Val::F32(b)) => self.img.write(addr, &b.to_le_bytes()),
            (Ty::F64, Val::F64(b)) => self.img.write(addr, &b.to_le_bytes()),
            (Ty::Char, Val::Char(c)) => {
                let cp = if self.hit() {
                    self.bad_char()
                } else {
                    *c as u32
                };
                self.img.write(addr, &cp.to_le_bytes());
            }
            (Ty::String, Val::Str(s)) => {
                let (ptr, len) = self.string(s);
                self.img.write(addr, &ptr.to_le_bytes());
                self.img.write(addr + 4, &len.to_le_bytes());
            }
            (Ty::List(e) | Ty::Map(e), Val::Seq(items)) => {
                let (ptr, len) = self.list(*e, items);
                self.img.write(addr, &ptr.to_le_bytes());
                self.img.write(addr + 4, &len.to_le_bytes());
            }
            (Ty::Record(fs) | Ty::Tuple(fs), Val::Seq(items)) => {
                let offs = layout::field_offsets(types, fs);
                for ((f, off), it) in fs.iter().zip(offs).zip(items) {
                    self.store(*f, it, addr + off);
                }
            }
            (Ty::Flags(n), Val::Flags(bits)) => {
                let size = layout::flags_size(*n);
                let mut v = *bits;
                if self.dirty && *n < size * 8 && self.rng.percent(50) {
                    v |= self.rng.next_u32() & !flags_mask(*n);
                }
                self.img.write(addr, &v.to_le_bytes()[..size as usize]);
            }
            (_, Val::Case(d, payload)) => {
                let cases = types.cases(id).expect("variant-like type");
                let ds = layout::disc_size(cases.len());
                let max = if ds == 4 {
                    u32::MAX as u64
                } else {
                    (1u64 << (8 * ds)) - 1
                };
                let mut disc = *d;
                if (cases.len() as u64) <= max && self.hit() {
                    disc = self.rng.range(cases.len() as u64, max) as u32;
                }
                self.img.write(addr, &disc.to_le_bytes()[..ds as usize]);
                if let (Some(t), Some(p)) = (cases[*d as usize], payload) {
                    let off = layout::payload_offset(types, &cases);
                    self.store(t, p, addr + off);
                }
            }
            (t, v) => panic!("value {v:?} does not have type {t:?}"),
        }
    }

    /// A flat i32 holding a `bits`-wide integer.
    fn small_int(&mut self, v: u64, bits: u32) -> u64 {
        let mask = (1u64 << bits) - 1;
        if self.dirty && self.rng.percent(50) {
            (v & mask) | (self.rng.next_u32() as u64 & !mask & 0xffff_ffff)
        } else {
            v & 0xffff_ffff
        }
    }

    /// A flat value of type `have` placed in a joined slot of type `want`.
    fn coerce(&mut self, have: CoreTy, bits: u64, want: CoreTy) -> u64 {
        use CoreTy::*;
        match (have, want) {
            _ if have == want => bits,
            (F32, I32) | (F64, I64) => bits,
            (I32 | F32, I64) => {
                let high = if self.dirty && self.rng.percent(50) {
                    self.rng.next_u64() << 32
                } else {
                    0
                };
                (bits & 0xffff_ffff) | high
            }
            _ => panic!("cannot join {have:?} into {want:?}"),
        }
    }

    /// The flat core values of `val` (strings / lists go to the image).
    /// Values are bit patterns: i32 / f32 in the low 32 bits.
    pub fn flat(&mut self, id: TyId, val: &Val, out: &mut Vec<(CoreTy, u64)>) {
        use CoreTy::*;
        let types = self.types;
        match (types.get(id), val) {
            (Ty::Bool, Val::Bool(b)) => {
                let v = match (*b, self.dirty && self.rng.percent(50)) {
                    (false, _) => 0,
                    (true, false) => 1,
                    (true, true) => self.rng.range(1, u32::MAX as u64),
                };
                out.push((I32, v));
            }
            (Ty::U8 | Ty::S8, Val::Int(v)) => {
                let x = self.small_int(*v, 8);
                out.push((I32, x));
            }
            (Ty::U16 | Ty::S16, Val::Int(v)) => {
                let x = self.small_int(*v, 16);
                out.push((I32, x));
            }
            (Ty::U32 | Ty::S32, Val::Int(v)) => out.push((I32, v & 0xffff_ffff)),
            (Ty::U64 | Ty::S64, Val::Int(v)) => out.push((I64, *v)),
            (Ty::F32, Val::F32(b)) => out.push((F32, *b as u64)),
            (Ty::F64, Val::F64(b)) => out.push((F64, *b)),
            (Ty::Char, Val::Char(c)) => {
                let cp = if self.hit() {
                    self.bad_char()
                } else {
                    *c as u32
                };
                out.push((I32, cp as u64));
            }
            (Ty::String, Val::Str(s)) => {
                let (ptr, len) = self.string(s);
                out.push((I32, ptr as u64));
                out.push((I32, len as u64));
            }
            (Ty::List(e) | Ty::Map(e), Val::Seq(items)) => {
                let (ptr, len) = self.list(*e, items);
                out.push((I32, ptr as u64));
                out.push((I32, len as u64));
            }
            (Ty::Record(fs) | Ty::Tuple(fs), Val::Seq(items)) => {
                for (f, it) in fs.iter().zip(items) {
                    self.flat(*f, it, out);
                }
            }
            (Ty::Flags(n), Val::Flags(bits)) => {
                let mut v = *bits;
                if self.dirty && *n < 32 && self.rng.percent(50) {
                    v |= self.rng.next_u32() & !flags_mask(*n);
                }
                out.push((I32, v as u64));
            }
            (_, Val::Case(d, payload)) => {
                let cases = types.cases(id).expect("variant-like type");
                let joined = layout::flatten(types, id);
                let disc = if self.hit() {
                    self.rng.range(cases.len() as u64, cases.len() as u64 + 3)
                } else {
                    *d as u64
                };
                out.push((I32, disc));
                let mut p = Vec::new();
                if let (Some(t), Some(pv)) = (cases[*d as usize], payload) {
                    self.flat(t, pv, &mut p);
                }
                for (i, want) in joined[1..].iter().enumerate() {
                    let v = match p.get(i) {
                        Some((have, bits)) => self.coerce(*have, *bits, *want),
                        None if self.dirty && self.rng.percent(50) => match want {
                            I32 | F32 => self.rng.next_u32() as u64,
                            I64 | F64 => self.rng.next_u64(),
                        },
                        None => 0,
                    };
                    out.push((*want, v));
                }
            }
            (t, v) => panic!("value {v:?} does not have type {t:?}"),
        }
    }
}
