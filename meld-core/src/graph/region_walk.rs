//! The walker of [`super::region_thunk`]: generates the code that visits
//! every pointer of a component type (strings, lists and maps, in flat
//! values or nested in linear memory) and converts it between
//! region-relative and absolute addresses (`--memory shared --component`).
//!
//! All memory accesses of the generated code use region-relative addresses
//! of the component's memory (the shared-memory pass rebases and checks
//! them like any other access); only the pointer *values* handed to or
//! taken from the host change by the region's base.

use super::boundary::{Ctx, V};
use super::boundary_walk::{read_i32, Slot};
use super::type_shape::{cases, fields};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use wasmtime_environ::component::InterfaceType;

/// How a pointer changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Relative → absolute, for the host to read: the range is checked to
    /// lie in the region first (wasmtime's lift checks it against the
    /// memory; here the region is the component's memory).
    Out,
    /// Absolute → relative, for data the host wrote (through the
    /// region's realloc): checked to lie in the region.
    In,
    /// Absolute → relative, undoing an earlier [`Mode::Out`] once the host
    /// is done reading (no check: the value was checked on the way out).
    Back,
}

/// What a pointer points at, for the length in bytes and the trap reason.
#[derive(Debug, Clone, Copy)]
enum Kind {
    String,
    /// Elements of this many bytes.
    List(u32),
    Map(u32),
}

impl Kind {
    fn trap(self) -> &'static str {
        match self {
            Kind::String => TRAP_STRING,
            Kind::List(_) => TRAP_LIST,
            Kind::Map(_) => TRAP_MAP,
        }
    }
}

/// wasmtime's words when a host lifts a value out of the memory's bounds.
pub(super) const TRAP_STRING: &str = "string pointer/length out of bounds of memory";
pub(super) const TRAP_LIST: &str = "list pointer/length out of bounds of memory";
pub(super) const TRAP_MAP: &str = "map pointer/length out of bounds of memory";
pub(super) const TRAP_POINTER: &str = "pointer out of bounds of memory";
pub(super) const TRAP_REALLOC: &str = "realloc return: beyond end of memory";

/// The region's size in bytes (i64): `memory.size` of the component's
/// memory, which the shared-memory pass makes the region's.
pub(super) const REGION_BYTES: &str = "(i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16))";

/// Generator of one region thunk's conversions.
pub(super) struct Walk<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    /// `utf8`, `utf16` or `latin1+utf16`: how string lengths count.
    pub encoding: &'static str,
    /// Extra locals (after the parameters).
    pub locals: Vec<V>,
    pub nparams: u32,
    /// The trap functions the code calls (by reason).
    pub traps: BTreeSet<&'static str>,
    pub body: String,
}

impl Walk<'_, '_> {
    pub(super) fn local(&mut self, v: V) -> u32 {
        self.locals.push(v);
        self.nparams + self.locals.len() as u32 - 1
    }

    /// Whether a pointer occurs anywhere in `ty`.
    pub(super) fn has_ptrs(&self, ty: &InterfaceType) -> bool {
        let t = self.ctx.types;
        if let Some(tys) = fields(t, ty) {
            return tys.iter().any(|c| self.has_ptrs(c));
        }
        if let Some((cs, _)) = cases(t, ty) {
            return cs.iter().flatten().any(|c| self.has_ptrs(c));
        }
        matches!(
            ty,
            InterfaceType::String | InterfaceType::List(_) | InterfaceType::Map(_)
        )
    }

    /// A call of the trap function for `reason`.
    pub(super) fn trap(&mut self, reason: &'static str) -> String {
        self.traps.insert(reason);
        format!("(call {})", crate::builtins::quoted_id(reason))
    }

    /// Code checking that `len` bytes (i64 expression) from relative
    /// address `rel` (an i32 local) lie in the region, trapping `reason`.
    pub(super) fn check(&mut self, rel: u32, len: &str, reason: &'static str) {
        let trap = self.trap(reason);
        writeln!(
            self.body,
            "    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get {rel})) {len}) {REGION_BYTES}) (then {trap}))"
        )
        .ok();
    }

    /// Convert the pointer `get` (an i32 expression) of `kind` with `len`
    /// (an i32 local) elements: writes the code that leaves the relative
    /// address in a new local (returned) and hands the converted value to
    /// `set`.
    fn site(
        &mut self,
        get: &str,
        len: u32,
        kind: Kind,
        mode: Mode,
        set: &dyn Fn(&str) -> String,
    ) -> u32 {
        let rel = self.local(V::I32);
        let bytes = self.byte_len(kind, len);
        match mode {
            Mode::Out => {
                writeln!(self.body, "    (local.set {rel} {get})").ok();
                self.check(rel, &bytes, kind.trap());
                let v = format!("(i32.add (local.get {rel}) (global.get $base))");
                writeln!(self.body, "    {}", set(&v)).ok();
            }
            Mode::In => {
                let abs = self.local(V::I32);
                let trap = self.trap(kind.trap());
                // An empty string or list may come with any pointer (a
                // host need not allocate for it): it becomes 0.
                writeln!(
                    self.body,
                    "    (local.set {abs} {get})\n    (if (i64.eqz {bytes}) (then (local.set {rel} (i32.const 0))) (else\n    (if (i32.lt_u (local.get {abs}) (global.get $base)) (then {trap}))\n    (local.set {rel} (i32.sub (local.get {abs}) (global.get $base)))"
                )
                .ok();
                self.check(rel, &bytes, kind.trap());
                writeln!(self.body, "    ))").ok();
                writeln!(self.body, "    {}", set(&format!("(local.get {rel})"))).ok();
            }
            Mode::Back => {
                writeln!(
                    self.body,
                    "    (local.set {rel} (i32.sub {get} (global.get $base)))\n    {}",
                    set(&format!("(local.get {rel})"))
                )
                .ok();
            }
        }
        rel
    }

    /// The length in bytes (an i64 expression) of `len` (an i32 local)
    /// elements of `kind`.
    fn byte_len(&self, kind: Kind, len: u32) -> String {
        let n = format!("(i64.extend_i32_u (local.get {len}))");
        match kind {
            Kind::String => match self.encoding {
                "utf16" => format!("(i64.shl {n} (i64.const 1))"),
                "latin1+utf16" => format!(
                    "(if (result i64) (i32.lt_s (local.get {len}) (i32.const 0)) \
                     (then (i64.shl (i64.extend_i32_u (i32.and (local.get {len}) (i32.const 0x7fffffff))) (i64.const 1))) \
                     (else {n}))"
                ),
                _ => n,
            },
            Kind::List(size) | Kind::Map(size) => format!("(i64.mul {n} (i64.const {size}))"),
        }
    }

    /// What a pointer type points at and its elements (`None` for a
    /// string's); `None` for a type that is not a pointer.
    fn kind(&self, ty: &InterfaceType) -> Option<(Kind, Option<Elem>)> {
        let t = self.ctx.types;
        match ty {
            InterfaceType::String => Some((Kind::String, None)),
            InterfaceType::List(l) => {
                let e = t[*l].element;
                let size = t.canonical_abi(&e).size32;
                Some((Kind::List(size), Some(Elem::One(e))))
            }
            InterfaceType::Map(m) => {
                let m = &t[*m];
                Some((
                    Kind::Map(m.entry_abi.size32),
                    Some(Elem::Entry(
                        m.key,
                        m.value,
                        m.value_offset32,
                        m.entry_abi.size32,
                    )),
                ))
            }
            _ => None,
        }
    }

    /// Convert the pointers of `ty` held in flat slots `slots`.
    pub(super) fn flat(&mut self, ty: &InterfaceType, slots: &[Slot], mode: Mode) -> Result<()> {
        if !self.has_ptrs(ty) {
            return Ok(());
        }
        let t = self.ctx.types;
        if let Some((kind, elem)) = self.kind(ty) {
            let (p, l) = (slots[0], slots[1]);
            let len = self.local(V::I32);
            writeln!(self.body, "    (local.set {len} {})", read_i32(l)).ok();
            let set = |v: &str| -> String {
                match p.ty {
                    V::I64 => format!("(local.set {} (i64.extend_i32_u {v}))", p.local),
                    _ => format!("(local.set {} {v})", p.local),
                }
            };
            let rel = self.site(&read_i32(p), len, kind, mode, &set);
            if let Some(elem) = elem {
                self.elements(&elem, rel, len, mode)?;
            }
            return Ok(());
        }
        if let Some(tys) = fields(t, ty) {
            return self.flat_seq(&tys, slots, mode);
        }
        match cases(t, ty) {
            Some((cs, _)) => self.flat_cases(&cs, slots, mode),
            None => Err(unsupported(ty)),
        }
    }

    pub(super) fn flat_seq(
        &mut self,
        tys: &[InterfaceType],
        slots: &[Slot],
        mode: Mode,
    ) -> Result<()> {
        let mut at = 0;
        for ty in tys {
            let mut f = Vec::new();
            self.ctx.flatten(ty, &mut f);
            self.flat(ty, &slots[at..at + f.len()], mode)?;
            at += f.len();
        }
        Ok(())
    }

    fn flat_cases(
        &mut self,
        cases: &[Option<InterfaceType>],
        slots: &[Slot],
        mode: Mode,
    ) -> Result<()> {
        let disc = read_i32(slots[0]);
        for (i, c) in cases.iter().enumerate() {
            let Some(c) = c else { continue };
            if !self.has_ptrs(c) {
                continue;
            }
            writeln!(self.body, "    (if (i32.eq {disc} (i32.const {i})) (then").ok();
            self.flat(c, &slots[1..], mode)?;
            writeln!(self.body, "    ))").ok();
        }
        Ok(())
    }

    /// Convert the pointers of `ty` stored at relative address
    /// `local + offset`.
    pub(super) fn mem(
        &mut self,
        ty: &InterfaceType,
        base: u32,
        offset: u32,
        mode: Mode,
    ) -> Result<()> {
        if !self.has_ptrs(ty) {
            return Ok(());
        }
        let t = self.ctx.types;
        if let Some((kind, elem)) = self.kind(ty) {
            let len = self.local(V::I32);
            writeln!(
                self.body,
                "    (local.set {len} (i32.load offset={} (local.get {base})))",
                offset + 4
            )
            .ok();
            let get = format!("(i32.load offset={offset} (local.get {base}))");
            let set = |v: &str| format!("(i32.store offset={offset} (local.get {base}) {v})");
            let rel = self.site(&get, len, kind, mode, &set);
            if let Some(elem) = elem {
                self.elements(&elem, rel, len, mode)?;
            }
            return Ok(());
        }
        if let Some(tys) = fields(t, ty) {
            return self.mem_seq(&tys, base, offset, mode);
        }
        match cases(t, ty) {
            Some((cs, info)) => self.mem_cases(&cs, info, base, offset, mode),
            None => Err(unsupported(ty)),
        }
    }

    pub(super) fn mem_seq(
        &mut self,
        tys: &[InterfaceType],
        base: u32,
        offset: u32,
        mode: Mode,
    ) -> Result<()> {
        let mut rel = 0u32;
        for ty in tys {
            let at = self.ctx.types.canonical_abi(ty).next_field32(&mut rel);
            self.mem(ty, base, offset + at, mode)?;
        }
        Ok(())
    }

    fn mem_cases(
        &mut self,
        cases: &[Option<InterfaceType>],
        info: &wasmtime_environ::component::VariantInfo,
        base: u32,
        offset: u32,
        mode: Mode,
    ) -> Result<()> {
        let load = match u32::from(info.size) {
            1 => "i32.load8_u",
            2 => "i32.load16_u",
            _ => "i32.load",
        };
        for (i, c) in cases.iter().enumerate() {
            let Some(c) = c else { continue };
            if !self.has_ptrs(c) {
                continue;
            }
            writeln!(
                self.body,
                "    (if (i32.eq ({load} offset={offset} (local.get {base})) (i32.const {i})) (then"
            )
            .ok();
            self.mem(c, base, offset + info.payload_offset32, mode)?;
            writeln!(self.body, "    ))").ok();
        }
        Ok(())
    }

    /// Loop over `len` elements from relative address `ptr` (locals; `ptr`
    /// is consumed), converting the pointers inside each.
    fn elements(&mut self, elem: &Elem, ptr: u32, len: u32, mode: Mode) -> Result<()> {
        let (size, parts): (u32, Vec<(InterfaceType, u32)>) = match elem {
            Elem::One(e) => (self.ctx.types.canonical_abi(e).size32, vec![(*e, 0)]),
            Elem::Entry(k, v, off, size) => (*size, vec![(*k, 0), (*v, *off)]),
        };
        if !parts.iter().any(|(t, _)| self.has_ptrs(t)) {
            return Ok(());
        }
        let n = self.local(V::I32);
        writeln!(
            self.body,
            "    (local.set {n} (local.get {len}))\n    (block (loop\n    (br_if 1 (i32.eqz (local.get {n})))"
        )
        .ok();
        for (t, off) in &parts {
            self.mem(t, ptr, *off, mode)?;
        }
        writeln!(
            self.body,
            "    (local.set {ptr} (i32.add (local.get {ptr}) (i32.const {size})))\n    (local.set {n} (i32.sub (local.get {n}) (i32.const 1)))\n    (br 0)))"
        )
        .ok();
        Ok(())
    }
}

/// What a list's or map's elements are.
enum Elem {
    One(InterfaceType),
    /// Key, value, the value's offset in the entry and the entry's size.
    Entry(InterfaceType, InterfaceType, u32, u32),
}

fn unsupported(ty: &InterfaceType) -> Error {
    Error::Unsupported(format!(
        "`--memory shared --component`: a pointer inside {ty:?} at the host boundary"
    ))
}
