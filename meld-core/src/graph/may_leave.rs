//! The may-leave rule where FACT's adapters do not enforce it: host imports,
//! and the `realloc` / `post-return` functions the host calls.
//!
//! A component instance's flag is cleared only around its `realloc` and
//! `post-return` (by FACT's adapters, and by the host through the
//! [`builtins::may_leave::window`]s added here). Host imports of an instance
//! whose flag can never be cleared need no check and stay direct calls, so
//! compositions without reallocs and post-returns fuse as before.

use super::{Builder, Def, ItemKind, ModuleBytes, NodeKind};
use crate::builtins::{self, may_leave, Builtin};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::sync::Arc;
use wasmtime_environ::component::{
    CanonicalOptionsDataModel, ComponentTranslation, CoreDef, GlobalInitializer, InstantiateModule,
    RuntimeComponentInstanceIndex,
};
use wasmtime_environ::{ModuleTranslation, PrimaryMap, StaticModuleIndex, WasmValType};

/// Component instances with a `realloc` or `post-return` that something
/// (an adapter, a lifted export, a lowered import) calls: the instances
/// whose `may_leave` flag can be clear while their code runs.
pub(super) fn leaving_instances(
    t: &ComponentTranslation,
    modules: &PrimaryMap<StaticModuleIndex, ModuleTranslation<'_>>,
) -> BTreeSet<u32> {
    let component = &t.component;
    let mut out = BTreeSet::new();
    for o in component.options.values() {
        let realloc = match &o.data_model {
            CanonicalOptionsDataModel::LinearMemory(l) => l.realloc.is_some(),
            CanonicalOptionsDataModel::Gc {} => false,
        };
        if realloc || o.post_return.is_some() {
            out.insert(o.instance.as_u32());
        }
    }
    // Runtime (core) instance → the component instance that made it.
    let mut owner: Vec<Option<RuntimeComponentInstanceIndex>> = Vec::new();
    for init in &component.initializers {
        let GlobalInitializer::InstantiateModule(inst, ci) = init else {
            continue;
        };
        owner.push(*ci);
        // An adapter module's `realloc` / `post_return` imports name the
        // functions its adapters call with a flag cleared.
        let InstantiateModule::Static(idx, args) = inst else {
            continue;
        };
        if ci.is_some() {
            continue;
        }
        for ((module, _, _), arg) in modules[*idx].module.imports().zip(args.iter()) {
            if module != "realloc" && module != "post_return" {
                continue;
            }
            if let CoreDef::Export(e) = arg {
                if let Some(Some(c)) = owner.get(e.instance.as_u32() as usize) {
                    out.insert(c.as_u32());
                }
            }
        }
    }
    out
}

fn core_name(t: &WasmValType) -> Result<&'static str> {
    Ok(match t {
        WasmValType::I32 => "i32",
        WasmValType::I64 => "i64",
        WasmValType::F32 => "f32",
        WasmValType::F64 => "f64",
        other => {
            return Err(Error::Unsupported(format!(
                "a lowered host import with core type {other}"
            )))
        }
    })
}

impl Builder<'_, '_, '_> {
    fn generated(&mut self, label: String, wasm: Vec<u8>, args: Vec<Def>) -> Result<Def> {
        let n = self.push_node(
            label,
            NodeKind::Builtin(Builtin::MayLeave),
            ModuleBytes::Owned(Arc::new(wasm)),
            args,
        );
        let index = builtins::export_index(&self.graph.nodes[n].wasm, "f")?;
        Ok(Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index,
        })
    }

    /// Host function `host`, lowered by `ci` with core type `core_type`,
    /// as `ci`'s code must call it: behind a may-leave check when `ci`'s
    /// flag can be cleared.
    pub(super) fn guarded_host(
        &mut self,
        host: usize,
        ci: RuntimeComponentInstanceIndex,
        core_type: wasmtime_environ::ModuleInternedTypeIndex,
    ) -> Result<Def> {
        if !self.leaving.contains(&ci.as_u32()) {
            return Ok(Def::Host(host));
        }
        let ty = self.types.module_types_builder()[core_type].unwrap_func();
        let params = ty
            .params()
            .iter()
            .map(core_name)
            .collect::<Result<Vec<_>>>()?;
        let results = ty
            .results()
            .iter()
            .map(core_name)
            .collect::<Result<Vec<_>>>()?;
        let flags = self.core_def(&CoreDef::InstanceFlags(ci))?;
        let h = &self.graph.host_funcs[host];
        let label = format!("meld:may-leave/c{}/{}#{}", ci.as_u32(), h.module, h.field);
        self.generated(
            label,
            may_leave::guard(&params, &results),
            vec![flags, Def::Host(host)],
        )
    }

    /// A resource intrinsic `def` (`resource.new` or `resource.drop`, core
    /// type `params -> results`) as `ci`'s code must call it: behind a
    /// may-leave check when `ci`'s flag can be cleared (wasmtime checks it
    /// for both; `resource.rep` is exempt).
    pub(super) fn guarded_intrinsic(
        &mut self,
        def: Def,
        ci: u32,
        what: &str,
        params: &[&str],
        results: &[&str],
    ) -> Result<Def> {
        if !self.leaving.contains(&ci) {
            return Ok(def);
        }
        let flags = self.core_def(&CoreDef::InstanceFlags(
            RuntimeComponentInstanceIndex::from_u32(ci),
        ))?;
        let label = format!("meld:may-leave/c{ci}/{what}");
        self.generated(label, may_leave::guard(params, results), vec![flags, def])
    }

    /// Put a [`may_leave::window`] in front of every `realloc` and
    /// `post-return` of the ABI options the host uses (lowered imports,
    /// lifted exports): the host clears the instance's flag around them.
    pub(super) fn host_windows(&mut self) -> Result<()> {
        let mut done: std::collections::BTreeMap<(u32, Def), Def> = Default::default();
        let n_hosts = self.graph.host_funcs.len();
        for i in 0..n_hosts + self.graph.exports.len() {
            let abi = if i < n_hosts {
                self.graph.host_funcs[i].abi.clone()
            } else {
                self.graph.exports[i - n_hosts].abi.clone()
            };
            let mut new = abi.clone();
            for (slot, what) in [
                (&mut new.realloc, "realloc"),
                (&mut new.post_return, "post-return"),
            ] {
                let Some(def) = *slot else { continue };
                if let Some(w) = done.get(&(abi.component, def)) {
                    *slot = Some(*w);
                    continue;
                }
                let Def::Item {
                    instance: node,
                    index,
                    ..
                } = def
                else {
                    continue;
                };
                let (params, results) = core_sig(&self.graph.nodes[node].wasm, index)?;
                let ci = RuntimeComponentInstanceIndex::from_u32(abi.component);
                let flags = self.core_def(&CoreDef::InstanceFlags(ci))?;
                let label = format!("meld:may-leave/c{}/{what}", abi.component);
                let w = self.generated(
                    label,
                    may_leave::window(&params, &results),
                    vec![flags, def],
                )?;
                done.insert((abi.component, def), w);
                *slot = Some(w);
            }
            if i < n_hosts {
                self.graph.host_funcs[i].abi = new;
            } else {
                self.graph.exports[i - n_hosts].abi = new;
            }
        }
        Ok(())
    }
}

/// Core parameter and result types (as WAT names) of function `index` of a
/// module.
pub(super) fn core_sig(wasm: &[u8], index: u32) -> Result<(Vec<&'static str>, Vec<&'static str>)> {
    let err = |e: wasmparser::BinaryReaderError| Error::Internal(format!("core_sig: {e}"));
    let mut types = Vec::new();
    let mut funcs = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            wasmparser::Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(err)?);
                }
            }
            wasmparser::Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if let wasmparser::TypeRef::Func(t) = imp.map_err(err)?.ty {
                        funcs.push(t);
                    }
                }
            }
            wasmparser::Payload::FunctionSection(r) => {
                for t in r {
                    funcs.push(t.map_err(err)?);
                }
            }
            _ => {}
        }
    }
    let ty = funcs
        .get(index as usize)
        .and_then(|t| types.get(*t as usize))
        .ok_or_else(|| Error::Internal(format!("core_sig: no function {index}")))?;
    let name = |v: &wasmparser::ValType| match v {
        wasmparser::ValType::I32 => Ok("i32"),
        wasmparser::ValType::I64 => Ok("i64"),
        wasmparser::ValType::F32 => Ok("f32"),
        wasmparser::ValType::F64 => Ok("f64"),
        other => Err(Error::Unsupported(format!(
            "a may-leave window over core type {other:?}"
        ))),
    };
    Ok((
        ty.params().iter().map(name).collect::<Result<_>>()?,
        ty.results().iter().map(name).collect::<Result<_>>()?,
    ))
}
