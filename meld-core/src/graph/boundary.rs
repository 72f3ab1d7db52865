//! Handles that cross the host boundary: per-instance tables for host and
//! exported resources.
//!
//! Every resource handle a fused component holds lives in that component
//! instance's in-module table (see `builtins/resources.rs`), whoever defines
//! the resource. For a resource the *host* defines (a WASI stream) the slot's
//! rep is the embedder's handle; for one the composition defines *and
//! exports*, the slot's rep is the real rep, and the embedder's handle exists
//! only while the host holds the resource. So a component can only name the
//! handles it was given, numbered from 1 in its own table, exactly as under
//! wasmtime.
//!
//! Handles change hands with the embedder at two places, and the graph puts a
//! generated *boundary thunk* there that converts each handle the function
//! type mentions, wherever it is (flat parameters and results, or in linear
//! memory: records, variants, lists... are walked):
//!
//! * a **host import** (`canon lower` of a host function) whose type mentions
//!   a host resource: an `own` parameter is lifted out of the caller's table
//!   (`rt.lift_own`: traps if unknown, of another type, lent or a borrow),
//!   a `borrow` parameter becomes the embedder handle it maps to (`rt.rep`),
//!   an `own` result is inserted into the caller's table (`rt.new`).
//!   Handles passed in memory (a list of borrows, parameters past 16 flat
//!   values) are rewritten in place in the caller's memory for the call, and
//!   the originals (kept on a save stack with its own memory, [`SAVE_WAT`])
//!   are put back when the host returns.
//! * a **lifted export** whose type mentions a host or exported resource:
//!   parameters come in (host `own`: `rt.new`; host `borrow`: a borrow handle
//!   for the call, `rt.lower_borrow` inside a call scope; exported `own`: the
//!   rep from `[resource-rep]R`, the embedder's handle removed with the
//!   destructor suppressed, then `rt.new`; exported `borrow`: the embedder
//!   passes the rep, which is given to the definer as is and to anyone else
//!   as a borrow handle), results go out (`own`: `rt.lift_own`, and for an
//!   exported resource a fresh embedder handle `[resource-new]R(rep)`).

use super::boundary_walk::{param_slots, Gen, Site, Slot};
use super::type_shape::sig;
use super::{Def, ItemKind};
use crate::builtins::{self, resources::TypeTable, Builtin};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use wasmtime_environ::component::{
    ComponentTypes, InterfaceType, TypeFuncIndex, TypeResourceTable, MAX_FLAT_PARAMS,
    MAX_FLAT_RESULTS,
};

/// A core value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum V {
    I32,
    I64,
    F32,
    F64,
}

impl V {
    pub(super) fn name(self) -> &'static str {
        match self {
            V::I32 => "i32",
            V::I64 => "i64",
            V::F32 => "f32",
            V::F64 => "f64",
        }
    }
    fn join(a: V, b: V) -> V {
        match (a, b) {
            (a, b) if a == b => a,
            (V::I32, V::F32) | (V::F32, V::I32) => V::I32,
            _ => V::I64,
        }
    }
}

/// Which way handles travel through a boundary thunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    /// From the embedder into the instance.
    In,
    /// From the instance out to the embedder.
    Out,
}

/// One conversion function of a thunk: `(param i32) (result i32)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Conv {
    /// Host own in: `rt.new`.
    NewOwn { tt: u32 },
    /// Host borrow in: `rt.lower_borrow` (inside the thunk's call scope).
    LowerBorrow { tt: u32 },
    /// Own out: `rt.lift_own`, then (exported) `x.new<k>`.
    LiftOwn { tt: u32, x: Option<usize> },
    /// Host borrow out: `rt.rep`.
    Rep { tt: u32 },
    /// Exported own in: `x.rep<k>`, `x.drop<k>` (suppressed), `rt.new`.
    XOwnIn { tt: u32, x: usize },
    /// Exported borrow into a non-definer: the rep becomes a borrow handle.
    XBorrowIn { tt: u32 },
    /// A readable stream or future end out to the host: `rt.st_to_host`
    /// (`bmem`: the hub's id of the bridge's side of the module's writes).
    StreamOut { kind: u32, hty: u32, bmem: u32 },
    /// The host's readable end in: `rt.st_from_host`.
    StreamIn(StreamConv),
}

/// How a stream or future table type crosses the host boundary
/// ([`super::host_streams`]): its kind, host type, `st_new` kind word,
/// payload type id, element size, and the hub's ids of the bridge's side
/// of a copy into the bridge (the module writes) and out of it (the module
/// reads): the bridge memory's id, or, for elements with strings or
/// lists, the bridge's reader and writer sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamConv {
    pub kind: u32,
    pub hty: u32,
    pub kindword: u32,
    pub ty: u32,
    pub esize: u32,
    pub to_bridge: u32,
    pub from_bridge: u32,
}

/// The resource side of a type: whether the boundary converts `tt`.
pub(crate) struct Ctx<'a> {
    pub types: &'a ComponentTypes,
    pub tables: &'a [Option<TypeTable>],
    pub exported: &'a BTreeMap<u32, (String, String)>,
    /// Which resources are host-defined (key → true).
    pub host: &'a dyn Fn(u32) -> bool,
    /// Stream and future table types (kind, index) at the host boundary.
    pub streams: &'a BTreeMap<(u32, u32), StreamConv>,
}

impl Ctx<'_> {
    /// The key of resource table `tt` if its handles cross the boundary
    /// converted (host or exported resources).
    pub(super) fn boundary_key(
        &self,
        tt: wasmtime_environ::component::TypeResourceTableIndex,
    ) -> Option<u32> {
        let TypeResourceTable::Concrete { ty, .. } = self.types[tt] else {
            return None;
        };
        let key = ty.as_u32();
        ((self.host)(key) || self.exported.contains_key(&key)).then_some(key)
    }

    /// Whether a converted handle occurs anywhere in `ty`.
    pub fn has_handles(&self, ty: &InterfaceType) -> bool {
        let t = self.types;
        match ty {
            InterfaceType::Own(tt) | InterfaceType::Borrow(tt) => self.boundary_key(*tt).is_some(),
            InterfaceType::Stream(tt) => self.streams.contains_key(&(1, tt.as_u32())),
            InterfaceType::Future(tt) => self.streams.contains_key(&(2, tt.as_u32())),
            InterfaceType::Record(r) => t[*r].fields.iter().any(|f| self.has_handles(&f.ty)),
            InterfaceType::Variant(v) => {
                t[*v].cases.values().flatten().any(|c| self.has_handles(c))
            }
            InterfaceType::List(l) => self.has_handles(&t[*l].element),
            InterfaceType::FixedLengthList(l) => self.has_handles(&t[*l].element),
            InterfaceType::Tuple(tu) => t[*tu].types.iter().any(|c| self.has_handles(c)),
            InterfaceType::Map(m) => self.has_handles(&t[*m].key) || self.has_handles(&t[*m].value),
            InterfaceType::Option(o) => self.has_handles(&t[*o].ty),
            InterfaceType::Result(r) => {
                t[*r].ok.as_ref().is_some_and(|c| self.has_handles(c))
                    || t[*r].err.as_ref().is_some_and(|c| self.has_handles(c))
            }
            _ => false,
        }
    }

    /// The canonical ABI flattening of `ty`.
    pub(super) fn flatten(&self, ty: &InterfaceType, out: &mut Vec<V>) {
        let t = self.types;
        match ty {
            InterfaceType::S64 | InterfaceType::U64 => out.push(V::I64),
            InterfaceType::Float32 => out.push(V::F32),
            InterfaceType::Float64 => out.push(V::F64),
            InterfaceType::String | InterfaceType::List(_) | InterfaceType::Map(_) => {
                out.extend([V::I32, V::I32])
            }
            InterfaceType::Flags(_) => {
                let n = t.canonical_abi(ty).flat_count.unwrap_or(0);
                out.extend(std::iter::repeat_n(V::I32, usize::from(n)));
            }
            InterfaceType::Record(r) => t[*r].fields.iter().for_each(|f| self.flatten(&f.ty, out)),
            InterfaceType::Tuple(tu) => t[*tu].types.iter().for_each(|c| self.flatten(c, out)),
            InterfaceType::FixedLengthList(l) => {
                for _ in 0..t[*l].size {
                    self.flatten(&t[*l].element, out);
                }
            }
            InterfaceType::Variant(v) => {
                self.flatten_variant(t[*v].cases.values().map(|c| c.as_ref()), out)
            }
            InterfaceType::Option(o) => self.flatten_variant([None, Some(&t[*o].ty)], out),
            InterfaceType::Result(r) => {
                self.flatten_variant([t[*r].ok.as_ref(), t[*r].err.as_ref()], out)
            }
            _ => out.push(V::I32),
        }
    }

    fn flatten_variant<'t>(
        &self,
        cases: impl IntoIterator<Item = Option<&'t InterfaceType>>,
        out: &mut Vec<V>,
    ) {
        let mut joined: Vec<V> = Vec::new();
        for c in cases.into_iter().flatten() {
            let mut f = Vec::new();
            self.flatten(c, &mut f);
            for (i, v) in f.into_iter().enumerate() {
                match joined.get_mut(i) {
                    Some(j) => *j = V::join(*j, v),
                    None => joined.push(v),
                }
            }
        }
        out.push(V::I32);
        out.extend(joined);
    }

    fn flat(&self, tys: &[InterfaceType]) -> Vec<V> {
        let mut out = Vec::new();
        for ty in tys {
            self.flatten(ty, &mut out);
        }
        out
    }
}

/// The core signature of function `ty` lowered (`lower`: a host import) or
/// lifted (an export), as the Canonical ABI flattens it.
pub(crate) fn core_sig(ctx: &Ctx, ty: TypeFuncIndex, lower: bool) -> (Vec<V>, Vec<V>) {
    let t = ctx.types;
    let f = &t[ty];
    core_sig_of(ctx, &t[f.params].types, &t[f.results].types, lower)
}

/// [`core_sig`] of parameter types `ptys` and result types `rtys`.
fn core_sig_of(
    ctx: &Ctx,
    ptys: &[InterfaceType],
    rtys: &[InterfaceType],
    lower: bool,
) -> (Vec<V>, Vec<V>) {
    let mut params = ctx.flat(ptys);
    if params.len() > MAX_FLAT_PARAMS {
        params = vec![V::I32];
    }
    let mut results = ctx.flat(rtys);
    if results.len() > MAX_FLAT_RESULTS {
        results = Vec::new();
        if lower {
            params.push(V::I32);
        } else {
            results.push(V::I32);
        }
    }
    (params, results)
}

/// WAT of the save stack (`meld:resource-save`, one per fused module when a
/// host import takes handles in memory): the originals of the handles a
/// thunk rewrites in the caller's memory, put back after the host call. Its
/// memory is its own (no component's).
pub(crate) const SAVE_WAT: &str = r#"(module
  (memory 1)
  (global $top (mut i32) (i32.const 0))
  (global $rd (mut i32) (i32.const 0))
  (func (export "push") (param $v i32)
    (if (i32.gt_u (i32.add (global.get $top) (i32.const 4)) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))))
    (i32.store (global.get $top) (local.get $v))
    (global.set $top (i32.add (global.get $top) (i32.const 4))))
  (func (export "mark") (result i32) (global.get $top))
  (func (export "rewind") (param i32) (global.set $rd (local.get 0)))
  (func (export "next") (result i32)
    (i32.load (global.get $rd))
    (global.set $rd (i32.add (global.get $rd) (i32.const 4))))
  (func (export "release") (param i32) (global.set $top (local.get 0))))"#;

/// The save stack's exports a thunk imports, in import order, with types.
pub(crate) const SAVE_IMPORTS: [(&str, &str); 5] = [
    ("push", "(param i32)"),
    ("mark", "(result i32)"),
    ("rewind", "(param i32)"),
    ("next", "(result i32)"),
    ("release", "(param i32)"),
];

/// A generated thunk: its WAT, the runtime exports it imports (in order,
/// under `rt`), whether it imports the memory (`m.mem`, after them) and the
/// exported keys it imports (`x.*`, after the memory).
pub(crate) struct Thunk {
    pub wat: String,
    pub runtime: Vec<&'static str>,
    pub memory: bool,
    pub xkeys: Vec<u32>,
    /// It imports the save stack ([`SAVE_WAT`]: `sv.push`, `sv.mark`,
    /// `sv.rewind`, `sv.next`, `sv.release`, after the `x.*` imports).
    pub save: bool,
}

/// The thunk of `instance` for a function with parameter types `ptys` and
/// result types `rtys`: a host import (`lower`) or a
/// lifted export. `suppress(key)` says whether exported resource `key` has a
/// destructor wrapper (whose `suppress` global the thunk sets while it drops
/// an embedder handle). The thunk imports `f.f`, the function it wraps, last.
/// An async export's `task.return` is lowered with the results as its
/// parameters; `entry`: the core results of an async export's entry,
/// passed through (`rtys` is then empty).
pub(crate) fn thunk_of(
    ctx: &Ctx,
    ptys: &[InterfaceType],
    rtys: &[InterfaceType],
    instance: u32,
    lower: bool,
    suppress: &dyn Fn(u32) -> bool,
    entry: Option<&[V]>,
) -> Result<Thunk> {
    let (params, mut results) = core_sig_of(ctx, ptys, rtys, lower);
    if let Some(r) = entry {
        results = r.to_vec();
    }
    let t = ctx.types;
    let mut g = Gen {
        ctx,
        instance,
        convs: Vec::new(),
        xkeys: Vec::new(),
        locals: Vec::new(),
        nparams: params.len() as u32,
        uses_memory: false,
        uses_scope: false,
        // Handles a host import takes in memory are the caller's: saved
        // and put back after the call.
        site: if lower { Site::Save } else { Site::Convert },
        saved: false,
        body: String::new(),
    };
    let (pdir, rdir) = if lower {
        (Dir::Out, Dir::In)
    } else {
        (Dir::In, Dir::Out)
    };
    // The walker's flattening must agree with wasmtime's wherever wasmtime
    // computes one (up to 16 values).
    for ty in ptys.iter().chain(rtys) {
        let mut f = Vec::new();
        ctx.flatten(ty, &mut f);
        if let Some(n) = t.canonical_abi(ty).flat_count {
            if usize::from(n) != f.len() {
                return Err(Error::Internal(format!(
                    "boundary: {ty:?} flattens to {} values, wasmtime says {n}",
                    f.len()
                )));
            }
        }
    }
    let flat_params = ctx.flat(ptys);
    let params_in_memory = flat_params.len() > MAX_FLAT_PARAMS;
    let flat_results = ctx.flat(rtys);
    let results_in_memory = flat_results.len() > MAX_FLAT_RESULTS;

    // Parameters, before the call.
    let mut pre = String::new();
    if params_in_memory {
        g.mem_seq(ptys, 0, 0, pdir)?;
    } else {
        let slots = param_slots(&flat_params);
        g.flat_seq(ptys, &slots, pdir)?;
    }
    let param_code = std::mem::take(&mut g.body);
    pre.push_str(&param_code);
    // The same walk again after the call, putting the originals back.
    let mut restore = String::new();
    let mark = if g.saved {
        let mark = g.local(V::I32);
        g.site = Site::Restore;
        if params_in_memory {
            g.mem_seq(ptys, 0, 0, pdir)?;
        } else {
            let slots = param_slots(&flat_params);
            g.flat_seq(ptys, &slots, pdir)?;
        }
        restore = std::mem::take(&mut g.body);
        Some(mark)
    } else {
        None
    };
    // Results are the caller's to keep: converted in place, nothing saved.
    g.site = Site::Convert;

    // The call.
    let result_locals: Vec<u32> = results.iter().map(|v| g.local(*v)).collect();
    let mut call = String::from("    (call $f");
    for i in 0..params.len() {
        write!(call, " (local.get {i})").ok();
    }
    call.push_str(")\n");
    for l in result_locals.iter().rev() {
        writeln!(call, "    (local.set {l})").ok();
    }

    // Results, after the call.
    if results_in_memory {
        let base = if lower {
            params.len() as u32 - 1
        } else {
            result_locals[0]
        };
        g.mem_seq(rtys, base, 0, rdir)?;
    } else {
        let slots: Vec<Slot> = flat_results
            .iter()
            .zip(&result_locals)
            .map(|(v, l)| Slot { local: *l, ty: *v })
            .collect();
        g.flat_seq(rtys, &slots, rdir)?;
    }
    let result_code = std::mem::take(&mut g.body);

    let saved = mark.is_some();
    let Gen {
        convs,
        xkeys,
        locals,
        uses_memory,
        uses_scope,
        ..
    } = g;
    let mut runtime: Vec<&'static str> = Vec::new();
    let mut need = |name: &'static str| {
        if !runtime.contains(&name) {
            runtime.push(name);
        }
    };
    if uses_scope {
        need("enter");
        need("exit");
    }
    for c in &convs {
        match c {
            Conv::NewOwn { .. } => need("new"),
            Conv::LowerBorrow { .. } | Conv::XBorrowIn { .. } => need("lower_borrow"),
            Conv::LiftOwn { .. } => need("lift_own"),
            Conv::Rep { .. } => need("rep"),
            Conv::XOwnIn { .. } => need("new"),
            Conv::StreamOut { .. } => need("st_to_host"),
            Conv::StreamIn(_) => need("st_from_host"),
        }
    }
    runtime.sort_unstable();

    let mut w = String::from("(module\n");
    for name in &runtime {
        let ty = match *name {
            "enter" => "(param i32 i32 i32)",
            "exit" => "",
            "st_to_host" => "(param i32 i32 i32 i32 i32) (result i32)",
            "st_from_host" => "(param i32 i32 i32 i32 i32 i32 i32) (result i32)",
            _ => "(param i32 i32 i32) (result i32)",
        };
        writeln!(w, "  (import \"rt\" \"{name}\" (func $rt_{name} {ty}))").ok();
    }
    if uses_memory {
        writeln!(w, "  (import \"m\" \"mem\" (memory 0))").ok();
    }
    for (k, key) in xkeys.iter().enumerate() {
        writeln!(
            w,
            "  (import \"x\" \"new{k}\" (func $xnew{k} (param i32) (result i32)))"
        )
        .ok();
        writeln!(
            w,
            "  (import \"x\" \"rep{k}\" (func $xrep{k} (param i32) (result i32)))"
        )
        .ok();
        writeln!(
            w,
            "  (import \"x\" \"drop{k}\" (func $xdrop{k} (param i32)))"
        )
        .ok();
        if suppress(*key) {
            writeln!(w, "  (import \"x\" \"sup{k}\" (global $xsup{k} (mut i32)))").ok();
        }
    }
    if saved {
        for (name, ty) in SAVE_IMPORTS {
            writeln!(w, "  (import \"sv\" \"{name}\" (func $sv_{name} {ty}))").ok();
        }
    }
    writeln!(
        w,
        "  (import \"f\" \"f\" (func $f{}))",
        sig(&params, &results)
    )
    .ok();
    for (i, c) in convs.iter().enumerate() {
        let body = match *c {
            Conv::NewOwn { tt } => {
                format!("(call $rt_new (i32.const {instance}) (i32.const {tt}) (local.get 0))")
            }
            Conv::LowerBorrow { tt } | Conv::XBorrowIn { tt } => format!(
                "(call $rt_lower_borrow (i32.const {instance}) (i32.const {tt}) (local.get 0))"
            ),
            Conv::LiftOwn { tt, x } => {
                let lift = format!(
                    "(call $rt_lift_own (i32.const {instance}) (i32.const {tt}) (local.get 0))"
                );
                match x {
                    Some(k) => format!("(call $xnew{k} {lift})"),
                    None => lift,
                }
            }
            Conv::Rep { tt } => {
                format!("(call $rt_rep (i32.const {instance}) (i32.const {tt}) (local.get 0))")
            }
            Conv::XOwnIn { tt, x } => {
                let (on, off) = if suppress(xkeys[x]) {
                    (
                        format!("(global.set $xsup{x} (i32.const 1))"),
                        format!("(global.set $xsup{x} (i32.const 0))"),
                    )
                } else {
                    (String::new(), String::new())
                };
                format!(
                    "(local $rep i32) (local.set $rep (call $xrep{x} (local.get 0))) {on} (call $xdrop{x} (local.get 0)) {off}\n    (call $rt_new (i32.const {instance}) (i32.const {tt}) (local.get $rep))"
                )
            }
            Conv::StreamOut { kind, hty, bmem } => format!(
                "(call $rt_st_to_host (i32.const {instance}) (i32.const {kind}) (i32.const {hty}) (i32.const {bmem}) (local.get 0))"
            ),
            Conv::StreamIn(c) => format!(
                "(call $rt_st_from_host (i32.const {instance}) (i32.const {}) (i32.const {}) (i32.const {}) (i32.const {}) (i32.const {}) (local.get 0))",
                c.kindword, c.ty, c.esize, c.hty, c.from_bridge
            ),
        };
        writeln!(w, "  (func $c{i} (param i32) (result i32)\n    {body})").ok();
    }
    writeln!(w, "  (func (export \"f\"){}", sig(&params, &results)).ok();
    if !locals.is_empty() {
        let names: Vec<&str> = locals.iter().map(|v| v.name()).collect();
        writeln!(w, "    (local {})", names.join(" ")).ok();
    }
    if uses_scope {
        w.push_str("    (call $rt_enter (i32.const 0) (i32.const 0) (i32.const 0))\n");
    }
    if let Some(mark) = mark {
        writeln!(w, "    (local.set {mark} (call $sv_mark))").ok();
    }
    w.push_str(&pre);
    w.push_str(&call);
    if let Some(mark) = mark {
        writeln!(w, "    (call $sv_rewind (local.get {mark}))").ok();
        w.push_str(&restore);
        writeln!(w, "    (call $sv_release (local.get {mark}))").ok();
    }
    if uses_scope {
        w.push_str("    (call $rt_exit)\n");
    }
    w.push_str(&result_code);
    for l in &result_locals {
        writeln!(w, "    (local.get {l})").ok();
    }
    w.push_str("  ))\n");
    Ok(Thunk {
        wat: w,
        runtime,
        memory: uses_memory,
        xkeys,
        save: saved,
    })
}

impl super::Builder<'_, '_, '_> {
    /// The destructor wrapper of exported resource `key` (created once).
    pub(super) fn dtor_wrapper(&mut self, key: u32, dtor: Def) -> Result<usize> {
        if let Some(n) = self.dtor_wrappers.get(&key) {
            return Ok(*n);
        }
        let n = self.builtin_node(
            Builtin::DtorWrapper,
            format!("meld:dtor/r{key}"),
            vec![dtor],
        )?;
        self.dtor_wrappers.insert(key, n);
        Ok(n)
    }

    /// A boundary thunk in front of `func` (a host function or a lifted core
    /// function) of component type `ty`, used by `instance` whose memory
    /// (when the thunk walks memory) is `memory`. `None` when nothing in the
    /// type needs converting.
    pub(super) fn boundary_thunk(
        &mut self,
        label: &str,
        func: Def,
        ty: TypeFuncIndex,
        instance: u32,
        memory: Option<Def>,
        lower: bool,
    ) -> Result<Option<Def>> {
        let (ptys, rtys) = {
            let types = self.types.resources_mut_and_types().1;
            let f = &types[ty];
            (
                types[f.params].types.to_vec(),
                types[f.results].types.to_vec(),
            )
        };
        let streams = self.stream_convs(ty)?;
        self.boundary_thunk_of(
            label, func, &ptys, &rtys, None, &streams, instance, memory, lower,
        )
    }

    /// [`Self::boundary_thunk`] of parameter types `ptys` and result types
    /// `rtys` (see [`thunk_of`]), the streams in them `streams`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn boundary_thunk_of(
        &mut self,
        label: &str,
        func: Def,
        ptys: &[InterfaceType],
        rtys: &[InterfaceType],
        entry: Option<&[V]>,
        streams: &BTreeMap<(u32, u32), StreamConv>,
        instance: u32,
        memory: Option<Def>,
        lower: bool,
    ) -> Result<Option<Def>> {
        let component = &self.t.component;
        let is_host = |key: u32| {
            let res = wasmtime_environ::component::ResourceIndex::from_u32(key);
            component.defined_resource_index(res).is_none()
        };
        let dtor_wrappers = self.dtor_wrappers.clone();
        let thunk = {
            let types = self.types.resources_mut_and_types().1;
            let ctx = Ctx {
                types,
                tables: &self.type_tables,
                exported: &self.exported,
                host: &is_host,
                streams,
            };
            if !ptys.iter().chain(rtys).any(|t| ctx.has_handles(t)) {
                return Ok(None);
            }
            thunk_of(
                &ctx,
                ptys,
                rtys,
                instance,
                lower,
                &|k| dtor_wrappers.contains_key(&k),
                entry,
            )?
        };
        let mut args = self.runtime_args(&thunk.runtime)?;
        if thunk.memory {
            args.push(memory.ok_or_else(|| {
                Error::Invalid(format!("{label}: handles in memory but no memory option"))
            })?);
        }
        for key in &thunk.xkeys {
            let definer = self.definer_of(*key)?;
            for op in ["new", "rep", "drop"] {
                args.push(self.exported_intrinsic_by_key(*key, op, definer)?);
            }
            if let Some(n) = dtor_wrappers.get(key) {
                let g = builtins::export_index(&self.graph.nodes[*n].wasm, "suppress")?;
                args.push(Def::Item {
                    instance: *n,
                    kind: ItemKind::Global,
                    index: g,
                });
            }
        }
        if thunk.save {
            let sv = match self.res_save {
                Some(n) => n,
                None => {
                    let wasm = builtins::assemble("resource save stack", SAVE_WAT)?;
                    let n = self.push_node(
                        "meld:resource-save".into(),
                        super::NodeKind::Builtin(Builtin::Generated),
                        super::ModuleBytes::Owned(wasm),
                        Vec::new(),
                    );
                    self.res_save = Some(n);
                    n
                }
            };
            for (name, _) in SAVE_IMPORTS {
                let index = builtins::export_index(&self.graph.nodes[sv].wasm, name)?;
                args.push(Def::Item {
                    instance: sv,
                    kind: ItemKind::Func,
                    index,
                });
            }
        }
        args.push(func);
        let wasm = builtins::assemble("boundary thunk", &thunk.wat)?;
        let n = self.push_node(
            format!("meld:boundary/{label}"),
            super::NodeKind::Builtin(Builtin::Boundary { instance }),
            super::ModuleBytes::Owned(wasm),
            args,
        );
        let index = builtins::export_index(&self.graph.nodes[n].wasm, "f")?;
        Ok(Some(Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index,
        }))
    }
}
