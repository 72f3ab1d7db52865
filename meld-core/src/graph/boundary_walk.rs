//! The walker of [`super::boundary`]: generates the code of a boundary
//! thunk that visits every handle of a component type, in flat values
//! (locals) or in linear memory, and converts (or saves / restores) it.

use super::boundary::{Conv, Ctx, Dir, V};
use super::type_shape::{cases, fields};
use crate::{Error, Result};
use std::fmt::Write as _;
use wasmtime_environ::component::InterfaceType;

/// What a thunk does at a handle stored in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Site {
    /// Convert it in place.
    Convert,
    /// Push the original to the save stack, then convert it in place.
    Save,
    /// Put back the next saved original.
    Restore,
}

/// A flat position: a local and its core type.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub local: u32,
    pub ty: V,
}

/// Generator of one boundary thunk.
pub(super) struct Gen<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    /// The component instance whose table the handles are in.
    pub instance: u32,
    pub convs: Vec<Conv>,
    /// Exported resource keys the thunk imports `x.*<k>` for.
    pub xkeys: Vec<u32>,
    /// Extra locals (after the parameters).
    pub locals: Vec<V>,
    pub nparams: u32,
    pub uses_memory: bool,
    pub uses_scope: bool,
    /// What to do at handles in memory.
    pub site: Site,
    /// Some handle was saved ([`Site::Save`]).
    pub saved: bool,
    pub body: String,
}

impl Gen<'_, '_> {
    pub(super) fn local(&mut self, v: V) -> u32 {
        self.locals.push(v);
        self.nparams + self.locals.len() as u32 - 1
    }

    pub(super) fn xkey(&mut self, key: u32) -> usize {
        match self.xkeys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.xkeys.push(key);
                self.xkeys.len() - 1
            }
        }
    }

    /// The conversion function (its index) for a handle of `ty` moving `dir`;
    /// `None` when the value passes unchanged.
    pub(super) fn conv(&mut self, ty: &InterfaceType, dir: Dir) -> Result<Option<usize>> {
        let stream = match ty {
            InterfaceType::Stream(t) => Some((1, t.as_u32())),
            InterfaceType::Future(t) => Some((2, t.as_u32())),
            _ => None,
        };
        if let Some(key) = stream {
            let Some(c) = self.ctx.streams.get(&key).copied() else {
                return Ok(None);
            };
            let conv = match dir {
                Dir::Out => Conv::StreamOut {
                    kind: c.kind,
                    hty: c.hty,
                    bmem: c.to_bridge,
                },
                Dir::In => Conv::StreamIn(c),
            };
            return Ok(Some(self.conv_index(conv)));
        }
        let (own, tt) = match ty {
            InterfaceType::Own(tt) => (true, *tt),
            InterfaceType::Borrow(tt) => (false, *tt),
            _ => return Ok(None),
        };
        let Some(key) = self.ctx.boundary_key(tt) else {
            return Ok(None);
        };
        let table = self
            .ctx
            .tables
            .get(tt.as_u32() as usize)
            .copied()
            .flatten()
            .ok_or_else(|| Error::Internal(format!("boundary: abstract resource table {tt:?}")))?;
        if table.instance != self.instance {
            return Err(Error::Internal(format!(
                "boundary: resource table {tt:?} belongs to instance {}, not {}",
                table.instance, self.instance
            )));
        }
        let host = (self.ctx.host)(key);
        let tt = tt.as_u32();
        let conv = match (host, own, dir) {
            (true, true, Dir::In) => Conv::NewOwn { tt },
            (true, false, Dir::In) => {
                self.uses_scope = true;
                Conv::LowerBorrow { tt }
            }
            (true, true, Dir::Out) => Conv::LiftOwn { tt, x: None },
            (true, false, Dir::Out) => Conv::Rep { tt },
            (false, true, Dir::In) => Conv::XOwnIn {
                tt,
                x: self.xkey(key),
            },
            (false, false, Dir::In) if table.definer => return Ok(None),
            (false, false, Dir::In) => {
                self.uses_scope = true;
                Conv::XBorrowIn { tt }
            }
            (false, true, Dir::Out) => Conv::LiftOwn {
                tt,
                x: Some(self.xkey(key)),
            },
            (false, false, Dir::Out) => {
                return Err(Error::Internal(
                    "boundary: a borrow of an exported resource handed to the host".into(),
                ))
            }
        };
        Ok(Some(self.conv_index(conv)))
    }

    /// The index of conversion `conv` in this thunk (added once).
    fn conv_index(&mut self, conv: Conv) -> usize {
        match self.convs.iter().position(|c| *c == conv) {
            Some(i) => i,
            None => {
                self.convs.push(conv);
                self.convs.len() - 1
            }
        }
    }

    /// Convert the handles of `ty` held in flat slots `slots`.
    pub(super) fn flat(&mut self, ty: &InterfaceType, slots: &[Slot], dir: Dir) -> Result<()> {
        if !self.ctx.has_handles(ty) {
            return Ok(());
        }
        let t = self.ctx.types;
        if let Some(tys) = fields(t, ty) {
            return self.flat_seq(&tys, slots, dir);
        }
        if let Some((cs, _)) = cases(t, ty) {
            return self.flat_cases(&cs, slots, dir);
        }
        match ty {
            // a flat handle is a local: nothing to put back
            InterfaceType::Own(_)
            | InterfaceType::Borrow(_)
            | InterfaceType::Stream(_)
            | InterfaceType::Future(_)
                if self.site == Site::Restore => {}
            InterfaceType::Own(_)
            | InterfaceType::Borrow(_)
            | InterfaceType::Stream(_)
            | InterfaceType::Future(_) => {
                if let Some(c) = self.conv(ty, dir)? {
                    let s = slots[0];
                    let get = read_i32(s);
                    let conv = format!("(call $c{c} {get})");
                    let put = match s.ty {
                        V::I64 => format!("(i64.extend_i32_u {conv})"),
                        _ => conv,
                    };
                    writeln!(self.body, "    (local.set {} {put})", s.local).ok();
                }
            }
            InterfaceType::List(l) => {
                let ptr = self.local(V::I32);
                let len = self.local(V::I32);
                writeln!(
                    self.body,
                    "    (local.set {ptr} {})\n    (local.set {len} {})",
                    read_i32(slots[0]),
                    read_i32(slots[1])
                )
                .ok();
                self.list_loop(&t[*l].element, ptr, len, dir)?;
            }
            _ => return Err(unsupported(ty)),
        }
        Ok(())
    }

    pub(super) fn flat_seq(
        &mut self,
        tys: &[InterfaceType],
        slots: &[Slot],
        dir: Dir,
    ) -> Result<()> {
        let mut at = 0;
        for ty in tys {
            let mut f = Vec::new();
            self.ctx.flatten(ty, &mut f);
            self.flat(ty, &slots[at..at + f.len()], dir)?;
            at += f.len();
        }
        Ok(())
    }

    pub(super) fn flat_cases(
        &mut self,
        cases: &[Option<InterfaceType>],
        slots: &[Slot],
        dir: Dir,
    ) -> Result<()> {
        let disc = read_i32(slots[0]);
        for (i, c) in cases.iter().enumerate() {
            let Some(c) = c else { continue };
            if !self.ctx.has_handles(c) {
                continue;
            }
            writeln!(self.body, "    (if (i32.eq {disc} (i32.const {i})) (then").ok();
            self.flat(c, &slots[1..], dir)?;
            writeln!(self.body, "    ))").ok();
        }
        Ok(())
    }

    /// Convert the handles of `ty` stored at `local + offset` in memory.
    pub(super) fn mem(
        &mut self,
        ty: &InterfaceType,
        base: u32,
        offset: u32,
        dir: Dir,
    ) -> Result<()> {
        if !self.ctx.has_handles(ty) {
            return Ok(());
        }
        self.uses_memory = true;
        let t = self.ctx.types;
        if let Some(tys) = fields(t, ty) {
            return self.mem_seq(&tys, base, offset, dir);
        }
        if let Some((cs, info)) = cases(t, ty) {
            return self.mem_cases(&cs, info, base, offset, dir);
        }
        match ty {
            InterfaceType::Own(_)
            | InterfaceType::Borrow(_)
            | InterfaceType::Stream(_)
            | InterfaceType::Future(_) => {
                if let Some(c) = self.conv(ty, dir)? {
                    let load = format!("(i32.load offset={offset} (local.get {base}))");
                    let value = match self.site {
                        Site::Convert => format!("(call $c{c} {load})"),
                        Site::Save => {
                            self.saved = true;
                            writeln!(self.body, "    (call $sv_push {load})").ok();
                            format!("(call $c{c} {load})")
                        }
                        Site::Restore => "(call $sv_next)".to_string(),
                    };
                    writeln!(
                        self.body,
                        "    (i32.store offset={offset} (local.get {base}) {value})"
                    )
                    .ok();
                }
            }
            InterfaceType::List(l) => {
                let ptr = self.local(V::I32);
                let len = self.local(V::I32);
                writeln!(
                    self.body,
                    "    (local.set {ptr} (i32.load offset={offset} (local.get {base})))\n    (local.set {len} (i32.load offset={} (local.get {base})))",
                    offset + 4
                )
                .ok();
                self.list_loop(&t[*l].element, ptr, len, dir)?;
            }
            _ => return Err(unsupported(ty)),
        }
        Ok(())
    }

    pub(super) fn mem_seq(
        &mut self,
        tys: &[InterfaceType],
        base: u32,
        offset: u32,
        dir: Dir,
    ) -> Result<()> {
        let mut rel = 0u32;
        for ty in tys {
            let at = self.ctx.types.canonical_abi(ty).next_field32(&mut rel);
            self.mem(ty, base, offset + at, dir)?;
        }
        Ok(())
    }

    pub(super) fn mem_cases(
        &mut self,
        cases: &[Option<InterfaceType>],
        info: &wasmtime_environ::component::VariantInfo,
        base: u32,
        offset: u32,
        dir: Dir,
    ) -> Result<()> {
        let load = match u32::from(info.size) {
            1 => "i32.load8_u",
            2 => "i32.load16_u",
            _ => "i32.load",
        };
        for (i, c) in cases.iter().enumerate() {
            let Some(c) = c else { continue };
            if !self.ctx.has_handles(c) {
                continue;
            }
            writeln!(
                self.body,
                "    (if (i32.eq ({load} offset={offset} (local.get {base})) (i32.const {i})) (then"
            )
            .ok();
            self.mem(c, base, offset + info.payload_offset32, dir)?;
            writeln!(self.body, "    ))").ok();
        }
        Ok(())
    }

    /// Loop over `len` elements of `elem` from address `ptr` (both locals,
    /// consumed).
    pub(super) fn list_loop(
        &mut self,
        elem: &InterfaceType,
        ptr: u32,
        len: u32,
        dir: Dir,
    ) -> Result<()> {
        let size = self.ctx.types.canonical_abi(elem).size32;
        self.uses_memory = true;
        writeln!(
            self.body,
            "    (block (loop\n    (br_if 1 (i32.eqz (local.get {len})))"
        )
        .ok();
        self.mem(elem, ptr, 0, dir)?;
        writeln!(
            self.body,
            "    (local.set {ptr} (i32.add (local.get {ptr}) (i32.const {size})))\n    (local.set {len} (i32.sub (local.get {len}) (i32.const 1)))\n    (br 0)))"
        )
        .ok();
        Ok(())
    }
}

/// The slots of flat parameters: local `i` holds the `i`-th value.
pub(super) fn param_slots(flat: &[V]) -> Vec<Slot> {
    flat.iter()
        .enumerate()
        .map(|(i, v)| Slot {
            local: i as u32,
            ty: *v,
        })
        .collect()
}

pub(super) fn read_i32(s: Slot) -> String {
    match s.ty {
        V::I64 => format!("(i32.wrap_i64 (local.get {}))", s.local),
        _ => format!("(local.get {})", s.local),
    }
}

fn unsupported(ty: &InterfaceType) -> Error {
    Error::Unsupported(format!(
        "resources: a handle of a host or exported resource inside {ty:?} at the host boundary"
    ))
}
