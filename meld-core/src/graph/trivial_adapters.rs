//! Trivial FACT adapters: scalar-only sync→sync calls lose their flag juggling
//! and, where provably unobservable, the adapter itself.
//!
//! For a call whose parameters and results are only scalars (no memory, no
//! `realloc`, no post-return, no resource scopes), FACT still emits
//!
//! ```text
//! block  global.get $caller  local.tee $t0  br_if 0  i32.const K  call $trap  unreachable  end
//! global.get $callee  local.set $t1  i32.const 0  global.set $callee
//! <params: local.gets of the parameters and pure conversions>
//! local.get $t1  global.set $callee
//! call $f  local.set $r*
//! i32.const 0  global.set $caller
//! <results: local.gets of $r* and pure conversions>
//! local.get $t0  global.set $caller
//! end
//! ```
//!
//! [`optimize`] recognises exactly this shape (anything else is left alone)
//! and then, per adapter:
//!
//! - **direct**: when the conversions are the identity, the adapter's type is
//!   the callee's, and the caller's `may_leave` global is proven to be 1
//!   whenever anything can read it (see below), every reference to the
//!   adapter in the graph is replaced by the callee: the caller imports the
//!   callee itself and the adapter dies in the dead-code pass;
//! - **slim**: otherwise, when every writer of the caller's global is
//!   balanced (restores what it saved), the body becomes the `may_leave`
//!   check, the conversions and the call; the check too is dropped when the
//!   caller's global is proven to be 1 (the conversions alone then stop a
//!   direct call). The two clear/restore pairs have no call and no trap
//!   between them, so nothing can observe them.
//!
//! # The proof for `direct`
//!
//! A flags global `F` (one per component instance, a [`Builtin::Flags`]
//! global starting at 1) is *always 1 when read* if every function of every
//! node that can reach `F` writes it only as FACT does, in one pair per
//! function at the function's top level:
//!
//! - a clear `i32.const 0; global.set F`, then a *quiet* window (only
//!   instructions from a pure, non-trapping, call-free list: `local.get`,
//!   constants, `i32.and`, sign extensions, `select`, reinterpretations,
//!   wrap/extend), then `local.get s; global.set F`;
//! - where `s` was loaded from `F` either right before the clear
//!   (`global.get F; local.set s`) or by the `may_leave` check that opens the
//!   function (`block; global.get F; local.tee s; br_if 0; …; end`), and is
//!   not written again before the restore;
//!
//! and no node re-exports `F`. Then `F` is 0 only inside quiet windows, during
//! which no other code runs and nothing reads `F`; every saved value was read
//! outside a window, so every restore writes 1. The check of a trivial
//! adapter whose caller flag is `F` therefore never traps, and the adapter
//! equals its callee. A composition where some adapter calls the caller's
//! `realloc` (a string or list result) or a callee's `realloc` (a string or
//! list parameter) with `F` cleared fails the proof for that `F`, and its
//! trivial adapters keep the check (slim form): wasmtime traps when such a
//! `realloc` calls out through an import, and so does the fused module.
//!
//! *Balanced* is the same shape with any window that cannot leave it except
//! by trapping (no `return`, no branch out, no exception or stack-switching
//! control): on every normal return `F` holds what it held on entry, which is
//! what the slim form relies on when it drops the caller's restore.

use crate::builtins::Builtin;
use crate::graph::{Def, Graph, ItemKind, ModuleBytes, NodeKind};
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{BlockType, ExternalKind, FunctionBody, Operator, Parser, Payload, TypeRef};

/// What [`optimize`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Adapters recognised as trivial (slimmed or wired direct).
    pub trivial: u32,
    /// Of those, adapters every reference to which now names the callee.
    pub direct: u32,
}

/// Find trivial adapters in `graph`, slim them, and wire callers straight
/// to callees where that is provably unobservable (see the module docs).
pub fn optimize(graph: &mut Graph) -> Result<Outcome> {
    let flags: BTreeSet<Def> = graph
        .nodes
        .iter()
        .flat_map(|n| n.args.iter().copied())
        .filter(|d| is_flags(graph, *d))
        .collect();
    if flags.is_empty() {
        return Ok(Outcome::default());
    }
    // Per flags global: (every writer balanced, every writer quiet).
    let mut status: BTreeMap<Def, (bool, bool)> =
        flags.iter().map(|d| (*d, (true, true))).collect();
    let mut found: Vec<(usize, Trivial)> = Vec::new();
    for (ni, node) in graph.nodes.iter().enumerate() {
        if !node.args.iter().any(|d| flags.contains(d)) {
            continue;
        }
        let m = Module::parse(&node.wasm)?;
        // Imported global index → the flags global it is.
        let fl: BTreeMap<u32, Def> = m
            .global_args
            .iter()
            .enumerate()
            .filter_map(|(g, a)| {
                let d = node.args.get((*a)?)?;
                flags.contains(d).then_some((g as u32, *d))
            })
            .collect();
        for g in &m.exported_globals {
            if let Some(d) = fl.get(g) {
                status.insert(*d, (false, false));
            }
        }
        let adapter = matches!(node.kind, NodeKind::Adapter { .. });
        for (i, body) in m.bodies.iter().enumerate() {
            let ops = read_ops(body)?;
            let mut writes: BTreeMap<Def, Vec<usize>> = BTreeMap::new();
            for (p, op) in ops.iter().enumerate() {
                if let Operator::GlobalSet { global_index } = op {
                    if let Some(d) = fl.get(global_index) {
                        writes.entry(*d).or_default().push(p);
                    }
                }
            }
            if writes.is_empty() {
                continue;
            }
            let depth = depths(&ops);
            for (d, pos) in &writes {
                let (b, q) = pair_status(&ops, &depth, pos);
                let s = status.get_mut(d).expect("every flags def has a status");
                s.0 &= b;
                s.1 &= q;
            }
            let func = m.imported_funcs + i as u32;
            if adapter {
                if let Some(t) = match_trivial(&m, &fl, func, body, &ops)? {
                    found.push((ni, t));
                }
            }
        }
    }

    let mut out = Outcome::default();
    let mut direct: BTreeMap<Def, Def> = BTreeMap::new();
    let mut slim: BTreeMap<usize, BTreeMap<u32, Vec<u8>>> = BTreeMap::new();
    for (ni, t) in found {
        let (balanced, quiet) = status[&t.caller_flags];
        if !balanced {
            continue;
        }
        out.trivial += 1;
        let body = if quiet { t.bare_body } else { t.slim_body };
        slim.entry(ni).or_default().insert(t.func, body);
        if quiet && t.identity {
            let args = &graph.nodes[ni].args;
            let callee = args.get(t.callee_arg).copied().ok_or_else(|| {
                Error::Internal("trivial adapter: callee import without argument".into())
            })?;
            direct.insert(
                Def::Item {
                    instance: ni,
                    kind: ItemKind::Func,
                    index: t.func,
                },
                callee,
            );
            out.direct += 1;
        }
    }
    for (ni, bodies) in slim {
        let wasm = replace_bodies(&graph.nodes[ni].wasm, &bodies)?;
        graph.nodes[ni].wasm = ModuleBytes::Owned(Arc::new(wasm));
    }
    if !direct.is_empty() {
        redirect(graph, &direct);
    }
    Ok(out)
}

fn is_flags(graph: &Graph, d: Def) -> bool {
    match d {
        Def::Item {
            instance,
            kind: ItemKind::Global,
            index: 0,
        } => graph
            .nodes
            .get(instance)
            .is_some_and(|n| matches!(n.kind, NodeKind::Builtin(Builtin::Flags))),
        _ => false,
    }
}

/// Replace every function reference in `graph` per `map` (transitively: a
/// bypassed adapter may call another one).
fn redirect(graph: &mut Graph, map: &BTreeMap<Def, Def>) {
    let resolve = |mut d: Def| {
        for _ in 0..=map.len() {
            match map.get(&d) {
                Some(next) => d = *next,
                None => break,
            }
        }
        d
    };
    for node in &mut graph.nodes {
        for a in &mut node.args {
            *a = resolve(*a);
        }
    }
    let fix_abi = |abi: &mut crate::graph::AbiOptions| {
        abi.realloc = abi.realloc.map(resolve);
        abi.post_return = abi.post_return.map(resolve);
    };
    for e in &mut graph.exports {
        e.func = resolve(e.func);
        fix_abi(&mut e.abi);
    }
    for h in &mut graph.host_funcs {
        fix_abi(&mut h.abi);
    }
    for (_, d) in &mut graph.dtor_exports {
        *d = resolve(*d);
    }
}

/// The parts of a core module the analysis needs.
struct Module<'a> {
    types: Vec<wasmparser::FuncType>,
    /// Type index of every function (imports first).
    funcs: Vec<u32>,
    /// Import number (= argument index) of every imported function.
    func_args: Vec<usize>,
    /// Import number of every global (`None`: defined here).
    global_args: Vec<Option<usize>>,
    imported_funcs: u32,
    /// Globals the module exports.
    exported_globals: Vec<u32>,
    bodies: Vec<FunctionBody<'a>>,
}

fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Invalid(e.to_string())
}

impl<'a> Module<'a> {
    fn parse(wasm: &'a [u8]) -> Result<Self> {
        let mut m = Module {
            types: Vec::new(),
            funcs: Vec::new(),
            func_args: Vec::new(),
            global_args: Vec::new(),
            imported_funcs: 0,
            exported_globals: Vec::new(),
            bodies: Vec::new(),
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(perr)? {
                Payload::TypeSection(r) => {
                    for ty in r.into_iter_err_on_gc_types() {
                        m.types.push(ty.map_err(perr)?);
                    }
                }
                Payload::ImportSection(r) => {
                    for (n, imp) in r.into_imports().enumerate() {
                        match imp.map_err(perr)?.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                m.funcs.push(t);
                                m.func_args.push(n);
                                m.imported_funcs += 1;
                            }
                            TypeRef::Global(_) => m.global_args.push(Some(n)),
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        m.funcs.push(t.map_err(perr)?);
                    }
                }
                Payload::GlobalSection(r) => {
                    for _ in 0..r.count() {
                        m.global_args.push(None);
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.map_err(perr)?;
                        if e.kind == ExternalKind::Global {
                            m.exported_globals.push(e.index);
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => m.bodies.push(body),
                _ => {}
            }
        }
        Ok(m)
    }

    fn func_type(&self, f: u32) -> Option<&wasmparser::FuncType> {
        self.types.get(*self.funcs.get(f as usize)? as usize)
    }

    /// The argument index of imported function `f`.
    fn func_arg(&self, f: u32) -> Option<usize> {
        self.func_args.get(f as usize).copied()
    }
}

fn read_ops<'a>(body: &FunctionBody<'a>) -> Result<Vec<Operator<'a>>> {
    let mut r = body.get_operators_reader().map_err(perr)?;
    let mut ops = Vec::new();
    while !r.eof() {
        ops.push(r.read().map_err(perr)?);
    }
    Ok(ops)
}

/// Block nesting depth before each operator (0: the function's top level).
fn depths(ops: &[Operator]) -> Vec<i32> {
    let mut d = 0i32;
    ops.iter()
        .map(|op| {
            let here = d;
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::Try { .. }
                | Operator::TryTable { .. } => d += 1,
                Operator::End => d -= 1,
                _ => {}
            }
            here
        })
        .collect()
}

/// Pure, non-trapping, call-free operators (the conversions FACT emits for
/// scalars). `local.get` is checked by the caller where it matters.
fn is_pure(op: &Operator) -> bool {
    matches!(
        op,
        Operator::LocalGet { .. }
            | Operator::I32Const { .. }
            | Operator::I64Const { .. }
            | Operator::F32Const { .. }
            | Operator::F64Const { .. }
            | Operator::I32And
            | Operator::I32Extend8S
            | Operator::I32Extend16S
            | Operator::Select
            | Operator::I32WrapI64
            | Operator::I64ExtendI32U
            | Operator::I32ReinterpretF32
            | Operator::F32ReinterpretI32
            | Operator::I64ReinterpretF64
            | Operator::F64ReinterpretI64
    )
}

/// Whether control can leave `window` other than by falling off its end or
/// trapping.
fn escapes(window: &[Operator]) -> bool {
    let mut d = 0u32;
    for op in window {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => d += 1,
            Operator::Else if d == 0 => return true,
            Operator::End if d == 0 => return true,
            Operator::End => d -= 1,
            Operator::Br { relative_depth } | Operator::BrIf { relative_depth }
                if *relative_depth >= d =>
            {
                return true
            }
            Operator::BrTable { targets } => {
                if targets.default() >= d {
                    return true;
                }
                for t in targets.targets() {
                    match t {
                        Ok(t) if t < d => {}
                        _ => return true,
                    }
                }
            }
            Operator::Return
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. }
            | Operator::Delegate { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. }
            | Operator::BrOnCastDescEq { .. }
            | Operator::BrOnCastDescEqFail { .. }
            | Operator::Suspend { .. }
            | Operator::Resume { .. }
            | Operator::ResumeThrow { .. }
            | Operator::ResumeThrowRef { .. }
            | Operator::Switch { .. } => return true,
            _ => {}
        }
    }
    d != 0
}

/// The `may_leave` check FACT opens an adapter with, on global `g` saved
/// into local `s`: `block; global.get g; local.tee s; br_if 0; i32.const K;
/// call trap; unreachable; end`. Returns (g, s, K, trap).
fn leave_check(ops: &[Operator]) -> Option<(u32, u32, i32, u32)> {
    match ops.get(..8)? {
        [Operator::Block {
            blockty: BlockType::Empty,
        }, Operator::GlobalGet { global_index: g }, Operator::LocalTee { local_index: s }, Operator::BrIf { relative_depth: 0 }, Operator::I32Const { value: k }, Operator::Call {
            function_index: trap,
        }, Operator::Unreachable, Operator::End] => Some((*g, *s, *k, *trap)),
        _ => None,
    }
}

/// (balanced, quiet) of one function's writes `pos` to one flags global.
fn pair_status(ops: &[Operator], depth: &[i32], pos: &[usize]) -> (bool, bool) {
    const NO: (bool, bool) = (false, false);
    let [c, r] = *pos else { return NO };
    let Operator::GlobalSet { global_index: g } = ops[c] else {
        return NO;
    };
    if ops[r] != ops[c] || depth[c] != 0 || depth[r] != 0 || c < 1 || r < c + 2 {
        return NO;
    }
    if ops[c - 1] != (Operator::I32Const { value: 0 }) {
        return NO;
    }
    let Operator::LocalGet { local_index: s } = ops[r - 1] else {
        return NO;
    };
    // Where `s` was loaded from `g`.
    let saved = if c >= 3
        && ops[c - 3] == (Operator::GlobalGet { global_index: g })
        && ops[c - 2] == (Operator::LocalSet { local_index: s })
        && depth[c - 3] == 0
    {
        c - 2
    } else if leave_check(ops).is_some_and(|(cg, cs, _, _)| cg == g && cs == s) {
        2
    } else {
        return NO;
    };
    let rewritten = ops[saved + 1..r].iter().any(|op| {
        matches!(op, Operator::LocalSet { local_index } | Operator::LocalTee { local_index }
            if *local_index == s)
    });
    if rewritten {
        return NO;
    }
    let window = &ops[c + 1..r - 1];
    if escapes(window) {
        return NO;
    }
    (true, window.iter().all(is_pure))
}

/// A recognised trivial adapter.
struct Trivial {
    /// Function index in the adapter module.
    func: u32,
    caller_flags: Def,
    /// Argument index of the callee import.
    callee_arg: usize,
    /// Conversions are the identity and the types are equal.
    identity: bool,
    /// The may_leave check, the conversions, the call (raw body).
    slim_body: Vec<u8>,
    /// The conversions and the call, for a caller flag proven to be 1.
    bare_body: Vec<u8>,
}

/// Exact match of FACT's scalar-only sync→sync adapter (module docs).
fn match_trivial(
    m: &Module,
    fl: &BTreeMap<u32, Def>,
    func: u32,
    body: &FunctionBody,
    ops: &[Operator],
) -> Result<Option<Trivial>> {
    let Some(ty) = m.func_type(func) else {
        return Ok(None);
    };
    let nparams = ty.params().len() as u32;
    let Some((gl, t0, _, trap)) = leave_check(ops) else {
        return Ok(None);
    };
    let mut p = 8;
    let (gc, t1) = match ops.get(p..p + 4) {
        Some(
            [Operator::GlobalGet { global_index: gc }, Operator::LocalSet { local_index: t1 }, Operator::I32Const { value: 0 }, Operator::GlobalSet { global_index: gc2 }],
        ) if gc == gc2 => (*gc, *t1),
        _ => return Ok(None),
    };
    p += 4;
    let (Some(caller_flags), Some(_)) = (fl.get(&gl), fl.get(&gc)) else {
        return Ok(None);
    };
    if gl == gc || t0 < nparams || t1 < nparams || t0 == t1 || m.func_arg(trap).is_none() {
        return Ok(None);
    }
    // Parameters: pure operators reading only parameters.
    let params_start = p;
    while ops.get(p) != Some(&Operator::LocalGet { local_index: t1 }) {
        match ops.get(p) {
            Some(Operator::LocalGet { local_index }) if *local_index < nparams => {}
            Some(op) if is_pure(op) && !matches!(op, Operator::LocalGet { .. }) => {}
            _ => return Ok(None),
        }
        p += 1;
    }
    let params = &ops[params_start..p];
    p += 1;
    if ops.get(p) != Some(&Operator::GlobalSet { global_index: gc }) {
        return Ok(None);
    }
    p += 1;
    let Some(Operator::Call {
        function_index: callee,
    }) = ops.get(p)
    else {
        return Ok(None);
    };
    let callee = *callee;
    p += 1;
    let (Some(callee_arg), Some(callee_ty)) = (m.func_arg(callee), m.func_type(callee)) else {
        return Ok(None);
    };
    // Results: `local.set` per callee result (last first), then pure
    // operators reading only those locals.
    let mut sets = Vec::new();
    for _ in callee_ty.results() {
        match ops.get(p) {
            Some(Operator::LocalSet { local_index: r })
                if *r >= nparams && *r != t0 && !sets.contains(r) =>
            {
                sets.push(*r)
            }
            _ => return Ok(None),
        }
        p += 1;
    }
    let clear = [
        Operator::I32Const { value: 0 },
        Operator::GlobalSet { global_index: gl },
    ];
    if ops.get(p..p + 2) != Some(&clear[..]) {
        return Ok(None);
    }
    p += 2;
    let results_start = p;
    while ops.get(p) != Some(&Operator::LocalGet { local_index: t0 }) {
        match ops.get(p) {
            Some(Operator::LocalGet { local_index }) if sets.contains(local_index) => {}
            Some(op) if is_pure(op) && !matches!(op, Operator::LocalGet { .. }) => {}
            _ => return Ok(None),
        }
        p += 1;
    }
    let results = &ops[results_start..p];
    let tail = [
        Operator::LocalGet { local_index: t0 },
        Operator::GlobalSet { global_index: gl },
        Operator::End,
    ];
    if ops.get(p..) != Some(&tail[..]) {
        return Ok(None);
    }
    let plain_params: Vec<Operator> = (0..nparams)
        .map(|i| Operator::LocalGet { local_index: i })
        .collect();
    let plain_results: Vec<Operator> = sets
        .iter()
        .rev()
        .map(|r| Operator::LocalGet { local_index: *r })
        .collect();
    let results_plain = results == &plain_results[..];
    let identity = params == &plain_params[..] && results_plain && ty == callee_ty;

    let body_with = |check: bool| -> Result<Vec<u8>> {
        let mut f = RoundtripReencoder
            .new_function_with_parsed_locals(body)
            .map_err(|e| Error::Internal(format!("trivial adapter locals: {e}")))?;
        let mut emit = |op: &Operator| -> Result<()> {
            let i = RoundtripReencoder
                .instruction(op.clone())
                .map_err(|e| Error::Internal(format!("trivial adapter: {e}")))?;
            f.instruction(&i);
            Ok(())
        };
        if check {
            // FACT's check without saving the flag: `block; global.get;
            // br_if 0; i32.const K; call trap; unreachable; end`.
            for op in ops[..2].iter().chain(&ops[3..8]) {
                emit(op)?;
            }
        }
        for op in params {
            emit(op)?;
        }
        emit(&Operator::Call {
            function_index: callee,
        })?;
        if !results_plain {
            for r in &sets {
                emit(&Operator::LocalSet { local_index: *r })?;
            }
            for op in results {
                emit(op)?;
            }
        }
        emit(&Operator::End)?;
        Ok(f.into_raw_body())
    };
    Ok(Some(Trivial {
        func,
        caller_flags: *caller_flags,
        callee_arg,
        identity,
        slim_body: body_with(true)?,
        bare_body: body_with(false)?,
    }))
}

/// `wasm` with the bodies of the given functions (module function index →
/// raw body: locals and code, no size prefix) replaced.
fn replace_bodies(wasm: &[u8], bodies: &BTreeMap<u32, Vec<u8>>) -> Result<Vec<u8>> {
    let mut out = wasm_encoder::Module::new();
    let mut imported = 0u32;
    let mut code: Option<wasm_encoder::CodeSection> = None;
    let mut next = 0u32;
    let section = |out: &mut wasm_encoder::Module, id: u8, range: Range<usize>| {
        out.section(&wasm_encoder::RawSection {
            id,
            data: &wasm[range],
        });
    };
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(perr)?;
        match &payload {
            Payload::ImportSection(r) => {
                for imp in r.clone().into_imports() {
                    if matches!(
                        imp.map_err(perr)?.ty,
                        TypeRef::Func(_) | TypeRef::FuncExact(_)
                    ) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionStart { .. } => {
                code = Some(wasm_encoder::CodeSection::new());
                continue;
            }
            Payload::CodeSectionEntry(body) => {
                let c = code
                    .as_mut()
                    .ok_or_else(|| Error::Internal("code entry outside a code section".into()))?;
                match bodies.get(&(imported + next)) {
                    Some(b) => c.raw(b),
                    None => c.raw(&wasm[body.range()]),
                };
                next += 1;
                continue;
            }
            _ => {}
        }
        if let Some(c) = code.take() {
            out.section(&c);
        }
        if let Some((id, range)) = payload.as_section() {
            section(&mut out, id, range);
        }
    }
    if let Some(c) = code.take() {
        out.section(&c);
    }
    Ok(out.finish())
}

#[cfg(test)]
#[path = "trivial_adapters_tests.rs"]
mod tests;
