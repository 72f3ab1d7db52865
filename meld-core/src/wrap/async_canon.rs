//! The rewriter's async canonical functions: an async export's
//! `task.return` with the options of the lift it belongs to, and the
//! host's stream and future built-ins of the runtime's bridge (streams at
//! the host boundary, docs/streams.md).

use super::Rewriter;
use crate::encode::abi::Options;
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasm_encoder::{CanonicalFunctionSection, CanonicalOption};
use wasmparser::{CanonicalFunction, ComponentAlias, ExternalKind, Instance, Parser, Payload};

/// The encoder's `task.return`s that take no options (flat results), by
/// their core function index: the main module's import (module, field)
/// they satisfy. Those with options (results in memory) are shims made
/// after the main instance, matched by order (`Rewriter::task_returns`).
pub(super) fn flat_task_returns(shell: &[u8]) -> Result<BTreeMap<u32, (String, String)>> {
    let perr = |e: wasmparser::BinaryReaderError| {
        Error::Internal(format!("wrapping: cannot parse the shell: {e}"))
    };
    let mut funcs = 0u32;
    let mut flat = Vec::new();
    let mut instances: Vec<Vec<(String, u32)>> = Vec::new();
    let mut out = BTreeMap::new();
    // Only the shell's own sections count: `parse_all` also yields those of
    // nested modules and components (up to their `End`).
    let mut depth = 0u32;
    for payload in Parser::new(0).parse_all(shell) {
        let payload = payload.map_err(perr)?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                depth += 1;
                continue;
            }
            Payload::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            _ if depth > 0 => continue,
            _ => {}
        }
        match payload {
            Payload::ComponentAliasSection(r) => {
                for a in r {
                    if let ComponentAlias::CoreInstanceExport {
                        kind: ExternalKind::Func | ExternalKind::FuncExact,
                        ..
                    } = a.map_err(perr)?
                    {
                        funcs += 1;
                    }
                }
            }
            Payload::ComponentCanonicalSection(r) => {
                for f in r {
                    match f.map_err(perr)? {
                        CanonicalFunction::Lift { .. } => {}
                        CanonicalFunction::TaskReturn { options, .. } => {
                            if options.is_empty() {
                                flat.push(funcs);
                            }
                            funcs += 1;
                        }
                        _ => funcs += 1,
                    }
                }
            }
            Payload::InstanceSection(r) => {
                for inst in r {
                    match inst.map_err(perr)? {
                        Instance::FromExports(exports) => instances.push(
                            exports
                                .iter()
                                .filter(|e| {
                                    matches!(e.kind, ExternalKind::Func | ExternalKind::FuncExact)
                                })
                                .map(|e| (e.name.to_string(), e.index))
                                .collect(),
                        ),
                        Instance::Instantiate { module_index, args } => {
                            if module_index == 0 {
                                for a in args.iter() {
                                    let Some(items) = instances.get(a.index as usize) else {
                                        continue;
                                    };
                                    for (field, f) in items {
                                        if flat.contains(f) {
                                            out.insert(*f, (a.name.to_string(), field.clone()));
                                        }
                                    }
                                }
                            }
                            instances.push(Vec::new());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

impl Rewriter<'_> {
    /// `f` if it is none of the functions this handles.
    pub(super) fn async_canonical(
        &mut self,
        s: &mut CanonicalFunctionSection,
        f: CanonicalFunction,
    ) -> Result<Option<CanonicalFunction>> {
        match f {
            // An async export's `task.return`: the options of the lift it
            // belongs to (wasmtime checks they are the same), from its
            // record entry: with a memory (results in memory), that of the
            // component that lifted the export, and its string encoding;
            // without one, its string encoding (the encoder gives every
            // one the main memory and UTF-8). Flat ones are found by the
            // import they satisfy, the others in import order.
            CanonicalFunction::TaskReturn { result, options } => {
                let index = self.core_func_names.len() as u32;
                let opts = if options.is_empty() {
                    match self.flat_returns.get(&index) {
                        Some((module, field)) => {
                            let entry = self
                                .record
                                .imports
                                .iter()
                                .find(|i| &i.module == module && &i.field == field);
                            match entry.map(|i| i.options.string_encoding.as_str()) {
                                Some("utf16") => vec![CanonicalOption::UTF16],
                                Some("latin1+utf16") => vec![CanonicalOption::CompactUTF16],
                                _ => Vec::new(),
                            }
                        }
                        None => Vec::new(),
                    }
                } else {
                    let flat: Vec<&(String, String)> = self.flat_returns.values().collect();
                    let import = self
                        .record
                        .imports
                        .iter()
                        .filter(|i| {
                            i.field.starts_with("[task-return]")
                                && i.options.memory.is_some()
                                && !flat.contains(&&(i.module.clone(), i.field.clone()))
                        })
                        .nth(self.task_returns)
                        .ok_or_else(|| {
                            Error::Internal("wrapping: a task.return with no ABI entry".into())
                        })?;
                    self.task_returns += 1;
                    self.options(&import.options, None)
                };
                let result = result.map(|t| match t {
                    wasmparser::ComponentValType::Primitive(p) => {
                        wasm_encoder::ComponentValType::Primitive(p.into())
                    }
                    wasmparser::ComponentValType::Type(i) => {
                        wasm_encoder::ComponentValType::Type(i)
                    }
                });
                s.task_return(result, opts);
                self.core_func_names.push(None);
            }
            // The host's stream and future built-ins the runtime's bridge
            // imports for streams at the host boundary (docs/streams.md);
            // copies use the bridge's own memory (its record entries name
            // it).
            CanonicalFunction::StreamNew { ty } => {
                s.stream_new(ty);
                self.core_func_names.push(None);
            }
            CanonicalFunction::FutureNew { ty } => {
                s.future_new(ty);
                self.core_func_names.push(None);
            }
            ref f @ (CanonicalFunction::StreamRead { ty, ref options }
            | CanonicalFunction::StreamWrite { ty, ref options }
            | CanonicalFunction::FutureRead { ty, ref options }
            | CanonicalFunction::FutureWrite { ty, ref options }) => {
                // Every copy's entry names the bridge's memory; those of
                // elements with strings or lists also its realloc, which
                // the others may have too.
                let copies: Vec<&Options> = self
                    .record
                    .imports
                    .iter()
                    .filter(|i| {
                        [
                            "[stream-read-",
                            "[stream-write-",
                            "[future-read-",
                            "[future-write-",
                        ]
                        .iter()
                        .any(|p| i.field.contains(p))
                    })
                    .map(|i| &i.options)
                    .collect();
                let entry = copies
                    .iter()
                    .find(|o| o.realloc.is_some())
                    .or(copies.first())
                    .copied()
                    .filter(|o| o.memory.is_some())
                    .ok_or_else(|| {
                        Error::Internal("wrapping: a stream copy without its memory".into())
                    })?;
                let mut opts = self.options(entry, None);
                if options
                    .iter()
                    .any(|o| matches!(o, wasmparser::CanonicalOption::Async))
                {
                    opts.push(CanonicalOption::Async);
                }
                match f {
                    CanonicalFunction::StreamRead { .. } => s.stream_read(ty, opts),
                    CanonicalFunction::StreamWrite { .. } => s.stream_write(ty, opts),
                    CanonicalFunction::FutureRead { .. } => s.future_read(ty, opts),
                    _ => s.future_write(ty, opts),
                };
                self.core_func_names.push(None);
            }
            CanonicalFunction::StreamCancelRead { ty, async_ } => {
                s.stream_cancel_read(ty, async_);
                self.core_func_names.push(None);
            }
            CanonicalFunction::StreamCancelWrite { ty, async_ } => {
                s.stream_cancel_write(ty, async_);
                self.core_func_names.push(None);
            }
            CanonicalFunction::FutureCancelRead { ty, async_ } => {
                s.future_cancel_read(ty, async_);
                self.core_func_names.push(None);
            }
            CanonicalFunction::FutureCancelWrite { ty, async_ } => {
                s.future_cancel_write(ty, async_);
                self.core_func_names.push(None);
            }
            CanonicalFunction::StreamDropReadable { ty } => {
                s.stream_drop_readable(ty);
                self.core_func_names.push(None);
            }
            CanonicalFunction::StreamDropWritable { ty } => {
                s.stream_drop_writable(ty);
                self.core_func_names.push(None);
            }
            CanonicalFunction::FutureDropReadable { ty } => {
                s.future_drop_readable(ty);
                self.core_func_names.push(None);
            }
            CanonicalFunction::FutureDropWritable { ty } => {
                s.future_drop_writable(ty);
                self.core_func_names.push(None);
            }
            other => return Ok(Some(other)),
        }
        Ok(None)
    }
}
