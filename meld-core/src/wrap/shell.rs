//! The wrapper's shell built from the composition's own component types,
//! for compositions a WIT world cannot express: a type exported at the top
//! level (also under a second name or with an ascribed type), a resource
//! exported with no interface and the functions around it, type-only
//! imports and exports, interface-less imported resources.
//!
//! The composition's imports and exports are first written down as one
//! component type, [`carrier`]: the payload of the fused module's
//! [`SECTION`] (in place of the WIT world's section), so `meld wrap` finds it
//! too. [`build`] turns it and the skeleton (the fused module's imports and
//! exports, see [`super::skeleton`]) into a shell of the shape
//! `ComponentEncoder` makes from a WIT world, which the rewriter then
//! completes the same way (fused module swapped in, canonical options of the
//! record):
//!
//! 1. the imports, with their types copied ([`super::types::Copier`]);
//! 2. core module 0, the skeleton; a shim module whose functions call
//!    through a table, for every import lowered with a memory or realloc
//!    and every destructor of an exported resource (both need the main
//!    instance, which needs them);
//! 3. every exported resource defined as `(resource (rep i32) (dtor shim))`,
//!    its `resource.new/rep/drop` for `[export]IFACE`;
//! 4. one core instance per core import module, the main instance;
//! 5. the fix-up module filling the shim table (lowerings, destructors);
//! 6. every export in order: functions lifted, types exported (binding
//!    the exported index, so later functions name it), instances built from
//!    their lifted functions and types, core modules copied.
//!
//! A core module exported at the top level travels as bytes in the carrier
//! (after the type, exported under its name) and is exported again by the
//! shell.
//!
//! Refused (`--component` only; the core module is written): imported core
//! modules, components and values, a core module exported but not defined
//! at the top level, anything but functions and types inside an exported
//! instance, futures and streams. Async exports keep their async lift and
//! callback, their `task.return`s are made here, and async host imports stay
//! async lowers, with the host built-ins the runtime's bridge imports.

use super::types::{unsupported, Copier, Decls, Extern};
use crate::encode::abi::AbiRecord;
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasm_encoder::{
    Alias, CanonicalFunctionSection, CanonicalOption, Component, ComponentAliasSection,
    ComponentExportKind, ComponentExportSection, ComponentImportSection, ComponentInstanceSection,
    ComponentTypeRef, ComponentTypeSection, ExportKind, InstanceSection, ModuleArg, TypeBounds,
};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};
use wasmparser::{Parser, Payload, Validator};

/// Name of the custom section carrying the composition's component type.
pub const SECTION: &str = "meld:component-type";

fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Internal(format!("wrapping: cannot parse: {e}"))
}

/// The top level of a component: import and export names in order, and the
/// bytes of every core module it exports (by export name).
struct Top<'a> {
    imports: Vec<String>,
    exports: Vec<String>,
    modules: Vec<(String, &'a [u8])>,
}

fn top(component: &[u8]) -> Result<Top<'_>> {
    let mut t = Top {
        imports: Vec::new(),
        exports: Vec::new(),
        modules: Vec::new(),
    };
    // The core module index space: a module's bytes when it is defined here.
    let mut modules: Vec<Option<&[u8]>> = Vec::new();
    let mut depth = 0u32;
    for payload in Parser::new(0).parse_all(component) {
        match payload.map_err(perr)? {
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                if depth == 0 {
                    modules.push(Some(&component[unchecked_range]));
                }
                depth += 1;
            }
            Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(r) if depth == 0 => {
                for i in r {
                    let i = i.map_err(perr)?;
                    if matches!(i.ty, wasmparser::ComponentTypeRef::Module(_)) {
                        modules.push(None);
                    }
                    t.imports.push(i.name.name.to_string());
                }
            }
            Payload::ComponentAliasSection(r) if depth == 0 => {
                for a in r {
                    if let wasmparser::ComponentAlias::InstanceExport {
                        kind: wasmparser::ComponentExternalKind::Module,
                        ..
                    } = a.map_err(perr)?
                    {
                        modules.push(None);
                    }
                }
            }
            Payload::ComponentExportSection(r) if depth == 0 => {
                for e in r {
                    let e = e.map_err(perr)?;
                    let name = e.name.name.to_string();
                    if e.kind == wasmparser::ComponentExternalKind::Module {
                        let bytes = modules.get(e.index as usize).copied().flatten();
                        let bytes = bytes.ok_or_else(|| {
                            unsupported(format!(
                                "export `{name}` is a core module not defined at the top level"
                            ))
                        })?;
                        modules.push(Some(bytes));
                        t.modules.push((name.clone(), bytes));
                    }
                    t.exports.push(name);
                }
            }
            _ => {}
        }
    }
    Ok(t)
}

fn features() -> wasmparser::WasmFeatures {
    let mut f = crate::front::translate::features();
    f.insert(wasmparser::WasmFeatures::COMPONENT_MODEL);
    f
}

/// A component holding one type: `component`'s, its imports and exports.
pub fn carrier(component: &[u8]) -> Result<Vec<u8>> {
    let types = Validator::new_with_features(features())
        .validate_all(component)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let t = top(component)?;
    let tr = types.as_ref();
    let mut c = Copier::component_type(tr);
    for (names, kind) in [(&t.imports, Extern::Import), (&t.exports, Extern::Export)] {
        for n in names {
            let item = match kind {
                Extern::Import => tr.component_item_for_import(n),
                Extern::Export => tr.component_item_for_export(n),
            }
            .ok_or_else(|| Error::Internal(format!("wrapping: no type for `{n}`")))?;
            c.declare(n, &item.ty, kind)?;
        }
    }
    let Decls::Component(ct) = c.finish() else {
        return Err(Error::Internal("wrapping: not a component type".into()));
    };
    let mut ts = ComponentTypeSection::new();
    ts.component(&ct);
    let mut out = Component::new();
    out.section(&ts);
    // Exported core modules travel as they are, exported under their names.
    if !t.modules.is_empty() {
        let mut es = ComponentExportSection::new();
        for (k, (name, bytes)) in t.modules.iter().enumerate() {
            out.section(&wasm_encoder::RawSection {
                id: wasm_encoder::ComponentSectionId::CoreModule as u8,
                data: bytes,
            });
            es.export(name, ComponentExportKind::Module, k as u32, None);
        }
        out.section(&es);
    }
    Ok(out.finish())
}

/// One function of the shim table.
enum Shim {
    /// A host import lowered with a memory or realloc: (module, field).
    Lower(String, String),
    /// An exported resource's destructor: the main module's export.
    Dtor(String),
}

/// What the skeleton imports and exports.
struct Skeleton {
    types: Vec<wasmparser::FuncType>,
    imports: Vec<(String, String, u32)>,
    exports: BTreeMap<String, ()>,
}

fn read_skeleton(skeleton: &[u8]) -> Result<Skeleton> {
    let mut s = Skeleton {
        types: Vec::new(),
        imports: Vec::new(),
        exports: BTreeMap::new(),
    };
    for payload in Parser::new(0).parse_all(skeleton) {
        match payload.map_err(perr)? {
            Payload::TypeSection(r) => {
                for t in r.into_iter_err_on_gc_types() {
                    s.types.push(t.map_err(perr)?);
                }
            }
            Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    let i = i.map_err(perr)?;
                    if let wasmparser::TypeRef::Func(t) = i.ty {
                        s.imports.push((i.module.into(), i.name.into(), t));
                    }
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    s.exports.insert(e.map_err(perr)?.name.to_string(), ());
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

/// Index counters of the shell being written.
#[derive(Default)]
struct Counts {
    core_funcs: u32,
    core_instances: u32,
    funcs: u32,
    instances: u32,
}

/// The shell for the composition whose component type `carrier` holds,
/// around `skeleton` (see the module docs).
pub fn build(carrier: &[u8], skeleton: &[u8], record: &AbiRecord) -> Result<Vec<u8>> {
    // The host's stream and future built-ins are named after a WIT
    // function (wit-component's names), which this world has no WIT for.
    if let Some(i) = record.imports.iter().find(|i| {
        let f = i.field.strip_prefix("[async-lower]").unwrap_or(&i.field);
        f.starts_with("[stream-") || f.starts_with("[future-")
    }) {
        return Err(Error::Unsupported(format!(
            "--component: a stream or future at the host boundary (`{}#{}`) in a world \
             WIT cannot express (docs/streams.md)",
            i.module, i.field
        )));
    }
    let types = Validator::new_with_features(features())
        .validate_all(carrier)
        .map_err(|e| Error::Wrap(format!("the `{SECTION}` section does not validate: {e}")))?;
    let tr = types.as_ref();
    if tr.component_type_count() != 1 {
        return Err(Error::Wrap(format!(
            "the `{SECTION}` section holds no component type"
        )));
    }
    let ct = &tr[tr.component_type_at(0)];
    let carried = top(carrier)?.modules;
    let sk = read_skeleton(skeleton)?;
    let mut out = Component::new();
    let mut c = Copier::top(tr);
    let mut n = Counts::default();
    let flush = |out: &mut Component, c: &mut Copier<'_>| {
        if let Some(s) = c.flush() {
            out.section(&s);
        }
    };

    // 1. Imports.
    let mut root_funcs: BTreeMap<String, u32> = BTreeMap::new();
    let mut root_types: BTreeMap<String, u32> = BTreeMap::new();
    let mut instances: BTreeMap<String, u32> = BTreeMap::new();
    let mut inst_types: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (name, item) in &ct.imports {
        let mut is = ComponentImportSection::new();
        match &item.ty {
            ComponentEntityType::Type {
                referenced,
                created,
            } => {
                let bound = match referenced {
                    ComponentAnyTypeId::Resource(r) => {
                        match c.lookup(ComponentAnyTypeId::Resource(*r))? {
                            Some(i) => TypeBounds::Eq(i),
                            None => TypeBounds::SubResource,
                        }
                    }
                    other => TypeBounds::Eq(c.any(*other)?),
                };
                flush(&mut out, &mut c);
                is.import(name, ComponentTypeRef::Type(bound));
                out.section(&is);
                let idx = c.bind_new(Some(*created));
                if bound == TypeBounds::SubResource {
                    c.bind(*referenced, idx);
                }
                root_types.insert(name.clone(), idx);
            }
            ComponentEntityType::Func(f) => {
                let t = c.func(*f)?;
                flush(&mut out, &mut c);
                is.import(name, ComponentTypeRef::Func(t));
                out.section(&is);
                root_funcs.insert(name.clone(), n.funcs);
                n.funcs += 1;
            }
            ComponentEntityType::Instance(i) => {
                let t = c.instance(*i)?;
                flush(&mut out, &mut c);
                is.import(name, ComponentTypeRef::Instance(t));
                out.section(&is);
                let inst = n.instances;
                n.instances += 1;
                instances.insert(name.clone(), inst);
                let mut aliases = ComponentAliasSection::new();
                for (e, item) in &tr[*i].exports {
                    if let ComponentEntityType::Type { created, .. } = item.ty {
                        aliases.alias(Alias::InstanceExport {
                            instance: inst,
                            kind: ComponentExportKind::Type,
                            name: e,
                        });
                        let idx = c.bind_new(Some(created));
                        inst_types.insert((name.clone(), e.clone()), idx);
                    }
                }
                if !aliases.is_empty() {
                    out.section(&aliases);
                }
            }
            _ => {
                return Err(unsupported(format!(
                    "import `{name}` is a core module, component or value"
                )))
            }
        }
    }

    // Resources the composition defines and exports: (iface, name) → id.
    let mut defined: Vec<(String, String, ComponentAnyTypeId)> = Vec::new();
    let mut note = |c: &mut Copier<'_>, iface: &str, name: &str, ty: &ComponentEntityType| {
        if let ComponentEntityType::Type {
            referenced: r @ ComponentAnyTypeId::Resource(_),
            ..
        } = ty
        {
            let same = |d: &ComponentAnyTypeId| match (d, r) {
                (ComponentAnyTypeId::Resource(a), ComponentAnyTypeId::Resource(b)) => {
                    a.resource() == b.resource()
                }
                _ => false,
            };
            if c.lookup(*r)?.is_none() && !defined.iter().any(|d| same(&d.2)) {
                defined.push((iface.to_string(), name.to_string(), *r));
            }
        }
        Ok::<_, Error>(())
    };
    // In the graph's order (`flat_exports`): the top level, then the
    // exported instances' contents; a resource exported twice is named by
    // its first export.
    for (name, item) in &ct.exports {
        note(&mut c, "$root", name, &item.ty)?;
    }
    for (name, item) in &ct.exports {
        if let ComponentEntityType::Instance(i) = &item.ty {
            for (e, it) in &tr[*i].exports {
                note(&mut c, name, e, &it.ty)?;
            }
        }
    }

    // 2. The skeleton, the shim.
    let record_opts = |m: &str, f: &str| {
        record
            .imports
            .iter()
            .find(|i| i.module == m && i.field == f)
    };
    let mut shims: Vec<(Shim, wasmparser::FuncType)> = Vec::new();
    for (m, f, t) in &sk.imports {
        if record_opts(m, f)
            .is_some_and(|i| i.options.memory.is_some() || i.options.realloc.is_some())
        {
            let ty =
                sk.types.get(*t as usize).cloned().ok_or_else(|| {
                    Error::Internal(format!("wrapping: no type {t} in the skeleton"))
                })?;
            shims.push((Shim::Lower(m.clone(), f.clone()), ty));
        }
    }
    let dtor_name = |iface: &str, name: &str| {
        if iface == "$root" {
            format!("[dtor]{name}")
        } else {
            format!("{iface}#[dtor]{name}")
        }
    };
    let mut dtor_shim: BTreeMap<usize, usize> = BTreeMap::new();
    for (k, (iface, name, _)) in defined.iter().enumerate() {
        let export = dtor_name(iface, name);
        if sk.exports.contains_key(&export) {
            dtor_shim.insert(k, shims.len());
            shims.push((
                Shim::Dtor(export),
                wasmparser::FuncType::new([wasmparser::ValType::I32], []),
            ));
        }
    }
    flush(&mut out, &mut c);
    out.section(&wasm_encoder::RawSection {
        id: wasm_encoder::ComponentSectionId::CoreModule as u8,
        data: skeleton,
    });
    let mut modules = 1;
    let mut components = 0;
    let mut shim_funcs = Vec::new();
    let mut shim_instance = None;
    if !shims.is_empty() {
        out.section(&wasm_encoder::ModuleSection(&shim_module(&shims)?));
        modules += 1;
        let mut inst = InstanceSection::new();
        inst.instantiate(1, Vec::<(&str, ModuleArg)>::new());
        out.section(&inst);
        shim_instance = Some(n.core_instances);
        n.core_instances += 1;
        let mut aliases = ComponentAliasSection::new();
        for k in 0..shims.len() {
            aliases.alias(Alias::CoreInstanceExport {
                instance: n.core_instances - 1,
                kind: ExportKind::Func,
                name: &k.to_string(),
            });
            shim_funcs.push(n.core_funcs);
            n.core_funcs += 1;
        }
        out.section(&aliases);
    }

    // 3. Exported resources.
    let mut resource_index: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (k, (iface, name, id)) in defined.iter().enumerate() {
        let mut ts = ComponentTypeSection::new();
        let dtor = dtor_shim.get(&k).map(|s| shim_funcs[*s]);
        ts.resource(wasm_encoder::ValType::I32, dtor);
        out.section(&ts);
        let idx = c.bind_new(Some(*id));
        resource_index.insert((iface.clone(), name.clone()), idx);
    }

    // The result type of each async export's `task.return`
    // (`[export]IFACE#[task-return]NAME`), copied before any is used.
    let mut task_returns: BTreeMap<(String, String), Option<wasm_encoder::ComponentValType>> =
        BTreeMap::new();
    for (m, f, _) in &sk.imports {
        let (Some(iface), Some(name)) =
            (m.strip_prefix("[export]"), f.strip_prefix("[task-return]"))
        else {
            continue;
        };
        let func = if iface == "$root" {
            ct.exports.get(name).map(|i| i.ty)
        } else {
            match ct.exports.get(iface).map(|i| i.ty) {
                Some(ComponentEntityType::Instance(i)) => tr[i].exports.get(name).map(|i| i.ty),
                _ => None,
            }
        };
        let Some(ComponentEntityType::Func(fid)) = func else {
            return Err(unsupported(format!(
                "the fused module imports `{m}#{f}`, which the composition's types do not provide"
            )));
        };
        let result = c.opt_val(&tr[fid].result)?;
        task_returns.insert((m.clone(), f.clone()), result);
    }
    flush(&mut out, &mut c);

    // 4. One core instance per import module, then the main instance.
    let mut modules_in_order: Vec<&str> = Vec::new();
    for (m, _, _) in &sk.imports {
        if !modules_in_order.contains(&m.as_str()) {
            modules_in_order.push(m);
        }
    }
    let mut args: Vec<(String, u32)> = Vec::new();
    for m in modules_in_order {
        let mut items: Vec<(String, u32)> = Vec::new();
        for (im, f, _) in sk.imports.iter().filter(|i| i.0 == m) {
            let func = core_import(
                &mut out,
                &mut n,
                ImportCx {
                    module: im,
                    field: f,
                    shims: &shims,
                    shim_funcs: &shim_funcs,
                    resource_index: &resource_index,
                    root_funcs: &root_funcs,
                    root_types: &root_types,
                    instances: &instances,
                    inst_types: &inst_types,
                    task_returns: &task_returns,
                },
            )?;
            items.push((f.clone(), func));
        }
        let mut inst = InstanceSection::new();
        inst.export_items(
            items
                .iter()
                .map(|(f, i)| (f.as_str(), ExportKind::Func, *i)),
        );
        out.section(&inst);
        args.push((m.to_string(), n.core_instances));
        n.core_instances += 1;
    }
    let mut inst = InstanceSection::new();
    inst.instantiate(
        0,
        args.iter()
            .map(|(m, i)| (m.as_str(), ModuleArg::Instance(*i))),
    );
    out.section(&inst);
    let main = n.core_instances;
    n.core_instances += 1;

    // 5. The fix-up.
    if let Some(shim_inst) = shim_instance {
        let mut fill = Vec::new();
        for (s, _) in &shims {
            match s {
                Shim::Lower(m, f) => {
                    // The rewriter gives each the record's memory, realloc
                    // and string encoding.
                    let mut canon = CanonicalFunctionSection::new();
                    if let Some(result) = task_returns.get(&(m.clone(), f.clone())) {
                        canon.task_return(*result, [CanonicalOption::UTF8]);
                    } else if m == "$root" && f == "[waitable-set-wait]" {
                        canon.waitable_set_wait(false, 0);
                    } else if let Some(field) = f.strip_prefix("[async-lower]") {
                        let comp = comp_func(&mut out, &mut n, m, field, &root_funcs, &instances)?;
                        canon.lower(comp, [CanonicalOption::UTF8, CanonicalOption::Async]);
                    } else {
                        let comp = comp_func(&mut out, &mut n, m, f, &root_funcs, &instances)?;
                        canon.lower(comp, [CanonicalOption::UTF8]);
                    }
                    out.section(&canon);
                }
                Shim::Dtor(export) => {
                    let mut aliases = ComponentAliasSection::new();
                    aliases.alias(Alias::CoreInstanceExport {
                        instance: main,
                        kind: ExportKind::Func,
                        name: export,
                    });
                    out.section(&aliases);
                }
            }
            fill.push(n.core_funcs);
            n.core_funcs += 1;
        }
        let mut aliases = ComponentAliasSection::new();
        aliases.alias(Alias::CoreInstanceExport {
            instance: shim_inst,
            kind: ExportKind::Table,
            name: SHIM_TABLE,
        });
        out.section(&aliases);
        out.section(&wasm_encoder::ModuleSection(&fixup_module(&shims)?));
        let fixup = modules;
        modules += 1;
        let mut inst = InstanceSection::new();
        let mut items: Vec<(String, ExportKind, u32)> =
            vec![(SHIM_TABLE.to_string(), ExportKind::Table, 0)];
        for (k, f) in fill.iter().enumerate() {
            items.push((k.to_string(), ExportKind::Func, *f));
        }
        inst.export_items(items.iter().map(|(a, k, i)| (a.as_str(), *k, *i)));
        inst.instantiate(fixup, [("", ModuleArg::Instance(n.core_instances))]);
        n.core_instances += 2;
        out.section(&inst);
    }

    // 6. Exports.
    let lift = |out: &mut Component,
                c: &mut Copier<'_>,
                n: &mut Counts,
                core_name: &str,
                f: wasmparser::component_types::ComponentFuncTypeId|
     -> Result<u32> {
        let ty = c.func(f)?;
        if let Some(s) = c.flush() {
            out.section(&s);
        }
        let post = crate::encode::abi::post_return_export(core_name);
        // An async export keeps its async lift and callback.
        let async_name = format!("[async-lift]{core_name}");
        let callback_name = format!("[callback]{async_name}");
        let is_async = sk.exports.contains_key(&async_name);
        let mut aliases = ComponentAliasSection::new();
        aliases.alias(Alias::CoreInstanceExport {
            instance: main,
            kind: ExportKind::Func,
            name: if is_async { &async_name } else { core_name },
        });
        let core = n.core_funcs;
        n.core_funcs += 1;
        let mut opts = vec![CanonicalOption::UTF8];
        if is_async {
            opts.push(CanonicalOption::Async);
            if sk.exports.contains_key(&callback_name) {
                aliases.alias(Alias::CoreInstanceExport {
                    instance: main,
                    kind: ExportKind::Func,
                    name: &callback_name,
                });
                opts.push(CanonicalOption::Callback(n.core_funcs));
                n.core_funcs += 1;
            }
        }
        if sk.exports.contains_key(&post) {
            aliases.alias(Alias::CoreInstanceExport {
                instance: main,
                kind: ExportKind::Func,
                name: &post,
            });
            opts.push(CanonicalOption::PostReturn(n.core_funcs));
            n.core_funcs += 1;
        }
        out.section(&aliases);
        let mut canon = CanonicalFunctionSection::new();
        canon.lift(core, ty, opts);
        out.section(&canon);
        n.funcs += 1;
        Ok(n.funcs - 1)
    };
    let type_of = |c: &mut Copier<'_>, iface: &str, name: &str, r: ComponentAnyTypeId| {
        if let Some(i) = resource_index.get(&(iface.to_string(), name.to_string())) {
            if matches!(r, ComponentAnyTypeId::Resource(_)) {
                return Ok(*i);
            }
        }
        c.any(r)
    };
    for (name, item) in &ct.exports {
        let mut es = ComponentExportSection::new();
        match &item.ty {
            ComponentEntityType::Func(f) => {
                let func = lift(&mut out, &mut c, &mut n, name, *f)?;
                es.export(name, ComponentExportKind::Func, func, None);
                out.section(&es);
                n.funcs += 1;
            }
            ComponentEntityType::Type {
                referenced,
                created,
            } => {
                let idx = type_of(&mut c, "$root", name, *referenced)?;
                flush(&mut out, &mut c);
                es.export(name, ComponentExportKind::Type, idx, None);
                out.section(&es);
                c.bind_new(Some(*created));
            }
            ComponentEntityType::Instance(i) => {
                let mut items: Vec<u32> = Vec::new();
                for (e, it) in &tr[*i].exports {
                    match &it.ty {
                        ComponentEntityType::Func(f) => {
                            items.push(lift(&mut out, &mut c, &mut n, &format!("{name}#{e}"), *f)?);
                        }
                        ComponentEntityType::Type { referenced, .. } => {
                            items.push(type_of(&mut c, name, e, *referenced)?);
                        }
                        _ => {
                            return Err(unsupported(format!(
                                "`{e}` inside exported instance `{name}` is not a function or type"
                            )))
                        }
                    }
                }
                let (shim, args) = super::exports::instance_shim(tr, *i, &items, &c)?;
                flush(&mut out, &mut c);
                out.section(&wasm_encoder::NestedComponentSection(&shim));
                let mut is = ComponentInstanceSection::new();
                is.instantiate(
                    components,
                    args.iter().map(|(a, k, i)| (a.as_str(), *k, *i)),
                );
                components += 1;
                out.section(&is);
                es.export(name, ComponentExportKind::Instance, n.instances, None);
                out.section(&es);
                n.instances += 2;
                // The instance's types, for what follows (a function using
                // them names them through the exported instance).
                let mut aliases = ComponentAliasSection::new();
                for (e, it) in &tr[*i].exports {
                    if let ComponentEntityType::Type { created, .. } = it.ty {
                        aliases.alias(Alias::InstanceExport {
                            instance: n.instances - 1,
                            kind: ComponentExportKind::Type,
                            name: e,
                        });
                        c.bind_new(Some(created));
                    }
                }
                if !aliases.is_empty() {
                    out.section(&aliases);
                }
            }
            ComponentEntityType::Module(_) => {
                let bytes = carried
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| *b)
                    .ok_or_else(|| {
                        Error::Wrap(format!(
                            "the `{SECTION}` section lacks exported module `{name}`"
                        ))
                    })?;
                out.section(&wasm_encoder::RawSection {
                    id: wasm_encoder::ComponentSectionId::CoreModule as u8,
                    data: bytes,
                });
                es.export(name, ComponentExportKind::Module, modules, None);
                out.section(&es);
                modules += 2;
            }
            _ => {
                return Err(unsupported(format!(
                    "export `{name}` is a component or value"
                )))
            }
        }
    }
    Ok(out.finish())
}

/// The shim table's export name.
const SHIM_TABLE: &str = "$imports";

struct ImportCx<'a> {
    module: &'a str,
    field: &'a str,
    shims: &'a [(Shim, wasmparser::FuncType)],
    shim_funcs: &'a [u32],
    resource_index: &'a BTreeMap<(String, String), u32>,
    root_funcs: &'a BTreeMap<String, u32>,
    root_types: &'a BTreeMap<String, u32>,
    instances: &'a BTreeMap<String, u32>,
    inst_types: &'a BTreeMap<(String, String), u32>,
    task_returns: &'a BTreeMap<(String, String), Option<wasm_encoder::ComponentValType>>,
}

/// The core function given to the main module for import `module#field`.
fn core_import(out: &mut Component, n: &mut Counts, cx: ImportCx<'_>) -> Result<u32> {
    let (m, f) = (cx.module, cx.field);
    let missing = || {
        unsupported(format!(
            "the fused module imports `{m}#{f}`, which the composition's types do not provide"
        ))
    };
    if let Some(k) = cx
        .shims
        .iter()
        .position(|(s, _)| matches!(s, Shim::Lower(a, b) if a == m && b == f))
    {
        return Ok(cx.shim_funcs[k]);
    }
    let mut canon = CanonicalFunctionSection::new();
    if let Some(result) = cx.task_returns.get(&(m.to_string(), f.to_string())) {
        // an async export's `task.return` with flat results (one with a
        // memory is a shim, made after the main instance)
        canon.task_return(*result, []);
    } else if m == "$root" && f == "[waitable-set-new]" {
        canon.waitable_set_new();
    } else if m == "$root" && f == "[waitable-join]" {
        canon.waitable_join();
    } else if m == "$root" && f == "[subtask-drop]" {
        canon.subtask_drop();
    } else if let Some(field) = f.strip_prefix("[async-lower]") {
        let comp = comp_func(out, n, m, field, cx.root_funcs, cx.instances)?;
        canon.lower(comp, [CanonicalOption::UTF8, CanonicalOption::Async]);
    } else if let Some(iface) = m.strip_prefix("[export]") {
        let (op, res) = f
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .ok_or_else(missing)?;
        let ty = *cx
            .resource_index
            .get(&(iface.to_string(), res.to_string()))
            .ok_or_else(missing)?;
        match op {
            "resource-new" => canon.resource_new(ty),
            "resource-rep" => canon.resource_rep(ty),
            "resource-drop" => canon.resource_drop(ty),
            _ => return Err(missing()),
        };
    } else if let Some(res) = f.strip_prefix("[resource-drop]") {
        let ty = if m == "$root" {
            cx.root_types.get(res)
        } else {
            cx.inst_types.get(&(m.to_string(), res.to_string()))
        };
        canon.resource_drop(*ty.ok_or_else(missing)?);
    } else {
        let comp = comp_func(out, n, m, f, cx.root_funcs, cx.instances)?;
        canon.lower(comp, [CanonicalOption::UTF8]);
    }
    out.section(&canon);
    n.core_funcs += 1;
    Ok(n.core_funcs - 1)
}

/// The component function `module#field` imports: a top-level import, or
/// an alias of an imported instance's export.
fn comp_func(
    out: &mut Component,
    n: &mut Counts,
    m: &str,
    f: &str,
    root_funcs: &BTreeMap<String, u32>,
    instances: &BTreeMap<String, u32>,
) -> Result<u32> {
    if m == "$root" {
        return root_funcs.get(f).copied().ok_or_else(|| {
            unsupported(format!(
                "the fused module imports `{f}`, which the composition does not"
            ))
        });
    }
    let inst = *instances.get(m).ok_or_else(|| {
        unsupported(format!(
            "the fused module imports from `{m}`, which the composition does not import"
        ))
    })?;
    let mut aliases = ComponentAliasSection::new();
    aliases.alias(Alias::InstanceExport {
        instance: inst,
        kind: ComponentExportKind::Func,
        name: f,
    });
    out.section(&aliases);
    n.funcs += 1;
    Ok(n.funcs - 1)
}

fn val_types(t: &[wasmparser::ValType]) -> Result<Vec<wasm_encoder::ValType>> {
    use wasm_encoder::reencode::Reencode;
    let mut r = wasm_encoder::reencode::RoundtripReencoder;
    t.iter()
        .map(|v| {
            r.val_type(*v)
                .map_err(|e| Error::Internal(format!("wrapping: {e}")))
        })
        .collect()
}

fn shim_types(shims: &[(Shim, wasmparser::FuncType)]) -> Result<wasm_encoder::TypeSection> {
    let mut types = wasm_encoder::TypeSection::new();
    for (_, sig) in shims {
        types
            .ty()
            .function(val_types(sig.params())?, val_types(sig.results())?);
    }
    Ok(types)
}

/// Functions `k` calling slot `k` of the exported table.
fn shim_module(shims: &[(Shim, wasmparser::FuncType)]) -> Result<wasm_encoder::Module> {
    let mut m = wasm_encoder::Module::new();
    m.section(&shim_types(shims)?);
    let mut fs = wasm_encoder::FunctionSection::new();
    for k in 0..shims.len() as u32 {
        fs.function(k);
    }
    m.section(&fs);
    let n = shims.len() as u64;
    let mut ts = wasm_encoder::TableSection::new();
    ts.table(wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: n,
        maximum: Some(n),
        shared: false,
    });
    m.section(&ts);
    let mut es = wasm_encoder::ExportSection::new();
    for k in 0..shims.len() as u32 {
        es.export(&k.to_string(), ExportKind::Func, k);
    }
    es.export(SHIM_TABLE, ExportKind::Table, 0);
    m.section(&es);
    let mut code = wasm_encoder::CodeSection::new();
    for (k, (_, sig)) in shims.iter().enumerate() {
        let mut f = wasm_encoder::Function::new([]);
        let mut ins = f.instructions();
        for p in 0..sig.params().len() as u32 {
            ins.local_get(p);
        }
        ins.i32_const(k as i32);
        ins.call_indirect(0, k as u32);
        ins.end();
        code.function(&f);
    }
    m.section(&code);
    Ok(m)
}

/// Imports the table and the functions `k`, and writes slot `k`.
fn fixup_module(shims: &[(Shim, wasmparser::FuncType)]) -> Result<wasm_encoder::Module> {
    let mut m = wasm_encoder::Module::new();
    m.section(&shim_types(shims)?);
    let n = shims.len() as u32;
    let mut is = wasm_encoder::ImportSection::new();
    is.import(
        "",
        SHIM_TABLE,
        wasm_encoder::TableType {
            element_type: wasm_encoder::RefType::FUNCREF,
            table64: false,
            minimum: u64::from(n),
            maximum: Some(u64::from(n)),
            shared: false,
        },
    );
    for k in 0..n {
        is.import("", &k.to_string(), wasm_encoder::EntityType::Function(k));
    }
    m.section(&is);
    let mut elems = wasm_encoder::ElementSection::new();
    let funcs: Vec<u32> = (0..n).collect();
    elems.active(
        Some(0),
        &wasm_encoder::ConstExpr::i32_const(0),
        wasm_encoder::Elements::Functions(funcs.into()),
    );
    m.section(&elems);
    Ok(m)
}
