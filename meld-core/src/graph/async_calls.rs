//! The async intrinsics of a composition translated with concurrency
//! support ([`crate::front::translate`]): each resolved to the async
//! runtime ([`crate::builtins::async_rt_wat`]) through a small generated
//! shim ([`crate::builtins::async_shims`]), to a named trap for the
//! stream/future/error-context built-ins this slice does not implement,
//! or refused by name (`docs/async.md`).

use super::{Builder, Def, ItemKind, ModuleBytes, NodeKind};
use crate::builtins::{self, async_shims, Builtin};
use crate::{Error, Result};
use wasmtime_environ::component::{
    CoreDef, FlatType, InterfaceType, RuntimeMemoryIndex, Trampoline, TrampolineIndex,
    TypeComponentLocalErrorContextTableIndex, TypeFuncIndex, UnsafeIntrinsic, MAX_FLAT_PARAMS,
};
use wasmtime_environ::WasmValType;

fn refuse(what: &str) -> Error {
    Error::Unsupported(format!(
        "async (component-model concurrency): {what} is not supported yet (docs/async.md)"
    ))
}

fn core_name(t: &WasmValType) -> Result<&'static str> {
    Ok(match t {
        WasmValType::I32 => "i32",
        WasmValType::I64 => "i64",
        WasmValType::F32 => "f32",
        WasmValType::F64 => "f64",
        other => {
            return Err(refuse(&format!(
                "an async intrinsic with core type {other}"
            )))
        }
    })
}

fn val_name(t: &wasmparser::ValType) -> Result<&'static str> {
    Ok(match t {
        wasmparser::ValType::I32 => "i32",
        wasmparser::ValType::I64 => "i64",
        wasmparser::ValType::F32 => "f32",
        wasmparser::ValType::F64 => "f64",
        wasmparser::ValType::Ref(r) if r.is_func_ref() => "funcref",
        other => {
            return Err(refuse(&format!(
                "an async adapter with core type {other:?}"
            )))
        }
    })
}

type Sig = (Vec<&'static str>, Vec<&'static str>);

/// One call site as found: the lower's parameters, the `start`, `return`
/// and callee signatures, whether the callee is async-lifted, and its start
/// import.
type FoundSite = (Vec<&'static str>, Sig, Sig, Sig, bool, usize);

/// An adapter module's arguments, and the functions it passes by `ref.func`.
type AsyncArgs = (Vec<Def>, Vec<(u32, Sig)>);

/// What [`analyse_adapter`] finds in a FACT adapter module.
struct AdapterCalls {
    /// Import position → (`prepare` site k | start import j).
    prepare: Vec<(usize, usize)>,
    starts: Vec<(usize, bool, Vec<&'static str>)>,
    sites: Vec<FoundSite>,
    /// The functions the sites pass by `ref.func`, with their types.
    refs: std::collections::BTreeMap<u32, Sig>,
}

/// Find the async call sites of an adapter module: each function that
/// calls a `[prepare-call]` import with `ref.func start; ref.func return`
/// and then a `[start-call]` import with `ref.func callee` (FACT's
/// `call_prepare` and `compile_*_to_async_adapter`).
fn analyse_adapter(wasm: &[u8]) -> Result<AdapterCalls> {
    let err = |e: wasmparser::BinaryReaderError| Error::Internal(format!("adapter scan: {e}"));
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    // Function import index → import position, kind (0 prepare, 1 sync start, 2 async start).
    let mut special: std::collections::BTreeMap<u32, (usize, u8)> = Default::default();
    let mut bodies = Vec::new();
    let mut pos = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            wasmparser::Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(err)?);
                }
            }
            wasmparser::Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(err)?;
                    if let wasmparser::TypeRef::Func(t) = imp.ty {
                        let kind = if imp.name.starts_with("[prepare-call]") {
                            Some(0)
                        } else if imp.name.starts_with("[start-call]") {
                            Some(if imp.module == "sync" { 1 } else { 2 })
                        } else {
                            None
                        };
                        if let Some(k) = kind {
                            special.insert(funcs.len() as u32, (pos, k));
                        }
                        funcs.push(t);
                    }
                    pos += 1;
                }
            }
            wasmparser::Payload::FunctionSection(r) => {
                for t in r {
                    funcs.push(t.map_err(err)?);
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => bodies.push(body),
            _ => {}
        }
    }
    let sig = |f: u32| -> Result<Sig> {
        let ty = funcs
            .get(f as usize)
            .and_then(|t| types.get(*t as usize))
            .ok_or_else(|| Error::Internal(format!("adapter scan: no function {f}")))?;
        Ok((
            ty.params().iter().map(val_name).collect::<Result<_>>()?,
            ty.results().iter().map(val_name).collect::<Result<_>>()?,
        ))
    };
    let mut out = AdapterCalls {
        prepare: Vec::new(),
        starts: Vec::new(),
        sites: Vec::new(),
        refs: Default::default(),
    };
    let mut start_of_pos: std::collections::BTreeMap<usize, usize> = Default::default();
    for body in bodies {
        let mut refs: Vec<u32> = Vec::new();
        let mut last_const = 0i32;
        let mut open: Option<(usize, u32, u32, u32)> = None;
        let mut ops = body.get_operators_reader().map_err(err)?;
        while !ops.eof() {
            match ops.read().map_err(err)? {
                wasmparser::Operator::RefFunc { function_index } => refs.push(function_index),
                wasmparser::Operator::I32Const { value } => last_const = value,
                wasmparser::Operator::Call { function_index } => {
                    let Some(&(p, kind)) = special.get(&function_index) else {
                        continue;
                    };
                    if kind == 0 {
                        let n = refs.len();
                        if n < 2 {
                            return Err(Error::Internal(
                                "adapter scan: prepare without refs".into(),
                            ));
                        }
                        open = Some((p, function_index, refs[n - 2], refs[n - 1]));
                    } else {
                        let (pp, prep, start, ret) = open.take().ok_or_else(|| {
                            Error::Internal("adapter scan: start-call before prepare-call".into())
                        })?;
                        let callee = *refs.last().ok_or_else(|| {
                            Error::Internal("adapter scan: start-call without callee".into())
                        })?;
                        let sync = kind == 1;
                        let j = match start_of_pos.get(&p) {
                            Some(j) => *j,
                            None => {
                                let results = if sync {
                                    sig(function_index)?.1
                                } else {
                                    Vec::new()
                                };
                                out.starts.push((p, sync, results));
                                start_of_pos.insert(p, out.starts.len() - 1);
                                out.starts.len() - 1
                            }
                        };
                        let lower = sig(prep)?.0[8..].to_vec();
                        let callee_async = sync || last_const & 1 != 0;
                        out.prepare.push((pp, out.sites.len()));
                        for f in [start, ret, callee] {
                            out.refs.insert(f, sig(f)?);
                        }
                        out.sites.push((
                            lower,
                            sig(start)?,
                            sig(ret)?,
                            sig(callee)?,
                            callee_async,
                            j,
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

impl<'input> Builder<'_, '_, 'input> {
    /// Export `name` of the async runtime (instantiated on first use).
    pub(super) fn rt_def(&mut self, kind: ItemKind, name: &str) -> Result<Def> {
        self.runtime_args(&[])?;
        let (rt, exports) = self.res_runtime.as_ref().expect("created above");
        let index = *exports
            .get(name)
            .ok_or_else(|| Error::Internal(format!("the async runtime has no export `{name}`")))?;
        Ok(Def::Item {
            instance: *rt,
            kind,
            index,
        })
    }

    pub(super) fn rt_funcs(&mut self, names: &[&str]) -> Result<Vec<Def>> {
        names
            .iter()
            .map(|n| self.rt_def(ItemKind::Func, n))
            .collect()
    }

    /// A generated async module (WAT), instantiated with `args`.
    pub(super) fn async_node(&mut self, label: String, wat: &str, args: Vec<Def>) -> Result<usize> {
        let wasm = builtins::assemble(&label, wat)?;
        Ok(self.push_node(
            label,
            NodeKind::Builtin(Builtin::Generated),
            ModuleBytes::Owned(wasm),
            args,
        ))
    }

    /// A generated module (WAT) instantiated with `args`: its export `name`.
    pub(super) fn generated_item(
        &mut self,
        label: String,
        wat: &str,
        args: Vec<Def>,
        kind: ItemKind,
        name: &str,
    ) -> Result<Def> {
        let n = self.async_node(label, wat, args)?;
        let index = builtins::export_index(&self.graph.nodes[n].wasm, name)?;
        Ok(Def::Item {
            instance: n,
            kind,
            index,
        })
    }

    pub(super) fn async_shim(&mut self, label: String, wat: &str, args: Vec<Def>) -> Result<Def> {
        let n = self.async_node(label, wat, args)?;
        let index = builtins::export_index(&self.graph.nodes[n].wasm, "f")?;
        Ok(Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index,
        })
    }

    fn baked(&mut self, t: TrampolineIndex, name: &str, consts: &[i32]) -> Result<Def> {
        let (p, r) = self.tramp_sig(t)?;
        let rt = self.rt_funcs(&[name])?;
        self.async_shim(
            format!("meld:async/{name}"),
            &async_shims::bake(name, consts, &p, &r),
            rt,
        )
    }

    /// [`Self::baked`] for the stream shims.
    pub(super) fn baked_named(
        &mut self,
        t: TrampolineIndex,
        name: &str,
        consts: &[i32],
    ) -> Result<Def> {
        self.baked(t, name, consts)
    }

    fn tramp_sig(&self, t: TrampolineIndex) -> Result<Sig> {
        let ty = self.t.component.trampolines[t];
        let f = self.types.module_types_builder()[ty].unwrap_func();
        Ok((
            f.params().iter().map(core_name).collect::<Result<_>>()?,
            f.results().iter().map(core_name).collect::<Result<_>>()?,
        ))
    }

    /// A small id per distinct memory (0: none), for `task.return`'s check
    /// that it uses the memory its task was lifted with.
    pub(super) fn mem_id(&mut self, m: Option<RuntimeMemoryIndex>) -> Result<u32> {
        let Some(m) = m else { return Ok(0) };
        let def = self.memory(m)?;
        let n = self.mem_ids.len() as u32 + 1;
        Ok(*self.mem_ids.entry(def).or_insert(n))
    }

    /// An async trampoline (every kind `trampoline` does not handle).
    pub(super) fn async_trampoline(&mut self, t: TrampolineIndex) -> Result<Def> {
        let translation = self.t;
        let tr = &translation.trampolines[t];
        if !self.concurrent {
            return Err(refuse(&format!("intrinsic `{}`", tr.symbol_name())));
        }
        let opts = |b: &Self, o| b.t.component.options[o].clone();
        use Trampoline as T;
        Ok(match tr {
            T::WaitableSetNew { instance } => {
                self.baked(t, "ws_new", &[instance.as_u32() as i32])?
            }
            T::WaitableSetDrop { instance } => {
                self.baked(t, "ws_drop", &[instance.as_u32() as i32])?
            }
            T::WaitableJoin { instance } => self.baked(t, "join", &[instance.as_u32() as i32])?,
            T::WaitableSetWait { instance, options } | T::WaitableSetPoll { instance, options } => {
                let o = opts(self, *options);
                let wait = matches!(tr, T::WaitableSetWait { .. }).then_some(o.async_);
                let name = if wait.is_some() { "ws_wait" } else { "ws_poll" };
                let mem = o.memory().ok_or_else(|| {
                    Error::Invalid(format!("{} without a memory", tr.symbol_name()))
                })?;
                let mut args = self.rt_funcs(&[name])?;
                args.push(self.memory(mem)?);
                self.async_shim(
                    format!("meld:async/{name}"),
                    &async_shims::ws_poll(instance.as_u32(), wait),
                    args,
                )?
            }
            T::SubtaskDrop { instance } => {
                self.baked(t, "subtask_drop", &[instance.as_u32() as i32])?
            }
            T::SubtaskCancel { instance, async_ } => self.baked(
                t,
                "subtask_cancel",
                &[instance.as_u32() as i32, *async_ as i32],
            )?,
            T::BackpressureInc { instance } => {
                self.baked(t, "bp_add", &[instance.as_u32() as i32, 1])?
            }
            T::BackpressureDec { instance } => {
                self.baked(t, "bp_add", &[instance.as_u32() as i32, -1])?
            }
            T::ThreadYield { cancellable, .. } => self.baked(t, "yield", &[*cancellable as i32])?,
            T::TaskCancel { .. } => self.baked(t, "task_cancel", &[])?,
            T::TaskReturn {
                results, options, ..
            } => {
                let o = opts(self, *options);
                let mem = self.mem_id(o.memory())?;
                let (p, _) = self.tramp_sig(t)?;
                let args = vec![
                    self.rt_def(ItemKind::Func, "task_return")?,
                    self.rt_def(ItemKind::Func, "stash")?,
                    self.rt_def(ItemKind::Table, "calls")?,
                ];
                self.async_shim(
                    "meld:async/task.return".into(),
                    &async_shims::task_return(
                        &p,
                        results.as_u32(),
                        mem,
                        o.string_encoding as u8 as u32,
                    ),
                    args,
                )?
            }
            T::StreamNew { .. }
            | T::StreamRead { .. }
            | T::StreamWrite { .. }
            | T::StreamCancelRead { .. }
            | T::StreamCancelWrite { .. }
            | T::StreamDropReadable { .. }
            | T::StreamDropWritable { .. }
            | T::FutureNew { .. }
            | T::FutureRead { .. }
            | T::FutureWrite { .. }
            | T::FutureCancelRead { .. }
            | T::FutureCancelWrite { .. }
            | T::FutureDropReadable { .. }
            | T::FutureDropWritable { .. }
            | T::FutureTransfer
            | T::StreamTransfer => self
                .stream_trampoline(t)?
                .ok_or_else(|| Error::Internal("a stream intrinsic".into()))?,
            T::ErrorContextNew {
                instance, options, ..
            }
            | T::ErrorContextDebugMessage {
                instance, options, ..
            } => {
                let o = opts(self, *options);
                let abi = self.abi(&o)?;
                let memory = abi.memory.ok_or_else(|| {
                    Error::Invalid(format!("{} without a memory", tr.symbol_name()))
                })?;
                let enc = o.string_encoding as u8 as u32;
                let inst = instance.as_u32();
                if let T::ErrorContextNew { .. } = tr {
                    let mut args = self.rt_funcs(&["ec_new", "ec_set"])?;
                    args.push(memory);
                    self.async_shim(
                        "meld:async/error-context.new".into(),
                        &async_shims::ec_new(inst, enc),
                        args,
                    )?
                } else {
                    let realloc = abi.realloc.ok_or_else(|| {
                        Error::Invalid("error-context.debug-message without a realloc".into())
                    })?;
                    let mut args = self.rt_funcs(&["ec_info", "ec_get"])?;
                    args.extend([memory, realloc]);
                    self.async_shim(
                        "meld:async/error-context.debug-message".into(),
                        &async_shims::ec_message(inst, enc),
                        args,
                    )?
                }
            }
            T::ErrorContextDrop { instance, .. } => {
                self.baked(t, "ec_drop", &[instance.as_u32() as i32])?
            }
            T::ErrorContextTransfer => self.ec_transfer_def()?,
            T::PrepareCall { .. } | T::SyncStartCall { .. } | T::AsyncStartCall { .. } => {
                return Err(Error::Internal(
                    "an async call intrinsic outside a FACT adapter".into(),
                ))
            }
            other => return Err(refuse(&format!("intrinsic `{}`", other.symbol_name()))),
        })
    }

    /// FACT's `error-context.transfer`: table types mapped to instances.
    pub(super) fn ec_transfer_def(&mut self) -> Result<Def> {
        let n = self.types.num_error_context_tables();
        let types = self.types.resources_mut_and_types().1;
        let instances: Vec<u32> = (0..n)
            .map(|k| {
                types[TypeComponentLocalErrorContextTableIndex::from_u32(k as u32)]
                    .instance
                    .as_u32()
            })
            .collect();
        let args = self.rt_funcs(&["ec_transfer"])?;
        self.async_shim(
            "meld:async/error-context.transfer".into(),
            &async_shims::ec_transfer(&instances),
            args,
        )
    }

    /// `context.get`/`context.set` (wasmtime's unsafe intrinsics).
    pub(super) fn unsafe_intrinsic(&mut self, i: UnsafeIntrinsic) -> Result<Def> {
        if !self.concurrent {
            return Err(refuse(&format!("wasmtime unsafe intrinsic {i:?}")));
        }
        let (name, slot, p, r): (&str, i32, &[&str], &[&str]) = match i {
            UnsafeIntrinsic::ContextGetI32_0 => ("ctx_get", 0, &[], &["i32"]),
            UnsafeIntrinsic::ContextGetI32_1 => ("ctx_get", 1, &[], &["i32"]),
            UnsafeIntrinsic::ContextSetI32_0 => ("ctx_set", 0, &["i32"], &[]),
            UnsafeIntrinsic::ContextSetI32_1 => ("ctx_set", 1, &["i32"], &[]),
            other => return Err(refuse(&format!("wasmtime unsafe intrinsic {other:?}"))),
        };
        if let Some(d) = self.ctx_shims.get(&(name, slot)) {
            return Ok(*d);
        }
        let rt = self.rt_funcs(&[name])?;
        let d = self.async_shim(
            format!("meld:async/{name}{slot}"),
            &async_shims::bake(name, &[slot], p, r),
            rt,
        )?;
        self.ctx_shims.insert((name, slot), d);
        Ok(d)
    }

    /// The arguments of a FACT adapter module whose adapters make async
    /// calls: its `[prepare-call]`/`[start-call]` imports go to a call shim
    /// generated for this module; `None` when it makes none. Also the
    /// functions its bodies take by `ref.func` (FACT declares them by
    /// exporting them, and the merge drops adapter exports): see
    /// [`Self::declare_refs`].
    pub(super) fn adapter_async_args(
        &mut self,
        wasm: &[u8],
        args: &[CoreDef],
    ) -> Result<Option<AsyncArgs>> {
        if !self.concurrent {
            return Ok(None);
        }
        let calls = analyse_adapter(wasm)?;
        if calls.sites.is_empty() {
            return Ok(None);
        }
        let translation = self.t;
        let tramp = |pos: usize| -> Result<&Trampoline> {
            match args.get(pos) {
                Some(CoreDef::Trampoline(t)) => Ok(&translation.trampolines[*t]),
                _ => Err(Error::Internal(
                    "adapter scan: call import is not an intrinsic".into(),
                )),
            }
        };
        let mut sites = Vec::new();
        for (k, (lower, start, ret, callee, callee_async, j)) in calls.sites.iter().enumerate() {
            let pos = calls.prepare[k].0;
            let mem = match tramp(pos)? {
                Trampoline::PrepareCall { memory } => self.mem_id(*memory)?,
                _ => return Err(Error::Internal("adapter scan: not a prepare-call".into())),
            };
            sites.push(async_shims::CallSite {
                lower_params: lower.clone(),
                start: start.clone(),
                ret: ret.clone(),
                callee: callee.clone(),
                callee_async: *callee_async,
                mem,
                start_import: *j,
            });
        }
        let mut starts = Vec::new();
        let mut post_returns = Vec::new();
        let mut pr_defs = Vec::new();
        let mut cb_defs = Vec::new();
        for (j, (pos, sync, results)) in calls.starts.iter().enumerate() {
            let callback = match tramp(*pos)? {
                Trampoline::AsyncStartCall {
                    callback: Some(c), ..
                }
                | Trampoline::SyncStartCall { callback: Some(c) } => {
                    let def = self.callbacks.get(c).cloned().ok_or_else(|| {
                        Error::Invalid("callback used before it is extracted".into())
                    })?;
                    cb_defs.push(self.plain_def(&def)?);
                    Some(cb_defs.len() as u32 - 1)
                }
                _ => None,
            };
            let post_return = match tramp(*pos)? {
                Trampoline::AsyncStartCall {
                    post_return: Some(p),
                    ..
                } => {
                    let def = self.post_returns.get(p).cloned().ok_or_else(|| {
                        Error::Invalid("post-return used before it is extracted".into())
                    })?;
                    let d = self.plain_def(&def)?;
                    // Its parameters are the sync-lifted callee's results.
                    let site = sites
                        .iter()
                        .find(|s| s.start_import == j)
                        .ok_or_else(|| Error::Internal("adapter scan: unused start".into()))?;
                    post_returns.push(site.callee.1.clone());
                    pr_defs.push(d);
                    Some(post_returns.len() as u32 - 1)
                }
                _ => None,
            };
            starts.push(async_shims::StartImport {
                sync: *sync,
                results: results.clone(),
                post_return,
                callback,
            });
        }
        let mut shim_args = self.rt_funcs(&[
            "prepare",
            "begin",
            "end_async",
            "returned_sync",
            "end_sync",
            "stashed",
            "defer",
            "psave",
            "psite",
            "pload",
            "rebegin",
            "sync_wait",
        ])?;
        shim_args.push(self.rt_def(ItemKind::Table, "calls")?);
        shim_args.extend(pr_defs);
        let n_callbacks = cb_defs.len();
        shim_args.extend(cb_defs);
        let wat = async_shims::adapter_calls(&sites, &starts, &post_returns, n_callbacks);
        let n = self.async_node("meld:async/calls".into(), &wat, shim_args)?;
        let exports = builtins::export_indices(&self.graph.nodes[n].wasm);
        let mut fixed: std::collections::BTreeMap<usize, Def> = Default::default();
        for (pos, k) in &calls.prepare {
            fixed.insert(*pos, self.shim_export(n, &exports, &format!("p{k}"))?);
        }
        for (j, (pos, ..)) in calls.starts.iter().enumerate() {
            fixed.insert(*pos, self.shim_export(n, &exports, &format!("s{j}"))?);
        }
        let mut defs = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            defs.push(match fixed.get(&i) {
                Some(d) => *d,
                None => self.core_def(arg)?,
            });
        }
        Ok(Some((defs, calls.refs.into_iter().collect())))
    }

    /// A module that imports the functions adapter node `node` passes by
    /// `ref.func` and declares them (`elem declare`), so that the fused
    /// module, which keeps no adapter export, still declares them.
    pub(super) fn declare_refs(&mut self, node: usize, refs: &[(u32, Sig)]) -> Result<()> {
        let mut wat = String::from("(module\n");
        let mut args = Vec::new();
        for (i, (f, (p, r))) in refs.iter().enumerate() {
            wat.push_str(&format!(
                "  (import \"a\" \"{i}\" (func {} {}))\n",
                if p.is_empty() {
                    String::new()
                } else {
                    format!("(param {})", p.join(" "))
                },
                if r.is_empty() {
                    String::new()
                } else {
                    format!("(result {})", r.join(" "))
                },
            ));
            args.push(Def::Item {
                instance: node,
                kind: ItemKind::Func,
                index: *f,
            });
        }
        let ids: Vec<String> = (0..refs.len()).map(|i| i.to_string()).collect();
        wat.push_str(&format!("  (elem declare func {}))", ids.join(" ")));
        self.async_node("meld:async/declare".into(), &wat, args)?;
        Ok(())
    }

    fn shim_export(
        &self,
        n: usize,
        exports: &std::collections::BTreeMap<String, u32>,
        name: &str,
    ) -> Result<Def> {
        let index = *exports
            .get(name)
            .ok_or_else(|| Error::Internal(format!("async call shim has no `{name}`")))?;
        Ok(Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index,
        })
    }

    /// An export of an async composition, entered through a thunk that
    /// gives each call from the host a fresh task in instance `inst`.
    pub(super) fn export_thunk(&mut self, name: &str, func: Def, inst: u32) -> Result<Def> {
        let Def::Item {
            instance: node,
            index,
            ..
        } = func
        else {
            return Err(Error::Internal("an export that is a host function".into()));
        };
        let (p, r) = super::may_leave_sig(&self.graph.nodes[node].wasm, index)?;
        let mut args = self.rt_funcs(&["host_enter", "host_exit"])?;
        args.push(func);
        self.async_shim(
            format!("meld:async/export/{name}"),
            &async_shims::export_thunk(inst, &p, &r),
            args,
        )
    }
}

impl<'input> Builder<'_, '_, 'input> {
    /// An async export `name` of instance `abi.component` whose core entry
    /// is `func` and callback `callback` (`None`: a stackful lift, whose
    /// entry returns nothing; the wrapper still lifts the thunk with a
    /// callback, which is never called): a thunk that
    /// runs the task to its end in the runtime, and hands the result to a
    /// host import `[export]IFACE` / `[task-return]NAME` (wit-component's
    /// names; the wrapper satisfies it with `canon task.return`). Returns
    /// the thunk and the callback the wrapper's lift names (it traps: the
    /// thunk always returns EXIT).
    pub(super) fn async_export(
        &mut self,
        name: &str,
        func: Def,
        callback: Option<Def>,
        ty: TypeFuncIndex,
        opts: &wasmtime_environ::component::CanonicalOptions,
        abi: &mut super::AbiOptions,
    ) -> Result<(Def, Def)> {
        let Def::Item {
            instance: node,
            index,
            ..
        } = func
        else {
            return Err(Error::Internal("an export that is a host function".into()));
        };
        if self.func_type_holds(ty, super::async_streams::holds_handle) {
            return Err(refuse(&format!(
                "the async export `{name}`, which passes resource handles,"
            )));
        }
        let (params, _) = super::may_leave_sig(&self.graph.nodes[node].wasm, index)?;
        let results = self.types[ty].results;
        let ret: Vec<&'static str> = match self.types.flat_types(&InterfaceType::Tuple(results)) {
            Some(flat) if flat.memory32.len() <= MAX_FLAT_PARAMS => flat
                .memory32
                .iter()
                .map(|t| match t {
                    FlatType::I32 => "i32",
                    FlatType::I64 => "i64",
                    FlatType::F32 => "f32",
                    FlatType::F64 => "f64",
                })
                .collect(),
            _ => vec!["i32"],
        };
        let (module, field) = match name.split_once('#') {
            Some((iface, f)) => (format!("[export]{iface}"), format!("[task-return]{f}")),
            None => ("[export]$root".to_string(), format!("[task-return]{name}")),
        };
        self.graph.host_funcs.push(super::HostFunc {
            module,
            field,
            abi: super::AbiOptions {
                component: abi.component,
                memory: abi.memory,
                realloc: None,
                post_return: None,
                string_encoding: abi.string_encoding,
            },
            handles: false,
        });
        let h = self.graph.host_funcs.len() - 1;
        // `--memory shared --component`: absolute pointers for the host in
        // the parameters and the results (see `region_thunk`).
        let mut ret_abi = self.graph.host_funcs[h].abi.clone();
        let host = self.region_thunk_of(
            &format!("{name}/task.return"),
            Def::Host(h),
            super::region_thunk::Shape::TaskReturn(ty),
            &mut ret_abi,
        )?;
        self.graph.host_funcs[h].abi = ret_abi;
        let func =
            self.region_thunk_of(name, func, super::region_thunk::Shape::AsyncEntry(ty), abi)?;
        let stackful = callback.is_none();
        // Streams and futures in the parameters come in from the host, in
        // the results (to `task.return`) go out to it (`host_streams`).
        let streams = self.stream_convs(ty)?;
        let (host, func) = if streams.is_empty() {
            (host, func)
        } else {
            let (ptys, rtys) = {
                let types = self.types.resources_mut_and_types().1;
                let f = &types[ty];
                (
                    types[f.params].types.to_vec(),
                    types[f.results].types.to_vec(),
                )
            };
            let (inst, memory) = (abi.component, abi.memory);
            let label = format!("{name}/task.return");
            let host = self
                .boundary_thunk_of(&label, host, &rtys, &[], None, &streams, inst, memory, true)?
                .unwrap_or(host);
            let entry: &[super::boundary::V] = if stackful {
                &[]
            } else {
                &[super::boundary::V::I32]
            };
            let func = self
                .boundary_thunk_of(
                    name,
                    func,
                    &ptys,
                    &[],
                    Some(entry),
                    &streams,
                    inst,
                    memory,
                    false,
                )?
                .unwrap_or(func);
            (host, func)
        };
        let mem = self.mem_id(opts.memory())?;
        let callback = match callback {
            Some(c) => c,
            None => self.rt_def(ItemKind::Func, "aexp_cb")?,
        };
        let mut args = self.rt_funcs(&["aexp_begin", "aexp_step", "aexp_exit"])?;
        args.extend([host, func, callback]);
        let thunk = self.async_shim(
            format!("meld:async/export/{name}"),
            &async_shims::async_export(
                abi.component,
                results.as_u32(),
                mem,
                opts.string_encoding as u8 as u32,
                &params,
                &ret,
                stackful,
            ),
            args,
        )?;
        let cb = self.rt_def(ItemKind::Func, "aexp_cb")?;
        Ok((thunk, cb))
    }
}

impl<'input> Builder<'_, '_, 'input> {
    /// A host built-in the runtime's bridge imports (no component's
    /// options; a copy's memory is set once the bridge exists): its index.
    pub(super) fn bridge_host_func(&mut self, module: String, field: String) -> usize {
        self.graph.host_funcs.push(super::HostFunc {
            module,
            field,
            abi: super::AbiOptions {
                component: 0,
                memory: None,
                realloc: None,
                post_return: None,
                string_encoding: "utf8",
            },
            handles: false,
        });
        self.graph.host_funcs.len() - 1
    }

    /// The async runtime's `host` imports: the bridge to the host's async
    /// built-ins when the composition lowers a host import async (the
    /// fused module then imports `$root` `[waitable-set-new]`,
    /// `[waitable-set-wait]` (its memory the bridge's own), `[waitable-join]`
    /// and `[subtask-drop]`: wit-component's names), else traps.
    pub(super) fn host_side(&mut self) -> Result<Vec<Def>> {
        let n = if self.host_async {
            let mut args = Vec::new();
            for field in [
                "[waitable-set-new]",
                "[waitable-set-wait]",
                "[waitable-join]",
                "[subtask-drop]",
            ] {
                let h = self.bridge_host_func("$root".into(), field.into());
                args.push(Def::Host(h));
            }
            let wait = self.graph.host_funcs.len() - 3;
            args.extend(self.host_stream_imports());
            let kinds: Vec<u32> = self.host_streams.iter().map(|h| h.kind).collect();
            let n = self.async_node(
                "meld:async/host-bridge".into(),
                &async_shims::host_bridge(&kinds),
                args,
            )?;
            self.graph.host_funcs[wait].abi.memory = Some(Def::Item {
                instance: n,
                kind: ItemKind::Memory,
                index: 0,
            });
            self.bridge_memory(n)?;
            n
        } else {
            self.async_node(
                "meld:async/no-host".into(),
                async_shims::NO_HOST_WAT,
                Vec::new(),
            )?
        };
        let exports = builtins::export_indices(&self.graph.nodes[n].wasm);
        [
            "wait",
            "join",
            "drop",
            "hs_new",
            "hs_copy",
            "hs_cancel",
            "hs_drop",
            "hs_alloc",
            "hs_free",
            "hs_set",
            "hs_leave",
            "hs_mark",
            "hs_cut",
            "hs_free_chain",
        ]
        .iter()
        .map(|name| self.shim_export(n, &exports, name))
        .collect()
    }

    /// A host import `module`/`field` the composition lowers async: the
    /// fused module imports the host's own async lower (`[async-lower]`,
    /// wit-component's name; the wrapper lowers it `async`), behind the
    /// may-leave guard and a shim that gives a call the host has not
    /// finished a subtask in the caller's table (`host_sub`).
    pub(super) fn async_host_import(
        &mut self,
        module: String,
        field: String,
        opts: &wasmtime_environ::component::CanonicalOptions,
        ty: TypeFuncIndex,
    ) -> Result<Def> {
        if self.region_thunks {
            return Err(refuse(&format!(
                "the async host import `{module}#{field}` with --memory shared"
            )));
        }
        if self.func_type_holds(ty, super::async_streams::holds_handle) {
            return Err(refuse(&format!(
                "the async host import `{module}#{field}`, which passes resource handles,"
            )));
        }
        let abi = self.abi(opts)?;
        self.graph.host_funcs.push(super::HostFunc {
            module,
            field: format!("[async-lower]{field}"),
            abi,
            handles: false,
        });
        let h = self.graph.host_funcs.len() - 1;
        let guarded = self.guarded_host(h, opts.instance, opts.core_type)?;
        let ty = self.types.module_types_builder()[opts.core_type].unwrap_func();
        let params: Vec<&'static str> = ty.params().iter().map(core_name).collect::<Result<_>>()?;
        let mut args = self.rt_funcs(&["host_sub"])?;
        args.push(guarded);
        let label = format!(
            "meld:async/host-call/{}#{}",
            self.graph.host_funcs[h].module, self.graph.host_funcs[h].field
        );
        self.async_shim(
            label,
            &async_shims::host_call(opts.instance.as_u32(), &params),
            args,
        )
    }
}
