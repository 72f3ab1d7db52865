//! Stream and future payloads that are not plain bytes (strings, lists,
//! chars, variants, flags, enums, handles, and records of them): each
//! element is lifted from the writer's memory and lowered into the reader's
//! by an adapter that **FACT compiles** (docs/streams.md), so strings are
//! transcoded, lists reallocated with the reader's `realloc`, and handles
//! (resources, streams, futures, error-contexts) transferred by the same
//! intrinsics as in a call.
//!
//! Each `{stream,future}.{read,write}` of such a payload is a *site* (its
//! instance, options and view of the payload type). The copy shim passes
//! `SITE_BASE + site` where a plain payload passes a memory id, and the
//! hub sends a (writer site, reader site) pair to that pair's copier: per
//! element, it points a global at the source element and calls FACT's
//! adapter of `func() -> T`, lifted from the writer's options (the callee
//! returns the element's address, or its value when `T` flattens to one
//! core value) and lowered into the reader's (the result written at the
//! reader's element address).

use super::{Builder, Def, ItemKind};
use crate::builtins::{self, Builtin};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::sync::Arc;
use wasmtime_environ::component::{
    dfg, Adapter, AdapterOptions, CanonicalAbiInfo, ComponentTypes, DataModel, FlatType,
    InterfaceType, RuntimeComponentInstanceIndex, StringEncoding, TypeFunc, TypeTuple,
};
use wasmtime_environ::fact;
use wasmtime_environ::{
    EntityIndex, FuncIndex, IndexType, Limits, Memory, MemoryIndex, Tunables, WasmValType,
};

/// The copy shim's memory argument for a site: `SITE_BASE + site`.
pub(crate) const SITE_BASE: u32 = 0x1_0000;

/// At most this many copiers (each a FACT adapter module of its own).
const MAX_COPIERS: u64 = 10_000;

/// One read or write of a payload that FACT copies.
#[derive(Debug, Clone)]
pub(super) struct PayloadSite {
    pub instance: u32,
    /// 1 stream, 2 future.
    pub kind: u32,
    pub write: bool,
    pub payload: InterfaceType,
    pub encoding: StringEncoding,
    pub memory: Def,
    pub realloc: Option<Def>,
    pub size: u32,
}

/// The structure of `ty` with the instance-local table indices of its
/// handles left out: two sites can exchange elements when these agree.
fn shape(types: &ComponentTypes, ty: &InterfaceType, out: &mut String) {
    use InterfaceType as I;
    match ty {
        I::Own(_) => out.push_str("own"),
        I::Borrow(_) => out.push_str("borrow"),
        I::ErrorContext(_) => out.push_str("error-context"),
        I::Stream(s) => {
            out.push_str("stream<");
            if let Some(p) = types[types[*s].ty].payload {
                shape(types, &p, out);
            }
            out.push('>');
        }
        I::Future(f) => {
            out.push_str("future<");
            if let Some(p) = types[types[*f].ty].payload {
                shape(types, &p, out);
            }
            out.push('>');
        }
        I::List(l) => {
            out.push_str("list<");
            shape(types, &types[*l].element, out);
            out.push('>');
        }
        I::Map(m) => {
            out.push_str("map<");
            shape(types, &types[*m].key, out);
            out.push(',');
            shape(types, &types[*m].value, out);
            out.push('>');
        }
        I::Flags(f) => {
            write!(out, "flags{}", types[*f].names.len()).ok();
        }
        I::Enum(e) => {
            write!(out, "enum{}", types[*e].names.len()).ok();
        }
        _ => {
            if let Some(fields) = super::type_shape::fields(types, ty) {
                out.push('(');
                for f in &fields {
                    shape(types, f, out);
                    out.push(',');
                }
                out.push(')');
            } else if let Some((cases, _)) = super::type_shape::cases(types, ty) {
                out.push('[');
                for c in &cases {
                    match c {
                        Some(c) => shape(types, c, out),
                        None => out.push('_'),
                    }
                    out.push('|');
                }
                out.push(']');
            } else {
                write!(out, "{ty:?}").ok();
            }
        }
    }
}

/// `check8(ptr, len)`: traps `invalid utf-8 sequence` (wasmtime's words)
/// unless bytes `[ptr, ptr + len)` of memory `$mw` are UTF-8; a range out
/// of bounds is left to FACT, which traps with its own reason.
const UTF8_CHECK: &str = r#"  (func $"invalid utf-8 sequence" unreachable)
  (func $check8 (param $p i32) (param $n i32)
    (local $end i32) (local $b i32) (local $k i32) (local $cp i32) (local $min i32) (local $c i32)
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $p)) (i64.extend_i32_u (local.get $n)))
                  (i64.mul (i64.extend_i32_u (memory.size $mw)) (i64.const 65536)))
      (then (return)))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $b (i32.load8_u $mw (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $b) (i32.const 0x80)))
      (if (i32.lt_u (local.get $b) (i32.const 0xC2)) (then (call $"invalid utf-8 sequence")))
      (if (i32.lt_u (local.get $b) (i32.const 0xE0))
        (then (local.set $k (i32.const 1)) (local.set $min (i32.const 0x80))
              (local.set $cp (i32.and (local.get $b) (i32.const 0x1F))))
        (else
          (if (i32.lt_u (local.get $b) (i32.const 0xF0))
            (then (local.set $k (i32.const 2)) (local.set $min (i32.const 0x800))
                  (local.set $cp (i32.and (local.get $b) (i32.const 0x0F))))
            (else
              (if (i32.ge_u (local.get $b) (i32.const 0xF5)) (then (call $"invalid utf-8 sequence")))
              (local.set $k (i32.const 3)) (local.set $min (i32.const 0x10000))
              (local.set $cp (i32.and (local.get $b) (i32.const 0x07)))))))
      (if (i32.gt_u (local.get $k) (i32.sub (local.get $end) (local.get $p)))
        (then (call $"invalid utf-8 sequence")))
      (loop $more
        (local.set $c (i32.load8_u $mw (local.get $p)))
        (if (i32.ne (i32.and (local.get $c) (i32.const 0xC0)) (i32.const 0x80))
          (then (call $"invalid utf-8 sequence")))
        (local.set $cp (i32.or (i32.shl (local.get $cp) (i32.const 6)) (i32.and (local.get $c) (i32.const 0x3F))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $more (local.get $k)))
      (if (i32.lt_u (local.get $cp) (local.get $min)) (then (call $"invalid utf-8 sequence")))
      (if (i32.eq (i32.and (local.get $cp) (i32.const 0xFFFFF800)) (i32.const 0xD800))
        (then (call $"invalid utf-8 sequence")))
      (if (i32.gt_u (local.get $cp) (i32.const 0x10FFFF)) (then (call $"invalid utf-8 sequence")))
      (br $next))))
"#;

/// A placeholder definition handed to FACT, resolved back when its
/// module's imports are wired: `PLACEHOLDER + k` is `defs[k]`.
const PLACEHOLDER: u32 = 0x4000_0000;

fn placeholder<T>(k: usize, item: T) -> dfg::CoreExport<T> {
    dfg::CoreExport {
        instance: dfg::InstanceId::from_u32(PLACEHOLDER + k as u32),
        item: wasmtime_environ::component::ExportItem::Index(item),
    }
}

/// The core value type, load and store of a one-value payload of `size`
/// bytes.
fn one_value(flat: FlatType, size: u32) -> (&'static str, &'static str, &'static str) {
    match (flat, size) {
        (FlatType::I32, 1) => ("i32", "i32.load8_u", "i32.store8"),
        (FlatType::I32, 2) => ("i32", "i32.load16_u", "i32.store16"),
        (FlatType::I32, _) => ("i32", "i32.load", "i32.store"),
        (FlatType::I64, _) => ("i64", "i64.load", "i64.store"),
        (FlatType::F32, _) => ("f32", "f32.load", "f32.store"),
        (FlatType::F64, _) => ("f64", "f64.load", "f64.store"),
    }
}

impl<'input> Builder<'_, '_, 'input> {
    /// Register a site; its code for the copy shim.
    pub(super) fn payload_site(&mut self, site: PayloadSite) -> u32 {
        self.payload_sites.push(site);
        SITE_BASE + self.payload_sites.len() as u32 - 1
    }

    /// Every (writer site, reader site) pair that can meet, with its copier
    /// (`f(reader_ptr, writer_ptr, bytes)`).
    pub(super) fn payload_copiers(&mut self) -> Result<Vec<(u32, u32, Def)>> {
        let sites = self.payload_sites.clone();
        let types = self.types.resources_mut_and_types().1;
        let shapes: Vec<String> = sites
            .iter()
            .map(|s| {
                let mut out = String::new();
                shape(types, &s.payload, &mut out);
                out
            })
            .collect();
        let mut pairs = Vec::new();
        for (w, ws) in sites.iter().enumerate() {
            if !ws.write {
                continue;
            }
            for (r, rs) in sites.iter().enumerate() {
                // one instance cannot copy a non-numeric payload to itself
                // (the runtime traps before copying)
                if !rs.write
                    && rs.kind == ws.kind
                    && rs.instance != ws.instance
                    && shapes[w] == shapes[r]
                {
                    pairs.push((w, r));
                }
            }
        }
        // Counted before any is compiled: each is a FACT adapter.
        if pairs.len() as u64 > MAX_COPIERS {
            return Err(Error::Limit {
                what: "stream and future payload copiers (pairs of a writing and a reading \
                       site of one payload type)"
                    .into(),
                count: pairs.len() as u64,
                limit: MAX_COPIERS,
                remedy: "a fixed limit: pass fewer payload types with strings, lists or \
                         handles between fewer components"
                    .into(),
            });
        }
        let mut out = Vec::with_capacity(pairs.len());
        for (w, r) in pairs {
            let f = self.payload_copier(&sites[w], &sites[r])?;
            out.push((SITE_BASE + w as u32, SITE_BASE + r as u32, f));
        }
        Ok(out)
    }

    /// The copier of one (writer, reader) pair: a source-pointer module,
    /// FACT's adapter, and the element loop.
    fn payload_copier(&mut self, w: &PayloadSite, r: &PayloadSite) -> Result<Def> {
        let one = match self.types.flat_types(&w.payload) {
            Some(f) if f.memory32.len() == 1 => Some(one_value(f.memory32[0], w.size)),
            _ => None,
        };
        let label = format!("meld:stream-payload/c{}-c{}", w.instance, r.instance);
        // The callee FACT calls: the element's address (or its value).
        let (pre_wat, pre_args) = match one {
            None => (
                r#"(module
  (global $src (export "src") (mut i32) (i32.const 0))
  (func (export "callee") (result i32) (global.get $src)))"#
                    .to_string(),
                Vec::new(),
            ),
            Some((vt, load, _)) => (
                format!(
                    r#"(module
  (import "m" "w" (memory $mw 0))
  (global $src (export "src") (mut i32) (i32.const 0))
  (func (export "callee") (result {vt}) ({load} $mw (global.get $src))))"#
                ),
                vec![w.memory],
            ),
        };
        let pre = self.async_node(format!("{label}/source"), &pre_wat, pre_args)?;
        let pre_item = |b: &Self, kind, name| -> Result<Def> {
            Ok(Def::Item {
                instance: pre,
                kind,
                index: builtins::export_index(&b.graph.nodes[pre].wasm, name)?,
            })
        };
        let callee = pre_item(self, ItemKind::Func, "callee")?;
        let src = pre_item(self, ItemKind::Global, "src")?;

        // FACT's adapter of `func() -> T`, lifted with the writer's
        // options, lowered with the reader's.
        let mut defs: Vec<Def> = vec![w.memory, r.memory, callee];
        if let Some(re) = r.realloc {
            defs.push(re);
        }
        let mem_ty = Memory {
            idx_type: IndexType::I32,
            limits: Limits { min: 0, max: None },
            shared: false,
            page_size_log2: 16,
        };
        let empty = self.types.add_tuple_type(TypeTuple {
            types: Box::new([]),
            abi: CanonicalAbiInfo::record(std::iter::empty()),
        });
        let func_ty = |b: &mut Self, t: InterfaceType| {
            let abi = b.types.canonical_abi(&t).clone();
            let results = b.types.add_tuple_type(TypeTuple {
                types: Box::new([t]),
                abi: CanonicalAbiInfo::record(std::iter::once(&abi)),
            });
            b.types.add_func_type(TypeFunc {
                async_: false,
                param_names: Vec::new(),
                params: empty,
                results,
            })
        };
        let lift_ty = func_ty(self, w.payload);
        let lower_ty = func_ty(self, r.payload);
        // The core types: `() -> ptr` lifted, `(retptr) -> ()` lowered; a
        // one-value payload `() -> v` both ways.
        let value = match one {
            None => WasmValType::I32,
            Some((vt, _, _)) => match vt {
                "i64" => WasmValType::I64,
                "f32" => WasmValType::F32,
                "f64" => WasmValType::F64,
                _ => WasmValType::I32,
            },
        };
        let mt = self.types.module_types_builder_mut();
        let lift_core = mt.meld_func_type(&[], &[value]);
        let lower_core = match one {
            None => mt.meld_func_type(&[WasmValType::I32], &[]),
            Some(_) => lift_core,
        };
        let options =
            |s: &PayloadSite, core_type, mem: usize, realloc: Option<usize>| AdapterOptions {
                instance: RuntimeComponentInstanceIndex::from_u32(s.instance),
                ancestors: Vec::new(),
                string_encoding: s.encoding,
                callback: None,
                post_return: None,
                async_: false,
                cancellable: false,
                core_type,
                data_model: DataModel::LinearMemory {
                    memory: Some((placeholder(mem, MemoryIndex::from_u32(0)), mem_ty)),
                    realloc: realloc.map(|k| {
                        dfg::CoreDef::Export(placeholder(
                            k,
                            EntityIndex::Function(FuncIndex::from_u32(0)),
                        ))
                    }),
                },
            };
        let adapter = Adapter {
            lift_ty,
            lift_options: options(w, lift_core, 0, None),
            lower_ty,
            lower_options: options(r, lower_core, 1, r.realloc.map(|_| 3)),
            func: dfg::CoreDef::Export(placeholder(
                2,
                EntityIndex::Function(FuncIndex::from_u32(0)),
            )),
        };
        // Translated without concurrency: the copy is no call (no task, no
        // may-block state); its flags are a private pair.
        let mut tunables = Tunables::default_host();
        tunables.concurrency_support = false;
        let features = wasmparser::WasmFeatures::default() & !wasmparser::WasmFeatures::EXCEPTIONS;
        let (bytes, imports) = {
            let mut m = fact::Module::new(self.types, &tunables, features);
            m.adapt("copy", &adapter);
            let bytes = m.encode();
            (bytes, m.imports().to_vec())
        };
        // The element's own discriminant, when it is a variant, enum,
        // option or result: an out-of-range one is named with its value,
        // as wasmtime's host lift names it.
        let disc = {
            let types = self.types.resources_mut_and_types().1;
            match &w.payload {
                InterfaceType::Enum(e) => {
                    Some((u32::from(types[*e].info.size), types[*e].names.len() as u32))
                }
                t => super::type_shape::cases(types, t)
                    .map(|(cases, info)| (u32::from(info.size), cases.len() as u32)),
            }
        };
        let trap = match disc {
            Some((size, cases)) => {
                Some(self.discriminant_trap(&label, src, w.memory, size, cases)?)
            }
            None => None,
        };
        let mut args = Vec::with_capacity(imports.len());
        let mut flags = std::collections::BTreeMap::new();
        for import in &imports {
            args.push(match (import, trap) {
                (fact::Import::Trap, Some(t)) => t,
                _ => self.payload_import(import, &defs, &mut flags, &label)?,
            });
        }
        let fact_node = self.push_node(
            format!("{label}/fact"),
            super::NodeKind::Builtin(Builtin::Generated),
            super::ModuleBytes::Owned(Arc::new(bytes)),
            args,
        );
        let copy = Def::Item {
            instance: fact_node,
            kind: ItemKind::Func,
            index: builtins::export_index(&self.graph.nodes[fact_node].wasm, "copy")?,
        };

        // The element loop.
        let (import, call, mut mem) = match one {
            None => (
                "(func $copy (param i32))".to_string(),
                "(call $copy (local.get $dp))".to_string(),
                String::new(),
            ),
            Some((vt, _, store)) => (
                format!("(func $copy (result {vt}))"),
                format!("({store} $mr (local.get $dp) (call $copy))"),
                "  (import \"m\" \"r\" (memory $mr 0))\n".to_string(),
            ),
        };
        let mut args = vec![src, copy];
        if one.is_some() {
            args.push(r.memory);
        }
        // A `string` from UTF-8 to UTF-8: FACT copies it as it is (as in
        // a call), wasmtime's host lift of a stream payload checks it;
        // checked here, in the writer's memory, before the copy.
        let check = w.payload == InterfaceType::String
            && w.encoding == StringEncoding::Utf8
            && r.encoding == StringEncoding::Utf8;
        let mut pre_call = String::new();
        if check {
            mem.push_str("  (import \"m\" \"w\" (memory $mw 0))\n");
            mem.push_str(UTF8_CHECK);
            args.push(w.memory);
            pre_call = "(call $check8 (i32.load $mw (local.get $sp)) (i32.load $mw offset=4 (local.get $sp)))\n      ".into();
        }
        let size = w.size;
        let driver = format!(
            r#"(module
  (import "p" "src" (global $src (mut i32)))
  (import "p" "copy" {import})
{mem}  (func (export "f") (param $dp i32) (param $sp i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $sp) (local.get $bytes)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $sp) (local.get $end)))
      (global.set $src (local.get $sp))
      {pre_call}{call}
      (local.set $sp (i32.add (local.get $sp) (i32.const {size})))
      (local.set $dp (i32.add (local.get $dp) (i32.const {size})))
      (br $next)))))"#
        );
        self.async_shim(format!("{label}/loop"), &driver, args)
    }

    /// The payload copiers' trap builtin, with the host's words.
    fn stream_copy_trap(&mut self) -> Result<Def> {
        if let Some(d) = self.stream_copy_trap {
            return Ok(d);
        }
        let d = self.generated_item(
            "meld:trap".into(),
            &builtins::stream_copy_trap_wat(),
            Vec::new(),
            ItemKind::Func,
            "trap",
        )?;
        self.stream_copy_trap = Some(d);
        Ok(d)
    }

    /// A copier's trap function for a payload with a discriminant of
    /// `size` bytes and `cases` cases at the element's start (the source
    /// element's address in global `src` of memory `mem`): an invalid
    /// discriminant that is the element's own is named with its value.
    fn discriminant_trap(
        &mut self,
        label: &str,
        src: Def,
        mem: Def,
        size: u32,
        cases: u32,
    ) -> Result<Def> {
        let base = self.stream_copy_trap()?;
        let disc = match self.discriminant_names {
            Some(d) => d,
            None => {
                let d = self.generated_item(
                    "meld:trap".into(),
                    &builtins::discriminant_trap_wat(),
                    Vec::new(),
                    ItemKind::Func,
                    "disc",
                )?;
                self.discriminant_names = Some(d);
                d
            }
        };
        let load = match size {
            1 => "i32.load8_u",
            2 => "i32.load16_u",
            _ => "i32.load",
        };
        let code = wasmtime_environ::Trap::InvalidDiscriminant as u8;
        let wat = format!(
            r#"(module
  (import "t" "trap" (func $trap (param i32)))
  (import "t" "disc" (func $disc (param i32)))
  (import "p" "src" (global $src (mut i32)))
  (import "m" "w" (memory $mw 0))
  (func (export "f") (param $code i32)
    (local $d i32)
    (if (i32.eq (local.get $code) (i32.const {code}))
      (then
        (local.set $d ({load} $mw (global.get $src)))
        (if (i32.ge_u (local.get $d) (i32.const {cases}))
          (then (call $disc (local.get $d))))))
    (call $trap (local.get $code))))"#
        );
        self.async_shim(format!("{label}/trap"), &wat, vec![base, disc, src, mem])
    }

    /// What one import of a copier's FACT module is.
    fn payload_import(
        &mut self,
        import: &fact::Import,
        defs: &[Def],
        flags: &mut std::collections::BTreeMap<u32, Def>,
        label: &str,
    ) -> Result<Def> {
        use fact::Import as I;
        use wasmtime_environ::component::dfg::CoreDef as D;
        let resolve = |d: &D| -> Result<Def> {
            match d {
                D::Export(e) if e.instance.as_u32() >= PLACEHOLDER => defs
                    .get((e.instance.as_u32() - PLACEHOLDER) as usize)
                    .copied()
                    .ok_or_else(|| Error::Internal("a stream copier's placeholder".into())),
                other => Err(Error::Internal(format!(
                    "a stream copier imports {other:?}"
                ))),
            }
        };
        Ok(match import {
            // a private flags global per side: the copy is no call, the
            // instances' own flags stay as they are
            I::CoreDef(D::InstanceFlags(i)) => match flags.get(&i.as_u32()) {
                Some(f) => *f,
                None => {
                    let f = self.builtin_item(
                        Builtin::Flags,
                        format!("{label}/flags-c{}", i.as_u32()),
                        Vec::new(),
                        ItemKind::Global,
                        "flags",
                    )?;
                    flags.insert(i.as_u32(), f);
                    f
                }
            },
            I::CoreDef(d) => resolve(d)?,
            I::Transcode {
                op,
                from,
                from64,
                to,
                to64,
            } => {
                // the host's words for invalid strings (wasmtime lifts
                // stream payloads in the host)
                let (from, to) = (resolve(from)?, resolve(to)?);
                self.transcoder(op, from, *from64, to, *to64, true)?
            }
            I::Trap => self.stream_copy_trap()?,
            I::ResourceTransferOwn => self.glue_item("transfer_own")?,
            I::ResourceTransferBorrow => self.glue_item("transfer_borrow")?,
            I::StreamTransfer => self.st_transfer_def(1)?,
            I::FutureTransfer => self.st_transfer_def(2)?,
            I::ErrorContextTransfer => self.ec_transfer_def()?,
            _ => {
                return Err(Error::Internal(
                    "a stream copier's adapter imports a call intrinsic".into(),
                ))
            }
        })
    }
}
