//! Names of the resource types a composition defines, for `--opaque-rep
//! IFACE.RESOURCE`.
//!
//! wasmtime-environ identifies a defined resource only by its defining
//! component instance and its position among that instance's resources. This
//! module recovers names from the validator's view of the *top-level*
//! component: every component instantiation there (numbered as wasmtime
//! does: the outer component is instance 0, then instantiations depth first,
//! each followed by the ones nested inside it) exports
//! interfaces whose resource types are either fresh — defined by that
//! instantiation — or seen before (imported, or re-exported from an earlier
//! instance). The fresh ones, ordered by their validator ids (definition
//! order), are the instance's defined resources. Callers check that the count
//! matches the translator's before trusting the positions.

use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType, ResourceId};
use wasmparser::{
    ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentTypeRef, Parser, Payload,
    Validator,
};

/// Runtime component instance → its visible fresh resources in definition
/// order, each with the `IFACE.RESOURCE` names it is exported under.
pub type InstanceResources = BTreeMap<u32, Vec<Vec<String>>>;

/// Resolve the names of the resources each top-level instantiation defines.
pub fn resolve(component: &[u8]) -> Result<InstanceResources> {
    let types = Validator::new_with_features(crate::front::translate::features())
        .validate_all(component)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let types = types.as_ref();

    let top = level(component)?;
    // Runtime instance numbers: the outer component is 0, and wasmtime
    // numbers component instantiations depth first, so each top-level
    // instantiation is followed by those nested inside it.
    let mut runtime = Vec::with_capacity(top.instantiations.len());
    let mut next = 1u32;
    for (_, comp) in &top.instantiations {
        runtime.push(next);
        next += 1 + nested_instantiations(component, &top, *comp)?;
    }
    let (instantiations, imports) = (&top.instantiations, &top.imports);

    // Resources the outer component imports are never fresh.
    let mut seen: BTreeSet<ResourceId> = BTreeSet::new();
    for name in imports {
        if let Some(item) = types.component_item_for_import(name) {
            let mut all = BTreeMap::new();
            collect(types, name, &item.ty, &mut all);
            seen.extend(all.into_keys());
        }
    }
    let mut out = InstanceResources::new();
    for (k, (inst_index, _)) in instantiations.iter().enumerate() {
        let id = types.component_instance_at(*inst_index);
        let mut found: BTreeMap<ResourceId, Vec<String>> = BTreeMap::new();
        for (iface, item) in &types[id].exports {
            collect(types, iface, &item.ty, &mut found);
        }
        let fresh: Vec<Vec<String>> = found
            .into_iter()
            .filter(|(r, _)| !seen.contains(r))
            .map(|(_, names)| names)
            .collect();
        // Everything this instance exports is known from now on.
        for (_, item) in &types[id].exports {
            let mut all = BTreeMap::new();
            collect(types, "", &item.ty, &mut all);
            seen.extend(all.into_keys());
        }
        out.insert(runtime[k], fresh);
    }
    Ok(out)
}

/// The parts of one level of a component binary that the naming needs.
struct Level {
    /// (component-instance index, component index) of every instantiation.
    instantiations: Vec<(u32, u32)>,
    /// Names of the level's imports.
    imports: Vec<String>,
    /// Component index space: byte range of an inline-defined component, or
    /// `None` for one that is imported or aliased.
    components: Vec<Option<std::ops::Range<usize>>>,
}

fn level(bytes: &[u8]) -> Result<Level> {
    let perr = |e: wasmparser::BinaryReaderError| Error::Invalid(e.to_string());
    let mut l = Level {
        instantiations: Vec::new(),
        imports: Vec::new(),
        components: Vec::new(),
    };
    let mut instances = 0u32;
    let mut depth = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(perr)? {
            Payload::ComponentSection {
                unchecked_range, ..
            } => {
                if depth == 0 {
                    l.components.push(Some(unchecked_range));
                }
                depth += 1;
            }
            Payload::ModuleSection { .. } => depth += 1,
            Payload::End(_) if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            Payload::ComponentImportSection(r) => {
                for imp in r {
                    let imp = imp.map_err(perr)?;
                    l.imports.push(imp.name.name.to_string());
                    match imp.ty {
                        ComponentTypeRef::Instance(_) => instances += 1,
                        ComponentTypeRef::Component(_) => l.components.push(None),
                        _ => {}
                    }
                }
            }
            Payload::ComponentInstanceSection(r) => {
                for inst in r {
                    if let ComponentInstance::Instantiate {
                        component_index, ..
                    } = inst.map_err(perr)?
                    {
                        l.instantiations.push((instances, component_index));
                    }
                    instances += 1;
                }
            }
            Payload::ComponentExportSection(r) => {
                // An exported instance or component gets a new index too.
                for e in r {
                    match e.map_err(perr)?.kind {
                        ComponentExternalKind::Instance => instances += 1,
                        ComponentExternalKind::Component => l.components.push(None),
                        _ => {}
                    }
                }
            }
            Payload::ComponentAliasSection(r) => {
                for a in r {
                    match a.map_err(perr)? {
                        ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Instance,
                            ..
                        } => instances += 1,
                        ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Component,
                            ..
                        }
                        | ComponentAlias::Outer {
                            kind: wasmparser::ComponentOuterAliasKind::Component,
                            ..
                        } => l.components.push(None),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(l)
}

/// How many component instantiations instantiating component `comp` of
/// level `l` (of `bytes`) performs inside it, recursively.
fn nested_instantiations(bytes: &[u8], l: &Level, comp: u32) -> Result<u32> {
    let range = l
        .components
        .get(comp as usize)
        .cloned()
        .flatten()
        .ok_or_else(|| {
            Error::BadOption(
                "--opaque-rep: the composition instantiates a component it imports or aliases; \
                 meld cannot name its resources"
                    .into(),
            )
        })?;
    let inner_bytes = &bytes[range];
    let inner = level(inner_bytes)?;
    let mut n = 0;
    for (_, c) in &inner.instantiations {
        n += 1 + nested_instantiations(inner_bytes, &inner, *c)?;
    }
    Ok(n)
}

fn collect(
    types: wasmparser::types::TypesRef<'_>,
    name: &str,
    ty: &ComponentEntityType,
    out: &mut BTreeMap<ResourceId, Vec<String>>,
) {
    match ty {
        ComponentEntityType::Type {
            referenced: ComponentAnyTypeId::Resource(r),
            ..
        } => out
            .entry(r.resource())
            .or_default()
            .push(format!(".{name}")),
        ComponentEntityType::Instance(id) => {
            for (inner, item) in &types[*id].exports {
                if let ComponentEntityType::Type {
                    referenced: ComponentAnyTypeId::Resource(r),
                    ..
                } = item.ty
                {
                    out.entry(r.resource())
                        .or_default()
                        .push(format!("{name}.{inner}"));
                }
            }
        }
        _ => {}
    }
}

/// Map `--opaque-rep` names to resource keys (wasmtime `ResourceIndex`
/// values). `defined` lists, in `DefinedResourceIndex` order, each defined
/// resource's key and defining instance. Every name must match at least one
/// defined resource; all resources of that name (one per instantiation of
/// the definer) become opaque.
pub fn opaque_keys(
    component: &[u8],
    requested: &[String],
    defined: &[(u32, u32)],
) -> Result<BTreeMap<u32, String>> {
    let mut out = BTreeMap::new();
    if requested.is_empty() {
        return Ok(out);
    }
    let names = resolve(component)?;
    // The positional mapping holds only if every instance defines exactly
    // the resources it exports (no nested instantiations shifting the
    // numbering, no unexported resource types).
    let mut per_instance: BTreeMap<u32, usize> = BTreeMap::new();
    for (_, i) in defined {
        *per_instance.entry(*i).or_default() += 1;
    }
    let instances: BTreeSet<u32> = per_instance
        .keys()
        .copied()
        .chain(names.iter().filter(|(_, f)| !f.is_empty()).map(|(i, _)| *i))
        .collect();
    for instance in &instances {
        let count = per_instance.get(instance).copied().unwrap_or(0);
        let seen = names.get(instance).map_or(0, Vec::len);
        if seen != count {
            return Err(Error::BadOption(format!(
                "--opaque-rep: component instance {instance} defines {count} resource types but \
                 meld finds {seen} among the exports of the top-level instantiations; meld cannot \
                 name the resources of this composition"
            )));
        }
    }
    for want in requested {
        let want_norm = normalize(want);
        let mut hits = 0;
        for (instance, fresh) in &names {
            let keys: Vec<u32> = defined
                .iter()
                .filter(|(_, i)| i == instance)
                .map(|(k, _)| *k)
                .collect();
            for (pos, aliases) in fresh.iter().enumerate() {
                if !aliases.iter().any(|a| normalize(a) == want_norm) {
                    continue;
                }
                out.insert(keys[pos], want.clone());
                hits += 1;
            }
        }
        if hits == 0 {
            return Err(Error::BadOption(format!(
                "--opaque-rep {want}: no resource type of that name is defined inside the \
                 composition (expected IFACE.RESOURCE, e.g. `my:pkg/iface.thing`)"
            )));
        }
    }
    Ok(out)
}

/// `IFACE.RESOURCE` split on the last `.`; a bare `RESOURCE` names a type
/// exported directly by an instance.
fn normalize(name: &str) -> (String, String) {
    match name.rsplit_once('.') {
        Some((i, r)) => (i.to_string(), r.to_string()),
        None => (String::new(), name.to_string()),
    }
}
