//! Streams and futures (issue 15; docs/streams.md): each
//! `stream.*`/`future.*` intrinsic resolved to the async runtime
//! ([`crate::builtins::async_streams_wat`]) through a small shim
//! ([`crate::builtins::stream_shims`]), and, once every memory exists, the
//! copy hub that moves elements between component memories.
//!
//! Payloads copied as bytes: none, numbers, `bool`, and records and tuples
//! of them. Other payloads (strings, lists, handles, chars, variants) are
//! lifted and lowered per element by adapters FACT compiles
//! ([`super::stream_payloads`]).

use super::{Builder, Def, ItemKind};
use crate::builtins::stream_shims;
use crate::{Error, Result};
use wasmtime_environ::component::{
    ComponentTypes, InterfaceType, Trampoline, TrampolineIndex, TypeFutureTableIndex,
    TypeStreamTableIndex,
};

/// A number type: the spec's `none_or_number_type` without the `none`.
fn is_number(ty: &InterfaceType) -> bool {
    use InterfaceType as I;
    matches!(
        ty,
        I::U8
            | I::S8
            | I::U16
            | I::S16
            | I::U32
            | I::S32
            | I::U64
            | I::S64
            | I::Float32
            | I::Float64
    )
}

/// A payload whose canonical-ABI bytes can be copied as they are.
fn bytes_copyable(types: &ComponentTypes, ty: &InterfaceType) -> bool {
    use InterfaceType as I;
    match ty {
        I::Bool => true,
        I::Record(r) => types[*r]
            .fields
            .iter()
            .all(|f| bytes_copyable(types, &f.ty)),
        I::Tuple(t) => types[*t].types.iter().all(|t| bytes_copyable(types, t)),
        _ => is_number(ty),
    }
}

/// Whether `ty` holds an error-context anywhere: it cannot cross the host
/// boundary yet (its handle is the fused module's own).
pub(super) fn holds_error_context(types: &ComponentTypes, ty: &InterfaceType) -> bool {
    holds(types, ty, &|t| matches!(t, InterfaceType::ErrorContext(_)))
}

/// Whether `ty` holds a resource handle (`own` or `borrow`) anywhere.
pub(super) fn holds_handle(types: &ComponentTypes, ty: &InterfaceType) -> bool {
    holds(types, ty, &|t| {
        matches!(t, InterfaceType::Own(_) | InterfaceType::Borrow(_))
    })
}

fn holds(types: &ComponentTypes, ty: &InterfaceType, p: &dyn Fn(&InterfaceType) -> bool) -> bool {
    use InterfaceType as I;
    if p(ty) {
        return true;
    }
    match ty {
        I::List(l) => holds(types, &types[*l].element, p),
        I::Map(m) => holds(types, &types[*m].key, p) || holds(types, &types[*m].value, p),
        _ => {
            if let Some(fields) = super::type_shape::fields(types, ty) {
                return fields.iter().any(|f| holds(types, f, p));
            }
            if let Some((cases, _)) = super::type_shape::cases(types, ty) {
                return cases.iter().flatten().any(|c| holds(types, c, p));
            }
            false
        }
    }
}

impl<'input> Builder<'_, '_, 'input> {
    /// Whether a parameter or result of function type `ty` satisfies
    /// `holds` ([`holds_handle`]).
    pub(super) fn func_type_holds(
        &mut self,
        ty: wasmtime_environ::component::TypeFuncIndex,
        holds: fn(&ComponentTypes, &InterfaceType) -> bool,
    ) -> bool {
        let types = self.types.resources_mut_and_types().1;
        let f = &types[ty];
        types[f.params]
            .types
            .iter()
            .chain(types[f.results].types.iter())
            .any(|t| holds(types, t))
    }
}

/// The primitive fields of a byte-copyable payload (from `base`): offset,
/// width, whether it is a `bool`.
fn layout_fields(
    types: &ComponentTypes,
    ty: &InterfaceType,
    base: u32,
    out: &mut Vec<(u32, u32, bool)>,
) {
    if let Some(fields) = super::type_shape::fields(types, ty) {
        let mut off = 0u32;
        for f in &fields {
            let abi = types.canonical_abi(f);
            off = off.div_ceil(abi.align32) * abi.align32;
            layout_fields(types, f, base + off, out);
            off += abi.size32;
        }
    } else {
        let size = types.canonical_abi(ty).size32;
        out.push((base, size, matches!(ty, InterfaceType::Bool)));
    }
}

/// (kind, type id, element size, alignment, copyable) of a stream or
/// future table type.
pub(super) struct Payload {
    kind: u32,
    /// The payload type (`None`: no payload).
    pub payload: Option<InterfaceType>,
    numeric: bool,
    /// Its fields, when it must be copied field by field (it has `bool`s,
    /// which the hub makes 0 or 1, or padding, which stays the reader's).
    fields: Vec<(u32, u32, bool)>,
    pub ty: u32,
    pub size: u32,
    align: u32,
    copyable: bool,
}

impl<'input> Builder<'_, '_, 'input> {
    /// `st_new`'s `kind` word of payload `p`: the kind, numeric << 4,
    /// the hub's layout id << 8.
    pub(super) fn stream_kind_word(&mut self, p: &Payload) -> u32 {
        let layout = if p.fields.is_empty() {
            0
        } else {
            let key = (p.size, p.fields.clone());
            let n = self.stream_layouts.len() as u32 + 1;
            *self.stream_layouts.entry(key).or_insert(n)
        };
        p.kind | (p.numeric as u32) << 4 | layout << 8
    }

    pub(super) fn stream_payload(
        &mut self,
        t: Option<TypeStreamTableIndex>,
        f: Option<TypeFutureTableIndex>,
    ) -> Payload {
        let types = self.types.resources_mut_and_types().1;
        let (kind, ty, payload) = match (t, f) {
            (Some(t), _) => {
                let s = types[t].ty;
                (1, s.as_u32(), types[s].payload)
            }
            (_, Some(f)) => {
                let s = types[f].ty;
                (2, s.as_u32(), types[s].payload)
            }
            _ => unreachable!("a stream or a future"),
        };
        match payload {
            None => Payload {
                kind,
                payload: None,
                numeric: true,
                fields: Vec::new(),
                ty,
                size: 0,
                align: 1,
                copyable: true,
            },
            Some(p) => {
                let abi = types.canonical_abi(&p);
                let mut fields = Vec::new();
                layout_fields(types, &p, 0, &mut fields);
                let covered: u32 = fields.iter().map(|f| f.1).sum();
                if covered == abi.size32 && !fields.iter().any(|f| f.2) {
                    fields.clear();
                }
                Payload {
                    kind,
                    payload: Some(p),
                    numeric: is_number(&p),
                    fields,
                    ty,
                    size: abi.size32,
                    align: abi.align32,
                    copyable: bytes_copyable(types, &p),
                }
            }
        }
    }

    /// A stream or future intrinsic (`None` for any other).
    pub(super) fn stream_trampoline(&mut self, t: TrampolineIndex) -> Result<Option<Def>> {
        let tr = &self.t.trampolines[t];
        use Trampoline as T;
        let (inst, st, fu) = match tr {
            T::StreamNew { instance, ty }
            | T::StreamRead { instance, ty, .. }
            | T::StreamWrite { instance, ty, .. }
            | T::StreamCancelRead { instance, ty, .. }
            | T::StreamCancelWrite { instance, ty, .. }
            | T::StreamDropReadable { instance, ty }
            | T::StreamDropWritable { instance, ty } => (instance.as_u32(), Some(*ty), None),
            T::FutureNew { instance, ty }
            | T::FutureRead { instance, ty, .. }
            | T::FutureWrite { instance, ty, .. }
            | T::FutureCancelRead { instance, ty, .. }
            | T::FutureCancelWrite { instance, ty, .. }
            | T::FutureDropReadable { instance, ty }
            | T::FutureDropWritable { instance, ty } => (instance.as_u32(), None, Some(*ty)),
            T::StreamTransfer => return Ok(Some(self.st_transfer_def(1)?)),
            T::FutureTransfer => return Ok(Some(self.st_transfer_def(2)?)),
            _ => return Ok(None),
        };
        let p = self.stream_payload(st, fu);
        let name = tr.symbol_name();
        let label = format!("meld:async/{name}");
        let def = match tr {
            T::StreamNew { .. } | T::FutureNew { .. } => {
                let word = self.stream_kind_word(&p);
                self.baked_named(
                    t,
                    "st_new",
                    &[inst as i32, word as i32, p.ty as i32, p.size as i32],
                )?
            }
            T::StreamRead { options, .. }
            | T::StreamWrite { options, .. }
            | T::FutureRead { options, .. }
            | T::FutureWrite { options, .. } => {
                let side = matches!(tr, T::StreamWrite { .. } | T::FutureWrite { .. }) as u32;
                let o = self.t.component.options[*options].clone();
                let mem = if p.size == 0 {
                    0
                } else if !p.copyable {
                    // FACT lifts and lowers each element (`stream_payloads`)
                    let memory = self
                        .memory(o.memory().ok_or_else(|| {
                            Error::Invalid(format!("`{name}` without a memory"))
                        })?)?;
                    let realloc = self.abi(&o)?.realloc;
                    let payload = p.payload.expect("a non-copyable payload");
                    self.payload_site(super::stream_payloads::PayloadSite {
                        instance: inst,
                        kind: p.kind,
                        write: side == 1,
                        payload,
                        encoding: o.string_encoding,
                        memory,
                        realloc,
                        size: p.size,
                    })
                } else {
                    self.mem_id(o.memory())?
                };
                self.streams_used = true;
                let mut args = self.rt_funcs(&["st_copy"])?;
                if mem != 0 {
                    let m = o
                        .memory()
                        .ok_or_else(|| Error::Invalid(format!("`{name}` without a memory")))?;
                    args.push(self.memory(m)?);
                }
                self.async_shim(
                    label,
                    &stream_shims::copy(inst, p.kind, side, p.ty, o.async_, mem, p.size, p.align),
                    args,
                )?
            }
            T::StreamCancelRead { async_, .. }
            | T::StreamCancelWrite { async_, .. }
            | T::FutureCancelRead { async_, .. }
            | T::FutureCancelWrite { async_, .. } => {
                let side = matches!(
                    tr,
                    T::StreamCancelWrite { .. } | T::FutureCancelWrite { .. }
                );
                self.baked_named(
                    t,
                    "st_cancel",
                    &[
                        inst as i32,
                        p.kind as i32,
                        side as i32,
                        p.ty as i32,
                        *async_ as i32,
                    ],
                )?
            }
            _ => {
                let side = matches!(
                    tr,
                    T::StreamDropWritable { .. } | T::FutureDropWritable { .. }
                );
                self.baked_named(
                    t,
                    "st_drop",
                    &[inst as i32, p.kind as i32, side as i32, p.ty as i32],
                )?
            }
        };
        Ok(Some(def))
    }

    /// `{stream,future}.transfer` (`kind` 1 / 2): FACT passes the source and
    /// destination table types, which the shim maps to instances and the
    /// destination's payload type id.
    pub(super) fn st_transfer_def(&mut self, kind: u32) -> Result<Def> {
        let (ns, nf) = (
            self.types.num_stream_tables(),
            self.types.num_future_tables(),
        );
        let types = self.types.resources_mut_and_types().1;
        let tables: Vec<(u32, u32)> = if kind == 1 {
            (0..ns)
                .map(|k| {
                    let t = &types[TypeStreamTableIndex::from_u32(k as u32)];
                    (t.instance.as_u32(), t.ty.as_u32())
                })
                .collect()
        } else {
            (0..nf)
                .map(|k| {
                    let t = &types[TypeFutureTableIndex::from_u32(k as u32)];
                    (t.instance.as_u32(), t.ty.as_u32())
                })
                .collect()
        };
        let name = if kind == 1 {
            "stream.transfer"
        } else {
            "future.transfer"
        };
        let args = self.rt_funcs(&["st_transfer"])?;
        self.async_shim(
            format!("meld:async/{name}"),
            &stream_shims::transfer(kind, &tables),
            args,
        )
    }

    /// The copy hub, once every memory exists: the runtime calls it through
    /// its `hub` table to move element bytes between two memories.
    pub(super) fn stream_hub(&mut self) -> Result<()> {
        if !self.streams_used {
            return Ok(());
        }
        // host streams: a payload site's memory, for copies to and from
        // the bridge's memory
        let mut sites = Vec::new();
        if self.bridge_mem_id != 0 {
            for (k, site) in self.payload_sites.clone().iter().enumerate() {
                let n = self.mem_ids.len() as u32 + 1;
                let id = *self.mem_ids.entry(site.memory).or_insert(n);
                sites.push((super::stream_payloads::SITE_BASE + k as u32, id));
            }
        }
        let mut mems: Vec<(u32, Def)> = self.mem_ids.iter().map(|(d, id)| (*id, *d)).collect();
        mems.sort_by_key(|(id, _)| *id);
        let mut args = vec![self.rt_def(ItemKind::Table, "hub")?];
        args.extend(mems.iter().map(|(_, d)| *d));
        let mut layouts: Vec<(u32, stream_shims::Layout)> = self
            .stream_layouts
            .iter()
            .map(|(k, id)| (*id, k.clone()))
            .collect();
        layouts.sort_by_key(|(id, _)| *id);
        let layouts: Vec<stream_shims::Layout> = layouts.into_iter().map(|(_, l)| l).collect();
        let copiers = self.payload_copiers()?;
        let pairs: Vec<(u32, u32)> = copiers.iter().map(|(w, r, _)| (*w, *r)).collect();
        args.extend(copiers.iter().map(|(_, _, f)| *f));
        self.async_node(
            "meld:async/stream-hub".into(),
            &stream_shims::hub(mems.len() as u32, &layouts, &pairs, &sites),
            args,
        )?;
        Ok(())
    }
}
