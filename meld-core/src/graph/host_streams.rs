//! Streams and futures at the host boundary (issue 15; docs/streams.md,
//! "At the host boundary"): a stream or future in the type of a host
//! import or export is carried across by the async runtime's host side.
//!
//! Every distinct stream or future type in those functions is a *host
//! type*: the fused module imports the host's seven built-ins of it under
//! wit-component's names (`[stream-new-N]F`, `[async-lower][stream-read-N]F`
//! … of a function `F` whose type holds it, `N` its position among `F`'s
//! streams and futures), behind the bridge (`async_shims::host_bridge`),
//! whose memory the copies use. Boundary thunks ([`super::boundary`]) turn
//! an end the module passes out into a host stream (`st_to_host`) and an
//! end the host passes in into one of the module's (`st_from_host`).

use super::async_streams::holds_error_context;
use super::boundary::StreamConv;
use super::type_shape::{cases, fields};
use super::{flat_exports, Builder, Def, ItemKind};
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasmtime_environ::component::{
    ComponentTypes, Export, GlobalInitializer, InterfaceType, Trampoline, TypeFuncIndex,
};

/// One host type: the stream (`kind` 1) or future (2) of `payload`, named
/// after its first occurrence (`index` among the streams and futures of
/// function `func`, imported from `module` or exported: `[export]…`).
#[derive(Debug, Clone)]
pub(super) struct HostStream {
    pub kind: u32,
    pub payload: Option<InterfaceType>,
    pub module: String,
    pub func: String,
    pub index: usize,
    /// Its elements hold strings or lists: they cross through the bridge's
    /// memory by FACT-compiled copiers, between the components' payload
    /// sites and two sites of the bridge's own (writer, reader: their
    /// codes, set with the bridge).
    pub pointers: bool,
    pub sites: Option<(u32, u32)>,
}

/// The stream and future types of a function type in wit-parser's order
/// (`Function::find_futures_and_streams`: parameters, then results, depth
/// first, a payload before its stream or future).
fn stream_types(types: &ComponentTypes, ty: TypeFuncIndex) -> Vec<InterfaceType> {
    fn walk(types: &ComponentTypes, ty: &InterfaceType, out: &mut Vec<InterfaceType>) {
        match ty {
            InterfaceType::Stream(_) | InterfaceType::Future(_) => {
                if let Some(p) = payload(types, ty).1 {
                    walk(types, &p, out);
                }
                out.push(*ty);
            }
            InterfaceType::List(l) => walk(types, &types[*l].element, out),
            InterfaceType::FixedLengthList(l) => walk(types, &types[*l].element, out),
            InterfaceType::Map(m) => {
                walk(types, &types[*m].key, out);
                walk(types, &types[*m].value, out);
            }
            _ => {
                if let Some(fs) = fields(types, ty) {
                    fs.iter().for_each(|f| walk(types, f, out));
                } else if let Some((cs, _)) = cases(types, ty) {
                    cs.iter().flatten().for_each(|c| walk(types, c, out));
                }
            }
        }
    }
    let f = &types[ty];
    let mut out = Vec::new();
    for t in types[f.params]
        .types
        .iter()
        .chain(types[f.results].types.iter())
    {
        walk(types, t, &mut out);
    }
    out
}

/// (kind, payload) of a stream (kind 1) or future (2) type.
fn payload(types: &ComponentTypes, ty: &InterfaceType) -> (u32, Option<InterfaceType>) {
    match ty {
        InterfaceType::Stream(t) => (1, types[types[*t].ty].payload),
        InterfaceType::Future(t) => (2, types[types[*t].ty].payload),
        _ => unreachable!("a stream or future type"),
    }
}

/// Whether a payload holds anything `p` says (strings, lists, handles, …).
fn payload_holds(
    types: &ComponentTypes,
    ty: &InterfaceType,
    p: &dyn Fn(&InterfaceType) -> bool,
) -> bool {
    use InterfaceType as I;
    if p(ty) {
        return true;
    }
    match ty {
        I::List(l) => payload_holds(types, &types[*l].element, p),
        I::FixedLengthList(l) => payload_holds(types, &types[*l].element, p),
        I::Map(m) => {
            payload_holds(types, &types[*m].key, p) || payload_holds(types, &types[*m].value, p)
        }
        _ => {
            if let Some(fs) = fields(types, ty) {
                return fs.iter().any(|f| payload_holds(types, f, p));
            }
            if let Some((cs, _)) = cases(types, ty) {
                return cs.iter().flatten().any(|c| payload_holds(types, c, p));
            }
            false
        }
    }
}

/// A handle (resource, stream, future, error-context): it cannot cross the
/// boundary inside a stream's elements yet.
fn is_handle(ty: &InterfaceType) -> bool {
    use InterfaceType as I;
    matches!(
        ty,
        I::Own(_) | I::Borrow(_) | I::Stream(_) | I::Future(_) | I::ErrorContext(_)
    )
}

/// A pointer into linear memory.
fn is_pointer(ty: &InterfaceType) -> bool {
    use InterfaceType as I;
    matches!(ty, I::String | I::List(_) | I::Map(_))
}

fn refuse(what: &str, why: &str) -> Error {
    Error::Unsupported(format!(
        "async (component-model concurrency): {what} passes {why} across the host boundary, \
         which is not supported yet (docs/streams.md)"
    ))
}

impl<'input> Builder<'_, '_, 'input> {
    /// The host types of the composition's host imports and exports, and
    /// the refusals: an error-context, a stream or future in an async host
    /// import, with `--memory shared`, or whose payload holds pointers or
    /// handles.
    pub(super) fn scan_host_streams(&mut self) -> Result<Vec<HostStream>> {
        let mut funcs: Vec<(String, String, String, TypeFuncIndex, bool)> = Vec::new();
        let component = &self.t.component;
        let mut lowered = BTreeMap::new();
        for init in &component.initializers {
            if let GlobalInitializer::LowerImport { index, import } = init {
                lowered.insert(*index, *import);
            }
        }
        for tr in self.t.trampolines.values() {
            if let Trampoline::LowerImport {
                index,
                options,
                lower_ty,
            } = tr
            {
                let Some(import) = lowered.get(index) else {
                    continue;
                };
                // (an import meld cannot name is refused where it is used)
                let Ok((module, field)) = self.import_name(*import) else {
                    continue;
                };
                let async_ = component.options[*options].async_;
                let what = format!("the host import `{module}#{field}`");
                funcs.push((what, module, field, *lower_ty, async_));
            }
        }
        for (name, export) in flat_exports(self.t) {
            if let Export::LiftedFunction { ty, .. } = export {
                let (module, func) = match name.split_once('#') {
                    Some((iface, f)) => (format!("[export]{iface}"), f.to_string()),
                    None => ("[export]$root".to_string(), name.clone()),
                };
                funcs.push((format!("the export `{name}`"), module, func, *ty, false));
            }
        }
        let types = self.types.resources_mut_and_types().1;
        let mut out: Vec<HostStream> = Vec::new();
        for (what, module, func, ty, async_) in funcs {
            let found: Vec<_> = stream_types(types, ty)
                .iter()
                .map(|t| payload(types, t))
                .collect();
            let f = &types[ty];
            let holds_ec = types[f.params]
                .types
                .iter()
                .chain(types[f.results].types.iter())
                .any(|t| holds_error_context(types, t));
            if holds_ec {
                return Err(refuse(&what, "an error-context"));
            }
            if found.is_empty() {
                continue;
            }
            if async_ {
                return Err(refuse(
                    &format!("{what} (lowered async)"),
                    "a stream or future",
                ));
            }
            if self.region_thunks {
                return Err(refuse(
                    &format!("{what} (with --memory shared)"),
                    "a stream or future",
                ));
            }
            for (index, (kind, payload)) in found.into_iter().enumerate() {
                let mut pointers = false;
                if let Some(p) = &payload {
                    if payload_holds(types, p, &is_handle) {
                        return Err(refuse(
                            &what,
                            "a stream or future whose elements hold handles",
                        ));
                    }
                    pointers = payload_holds(types, p, &is_pointer);
                }
                if !out.iter().any(|h| h.kind == kind && h.payload == payload) {
                    out.push(HostStream {
                        kind,
                        payload,
                        module: module.clone(),
                        func: func.clone(),
                        index,
                        pointers,
                        sites: None,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The bridge's host imports of the host types (seven each, in the
    /// order `async_shims::host_bridge` imports them), copies in the
    /// bridge's memory (set by [`Self::bridge_memory`]).
    pub(super) fn host_stream_imports(&mut self) -> Vec<Def> {
        let mut args = Vec::new();
        for h in self.host_streams.clone() {
            let what = if h.kind == 1 { "stream" } else { "future" };
            let n = h.index;
            for (op, copy) in [
                (format!("[{what}-new-{n}]"), false),
                (format!("[async-lower][{what}-read-{n}]"), true),
                (format!("[async-lower][{what}-write-{n}]"), true),
                (format!("[{what}-cancel-read-{n}]"), false),
                (format!("[{what}-cancel-write-{n}]"), false),
                (format!("[{what}-drop-readable-{n}]"), false),
                (format!("[{what}-drop-writable-{n}]"), false),
            ] {
                let i = self.bridge_host_func(h.module.clone(), format!("{op}{}", h.func));
                if copy {
                    self.bridge_copies.push((i, h.pointers));
                }
                args.push(Def::Host(i));
            }
        }
        args
    }

    /// The bridge node `n` is made: its memory is the one host stream
    /// copies use, and gets a memory id for the copy hub.
    /// Elements with strings or lists are placed by the bridge's `realloc`,
    /// and the bridge has a payload site of each such type on each side.
    pub(super) fn bridge_memory(&mut self, n: usize) -> Result<()> {
        let mem = Def::Item {
            instance: n,
            kind: ItemKind::Memory,
            index: 0,
        };
        let realloc = Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index: crate::builtins::export_index(&self.graph.nodes[n].wasm, "realloc")?,
        };
        for (i, pointers) in std::mem::take(&mut self.bridge_copies) {
            self.graph.host_funcs[i].abi.memory = Some(mem);
            if pointers {
                self.graph.host_funcs[i].abi.realloc = Some(realloc);
            }
        }
        if !self.host_streams.is_empty() {
            let id = self.mem_ids.len() as u32 + 1;
            self.bridge_mem_id = *self.mem_ids.entry(mem).or_insert(id);
            self.streams_used = true;
        }
        // The bridge's sites: an instance no component has (the copier's
        // flags are private; no handle crosses).
        let instance = self.graph.component_instances;
        for k in 0..self.host_streams.len() {
            let h = self.host_streams[k].clone();
            let Some(payload) = h.payload.filter(|_| h.pointers) else {
                continue;
            };
            let size = self.types.canonical_abi(&payload).size32;
            let site = |write| super::stream_payloads::PayloadSite {
                instance,
                kind: h.kind,
                write,
                payload,
                encoding: wasmtime_environ::component::StringEncoding::Utf8,
                memory: mem,
                realloc: Some(realloc),
                size,
            };
            let w = self.payload_site(site(true));
            let r = self.payload_site(site(false));
            self.host_streams[k].sites = Some((w, r));
        }
        Ok(())
    }

    /// The conversions of the streams and futures in function type `ty`,
    /// by (kind, table index); the runtime (with the bridge) exists after.
    pub(super) fn stream_convs(
        &mut self,
        ty: TypeFuncIndex,
    ) -> Result<BTreeMap<(u32, u32), StreamConv>> {
        let tables: Vec<(u32, u32)> = {
            let types = self.types.resources_mut_and_types().1;
            stream_types(types, ty)
                .iter()
                .map(|t| match t {
                    InterfaceType::Stream(t) => (1, t.as_u32()),
                    InterfaceType::Future(t) => (2, t.as_u32()),
                    _ => unreachable!("a stream or future type"),
                })
                .collect()
        };
        let mut out = BTreeMap::new();
        if tables.is_empty() {
            return Ok(out);
        }
        // the runtime and its bridge (the bridge memory's id)
        self.runtime_args(&[])?;
        for (kind, idx) in tables {
            let (st, fu) = if kind == 1 {
                (
                    Some(wasmtime_environ::component::TypeStreamTableIndex::from_u32(
                        idx,
                    )),
                    None,
                )
            } else {
                (
                    None,
                    Some(wasmtime_environ::component::TypeFutureTableIndex::from_u32(
                        idx,
                    )),
                )
            };
            let p = self.stream_payload(st, fu);
            let hty = self
                .host_streams
                .iter()
                .position(|h| h.kind == kind && h.payload == p.payload)
                .ok_or_else(|| {
                    Error::Internal(format!("host stream type {kind}/{idx} not scanned"))
                })?;
            let kindword = self.stream_kind_word(&p);
            // the bridge's side of a copy: its memory, or its site
            let (from_bridge, to_bridge) = match self.host_streams[hty].sites {
                Some((w, r)) => (w, r),
                None => (self.bridge_mem_id, self.bridge_mem_id),
            };
            out.insert(
                (kind, idx),
                StreamConv {
                    kind,
                    hty: hty as u32,
                    kindword,
                    ty: p.ty,
                    esize: p.size,
                    to_bridge,
                    from_bridge,
                },
            );
        }
        Ok(out)
    }
}
