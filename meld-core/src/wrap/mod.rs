//! Stage 5: fused core module → component with the composition's world.
//!
//! The component's types, imports, exports and the shim-table / fix-up
//! plumbing that lowers host imports before the main module's memories exist
//! are produced by wit-component's `ComponentEncoder`, from a *skeleton* core
//! module that has exactly the fused module's imports and exports but no
//! code. The encoder's output is then rewritten:
//!
//! * the skeleton is replaced by the fused module (which additionally exports
//!   `memory` and `cabi_realloc`, the names the encoder's aliases expect);
//! * after the main instance is created, aliases for every memory and realloc
//!   named by the ABI record (`cabi_memory<N>`, `cabi_realloc<N>`) are added;
//! * every `canon lower` of a host import and every `canon lift` of an export
//!   gets the memory, realloc and string encoding of the component that
//!   originally lowered or lifted it (the encoder would give them all one
//!   memory); core indices after the inserted aliases are shifted.
//!
//! The result is validated as a component before it is returned.
//!
//! **Takes** the fused module (from [`crate::encode`]), its ABI record and
//! the WIT world payload (from [`crate::front::world`]). **Hands on** the
//! component's bytes. **Leaves** the module's contents alone, apart from
//! the import plan ([`indirect`]) that encoding carries out for it (or
//! [`given::apply`], for a module read back from its bytes: `meld wrap`,
//! [`given::wrap_module`], which resolves the `meld:abi` record by name).

mod async_canon;
mod exports;
pub mod given;
pub mod indirect;
pub mod shell;
pub mod start;
mod types;

use crate::encode::abi::{AbiRecord, Options};
use crate::front::world::Payload as World;
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasm_encoder::{
    Alias, CanonicalFunctionSection, CanonicalOption, ComponentAliasSection, ExportKind,
    InstanceSection, Module, RawSection,
};
use wasmparser::{
    CanonicalFunction, ComponentAlias, ComponentExternalKind, ComponentTypeRef, ExternalKind,
    Instance, Parser, Payload,
};

/// Names the encoder's aliases use for the main module's memory and realloc.
pub const MAIN_MEMORY: &str = "memory";
pub const MAIN_REALLOC: &str = "cabi_realloc";

fn wc_err(e: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!(
        "cannot re-express the composition as a component: {e:#}"
    ))
}

fn perr(e: wasmparser::BinaryReaderError) -> Error {
    Error::Internal(format!("wrapping: cannot parse: {e}"))
}

/// Wrap `fused` (a fused core module whose ABI record is `record`, written
/// by encoding without the wrapper's import rewrite) into a component with
/// the world `world` describes (a `component-type` payload,
/// [`crate::front::world::section_payload`] of the composition). The result is
/// validated, function bodies on two threads when `parallel`. The record's
/// indices must be `fused`'s own ([`given::wrap_module`] resolves them by
/// name for a module read back from a file); the import plan is carried out
/// on the module ([`given::apply`]). (Fusing with `--component` does the
/// import rewrite while encoding and calls [`prepare`] and
/// [`Prepared::finish`] itself.)
pub fn wrap(fused: &[u8], world: &World, record: &AbiRecord, parallel: bool) -> Result<Vec<u8>> {
    let (module, plan, thunk_types) = given::apply(fused, record)?;
    prepare(module, plan, &thunk_types)?.finish(world, record, parallel)
}

/// The part of wrapping that needs no world, done while the world may
/// still be decoding.
pub struct Prepared {
    plan: indirect::Plan,
    fused: Vec<u8>,
    sigs: Vec<wasmparser::FuncType>,
    skeleton: Vec<u8>,
}

/// Start wrapping `fused`, a module encoded for `plan` (its repeated host
/// imports behind the table, thunk `k` of type `thunk_types[k]`);
/// [`Prepared::finish`] completes it.
pub fn prepare(fused: Vec<u8>, plan: indirect::Plan, thunk_types: &[u32]) -> Result<Prepared> {
    let skeleton = skeleton(&fused)?;
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    for payload in Parser::new(0).parse_all(&fused) {
        if let Payload::TypeSection(r) = payload.map_err(perr)? {
            for ty in r.into_iter_err_on_gc_types() {
                types.push(ty.map_err(perr)?);
            }
            break;
        }
    }
    let sigs = thunk_types
        .iter()
        .map(|t| {
            types
                .get(*t as usize)
                .cloned()
                .ok_or_else(|| Error::Internal(format!("wrapping: no type {t}")))
        })
        .collect::<Result<_>>()?;
    Ok(Prepared {
        plan,
        fused,
        sigs,
        skeleton,
    })
}

impl Prepared {
    /// Append the world section to the fused module, last, where encoding
    /// puts it for a core module.
    pub fn with_world_section(mut self, world: &World) -> Self {
        push_custom(&mut self.fused, world.section(), world.data());
        self
    }

    /// Wrap with the world `world` describes (a `component-type` payload
    /// of a WIT world, or the composition's component type).
    pub fn finish(self, world: &World, record: &AbiRecord, parallel: bool) -> Result<Vec<u8>> {
        let Prepared {
            plan,
            fused,
            sigs,
            mut skeleton,
        } = self;
        // The shell is not validated on its own: the component made from
        // it is, in full, below.
        let shell = match world {
            World::Wit(world) => {
                // What `wit_component::embed_component_metadata` appends,
                // from the payload already encoded.
                push_custom(&mut skeleton, "component-type", world);
                wit_component::ComponentEncoder::default()
                    .validate(false)
                    .module(&skeleton)
                    .map_err(wc_err)?
                    .encode()
                    .map_err(wc_err)?
            }
            World::Types(carrier) => shell::build(carrier, &skeleton, record)?,
        };
        let repeats: Vec<(indirect::Indirect, wasmparser::FuncType)> = plan
            .indirect
            .into_iter()
            .map(|(_, i)| i)
            .zip(sigs)
            .collect();
        let deferred = start::defer(&fused)?;
        let module = deferred.as_deref().unwrap_or(&fused);
        let out = Rewriter::new(record, module).rewrite(&shell, &repeats, deferred.is_some())?;
        if let Err(e) = crate::encode::validate_component_with(&out, parallel) {
            if let Some(path) = std::env::var_os("MELD_DUMP_INVALID") {
                let _ = std::fs::write(path, &out);
            }
            return Err(e);
        }
        Ok(out)
    }
}

/// Append a custom section to module bytes.
fn push_custom(bytes: &mut Vec<u8>, name: &str, data: &[u8]) {
    bytes.push(0);
    wasm_encoder::Encode::encode(
        &wasm_encoder::CustomSection {
            name: name.into(),
            data: data.into(),
        },
        bytes,
    );
}

/// A code-less module with the fused module's imports (deduplicated) and
/// exports, for `ComponentEncoder` to derive the component shell from.
fn skeleton(fused: &[u8]) -> Result<Vec<u8>> {
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut imports: Vec<(String, String, u32)> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    let mut has_memory = false;
    for payload in Parser::new(0).parse_all(fused) {
        match payload.map_err(perr)? {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(perr)?);
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.map_err(perr)?;
                    if let wasmparser::TypeRef::Func(t) = imp.ty {
                        func_types.push(t);
                        if !imports
                            .iter()
                            .any(|(m, f, _)| m == imp.module && f == imp.name)
                        {
                            imports.push((imp.module.to_string(), imp.name.to_string(), t));
                        }
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    func_types.push(t.map_err(perr)?);
                }
            }
            Payload::MemorySection(r) => has_memory |= r.count() > 0,
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(perr)?;
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            _ => {}
        }
    }
    let mut m = Module::new();
    let mut ts = wasm_encoder::TypeSection::new();
    let mut r = wasm_encoder::reencode::RoundtripReencoder;
    use wasm_encoder::reencode::Reencode;
    for t in &types {
        let params: Vec<_> = t.params().iter().map(|v| r.val_type(*v).unwrap()).collect();
        let results: Vec<_> = t
            .results()
            .iter()
            .map(|v| r.val_type(*v).unwrap())
            .collect();
        ts.ty().function(params, results);
    }
    let realloc_ty = types.len() as u32;
    ts.ty().function(
        [wasm_encoder::ValType::I32; 4],
        [wasm_encoder::ValType::I32],
    );
    m.section(&ts);
    let mut is = wasm_encoder::ImportSection::new();
    for (module, field, t) in &imports {
        is.import(module, field, wasm_encoder::EntityType::Function(*t));
    }
    m.section(&is);
    let mut fs = wasm_encoder::FunctionSection::new();
    let mut es = wasm_encoder::ExportSection::new();
    let mut code = wasm_encoder::CodeSection::new();
    let mut stub = wasm_encoder::Function::new([]);
    stub.instructions().unreachable().end();
    let mut next = imports.len() as u32;
    let mut has_realloc = false;
    for (name, kind, idx) in &exports {
        if *kind != ExternalKind::Func || name.starts_with("cabi_realloc") {
            has_realloc |= name.starts_with("cabi_realloc");
            continue;
        }
        fs.function(func_types[*idx as usize]);
        code.function(&stub);
        es.export(name, ExportKind::Func, next);
        next += 1;
    }
    if has_realloc {
        fs.function(realloc_ty);
        code.function(&stub);
        es.export(MAIN_REALLOC, ExportKind::Func, next);
    }
    m.section(&fs);
    if has_memory {
        let mut ms = wasm_encoder::MemorySection::new();
        ms.memory(wasm_encoder::MemoryType {
            minimum: 0,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&ms);
        es.export(MAIN_MEMORY, ExportKind::Memory, 0);
    }
    m.section(&es);
    m.section(&code);
    Ok(m.finish())
}

/// Rewrites the encoder's shell around the fused module.
struct Rewriter<'a> {
    record: &'a AbiRecord,
    fused: &'a [u8],
    /// Old core func index → main-module export name (for lifts).
    core_func_names: Vec<Option<String>>,
    core_memories: u32,
    core_tables: u32,
    core_instances: u32,
    /// Component func index → (interface, function) for lowers.
    comp_funcs: Vec<Option<(String, String)>>,
    /// Component instance index → import name.
    comp_instances: Vec<Option<String>>,
    modules: u32,
    main_instance: Option<u32>,
    /// Where the new aliases went: counts of old items before them.
    func_base: u32,
    mem_base: u32,
    new_funcs: u32,
    new_mems: u32,
    /// Export name → new alias index.
    mem_alias: BTreeMap<String, u32>,
    func_alias: BTreeMap<String, u32>,
    /// `task.return`s with a memory seen so far.
    task_returns: usize,
    /// The encoder's flat `task.return`s: core func index → the import
    /// they satisfy ([`async_canon::flat_task_returns`]).
    flat_returns: BTreeMap<u32, (String, String)>,
}

impl<'a> Rewriter<'a> {
    fn new(record: &'a AbiRecord, fused: &'a [u8]) -> Self {
        Rewriter {
            record,
            fused,
            core_func_names: Vec::new(),
            core_memories: 0,
            core_tables: 0,
            core_instances: 0,
            comp_funcs: Vec::new(),
            comp_instances: Vec::new(),
            modules: 0,
            main_instance: None,
            func_base: u32::MAX,
            mem_base: u32::MAX,
            new_funcs: 0,
            new_mems: 0,
            mem_alias: BTreeMap::new(),
            func_alias: BTreeMap::new(),
            task_returns: 0,
            flat_returns: BTreeMap::new(),
        }
    }

    fn shift_func(&self, i: u32) -> u32 {
        if i >= self.func_base {
            i + self.new_funcs
        } else {
            i
        }
    }

    fn shift_mem(&self, i: u32) -> u32 {
        if i >= self.mem_base {
            i + self.new_mems
        } else {
            i
        }
    }

    fn rewrite(
        mut self,
        shell: &[u8],
        repeats: &[(indirect::Indirect, wasmparser::FuncType)],
        deferred_start: bool,
    ) -> Result<Vec<u8>> {
        self.flat_returns = async_canon::flat_task_returns(shell)?;
        let mut out = wasm_encoder::Component::new();
        let mut parser = Parser::new(0);
        let mut rest = shell;
        loop {
            let (payload, consumed) = match parser.parse(rest, true).map_err(perr)? {
                wasmparser::Chunk::Parsed { payload, consumed } => (payload, consumed),
                wasmparser::Chunk::NeedMoreData(_) => {
                    return Err(Error::Internal("wrapping: truncated shell".into()))
                }
            };
            let section_bytes = &rest[..consumed];
            rest = &rest[consumed..];
            match payload {
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    let body = &rest[..unchecked_range.len()];
                    if self.modules == 0 {
                        out.section(&RawSection {
                            id: 1,
                            data: self.fused,
                        });
                    } else {
                        out.section(&RawSection { id: 1, data: body });
                    }
                    self.modules += 1;
                    rest = &rest[body.len()..];
                }
                Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    let body = &rest[..unchecked_range.len()];
                    out.section(&RawSection { id: 4, data: body });
                    rest = &rest[body.len()..];
                }
                Payload::InstanceSection(r) => {
                    let mut s = InstanceSection::new();
                    for inst in r {
                        match inst.map_err(perr)? {
                            Instance::Instantiate { module_index, args } => {
                                if module_index == 0 {
                                    self.main_instance = Some(self.core_instances);
                                }
                                let args: Vec<(String, wasm_encoder::ModuleArg)> = args
                                    .iter()
                                    .map(|a| {
                                        (
                                            a.name.to_string(),
                                            wasm_encoder::ModuleArg::Instance(a.index),
                                        )
                                    })
                                    .collect();
                                s.instantiate(
                                    module_index,
                                    args.iter().map(|(n, a)| (n.as_str(), *a)),
                                );
                            }
                            Instance::FromExports(exports) => {
                                let items: Vec<(String, ExportKind, u32)> = exports
                                    .iter()
                                    .map(|e| {
                                        let idx = match e.kind {
                                            ExternalKind::Func | ExternalKind::FuncExact => {
                                                self.shift_func(e.index)
                                            }
                                            ExternalKind::Memory => self.shift_mem(e.index),
                                            _ => e.index,
                                        };
                                        (e.name.to_string(), export_kind(e.kind), idx)
                                    })
                                    .collect();
                                s.export_items(items.iter().map(|(n, k, i)| (n.as_str(), *k, *i)));
                            }
                        }
                        self.core_instances += 1;
                    }
                    out.section(&s);
                    if self.main_instance.is_some() && self.func_base == u32::MAX {
                        self.insert_aliases(&mut out)?;
                    }
                }
                Payload::ComponentAliasSection(r) => {
                    for a in r.clone() {
                        match a.map_err(perr)? {
                            ComponentAlias::CoreInstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => match kind {
                                ExternalKind::Func | ExternalKind::FuncExact => {
                                    let n = (Some(instance_index) == self.main_instance)
                                        .then(|| name.to_string());
                                    self.core_func_names.push(n);
                                }
                                ExternalKind::Memory => self.core_memories += 1,
                                ExternalKind::Table => self.core_tables += 1,
                                _ => {}
                            },
                            ComponentAlias::InstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => match kind {
                                ComponentExternalKind::Func => {
                                    let iface = self
                                        .comp_instances
                                        .get(instance_index as usize)
                                        .cloned()
                                        .flatten();
                                    self.comp_funcs.push(iface.map(|i| (i, name.to_string())));
                                }
                                ComponentExternalKind::Instance => self.comp_instances.push(None),
                                _ => {}
                            },
                            ComponentAlias::Outer { .. } => {}
                        }
                    }
                    out.section(&RawSection {
                        id: 6,
                        data: section_data(section_bytes),
                    });
                }
                Payload::ComponentImportSection(r) => {
                    for imp in r.clone() {
                        let imp = imp.map_err(perr)?;
                        match imp.ty {
                            ComponentTypeRef::Instance(_) => {
                                self.comp_instances.push(Some(imp.name.name.to_string()))
                            }
                            ComponentTypeRef::Func(_) => self
                                .comp_funcs
                                .push(Some(("$root".to_string(), imp.name.name.to_string()))),
                            _ => {}
                        }
                    }
                    out.section(&RawSection {
                        id: 10,
                        data: section_data(section_bytes),
                    });
                }
                Payload::ComponentInstanceSection(r) => {
                    for _ in r.clone() {
                        self.comp_instances.push(None);
                    }
                    out.section(&RawSection {
                        id: 5,
                        data: section_data(section_bytes),
                    });
                }
                Payload::ComponentExportSection(r) => {
                    for e in r.clone() {
                        match e.map_err(perr)?.kind {
                            ComponentExternalKind::Func => self.comp_funcs.push(None),
                            ComponentExternalKind::Instance => self.comp_instances.push(None),
                            // An export adds to its index space.
                            ComponentExternalKind::Module => self.modules += 1,
                            _ => {}
                        }
                    }
                    out.section(&RawSection {
                        id: 11,
                        data: section_data(section_bytes),
                    });
                }
                Payload::ComponentCanonicalSection(r) => {
                    let mut s = CanonicalFunctionSection::new();
                    for f in r {
                        self.canonical(&mut s, f.map_err(perr)?)?;
                    }
                    out.section(&s);
                }
                Payload::End(_) => break,
                Payload::Version { .. } => {}
                _ => {
                    if !section_bytes.is_empty() {
                        out.section(&RawSection {
                            id: section_bytes[0],
                            data: section_data(section_bytes),
                        });
                    }
                }
            }
        }
        if self.main_instance.is_none() {
            return Err(Error::Internal(
                "wrapping: the shell never instantiates its main module".into(),
            ));
        }
        if !repeats.is_empty() {
            self.fill_repeats(&mut out, repeats)?;
        }
        if deferred_start {
            self.run_start(&mut out, repeats.len() as u32);
        }
        Ok(out.finish())
    }

    /// Instantiate [`start::starter_module`] with the main instance's
    /// deferred start function, last, after every table is filled.
    fn run_start(&mut self, out: &mut wasm_encoder::Component, lowered_repeats: u32) {
        let main = self.main_instance.expect("main instance exists");
        let mut aliases = ComponentAliasSection::new();
        aliases.alias(Alias::CoreInstanceExport {
            instance: main,
            kind: ExportKind::Func,
            name: start::START_EXPORT,
        });
        out.section(&aliases);
        // Core functions so far: the shell's aliases and lowerings, the
        // aliases inserted after the main instance, the repeats' lowerings.
        let func = self.core_func_names.len() as u32 + self.new_funcs + lowered_repeats;
        out.section(&wasm_encoder::ModuleSection(&start::starter_module()));
        let starter = self.modules;
        self.modules += 1;
        let mut inst = InstanceSection::new();
        inst.export_items([("start", ExportKind::Func, func)]);
        let bag = self.core_instances;
        inst.instantiate(starter, [("", wasm_encoder::ModuleArg::Instance(bag))]);
        self.core_instances += 2;
        out.section(&inst);
    }

    /// Lower every repeated host import with its own component's options and
    /// put the lowerings into the main module's table, at the very end of the
    /// component so no existing index moves.
    fn fill_repeats(
        &mut self,
        out: &mut wasm_encoder::Component,
        repeats: &[(indirect::Indirect, wasmparser::FuncType)],
    ) -> Result<()> {
        let main = self.main_instance.expect("main instance exists");
        let table = self.core_tables;
        let mut aliases = ComponentAliasSection::new();
        aliases.alias(Alias::CoreInstanceExport {
            instance: main,
            kind: ExportKind::Table,
            name: indirect::TABLE_EXPORT,
        });
        out.section(&aliases);

        let mut canon = CanonicalFunctionSection::new();
        let first_func = self.core_func_names.len() as u32 + self.new_funcs;
        for (r, _) in repeats {
            let func = self
                .comp_funcs
                .iter()
                .position(|f| {
                    f.as_ref()
                        .is_some_and(|(m, n)| *m == r.module && *n == r.field)
                })
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "wrapping: no component function for `{}#{}`",
                        r.module, r.field
                    ))
                })?;
            canon.lower(func as u32, self.options(&r.options, None));
        }
        out.section(&canon);

        // The fix-up module: writes the lowered functions into the table.
        let mut m = Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        let mut rt = wasm_encoder::reencode::RoundtripReencoder;
        use wasm_encoder::reencode::Reencode;
        for (_, sig) in repeats {
            let p: Vec<_> = sig
                .params()
                .iter()
                .map(|v| rt.val_type(*v))
                .collect::<Result<_, _>>()
                .map_err(|e| Error::Internal(format!("wrapping: {e}")))?;
            let q: Vec<_> = sig
                .results()
                .iter()
                .map(|v| rt.val_type(*v))
                .collect::<Result<_, _>>()
                .map_err(|e| Error::Internal(format!("wrapping: {e}")))?;
            types.ty().function(p, q);
        }
        m.section(&types);
        let mut imports = wasm_encoder::ImportSection::new();
        let n = repeats.len() as u32;
        imports.import(
            "",
            "table",
            wasm_encoder::TableType {
                element_type: wasm_encoder::RefType::FUNCREF,
                table64: false,
                minimum: u64::from(n),
                maximum: None,
                shared: false,
            },
        );
        for i in 0..n {
            imports.import("", &format!("f{i}"), wasm_encoder::EntityType::Function(i));
        }
        m.section(&imports);
        let mut elems = wasm_encoder::ElementSection::new();
        let funcs: Vec<u32> = (0..n).collect();
        elems.active(
            Some(0),
            &wasm_encoder::ConstExpr::i32_const(0),
            wasm_encoder::Elements::Functions(funcs.into()),
        );
        m.section(&elems);
        out.section(&wasm_encoder::ModuleSection(&m));
        let fixup_module = self.modules;
        self.modules += 1;

        let mut inst = InstanceSection::new();
        let mut items: Vec<(String, ExportKind, u32)> =
            vec![("table".to_string(), ExportKind::Table, table)];
        for i in 0..n {
            items.push((format!("f{i}"), ExportKind::Func, first_func + i));
        }
        inst.export_items(items.iter().map(|(a, k, i)| (a.as_str(), *k, *i)));
        let bag = self.core_instances;
        inst.instantiate(fixup_module, [("", wasm_encoder::ModuleArg::Instance(bag))]);
        self.core_instances += 2;
        out.section(&inst);
        Ok(())
    }

    /// Aliases for every memory and realloc the ABI record names.
    fn insert_aliases(&mut self, out: &mut wasm_encoder::Component) -> Result<()> {
        let main = self.main_instance.expect("called after the main instance");
        self.func_base = self.core_func_names.len() as u32;
        self.mem_base = self.core_memories;
        let mut mems = std::collections::BTreeSet::new();
        let mut funcs = std::collections::BTreeSet::new();
        let opts = self
            .record
            .imports
            .iter()
            .map(|i| &i.options)
            .chain(self.record.exports.iter().map(|e| &e.options));
        for o in opts {
            if let Some(m) = &o.memory {
                mems.insert(m.clone());
            }
            if let Some(r) = &o.realloc {
                funcs.insert(r.clone());
            }
        }
        let mut s = ComponentAliasSection::new();
        for m in mems {
            s.alias(Alias::CoreInstanceExport {
                instance: main,
                kind: ExportKind::Memory,
                name: &m,
            });
            self.mem_alias.insert(m, self.mem_base + self.new_mems);
            self.new_mems += 1;
        }
        for f in funcs {
            s.alias(Alias::CoreInstanceExport {
                instance: main,
                kind: ExportKind::Func,
                name: &f,
            });
            self.func_alias.insert(f, self.func_base + self.new_funcs);
            self.new_funcs += 1;
        }
        if self.new_mems + self.new_funcs > 0 {
            out.section(&s);
        }
        Ok(())
    }

    fn options(&self, o: &Options, post_return: Option<u32>) -> Vec<CanonicalOption> {
        let mut v = vec![match o.string_encoding.as_str() {
            "utf16" => CanonicalOption::UTF16,
            "latin1+utf16" => CanonicalOption::CompactUTF16,
            _ => CanonicalOption::UTF8,
        }];
        if let Some(m) = o.memory.as_ref().and_then(|m| self.mem_alias.get(m)) {
            v.push(CanonicalOption::Memory(*m));
        }
        if let Some(r) = o.realloc.as_ref().and_then(|r| self.func_alias.get(r)) {
            v.push(CanonicalOption::Realloc(*r));
        }
        if let Some(p) = post_return {
            v.push(CanonicalOption::PostReturn(p));
        }
        v
    }

    fn canonical(&mut self, s: &mut CanonicalFunctionSection, f: CanonicalFunction) -> Result<()> {
        // task.return and the host's stream and future built-ins
        let Some(f) = self.async_canonical(s, f)? else {
            return Ok(());
        };
        match f {
            CanonicalFunction::Lift {
                core_func_index,
                type_index,
                options,
            } => {
                let name = self
                    .core_func_names
                    .get(core_func_index as usize)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| {
                        Error::Internal("wrapping: lift of an unknown function".into())
                    })?;
                let export = self
                    .record
                    .exports
                    .iter()
                    .find(|e| e.name == name)
                    .ok_or_else(|| {
                        Error::Internal(format!("wrapping: no ABI entry for export `{name}`"))
                    })?;
                let post = options.iter().find_map(|o| match o {
                    wasmparser::CanonicalOption::PostReturn(p) => Some(self.shift_func(*p)),
                    _ => None,
                });
                let post = if export.post_return.is_some() {
                    post
                } else {
                    None
                };
                let mut opts = self.options(&export.options, post);
                // An async export (`[async-lift]NAME`) keeps its async
                // lift and callback (docs/async.md).
                for o in options.iter() {
                    match o {
                        wasmparser::CanonicalOption::Async => opts.push(CanonicalOption::Async),
                        wasmparser::CanonicalOption::Callback(f) => {
                            opts.push(CanonicalOption::Callback(self.shift_func(*f)))
                        }
                        _ => {}
                    }
                }
                s.lift(self.shift_func(core_func_index), type_index, opts);
                self.comp_funcs.push(None);
            }
            CanonicalFunction::Lower {
                func_index,
                options,
            } => {
                let (module, field) = self
                    .comp_funcs
                    .get(func_index as usize)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| {
                        Error::Internal("wrapping: lower of an unknown function".into())
                    })?;
                let import = self
                    .record
                    .imports
                    .iter()
                    .find(|i| {
                        i.module == module
                            && (i.field == field
                                || i.field.strip_prefix("[async-lower]") == Some(&field))
                    })
                    .ok_or_else(|| {
                        Error::Internal(format!(
                            "wrapping: no ABI entry for import `{module}#{field}`"
                        ))
                    })?;
                let mut opts = self.options(&import.options, None);
                // An async host import (`[async-lower]NAME`) stays async.
                if options
                    .iter()
                    .any(|o| matches!(o, wasmparser::CanonicalOption::Async))
                {
                    opts.push(CanonicalOption::Async);
                }
                s.lower(func_index, opts);
                self.core_func_names.push(None);
            }
            // The host's built-ins the async runtime's bridge imports
            // (docs/async.md); `waitable-set.wait` writes into the bridge's
            // own memory (the record's entry names it).
            CanonicalFunction::WaitableSetNew => {
                s.waitable_set_new();
                self.core_func_names.push(None);
            }
            CanonicalFunction::WaitableJoin => {
                s.waitable_join();
                self.core_func_names.push(None);
            }
            CanonicalFunction::SubtaskDrop => {
                s.subtask_drop();
                self.core_func_names.push(None);
            }
            CanonicalFunction::WaitableSetWait { cancellable, .. } => {
                let memory = self
                    .record
                    .imports
                    .iter()
                    .find(|i| i.module == "$root" && i.field == "[waitable-set-wait]")
                    .and_then(|i| i.options.memory.as_ref())
                    .and_then(|m| self.mem_alias.get(m))
                    .copied()
                    .ok_or_else(|| {
                        Error::Internal("wrapping: waitable-set.wait without its memory".into())
                    })?;
                s.waitable_set_wait(cancellable, memory);
                self.core_func_names.push(None);
            }
            CanonicalFunction::ResourceDrop { resource } => {
                s.resource_drop(resource);
                self.core_func_names.push(None);
            }
            CanonicalFunction::ResourceNew { resource } => {
                s.resource_new(resource);
                self.core_func_names.push(None);
            }
            CanonicalFunction::ResourceRep { resource } => {
                s.resource_rep(resource);
                self.core_func_names.push(None);
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "--component: canonical function {other:?} in the wrapper"
                )))
            }
        }
        Ok(())
    }
}

/// The payload of a section (without id and size), given its full bytes.
fn section_data(section: &[u8]) -> &[u8] {
    let mut reader = wasmparser::BinaryReader::new(&section[1..], 0);
    let size = reader.read_var_u32().expect("section size") as usize;
    let start = section.len() - size;
    &section[start..]
}

fn export_kind(k: ExternalKind) -> ExportKind {
    match k {
        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
    }
}

/// Extra exports the fused module needs for [`wrap`]: `memory` (memory 0,
/// when there is any memory) and `cabi_realloc` (the first realloc of the
/// record), the names the encoder's aliases refer to.
pub fn main_exports(record: &AbiRecord, memories: u32) -> Vec<(String, ExportKind, u32)> {
    let mut v = Vec::new();
    let all = record
        .imports
        .iter()
        .map(|i| &i.options)
        .chain(record.exports.iter().map(|e| &e.options));
    let mut realloc = None;
    for o in all {
        realloc = realloc.or(o.realloc_index);
    }
    if memories > 0 {
        v.push((MAIN_MEMORY.to_string(), ExportKind::Memory, 0));
    }
    if let Some(r) = realloc {
        v.push((MAIN_REALLOC.to_string(), ExportKind::Func, r));
    }
    v
}
