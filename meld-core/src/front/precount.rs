//! What a composition expands to, counted before translation.
//!
//! The translator inlines every nested component instantiation, so a small
//! input can stand for an exponential amount of work (a component at level
//! `j` instantiating level `j - 1` twice is `2^k` leaves in a few hundred
//! bytes per level). This walk reads the component structure once, without
//! inlining: each component definition is evaluated for the arguments it is
//! instantiated with, and an instantiation repeated with the same arguments
//! reuses the first evaluation's counts, multiplied out with saturating
//! arithmetic. Core modules are read section header by section header
//! (function bodies skipped), so the cost is about that of reading the input.
//!
//! The counts are checked against [`crate::Limits`] by [`check`]; the
//! refusal names the limit, the count and the flag that raises it.

use crate::limits::{limit_error, Limits};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::rc::Rc;
use wasmtime_environ::wasmparser::{
    CanonicalFunction, Chunk, ComponentAlias, ComponentExternalKind, ComponentInstance,
    ComponentOuterAliasKind, ComponentTypeRef, Instance, Parser, Payload,
};

/// What the composition expands to once every nested instantiation is
/// inlined (saturating at `u64::MAX`). Adapters and builtins, which fusion
/// adds, are not included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expansion {
    /// Core instances of the composition's modules.
    pub core_instances: u64,
    /// Component instances, the root included.
    pub component_instances: u64,
    /// Distinct core modules instantiated at least once.
    pub modules: u64,
    /// Bytes of core modules copied: each module's size per instantiation.
    pub module_bytes: u64,
    /// Memories, tables, functions and globals the instances define.
    pub memories: u64,
    pub tables: u64,
    pub functions: u64,
    pub globals: u64,
    /// Component-level bytes (canonical functions, aliases, types, exports)
    /// per component instance: what adapters and trampolines are made from.
    pub component_bytes: u64,
    /// `canon lower` of a function lifted inside the composition: each is
    /// a FACT adapter (host imports lowered are not counted).
    pub adapters: u64,
}

impl Expansion {
    /// Estimated size of the fused module: the modules as copied plus the
    /// component-level definitions of every component instance.
    pub fn estimated_output_bytes(&self) -> u64 {
        self.module_bytes.saturating_add(self.component_bytes)
    }

    fn add(&mut self, o: &Expansion) {
        self.core_instances = self.core_instances.saturating_add(o.core_instances);
        self.component_instances = self
            .component_instances
            .saturating_add(o.component_instances);
        self.module_bytes = self.module_bytes.saturating_add(o.module_bytes);
        self.memories = self.memories.saturating_add(o.memories);
        self.tables = self.tables.saturating_add(o.tables);
        self.functions = self.functions.saturating_add(o.functions);
        self.globals = self.globals.saturating_add(o.globals);
        self.component_bytes = self.component_bytes.saturating_add(o.component_bytes);
        self.adapters = self.adapters.saturating_add(o.adapters);
    }
}

/// Count `bytes` (a component) and refuse it when an expansion limit is
/// exceeded.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<Expansion> {
    let tree = read(bytes)?;
    let counts = Evaluator::new(&tree, limits).run()?;
    limits.check_expansion(&counts)?;
    Ok(counts)
}

/// Count `bytes` (a component) without checking any limit beyond the
/// evaluation budget (`limits.component_instances`, at least 100 000).
pub fn count(bytes: &[u8], limits: &Limits) -> Result<Expansion> {
    let tree = read(bytes)?;
    Evaluator::new(&tree, limits).run()
}

// ---- the structure, as read ------------------------------------------------

/// Where an item of a module, component or instance index space comes from.
#[derive(Debug, Clone)]
enum Source {
    /// Defined here (module or component definition id).
    Def(usize),
    /// An import of the enclosing component, by name.
    Import(String),
    /// `alias outer count index`.
    Outer(u32, u32),
    /// An export of a component instance.
    InstanceExport(u32, String),
    /// Instantiation of component `index` with `(name, kind, index)` args.
    Instantiate(u32, Vec<(String, ComponentExternalKind, u32)>),
    /// An instance made of `(name, kind, index)` exports.
    FromExports(Vec<(String, ComponentExternalKind, u32)>),
    /// Re-export (exports add an item to their kind's index space).
    Reexport(ComponentExternalKind, u32),
}

#[derive(Debug)]
enum Item {
    Module(Source),
    Component(Source),
    Instance(Source),
    /// A component function (`Source::Def` is a `canon lift`).
    Func(Source),
    /// `canon lower` of component function `index`.
    Lower(u32),
    /// A core instantiation of core module `index`.
    CoreInstantiate(u32),
}

#[derive(Debug, Default)]
struct ComponentDef {
    items: Vec<Item>,
    /// Exports of kind module, component, instance or func:
    /// `(name, kind, index)`.
    exports: Vec<(String, ComponentExternalKind, u32)>,
    /// Bytes of this definition outside its nested modules and components.
    own_bytes: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct ModuleDef {
    bytes: u64,
    memories: u64,
    tables: u64,
    functions: u64,
    globals: u64,
}

struct Tree {
    components: Vec<ComponentDef>,
    modules: Vec<ModuleDef>,
}

fn invalid(e: wasmparser::BinaryReaderError) -> Error {
    Error::Invalid(e.to_string())
}

fn truncated(what: &str) -> Error {
    Error::Invalid(format!("truncated {what}"))
}

/// Read the structure: one pass over the component levels, section headers
/// of core modules, no function body.
fn read(bytes: &[u8]) -> Result<Tree> {
    let mut tree = Tree {
        components: vec![ComponentDef {
            own_bytes: bytes.len() as u64,
            ..Default::default()
        }],
        modules: Vec::new(),
    };
    // The component (definition id) being read at each nesting level; a
    // core module being read is `Some(module id)` on top.
    let mut stack: Vec<(Parser, usize, Option<usize>)> = Vec::new();
    let mut parser = Parser::new(0);
    let mut current = 0usize;
    let mut module: Option<usize> = None;
    let mut data = bytes;
    loop {
        let (payload, consumed) = match parser.parse(data, true).map_err(invalid)? {
            Chunk::Parsed { payload, consumed } => (payload, consumed),
            Chunk::NeedMoreData(_) => return Err(truncated("component")),
        };
        data = &data[consumed..];
        if let Some(m) = module {
            let def = &mut tree.modules[m];
            match payload {
                Payload::FunctionSection(r) => def.functions += u64::from(r.count()),
                Payload::MemorySection(r) => def.memories += u64::from(r.count()),
                Payload::TableSection(r) => def.tables += u64::from(r.count()),
                Payload::GlobalSection(r) => def.globals += u64::from(r.count()),
                Payload::CodeSectionStart { size, .. } => {
                    parser.skip_section();
                    data = data
                        .get(size as usize..)
                        .ok_or_else(|| truncated("code section"))?;
                }
                Payload::End(_) => {
                    let (p, c, _) = stack.pop().ok_or_else(|| truncated("module"))?;
                    parser = p;
                    current = c;
                    module = None;
                }
                _ => {}
            }
            continue;
        }
        let next_component = tree.components.len();
        let def = &mut tree.components[current];
        match payload {
            Payload::ModuleSection {
                parser: nested,
                unchecked_range,
            } => {
                let id = tree.modules.len();
                tree.modules.push(ModuleDef {
                    bytes: unchecked_range.len() as u64,
                    ..Default::default()
                });
                def.items.push(Item::Module(Source::Def(id)));
                def.own_bytes = def.own_bytes.saturating_sub(unchecked_range.len() as u64);
                stack.push((std::mem::replace(&mut parser, nested), current, None));
                module = Some(id);
            }
            Payload::ComponentSection {
                parser: nested,
                unchecked_range,
            } => {
                let id = next_component;
                def.items.push(Item::Component(Source::Def(id)));
                def.own_bytes = def.own_bytes.saturating_sub(unchecked_range.len() as u64);
                tree.components.push(ComponentDef {
                    own_bytes: unchecked_range.len() as u64,
                    ..Default::default()
                });
                stack.push((std::mem::replace(&mut parser, nested), current, None));
                current = id;
            }
            Payload::InstanceSection(r) => {
                for inst in r {
                    if let Instance::Instantiate { module_index, .. } = inst.map_err(invalid)? {
                        def.items.push(Item::CoreInstantiate(module_index));
                    }
                }
            }
            Payload::ComponentInstanceSection(r) => {
                for inst in r {
                    let source = match inst.map_err(invalid)? {
                        ComponentInstance::Instantiate {
                            component_index,
                            args,
                        } => Source::Instantiate(
                            component_index,
                            args.iter()
                                .map(|a| (a.name.to_string(), a.kind, a.index))
                                .collect(),
                        ),
                        ComponentInstance::FromExports(exports) => Source::FromExports(
                            exports
                                .iter()
                                .map(|e| (e.name.name.to_string(), e.kind, e.index))
                                .collect(),
                        ),
                    };
                    def.items.push(Item::Instance(source));
                }
            }
            Payload::ComponentAliasSection(r) => {
                for alias in r {
                    let item = match alias.map_err(invalid)? {
                        ComponentAlias::InstanceExport {
                            kind,
                            instance_index,
                            name,
                        } => {
                            let s = Source::InstanceExport(instance_index, name.to_string());
                            match kind {
                                ComponentExternalKind::Module => Item::Module(s),
                                ComponentExternalKind::Component => Item::Component(s),
                                ComponentExternalKind::Instance => Item::Instance(s),
                                ComponentExternalKind::Func => Item::Func(s),
                                _ => continue,
                            }
                        }
                        ComponentAlias::Outer { kind, count, index } => match kind {
                            ComponentOuterAliasKind::CoreModule => {
                                Item::Module(Source::Outer(count, index))
                            }
                            ComponentOuterAliasKind::Component => {
                                Item::Component(Source::Outer(count, index))
                            }
                            _ => continue,
                        },
                        ComponentAlias::CoreInstanceExport { .. } => continue,
                    };
                    def.items.push(item);
                }
            }
            Payload::ComponentImportSection(r) => {
                for import in r {
                    let import = import.map_err(invalid)?;
                    let s = Source::Import(import.name.name.to_string());
                    match import.ty {
                        ComponentTypeRef::Module(_) => def.items.push(Item::Module(s)),
                        ComponentTypeRef::Component(_) => def.items.push(Item::Component(s)),
                        ComponentTypeRef::Instance(_) => def.items.push(Item::Instance(s)),
                        ComponentTypeRef::Func(_) => def.items.push(Item::Func(s)),
                        _ => {}
                    }
                }
            }
            Payload::ComponentExportSection(r) => {
                for export in r {
                    let e = export.map_err(invalid)?;
                    let s = Source::Reexport(e.kind, e.index);
                    match e.kind {
                        ComponentExternalKind::Module => def.items.push(Item::Module(s)),
                        ComponentExternalKind::Component => def.items.push(Item::Component(s)),
                        ComponentExternalKind::Instance => def.items.push(Item::Instance(s)),
                        ComponentExternalKind::Func => def.items.push(Item::Func(s)),
                        _ => continue,
                    }
                    def.exports.push((e.name.name.to_string(), e.kind, e.index));
                }
            }
            Payload::ComponentCanonicalSection(r) => {
                for func in r {
                    match func.map_err(invalid)? {
                        CanonicalFunction::Lift { .. } => {
                            def.items.push(Item::Func(Source::Def(0)))
                        }
                        CanonicalFunction::Lower { func_index, .. } => {
                            def.items.push(Item::Lower(func_index))
                        }
                        _ => {}
                    }
                }
            }
            Payload::End(_) => match stack.pop() {
                Some((p, c, _)) => {
                    parser = p;
                    current = c;
                }
                None => break,
            },
            _ => {}
        }
    }
    Ok(tree)
}

// ---- evaluation -----------------------------------------------------------

/// A module, component or instance as an index space holds it.
#[derive(Debug, Clone)]
enum Value {
    Module(usize),
    /// A component definition and the frame (arena index) its outer aliases
    /// resolve in: the instance whose definition contains it.
    Component(usize, usize),
    /// Compared by address: every instance value stays alive (in a frame or
    /// a memoised summary) as long as the evaluator, and a content key could
    /// be exponential in the nesting of instances made of instances.
    Instance(Rc<Vec<(String, Value)>>),
    /// A function lifted inside the composition.
    Lifted,
    /// Imported from the host, or not resolvable: counted as empty.
    Unknown,
}

const NO_FRAME: usize = usize::MAX;

/// Nested instantiations the count follows (it recurses once per level,
/// as the translator does): deeper is refused before either runs out of
/// stack. Real compositions nest a handful of levels.
pub const MAX_DEPTH: u64 = 200;

/// Evaluations the count may make even under a lower component-instance
/// limit, so that a format limit (memories) can be reported first: raising
/// that one would not help.
const EVALUATION_BUDGET: u64 = 100_000;

impl Value {
    /// A key identifying the value for memoisation (frames by arena index).
    fn key(&self, out: &mut Vec<u64>) {
        match self {
            Value::Module(m) => out.extend([1, *m as u64]),
            Value::Component(c, f) => out.extend([2, *c as u64, *f as u64]),
            Value::Instance(items) => out.extend([3, Rc::as_ptr(items) as u64]),
            Value::Lifted => out.push(5),
            Value::Unknown => out.push(4),
        }
    }
}

fn push_name(out: &mut Vec<u64>, name: &str) {
    out.push(name.len() as u64);
    out.extend(name.bytes().map(u64::from));
}

/// The evaluated index spaces of one component instance.
#[derive(Debug, Default)]
struct Frame {
    parent: usize,
    modules: Vec<Value>,
    components: Vec<Value>,
    instances: Vec<Value>,
    funcs: Vec<Value>,
}

struct Summary {
    counts: Expansion,
    exports: Rc<Vec<(String, Value)>>,
}

struct Evaluator<'t> {
    tree: &'t Tree,
    memo: BTreeMap<Vec<u64>, Rc<Summary>>,
    /// One frame per evaluation not answered by the memo.
    frames: Vec<Frame>,
    budget: u64,
    limit: u64,
    depth: u64,
    instantiated: Vec<bool>,
}

impl<'t> Evaluator<'t> {
    fn new(tree: &'t Tree, limits: &Limits) -> Self {
        Evaluator {
            tree,
            memo: BTreeMap::new(),
            frames: Vec::new(),
            budget: limits.component_instances.max(EVALUATION_BUDGET),
            limit: limits.component_instances,
            depth: 0,
            instantiated: vec![false; tree.modules.len()],
        }
    }

    fn run(mut self) -> Result<Expansion> {
        let root = self.evaluate(0, NO_FRAME, &[])?;
        let mut counts = root.counts;
        counts.modules = self.instantiated.iter().filter(|b| **b).count() as u64;
        Ok(counts)
    }

    /// Evaluate component definition `def` instantiated with `args`, its
    /// outer aliases resolving in frame `parent`.
    fn evaluate(
        &mut self,
        def: usize,
        parent: usize,
        args: &[(String, Value)],
    ) -> Result<Rc<Summary>> {
        let mut key = vec![def as u64, parent as u64];
        for (name, v) in args {
            push_name(&mut key, name);
            v.key(&mut key);
        }
        if let Some(s) = self.memo.get(&key) {
            return Ok(s.clone());
        }
        // Every evaluation not answered by the memo is a distinct component
        // instance of the expansion, so their number is at most the count
        // being limited: past the budget (at least that limit), the count
        // is past the limit too, and counting stops.
        if self.frames.len() as u64 >= self.budget {
            return Err(limit_error(
                "component instances after expanding nested instantiations (counting stopped)",
                self.frames.len() as u64 + 1,
                self.limit,
                Some("--max-component-instances"),
            ));
        }
        let tree = self.tree;
        let cdef = &tree.components[def];
        let mut counts = Expansion {
            component_instances: 1,
            component_bytes: cdef.own_bytes,
            ..Default::default()
        };
        let fi = self.frames.len();
        self.frames.push(Frame {
            parent,
            ..Default::default()
        });
        let arg = |name: &str| {
            args.iter()
                .find(|(n, _)| n == name)
                .map_or(Value::Unknown, |(_, v)| v.clone())
        };
        for item in &cdef.items {
            match item {
                Item::Module(s) => {
                    let v = self.resolve(fi, s, ComponentExternalKind::Module, &arg);
                    self.frames[fi].modules.push(v);
                }
                Item::Component(s) => {
                    let v = self.resolve(fi, s, ComponentExternalKind::Component, &arg);
                    self.frames[fi].components.push(v);
                }
                Item::CoreInstantiate(m) => {
                    counts.core_instances = counts.core_instances.saturating_add(1);
                    if let Some(Value::Module(id)) = self.frames[fi].modules.get(*m as usize) {
                        let md = tree.modules[*id];
                        self.instantiated[*id] = true;
                        counts.add(&Expansion {
                            module_bytes: md.bytes,
                            memories: md.memories,
                            tables: md.tables,
                            functions: md.functions,
                            globals: md.globals,
                            ..Default::default()
                        });
                    }
                }
                Item::Instance(Source::Instantiate(c, inst_args)) => {
                    let frame = &self.frames[fi];
                    let callee = frame.components.get(*c as usize).cloned();
                    let v = match callee {
                        Some(Value::Component(id, captured)) => {
                            let resolved: Vec<(String, Value)> = inst_args
                                .iter()
                                .map(|(n, k, i)| (n.clone(), lookup(frame, *k, *i)))
                                .collect();
                            self.depth += 1;
                            if self.depth > MAX_DEPTH {
                                return Err(Error::Limit {
                                    what: "depth of nested component instantiations".into(),
                                    count: self.depth,
                                    limit: MAX_DEPTH,
                                    remedy: "a fixed limit of meld".into(),
                                });
                            }
                            let s = self.evaluate(id, captured, &resolved);
                            self.depth -= 1;
                            let s = s?;
                            counts.add(&s.counts);
                            Value::Instance(s.exports.clone())
                        }
                        _ => {
                            counts.component_instances =
                                counts.component_instances.saturating_add(1);
                            Value::Unknown
                        }
                    };
                    self.frames[fi].instances.push(v);
                }
                Item::Instance(s) => {
                    let v = self.resolve(fi, s, ComponentExternalKind::Instance, &arg);
                    self.frames[fi].instances.push(v);
                }
                Item::Func(s) => {
                    let v = self.resolve(fi, s, ComponentExternalKind::Func, &arg);
                    self.frames[fi].funcs.push(v);
                }
                Item::Lower(f) => {
                    if let Some(Value::Lifted) = self.frames[fi].funcs.get(*f as usize) {
                        counts.adapters = counts.adapters.saturating_add(1);
                    }
                }
            }
        }
        let frame = &self.frames[fi];
        let exports: Vec<(String, Value)> = cdef
            .exports
            .iter()
            .map(|(n, k, i)| (n.clone(), lookup(frame, *k, *i)))
            .collect();
        let summary = Rc::new(Summary {
            counts,
            exports: Rc::new(exports),
        });
        self.memo.insert(key, summary.clone());
        Ok(summary)
    }

    fn resolve(
        &self,
        fi: usize,
        s: &Source,
        kind: ComponentExternalKind,
        arg: &dyn Fn(&str) -> Value,
    ) -> Value {
        let frame = &self.frames[fi];
        match s {
            Source::Def(id) => match kind {
                ComponentExternalKind::Module => Value::Module(*id),
                ComponentExternalKind::Func => Value::Lifted,
                _ => Value::Component(*id, fi),
            },
            Source::Import(name) => arg(name),
            Source::Outer(count, index) => {
                let mut f = fi;
                for _ in 0..*count {
                    f = match self.frames.get(f) {
                        Some(frame) => frame.parent,
                        None => return Value::Unknown,
                    };
                }
                self.frames
                    .get(f)
                    .map_or(Value::Unknown, |f| lookup(f, kind, *index))
            }
            Source::InstanceExport(inst, name) => match frame.instances.get(*inst as usize) {
                Some(Value::Instance(items)) => items
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(Value::Unknown, |(_, v)| v.clone()),
                _ => Value::Unknown,
            },
            Source::FromExports(exports) => Value::Instance(Rc::new(
                exports
                    .iter()
                    .map(|(n, k, i)| (n.clone(), lookup(frame, *k, *i)))
                    .collect(),
            )),
            Source::Reexport(k, i) => lookup(frame, *k, *i),
            Source::Instantiate(..) => Value::Unknown,
        }
    }
}

/// Item `index` of `kind`'s index space in `frame` (values and types are
/// not tracked).
fn lookup(frame: &Frame, kind: ComponentExternalKind, index: u32) -> Value {
    let space = match kind {
        ComponentExternalKind::Module => &frame.modules,
        ComponentExternalKind::Component => &frame.components,
        ComponentExternalKind::Instance => &frame.instances,
        ComponentExternalKind::Func => &frame.funcs,
        _ => return Value::Unknown,
    };
    space.get(index as usize).cloned().unwrap_or(Value::Unknown)
}
