//! The resource side of the graph: how each resource type table is kept
//! (see [`crate::builtins::resources`]) and the helpers that instantiate the
//! resource runtime, its shims and the per-composition glue.

use super::{AbiOptions, Builder, Def, HostFunc, ItemKind, NodeKind};
use crate::builtins::resources::{self as res, Mode, TypeTable};
use crate::builtins::{self, Builtin};
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasmtime_environ::component::{
    ComponentTranslation, ComponentTypesBuilder, Export, RuntimeComponentInstanceIndex, TypeDef,
    TypeResourceTable, TypeResourceTableIndex,
};

/// Resource types the composition defines and exports: key → (interface, name).
pub(super) fn exported_resources(
    t: &ComponentTranslation,
    types: &mut ComponentTypesBuilder,
) -> BTreeMap<u32, (String, String)> {
    let component = &t.component;
    let types = types.resources_mut_and_types().1;
    let mut out = BTreeMap::new();
    for (name, export) in super::flat_exports(t) {
        let Export::Type(TypeDef::Resource(tt)) = export else {
            continue;
        };
        if let TypeResourceTable::Concrete { ty, .. } = types[*tt] {
            if component.defined_resource_index(ty).is_some() {
                let (iface, res) = match name.rsplit_once('#') {
                    Some((i, r)) => (i.to_string(), r.to_string()),
                    None => ("$root".to_string(), name.clone()),
                };
                out.entry(ty.as_u32()).or_insert((iface, res));
            }
        }
    }
    out
}

/// What every resource type table of the translation is (see [`res::TypeTable`]).
pub(super) fn type_tables(
    t: &ComponentTranslation,
    types: &mut ComponentTypesBuilder,
    opaque: &BTreeMap<u32, String>,
    exported: &BTreeMap<u32, (String, String)>,
) -> Result<Vec<Option<TypeTable>>> {
    for (key, name) in opaque {
        if exported.contains_key(key) {
            return Err(Error::BadOption(format!(
                "--opaque-rep {name}: the resource crosses the host boundary (the composition \
                 exports it), so its handles must stay real handles"
            )));
        }
    }
    let component = &t.component;
    let n = types.num_resource_tables();
    let types = types.resources_mut_and_types().1;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let tt = TypeResourceTableIndex::from_u32(i as u32);
        out.push(match types[tt] {
            TypeResourceTable::Concrete { ty, instance } => {
                let key = ty.as_u32();
                if key >= res::MAX_KEYS || instance.as_u32() >= res::MAX_TABLES {
                    return Err(Error::Unsupported(format!(
                        "more than {} component instances or {} resource types",
                        res::MAX_TABLES,
                        res::MAX_KEYS
                    )));
                }
                let (mode, definer) = match component.defined_resource_index(ty) {
                    Some(d) => (
                        if exported.contains_key(&key) {
                            Mode::Exported
                        } else if opaque.contains_key(&key) {
                            Mode::Opaque
                        } else {
                            Mode::Table
                        },
                        component.defined_resource_instances[d] == instance,
                    ),
                    None => (Mode::Host, false),
                };
                Some(TypeTable {
                    mode,
                    instance: instance.as_u32(),
                    key,
                    definer,
                })
            }
            TypeResourceTable::Abstract(_) => None,
        });
    }
    Ok(out)
}

impl Builder<'_, '_, '_> {
    /// The component instance that defines resource `key`.
    pub(super) fn definer_of(&self, key: u32) -> Result<u32> {
        let component = &self.t.component;
        let res = wasmtime_environ::component::ResourceIndex::from_u32(key);
        component
            .defined_resource_index(res)
            .map(|d| component.defined_resource_instances[d].as_u32())
            .ok_or_else(|| Error::Internal(format!("resource {key} is not defined inside")))
    }

    pub(super) fn type_table(&self, ty: TypeResourceTableIndex) -> Result<TypeTable> {
        self.type_tables
            .get(ty.as_u32() as usize)
            .copied()
            .flatten()
            .ok_or_else(|| Error::Invalid(format!("resource intrinsic on abstract type {ty:?}")))
    }

    /// `resource.drop` of a host-defined resource: the host's drop function.
    pub(super) fn host_resource_drop(
        &mut self,
        instance: RuntimeComponentInstanceIndex,
        ty: TypeResourceTableIndex,
    ) -> Result<Def> {
        let res = self.types.resources_mut_and_types().1[ty].unwrap_concrete_ty();
        let import = self.t.component.imported_resources[res];
        let (module, name) = self.import_name(import)?;
        Ok(self.plain_host_func(module, format!("[resource-drop]{name}"), instance.as_u32()))
    }

    pub(super) fn exported_intrinsic_by_key(
        &mut self,
        key: u32,
        op: &str,
        component: u32,
    ) -> Result<Def> {
        let (iface, name) = self
            .exported
            .get(&key)
            .cloned()
            .ok_or_else(|| Error::Internal(format!("resource {key} is not exported")))?;
        Ok(self.plain_host_func(
            format!("[export]{iface}"),
            format!("[resource-{op}]{name}"),
            component,
        ))
    }

    /// A host function without memory/realloc options, shared by every use
    /// with the same name from the same component instance.
    pub(super) fn plain_host_func(&mut self, module: String, field: String, component: u32) -> Def {
        let existing =
            self.graph.host_funcs.iter().position(|h| {
                h.module == module && h.field == field && h.abi.component == component
            });
        if let Some(i) = existing {
            return Def::Host(i);
        }
        self.graph.host_funcs.push(HostFunc {
            module,
            field,
            abi: AbiOptions {
                component,
                memory: None,
                realloc: None,
                post_return: None,
                string_encoding: "utf8",
            },
            handles: false,
        });
        Def::Host(self.graph.host_funcs.len() - 1)
    }

    /// The resource runtime's exports `names` (none for an opaque resource,
    /// whose `new` and `rep` are the identity).
    pub(super) fn runtime_args_unless_opaque(
        &mut self,
        mode: Mode,
        names: &[&str],
    ) -> Result<Vec<Def>> {
        if mode == Mode::Opaque {
            return Ok(Vec::new());
        }
        self.runtime_args(names)
    }

    /// The resource runtime's exports `names` (the runtime is instantiated on
    /// first use).
    pub(super) fn runtime_args(&mut self, names: &[&str]) -> Result<Vec<Def>> {
        if self.res_runtime.is_none() {
            let n = if self.concurrent {
                let host = self.host_side()?;
                self.builtin_node(Builtin::AsyncRuntime, "meld:async".into(), host)?
            } else {
                self.builtin_node(Builtin::ResRuntime, "meld:resources".into(), Vec::new())?
            };
            // Its exports are looked up once, not per intrinsic.
            let exports = builtins::export_indices(&self.graph.nodes[n].wasm);
            self.res_runtime = Some((n, exports));
        }
        let (rt, exports) = self.res_runtime.as_ref().expect("created above");
        names
            .iter()
            .map(|name| {
                let index = *exports.get(*name).ok_or_else(|| {
                    Error::Internal(format!("the resource runtime has no export `{name}`"))
                })?;
                Ok(Def::Item {
                    instance: *rt,
                    kind: ItemKind::Func,
                    index,
                })
            })
            .collect()
    }

    /// Instantiate a resource shim and return its function `f`.
    pub(super) fn shim(&mut self, builtin: Builtin, args: Vec<Def>) -> Result<Def> {
        let label = match builtin {
            Builtin::ResNew { table, key, .. } => format!("meld:resource-new/c{table}/r{key}"),
            Builtin::ResRep { table, key, .. } => format!("meld:resource-rep/c{table}/r{key}"),
            Builtin::ResDrop(s) => format!("meld:resource-drop/c{}/r{}", s.table, s.key),
            other => format!("meld:{other:?}"),
        };
        self.builtin_item(builtin, label, args, ItemKind::Func, "f")
    }

    /// An export of the per-composition transfer/scope glue.
    pub(super) fn glue_item(&mut self, name: &str) -> Result<Def> {
        let glue = match self.res_glue {
            Some(n) => n,
            None => {
                let mut args = self.runtime_args(&[
                    "new",
                    "lift_own",
                    "lift_borrow",
                    "lower_borrow",
                    "host_borrow",
                ])?;
                // Exported resources are kept in the tables like the others
                // (see `boundary`), so no transfer needs the embedder's rep.
                let keys: Vec<u32> = Vec::new();
                let reps = Vec::new();
                let info = self.push_node(
                    "meld:resource-glue-info".into(),
                    NodeKind::Builtin(Builtin::Generated),
                    super::ModuleBytes::Owned(std::sync::Arc::new(builtins::shims::glue_info(
                        &self.type_tables,
                        &keys,
                    ))),
                    reps,
                );
                for name in ["info", "xrep"] {
                    let index = builtins::export_index(&self.graph.nodes[info].wasm, name)?;
                    args.push(Def::Item {
                        instance: info,
                        kind: ItemKind::Func,
                        index,
                    });
                }
                let n = self.builtin_node(Builtin::ResGlue, "meld:resource-glue".into(), args)?;
                self.res_glue = Some(n);
                n
            }
        };
        let index = builtins::export_index(&self.graph.nodes[glue].wasm, name)?;
        Ok(Def::Item {
            instance: glue,
            kind: ItemKind::Func,
            index,
        })
    }
}
