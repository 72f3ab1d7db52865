//! Names of the resource types a composition defines, for `--opaque-rep
//! IFACE.RESOURCE`.
//!
//! wasmtime-environ identifies a defined resource only by its defining
//! component instance and its position among that instance's resources. This
//! module recovers names from the validator's view of the *top-level*
//! component: every component instantiation there (the k-th one is runtime
//! component instance k+1; the outer component is instance 0) exports
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
    let types = Validator::new_with_features(crate::translate::features())
        .validate_all(component)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let types = types.as_ref();

    // Which entries of the top-level component-instance index space are
    // instantiations (in order), skipping nested modules and components.
    let mut instantiations = Vec::new();
    let mut imports = Vec::new();
    let mut index = 0u32;
    let mut depth = 0u32;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.map_err(|e| Error::Invalid(e.to_string()))?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            Payload::ComponentImportSection(r) => {
                for imp in r {
                    let imp = imp.map_err(|e| Error::Invalid(e.to_string()))?;
                    imports.push(imp.name.name.to_string());
                    if matches!(imp.ty, ComponentTypeRef::Instance(_)) {
                        index += 1;
                    }
                }
            }
            Payload::ComponentInstanceSection(r) => {
                for inst in r {
                    let inst = inst.map_err(|e| Error::Invalid(e.to_string()))?;
                    if matches!(inst, ComponentInstance::Instantiate { .. }) {
                        instantiations.push(index);
                    }
                    index += 1;
                }
            }
            Payload::ComponentAliasSection(r) => {
                for a in r {
                    let a = a.map_err(|e| Error::Invalid(e.to_string()))?;
                    if let ComponentAlias::InstanceExport {
                        kind: ComponentExternalKind::Instance,
                        ..
                    } = a
                    {
                        index += 1;
                    }
                }
            }
            _ => {}
        }
    }

    // Resources the outer component imports are never fresh.
    let mut seen: BTreeSet<ResourceId> = BTreeSet::new();
    for name in &imports {
        if let Some(item) = types.component_item_for_import(name) {
            let mut all = BTreeMap::new();
            collect(types, name, &item.ty, &mut all);
            seen.extend(all.into_keys());
        }
    }
    let mut out = InstanceResources::new();
    for (k, inst_index) in instantiations.iter().enumerate() {
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
        out.insert(k as u32 + 1, fresh);
    }
    Ok(out)
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
                if keys.len() != fresh.len() {
                    return Err(Error::BadOption(format!(
                        "--opaque-rep {want}: component instance {instance} defines {} resource \
                         types but exports {}; meld cannot tell which one `{want}` is",
                        keys.len(),
                        fresh.len()
                    )));
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
