//! `--memory shared --component`: absolute pointers at the host boundary.
//!
//! In shared mode every component memory is a region of one memory, and
//! component code holds region-relative pointers. The wrapper's host
//! imports and exports name that one memory, so the host reads and writes
//! absolute addresses. The graph puts a generated *region thunk* between
//! each host-facing function that passes memory and its caller
//! ([`super::region_walk`] visits every pointer of the function's type):
//!
//! * a **host import**: pointers the component passes (flat, or nested in
//!   lists and records in its memory) are checked against the region and
//!   made absolute for the call — those in memory in place — and made
//!   relative again when the host returns, so the component's memory is
//!   as it was; the return area's address is made absolute, and the
//!   pointers the host wrote into it (to memory it got from the realloc
//!   below) are made relative.
//! * a **lifted export**: the pointers the host wrote (into memory from the
//!   realloc) are made relative before the component runs; the results'
//!   pointers are checked and made absolute in place, and a post-return
//!   thunk makes them relative again before the component's own
//!   post-return (if any) runs.
//! * each **realloc** the wrapper names becomes a thunk taking and giving
//!   absolute addresses (the result checked to lie in the region).
//!
//! The thunks read the region's base from a global of their own
//! ([`BASE_WAT`], one per memory), which the shared-memory pass makes that
//! region's base global (`shared::lower`), so it follows the region when
//! growth moves it. Their memory accesses are ordinary accesses of the
//! component's memory, rebased and checked by that pass.
//!
//! A value reaching the same list twice (aliasing, which no bindings
//! generator produces) is converted twice on the way out; the host then
//! reads wrong data of the region (never another region's: every converted
//! range is checked), and the component's memory is still restored.

use super::boundary::{core_sig, Ctx, V};
use super::boundary_walk::param_slots;
use super::region_walk::{Mode, Walk, REGION_BYTES, TRAP_POINTER, TRAP_REALLOC};
use super::type_shape::sig;
use super::{AbiOptions, Def, ItemKind};
use crate::builtins::{self, Builtin};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use wasmtime_environ::component::{
    ComponentTypes, InterfaceType, TypeFuncIndex, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
};

/// The base global's module: its value is set by the shared-memory pass.
pub(crate) const BASE_WAT: &str = r#"(module (global (export "base") (mut i32) (i32.const 0)))"#;

/// A generated region thunk: its WAT, and whether it exports a post-return
/// thunk (`post`, which imports the original post-return as `p.p` when
/// there is one).
pub(crate) struct RegionThunk {
    pub wat: String,
    pub post: bool,
}

fn traps_wat(traps: &BTreeSet<&'static str>) -> String {
    traps
        .iter()
        .map(|r| format!("  (func {} unreachable)\n", builtins::quoted_id(r)))
        .collect()
}

fn locals_wat(locals: &[V]) -> String {
    if locals.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = locals.iter().map(|v| v.name()).collect();
    format!("    (local {})\n", names.join(" "))
}

/// What a region thunk stands in front of.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// A host import (`lower`) or a lifted export of function type `ty`.
    Func(TypeFuncIndex, bool),
    /// The entry of an async (callback-lifted) export of type `ty`: its
    /// parameters as a lift's, one i32 result (the callback code).
    AsyncEntry(TypeFuncIndex),
    /// The host's `task.return` of an async export of type `ty`: a host
    /// import whose parameters are the export's results.
    TaskReturn(TypeFuncIndex),
}

/// The thunk of `shape` whose options use string encoding `encoding`;
/// `post_return` says whether an export has one. `None` when no pointer
/// crosses.
pub(crate) fn thunk(
    ctx: &Ctx,
    shape: Shape,
    encoding: &'static str,
    post_return: bool,
) -> Result<Option<RegionThunk>> {
    let t: &ComponentTypes = ctx.types;
    let (ty, lower) = match shape {
        Shape::Func(ty, lower) => (ty, lower),
        Shape::AsyncEntry(ty) => (ty, false),
        Shape::TaskReturn(ty) => (ty, true),
    };
    let f = &t[ty];
    let (ptys_of, rtys_of) = match shape {
        Shape::TaskReturn(_) => (f.results, None),
        Shape::AsyncEntry(_) => (f.params, None),
        Shape::Func(..) => (f.params, Some(f.results)),
    };
    let ptys: Vec<InterfaceType> = t[ptys_of].types.to_vec();
    let rtys: Vec<InterfaceType> = rtys_of.map(|r| t[r].types.to_vec()).unwrap_or_default();
    let flat_params = flat(ctx, &ptys);
    let flat_results = flat(ctx, &rtys);
    let params_in_memory = flat_params.len() > MAX_FLAT_PARAMS;
    let results_in_memory = flat_results.len() > MAX_FLAT_RESULTS;
    let (params, results) = match shape {
        Shape::Func(..) => core_sig(ctx, ty, lower),
        Shape::AsyncEntry(_) => (core_sig(ctx, ty, false).0, vec![V::I32]),
        Shape::TaskReturn(_) => (
            if params_in_memory {
                vec![V::I32]
            } else {
                flat_params.clone()
            },
            Vec::new(),
        ),
    };
    let mut w = Walk {
        ctx,
        encoding,
        locals: Vec::new(),
        nparams: params.len() as u32,
        traps: BTreeSet::new(),
        body: String::new(),
    };
    let any = ptys.iter().chain(&rtys).any(|ty| w.has_ptrs(ty));
    if !any && !params_in_memory && !results_in_memory {
        return Ok(None);
    }
    if !results_in_memory && rtys.iter().any(|ty| w.has_ptrs(ty)) {
        return Err(Error::Internal(
            "region thunk: a pointer in flat results".into(),
        ));
    }
    let ptuple = InterfaceType::Tuple(ptys_of);
    let rtuple = InterfaceType::Tuple(rtys_of.unwrap_or(f.results));
    let psize = t.canonical_abi(&ptuple).size32;
    let rsize = t.canonical_abi(&rtuple).size32;
    let slots = param_slots(&flat_params);
    // The parameters' pointers converted `mode`: the spilled-parameters
    // pointer and everything flat or in memory.
    let params_code = |w: &mut Walk, mode: Mode| -> Result<()> {
        if params_in_memory {
            pointer(w, 0, psize, mode);
            w.mem(&ptuple, 0, 0, mode)?;
            if mode == Mode::Out {
                writeln!(
                    w.body,
                    "    (local.set 0 (i32.add (local.get 0) (global.get $base)))"
                )
                .ok();
            }
        } else {
            w.flat_seq(&ptys, &slots, mode)?;
        }
        Ok(())
    };
    let mut body = String::new();
    let mut post = None;
    if lower {
        // Parameters out, the return area made absolute, the call, the
        // parameters back, the results in.
        params_code(&mut w, Mode::Out)?;
        let retptr = results_in_memory.then(|| {
            let rel = w.local(V::I32);
            let r = params.len() as u32 - 1;
            writeln!(w.body, "    (local.set {rel} (local.get {r}))").ok();
            w.check(rel, &format!("(i64.const {rsize})"), TRAP_POINTER);
            writeln!(
                w.body,
                "    (local.set {r} (i32.add (local.get {r}) (global.get $base)))"
            )
            .ok();
            rel
        });
        let result_locals = call(&mut w, params.len(), &results);
        params_code(&mut w, Mode::Back)?;
        if let Some(rel) = retptr {
            w.mem(&rtuple, rel, 0, Mode::In)?;
        }
        for l in &result_locals {
            writeln!(w.body, "    (local.get {l})").ok();
        }
    } else {
        // Parameters in, the call, the results out.
        params_code(&mut w, Mode::In)?;
        let result_locals = call(&mut w, params.len(), &results);
        if results_in_memory {
            let r = result_locals[0];
            w.check(r, &format!("(i64.const {rsize})"), TRAP_POINTER);
            w.mem(&rtuple, r, 0, Mode::Out)?;
            writeln!(w.body, "    (i32.add (local.get {r}) (global.get $base))").ok();
            // The post-return thunk: the results' pointers relative again.
            let mut p = Walk {
                ctx,
                encoding,
                locals: Vec::new(),
                nparams: 1,
                traps: BTreeSet::new(),
                body: String::new(),
            };
            writeln!(
                p.body,
                "    (local.set 0 (i32.sub (local.get 0) (global.get $base)))"
            )
            .ok();
            p.mem(&rtuple, 0, 0, Mode::Back)?;
            if post_return {
                writeln!(p.body, "    (call $p (local.get 0))").ok();
            }
            w.traps.extend(p.traps.iter().copied());
            post = Some(format!(
                "  (func (export \"post\") (param i32)\n{}{}  )\n",
                locals_wat(&p.locals),
                p.body
            ));
        } else {
            for l in &result_locals {
                writeln!(w.body, "    (local.get {l})").ok();
            }
        }
    }
    body.push_str(&w.body);
    let mut m = String::from("(module\n");
    m.push_str("  (import \"m\" \"mem\" (memory 0))\n");
    m.push_str("  (import \"b\" \"base\" (global $base (mut i32)))\n");
    writeln!(
        m,
        "  (import \"f\" \"f\" (func $f{}))",
        sig(&params, &results)
    )
    .ok();
    if post.is_some() && post_return {
        m.push_str("  (import \"p\" \"p\" (func $p (param i32)))\n");
    }
    m.push_str(&traps_wat(&w.traps));
    writeln!(m, "  (func (export \"f\"){}", sig(&params, &results)).ok();
    m.push_str(&locals_wat(&w.locals));
    m.push_str(&body);
    m.push_str("  )\n");
    if let Some(p) = &post {
        m.push_str(p);
    }
    m.push_str(")\n");
    Ok(Some(RegionThunk {
        wat: m,
        post: post.is_some(),
    }))
}

/// Call `$f` with the `nparams` parameters; its results go to new locals
/// (returned).
fn call(w: &mut Walk, nparams: usize, results: &[V]) -> Vec<u32> {
    let locals: Vec<u32> = results.iter().map(|v| w.local(*v)).collect();
    write!(w.body, "    (call $f").ok();
    for i in 0..nparams {
        write!(w.body, " (local.get {i})").ok();
    }
    writeln!(w.body, ")").ok();
    for l in locals.iter().rev() {
        writeln!(w.body, "    (local.set {l})").ok();
    }
    locals
}

/// Convert local `l`, a pointer to `size` bytes: [`Mode::In`] checks and
/// makes it relative, [`Mode::Back`] makes it relative, [`Mode::Out`] only
/// checks (the caller makes it absolute once it has walked the memory).
fn pointer(w: &mut Walk, l: u32, size: u32, mode: Mode) {
    let len = format!("(i64.const {size})");
    match mode {
        Mode::Out => w.check(l, &len, TRAP_POINTER),
        Mode::In => {
            let trap = w.trap(TRAP_POINTER);
            writeln!(
                w.body,
                "    (if (i32.lt_u (local.get {l}) (global.get $base)) (then {trap}))\n    (local.set {l} (i32.sub (local.get {l}) (global.get $base)))"
            )
            .ok();
            w.check(l, &len, TRAP_POINTER);
        }
        Mode::Back => {
            writeln!(
                w.body,
                "    (local.set {l} (i32.sub (local.get {l}) (global.get $base)))"
            )
            .ok();
        }
    }
}

fn flat(ctx: &Ctx, tys: &[InterfaceType]) -> Vec<V> {
    let mut out = Vec::new();
    for ty in tys {
        ctx.flatten(ty, &mut out);
    }
    out
}

/// The realloc thunk: absolute addresses in and out.
fn realloc_wat() -> String {
    let trap = builtins::quoted_id(TRAP_REALLOC);
    format!(
        r#"(module
  (import "m" "mem" (memory 0))
  (import "b" "base" (global $base (mut i32)))
  (import "f" "f" (func $f (param i32 i32 i32 i32) (result i32)))
  (func {trap} unreachable)
  (func (export "f") (param i32 i32 i32 i32) (result i32) (local i32)
    (if (local.get 0) (then (local.set 0 (i32.sub (local.get 0) (global.get $base)))))
    (local.set 4 (call $f (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get 4)) (i64.extend_i32_u (local.get 3))) {REGION_BYTES})
      (then (call {trap})))
    (i32.add (local.get 4) (global.get $base))))
"#
    )
}

impl super::Builder<'_, '_, '_> {
    /// The base global of the region of `memory` (created once).
    fn region_base(&mut self, memory: Def) -> Result<Def> {
        if let Some(d) = self.region_bases.get(&memory) {
            return Ok(*d);
        }
        let wasm = builtins::assemble("region base", BASE_WAT)?;
        let n = self.push_node(
            "meld:region-base".into(),
            super::NodeKind::Builtin(Builtin::Generated),
            super::ModuleBytes::Owned(wasm),
            Vec::new(),
        );
        let d = Def::Item {
            instance: n,
            kind: ItemKind::Global,
            index: builtins::export_index(&self.graph.nodes[n].wasm, "base")?,
        };
        self.region_bases.insert(memory, d);
        self.graph.region_bases.push((memory, d));
        Ok(d)
    }

    fn export_of(&self, n: usize, name: &str) -> Result<Def> {
        Ok(Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index: builtins::export_index(&self.graph.nodes[n].wasm, name)?,
        })
    }

    /// With `--memory shared --component`: the region thunk in front of
    /// `func` (a guarded host import when `lower`, else a lifted export) of
    /// component type `ty`; `abi`'s realloc (and an export's post-return)
    /// are replaced by their absolute-address thunks. Returns `func` when
    /// nothing needs converting.
    pub(super) fn region_thunk(
        &mut self,
        label: &str,
        func: Def,
        ty: TypeFuncIndex,
        abi: &mut AbiOptions,
        lower: bool,
    ) -> Result<Def> {
        self.region_thunk_of(label, func, Shape::Func(ty, lower), abi)
    }

    /// [`Self::region_thunk`] of any [`Shape`].
    pub(super) fn region_thunk_of(
        &mut self,
        label: &str,
        func: Def,
        shape: Shape,
        abi: &mut AbiOptions,
    ) -> Result<Def> {
        if !self.region_thunks {
            return Ok(func);
        }
        let Some(memory) = abi.memory else {
            return Ok(func);
        };
        let thunk = {
            let component = &self.t.component;
            let is_host = |key: u32| {
                let res = wasmtime_environ::component::ResourceIndex::from_u32(key);
                component.defined_resource_index(res).is_none()
            };
            let types = self.types.resources_mut_and_types().1;
            let ctx = Ctx {
                types,
                tables: &self.type_tables,
                exported: &self.exported,
                host: &is_host,
                streams: &std::collections::BTreeMap::new(),
            };
            thunk(&ctx, shape, abi.string_encoding, abi.post_return.is_some())?
        };
        let base = self.region_base(memory)?;
        if let Some(realloc) = abi.realloc {
            abi.realloc = Some(match self.abs_reallocs.get(&realloc) {
                Some(d) => *d,
                None => {
                    let wasm = builtins::assemble("region realloc thunk", &realloc_wat())?;
                    let n = self.push_node(
                        format!("meld:region-realloc/{label}"),
                        super::NodeKind::Builtin(Builtin::Generated),
                        super::ModuleBytes::Owned(wasm),
                        vec![memory, base, realloc],
                    );
                    let d = self.export_of(n, "f")?;
                    self.abs_reallocs.insert(realloc, d);
                    d
                }
            });
        }
        let Some(thunk) = thunk else {
            return Ok(func);
        };
        let mut args = vec![memory, base, func];
        if thunk.post {
            if let Some(p) = abi.post_return {
                args.push(p);
            }
        }
        let wasm = builtins::assemble("region thunk", &thunk.wat)?;
        let n = self.push_node(
            format!("meld:region/{label}"),
            super::NodeKind::Builtin(Builtin::Generated),
            super::ModuleBytes::Owned(wasm),
            args,
        );
        if thunk.post {
            abi.post_return = Some(self.export_of(n, "post")?);
        }
        self.export_of(n, "f")
    }
}
