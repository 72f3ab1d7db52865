//! Copies component types, as wasmparser's validator sees them, into new
//! component bytes: the top level of a wrapper ([`super::shell`]), a
//! component type or an instance type declaration.
//!
//! A type is found by its validator id. Every scope keeps the ids it has
//! given an index (imported, exported, aliased or defined there); a type
//! another enclosing scope has is reached with an outer alias, any other
//! is defined in the current scope from its structure. Names matter only
//! for the ids the caller binds (a type import or export binds the id it
//! created), which is how an exported function's parameters end up
//! referring to the exported type, as the component model requires.

use crate::{Error, Result};
use std::collections::HashMap;
use wasm_encoder::{
    Alias, ComponentOuterAliasKind, ComponentType, ComponentTypeEncoder, ComponentTypeRef,
    ComponentTypeSection, ComponentValType as EValType, InstanceType, PrimitiveValType as EPrim,
    TypeBounds,
};
use wasmparser::component_types::{
    AliasableResourceId, ComponentAnyTypeId, ComponentDefinedType, ComponentDefinedTypeId,
    ComponentEntityType, ComponentFuncTypeId, ComponentInstanceTypeId, ComponentValType,
};
use wasmparser::types::TypesRef;
use wasmparser::PrimitiveValType as Prim;

pub(super) fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!(
        "--component: cannot re-express the composition's types: {what}"
    ))
}

/// Where a scope's declarations go.
pub(super) enum Decls {
    /// The top level of a component: type definitions collect in a section
    /// the caller flushes ([`Copier::flush`]) before its next section.
    Top(ComponentTypeSection),
    Instance(InstanceType),
    Component(ComponentType),
}

pub(super) struct Scope {
    pub decls: Decls,
    map: HashMap<ComponentAnyTypeId, u32>,
    /// The ids bound by the caller (imports, exports, aliases), as opposed
    /// to types the copier defined from their structure.
    named: HashMap<ComponentAnyTypeId, u32>,
    types: u32,
    instances: u32,
}

impl Scope {
    fn new(decls: Decls) -> Self {
        Scope {
            decls,
            map: HashMap::new(),
            named: HashMap::new(),
            types: 0,
            instances: 0,
        }
    }

    fn encoder(&mut self) -> ComponentTypeEncoder<'_> {
        self.types += 1;
        match &mut self.decls {
            Decls::Top(s) => s.ty(),
            Decls::Instance(t) => t.ty(),
            Decls::Component(t) => t.ty(),
        }
    }

    fn alias(&mut self, alias: Alias<'_>) -> Result<()> {
        match &mut self.decls {
            Decls::Instance(t) => {
                t.alias(alias);
            }
            Decls::Component(t) => {
                t.alias(alias);
            }
            Decls::Top(_) => return Err(Error::Internal("wrap: alias in a type section".into())),
        }
        self.types += 1;
        Ok(())
    }
}

/// Whether a declaration is an import or an export of its scope.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Extern {
    Import,
    Export,
}

pub(super) struct Copier<'t> {
    pub types: TypesRef<'t>,
    scopes: Vec<Scope>,
}

impl<'t> Copier<'t> {
    /// A copier whose outermost scope is a component's top level.
    pub fn top(types: TypesRef<'t>) -> Self {
        Copier {
            types,
            scopes: vec![Scope::new(Decls::Top(ComponentTypeSection::new()))],
        }
    }

    /// A copier for a component's top level whose first `types` type
    /// indices are taken already.
    pub fn top_at(types: TypesRef<'t>, count: u32) -> Self {
        let mut c = Copier::top(types);
        c.scopes[0].types = count;
        c
    }

    /// A copier whose outermost scope is a component type declaration.
    pub fn component_type(types: TypesRef<'t>) -> Self {
        Copier {
            types,
            scopes: vec![Scope::new(Decls::Component(ComponentType::new()))],
        }
    }

    fn cur(&mut self) -> &mut Scope {
        self.scopes.last_mut().expect("a scope")
    }

    /// Type count of the current scope (the index the next type gets).
    pub fn next_type(&self) -> u32 {
        self.scopes.last().expect("a scope").types
    }

    /// A type index made outside the copier (top level: an import, an
    /// export or an alias) in the current scope, with the id it stands for.
    pub fn bind_new(&mut self, id: Option<ComponentAnyTypeId>) -> u32 {
        let s = self.cur();
        let idx = s.types;
        s.types += 1;
        if let Some(id) = id {
            s.map.insert(id, idx);
            s.named.insert(id, idx);
        }
        idx
    }

    /// Give `id` the existing index `idx` in the current scope.
    pub fn bind(&mut self, id: ComponentAnyTypeId, idx: u32) {
        self.cur().map.insert(id, idx);
        self.cur().named.insert(id, idx);
    }

    /// The index the caller bound to `id` (or to the same resource) in the
    /// outermost scope.
    pub fn named(&self, id: ComponentAnyTypeId) -> Option<u32> {
        let named = &self.scopes[0].named;
        named.get(&id).copied().or_else(|| match id {
            ComponentAnyTypeId::Resource(r) => named
                .iter()
                .filter_map(|(k, v)| match k {
                    ComponentAnyTypeId::Resource(x) if x.resource() == r.resource() => Some(*v),
                    _ => None,
                })
                .min(),
            _ => None,
        })
    }

    /// The pending top-level type section, if it holds anything.
    pub fn flush(&mut self) -> Option<ComponentTypeSection> {
        match &mut self.scopes[0].decls {
            Decls::Top(s) if !s.is_empty() => Some(std::mem::take(s)),
            _ => None,
        }
    }

    /// The outermost scope's declarations (a component type's).
    pub fn finish(mut self) -> Decls {
        self.scopes.swap_remove(0).decls
    }

    /// `id`'s index in the current scope, if some scope has it.
    pub fn lookup(&mut self, id: ComponentAnyTypeId) -> Result<Option<u32>> {
        let n = self.scopes.len();
        for depth in 0..n {
            let scope = &self.scopes[n - 1 - depth];
            let found = scope.map.get(&id).copied().or_else(|| match id {
                // The same resource under another alias id.
                ComponentAnyTypeId::Resource(r) => scope
                    .map
                    .iter()
                    .filter_map(|(k, v)| match k {
                        ComponentAnyTypeId::Resource(x) if x.resource() == r.resource() => Some(*v),
                        _ => None,
                    })
                    .min(),
                _ => None,
            });
            let Some(index) = found else { continue };
            if depth == 0 {
                return Ok(Some(index));
            }
            let cur = self.cur();
            cur.alias(Alias::Outer {
                kind: ComponentOuterAliasKind::Type,
                count: depth as u32,
                index,
            })?;
            let idx = cur.types - 1;
            cur.map.insert(id, idx);
            return Ok(Some(idx));
        }
        Ok(None)
    }

    /// The index of type `id` in the current scope, defined there if no
    /// scope has it.
    pub fn any(&mut self, id: ComponentAnyTypeId) -> Result<u32> {
        if let Some(i) = self.lookup(id)? {
            return Ok(i);
        }
        match id {
            ComponentAnyTypeId::Defined(d) => self.defined(d),
            ComponentAnyTypeId::Func(f) => self.func(f),
            ComponentAnyTypeId::Instance(i) => self.instance(i),
            ComponentAnyTypeId::Resource(r) => self.resource(r),
            ComponentAnyTypeId::Component(_) => Err(unsupported("a component type")),
        }
    }

    fn resource(&mut self, r: AliasableResourceId) -> Result<u32> {
        if let Some(i) = self.lookup(ComponentAnyTypeId::Resource(r))? {
            return Ok(i);
        }
        match self.types.peel_alias(r) {
            Some(base) if base != r => self.resource(base),
            _ => Err(unsupported(
                "a resource type that is neither imported nor exported",
            )),
        }
    }

    fn val(&mut self, t: &ComponentValType) -> Result<EValType> {
        Ok(match t {
            ComponentValType::Primitive(p) => EValType::Primitive(prim(*p)),
            ComponentValType::Type(id) => EValType::Type(self.defined(*id)?),
        })
    }

    pub fn opt_val(&mut self, t: &Option<ComponentValType>) -> Result<Option<EValType>> {
        t.as_ref().map(|t| self.val(t)).transpose()
    }

    pub fn defined(&mut self, id: ComponentDefinedTypeId) -> Result<u32> {
        let key = ComponentAnyTypeId::Defined(id);
        if let Some(i) = self.lookup(key)? {
            return Ok(i);
        }
        if let Some(base) = self.types.peel_alias(id) {
            if base != id {
                let i = self.defined(base)?;
                self.cur().map.insert(key, i);
                return Ok(i);
            }
        }
        let types = self.types;
        let idx = match &types[id] {
            ComponentDefinedType::Primitive(p) => {
                self.cur().encoder().defined_type().primitive(prim(*p));
                self.next_type() - 1
            }
            ComponentDefinedType::Record(r) => {
                let fields = r
                    .fields
                    .iter()
                    .map(|(n, t)| Ok((n.as_str(), self.val(t)?)))
                    .collect::<Result<Vec<_>>>()?;
                self.cur().encoder().defined_type().record(fields);
                self.next_type() - 1
            }
            ComponentDefinedType::Variant(v) => {
                let cases = v
                    .cases
                    .iter()
                    .map(|(n, c)| Ok((n.as_str(), self.opt_val(&c.ty)?)))
                    .collect::<Result<Vec<_>>>()?;
                self.cur().encoder().defined_type().variant(cases);
                self.next_type() - 1
            }
            ComponentDefinedType::List { element, .. } => {
                let e = self.val(element)?;
                self.cur().encoder().defined_type().list(e);
                self.next_type() - 1
            }
            ComponentDefinedType::Map { key, value, .. } => {
                let (k, v) = (self.val(key)?, self.val(value)?);
                self.cur().encoder().defined_type().map(k, v);
                self.next_type() - 1
            }
            ComponentDefinedType::FixedLengthList {
                element, length, ..
            } => {
                let e = self.val(element)?;
                self.cur()
                    .encoder()
                    .defined_type()
                    .fixed_length_list(e, *length);
                self.next_type() - 1
            }
            ComponentDefinedType::Tuple(t) => {
                let ts = t
                    .types
                    .iter()
                    .map(|t| self.val(t))
                    .collect::<Result<Vec<_>>>()?;
                self.cur().encoder().defined_type().tuple(ts);
                self.next_type() - 1
            }
            ComponentDefinedType::Flags(names) => {
                self.cur()
                    .encoder()
                    .defined_type()
                    .flags(names.iter().map(|n| n.as_str()));
                self.next_type() - 1
            }
            ComponentDefinedType::Enum(names) => {
                self.cur()
                    .encoder()
                    .defined_type()
                    .enum_type(names.iter().map(|n| n.as_str()));
                self.next_type() - 1
            }
            ComponentDefinedType::Option { ty, .. } => {
                let t = self.val(ty)?;
                self.cur().encoder().defined_type().option(t);
                self.next_type() - 1
            }
            ComponentDefinedType::Result { ok, err, .. } => {
                let (o, e) = (self.opt_val(ok)?, self.opt_val(err)?);
                self.cur().encoder().defined_type().result(o, e);
                self.next_type() - 1
            }
            ComponentDefinedType::Own(r) => {
                let r = self.resource(*r)?;
                self.cur().encoder().defined_type().own(r);
                self.next_type() - 1
            }
            ComponentDefinedType::Borrow(r) => {
                let r = self.resource(*r)?;
                self.cur().encoder().defined_type().borrow(r);
                self.next_type() - 1
            }
            ComponentDefinedType::Future { .. } | ComponentDefinedType::Stream { .. } => {
                return Err(unsupported("a future or stream type"))
            }
        };
        self.cur().map.insert(key, idx);
        Ok(idx)
    }

    pub fn func(&mut self, id: ComponentFuncTypeId) -> Result<u32> {
        let key = ComponentAnyTypeId::Func(id);
        if let Some(i) = self.lookup(key)? {
            return Ok(i);
        }
        let types = self.types;
        let f = &types[id];
        let params = f
            .params
            .iter()
            .map(|(n, t)| Ok((n.as_str(), self.val(t)?)))
            .collect::<Result<Vec<_>>>()?;
        let result = self.opt_val(&f.result)?;
        let s = self.cur();
        s.encoder()
            .function()
            .async_(f.async_)
            .params(params)
            .result(result);
        let idx = s.types - 1;
        s.map.insert(key, idx);
        Ok(idx)
    }

    pub fn instance(&mut self, id: ComponentInstanceTypeId) -> Result<u32> {
        let key = ComponentAnyTypeId::Instance(id);
        if let Some(i) = self.lookup(key)? {
            return Ok(i);
        }
        let types = self.types;
        self.scopes
            .push(Scope::new(Decls::Instance(InstanceType::new())));
        for (name, item) in &types[id].exports {
            self.declare(name, &item.ty, Extern::Export)?;
        }
        let Decls::Instance(it) = self.scopes.pop().expect("pushed").decls else {
            unreachable!("an instance scope")
        };
        let s = self.cur();
        s.encoder().instance(&it);
        let idx = s.types - 1;
        s.map.insert(key, idx);
        Ok(idx)
    }

    /// Declare an import or export in the current declaration scope (an
    /// instance or component type).
    pub fn declare(&mut self, name: &str, ty: &ComponentEntityType, kind: Extern) -> Result<()> {
        let r = match ty {
            ComponentEntityType::Type {
                referenced,
                created,
            } => {
                let bound = match referenced {
                    ComponentAnyTypeId::Resource(r) => {
                        match self.lookup(ComponentAnyTypeId::Resource(*r))? {
                            Some(i) => TypeBounds::Eq(i),
                            None => TypeBounds::SubResource,
                        }
                    }
                    other => TypeBounds::Eq(self.any(*other)?),
                };
                let r = ComponentTypeRef::Type(bound);
                self.push_extern(name, r, kind)?;
                let idx = self.cur().types;
                self.cur().types += 1;
                self.cur().map.insert(*created, idx);
                if bound == TypeBounds::SubResource {
                    self.cur().map.insert(*referenced, idx);
                }
                return Ok(());
            }
            ComponentEntityType::Func(f) => ComponentTypeRef::Func(self.func(*f)?),
            ComponentEntityType::Instance(i) => {
                let r = ComponentTypeRef::Instance(self.instance(*i)?);
                self.push_extern(name, r, kind)?;
                let inst = self.cur().instances;
                self.cur().instances += 1;
                // The instance's types, for what follows in this scope.
                let types = self.types;
                for (n, item) in &types[*i].exports {
                    if let ComponentEntityType::Type { created, .. } = item.ty {
                        self.cur().alias(Alias::InstanceExport {
                            instance: inst,
                            kind: wasm_encoder::ComponentExportKind::Type,
                            name: n,
                        })?;
                        let idx = self.cur().types - 1;
                        self.cur().map.insert(created, idx);
                    }
                }
                return Ok(());
            }
            ComponentEntityType::Module(m) => {
                let mt = module_type(self.types, *m)?;
                match &mut self.cur().decls {
                    Decls::Component(t) => {
                        t.core_type().module(&mt);
                        ComponentTypeRef::Module(t.core_type_count() - 1)
                    }
                    Decls::Instance(t) => {
                        t.core_type().module(&mt);
                        ComponentTypeRef::Module(t.core_type_count() - 1)
                    }
                    Decls::Top(_) => {
                        return Err(Error::Internal("wrap: module type at the top level".into()))
                    }
                }
            }
            ComponentEntityType::Component(_) => {
                return Err(unsupported(format!("`{name}` is a component")))
            }
            ComponentEntityType::Value(_) => {
                return Err(unsupported(format!("`{name}` is a value")))
            }
        };
        self.push_extern(name, r, kind)
    }

    fn push_extern(&mut self, name: &str, r: ComponentTypeRef, kind: Extern) -> Result<()> {
        match (&mut self.cur().decls, kind) {
            (Decls::Instance(t), Extern::Export) => {
                t.export(name, r);
            }
            (Decls::Component(t), Extern::Export) => {
                t.export(name, r);
            }
            (Decls::Component(t), Extern::Import) => {
                t.import(name, r);
            }
            _ => {
                return Err(Error::Internal(
                    "wrap: declaration in the wrong scope".into(),
                ))
            }
        }
        Ok(())
    }
}

/// A core module type: its imports and exports, function types defined
/// inside it.
fn module_type(
    types: TypesRef<'_>,
    id: wasmparser::component_types::ComponentCoreModuleTypeId,
) -> Result<wasm_encoder::ModuleType> {
    use wasm_encoder::reencode::Reencode;
    let mut r = wasm_encoder::reencode::RoundtripReencoder;
    let mut mt = wasm_encoder::ModuleType::new();
    let mut entity = |mt: &mut wasm_encoder::ModuleType,
                      e: &wasmparser::types::EntityType|
     -> Result<wasm_encoder::EntityType> {
        let err = |e: wasm_encoder::reencode::Error| Error::Internal(format!("wrap: {e}"));
        Ok(match e {
            wasmparser::types::EntityType::Func(f)
            | wasmparser::types::EntityType::FuncExact(f) => {
                let wasmparser::CompositeInnerType::Func(ft) = &types[*f].composite_type.inner
                else {
                    return Err(unsupported("a GC type in an exported core module's type"));
                };
                let params = ft
                    .params()
                    .iter()
                    .map(|v| r.val_type(*v))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(err)?;
                let results = ft
                    .results()
                    .iter()
                    .map(|v| r.val_type(*v))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(err)?;
                mt.ty().function(params, results);
                wasm_encoder::EntityType::Function(mt.type_count() - 1)
            }
            wasmparser::types::EntityType::Table(t) => {
                wasm_encoder::EntityType::Table(r.table_type(*t).map_err(err)?)
            }
            wasmparser::types::EntityType::Memory(m) => {
                wasm_encoder::EntityType::Memory(r.memory_type(*m).map_err(err)?)
            }
            wasmparser::types::EntityType::Global(g) => {
                wasm_encoder::EntityType::Global(r.global_type(*g).map_err(err)?)
            }
            wasmparser::types::EntityType::Tag(_) => {
                return Err(unsupported("a tag in an exported core module's type"))
            }
        })
    };
    let m = &types[id];
    for ((module, name), e) in &m.imports {
        let e = entity(&mut mt, e)?;
        mt.import(module, name, e);
    }
    for (name, e) in &m.exports {
        let e = entity(&mut mt, e)?;
        mt.export(name, e);
    }
    Ok(mt)
}

fn prim(p: Prim) -> EPrim {
    match p {
        Prim::Bool => EPrim::Bool,
        Prim::S8 => EPrim::S8,
        Prim::U8 => EPrim::U8,
        Prim::S16 => EPrim::S16,
        Prim::U16 => EPrim::U16,
        Prim::S32 => EPrim::S32,
        Prim::U32 => EPrim::U32,
        Prim::S64 => EPrim::S64,
        Prim::U64 => EPrim::U64,
        Prim::F32 => EPrim::F32,
        Prim::F64 => EPrim::F64,
        Prim::Char => EPrim::Char,
        Prim::String => EPrim::String,
        Prim::ErrorContext => EPrim::ErrorContext,
    }
}
