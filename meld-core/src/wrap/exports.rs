//! Exported instances of the shell built from the composition's component
//! type ([`super::shell`]).
//!
//! An instance made from exports cannot name its own types (its functions
//! would refer to the definitions, not to the types it exports, and a
//! `[constructor]R` must use the exported `R`), so, as wit-component does
//! for WIT interfaces, every exported instance is an instantiation of a
//! small component that imports each item (and every type from outside the
//! instance its functions use) and exports it again under its name, each
//! function ascribed the type that refers to the exported types.

use super::types::{unsupported, Copier};
use crate::Result;
use wasm_encoder::{
    Component, ComponentExportKind, ComponentExportSection, ComponentImportSection,
    ComponentTypeRef, TypeBounds,
};
use wasmparser::component_types::{
    ComponentAnyTypeId, ComponentDefinedType, ComponentEntityType, ComponentInstanceTypeId,
    ComponentValType,
};
use wasmparser::types::TypesRef;

/// An instantiation argument: name, kind, index in the shell.
pub(super) type Arg = (String, ComponentExportKind, u32);

/// The component naming exported instance `it` and its instantiation
/// arguments (name, kind, index in the shell). `items[k]` is the shell's
/// index of the instance's `k`-th export (a lifted function or a type);
/// `outer` resolves the types from outside the instance.
pub(super) fn instance_shim(
    tr: TypesRef<'_>,
    it: ComponentInstanceTypeId,
    items: &[u32],
    outer: &Copier<'_>,
) -> Result<(Component, Vec<Arg>)> {
    let exports = &tr[it].exports;
    // The instance's own types.
    let mut own: Vec<ComponentAnyTypeId> = Vec::new();
    for item in exports.values() {
        if let ComponentEntityType::Type {
            referenced,
            created,
        } = item.ty
        {
            own.extend([referenced, created]);
        }
    }
    // Types from outside that its functions and types use.
    let mut foreign: Vec<(ComponentAnyTypeId, u32)> = Vec::new();
    let mut v = Visit {
        tr,
        own: &own,
        outer,
        foreign: &mut foreign,
        seen: Vec::new(),
    };
    for item in exports.values() {
        match &item.ty {
            ComponentEntityType::Func(f) => {
                let f = &tr[*f];
                for t in f.params.iter().map(|(_, t)| t).chain(f.result.iter()) {
                    v.val(t)?;
                }
            }
            ComponentEntityType::Type { referenced, .. } => v.any(*referenced, true)?,
            _ => {}
        }
    }

    let mut comp = Component::new();
    let mut args: Vec<Arg> = Vec::new();
    let mut c1 = Copier::top(tr);
    let flush = |comp: &mut Component, c: &mut Copier<'_>| {
        if let Some(s) = c.flush() {
            comp.section(&s);
        }
    };
    let import = |comp: &mut Component, c: &mut Copier<'_>, k: usize, r: ComponentTypeRef| {
        flush(comp, c);
        let name = format!("import-x{k}");
        let mut is = ComponentImportSection::new();
        is.import(&name, r);
        comp.section(&is);
        name
    };
    let bound = |c: &mut Copier<'_>, id: ComponentAnyTypeId| -> Result<TypeBounds> {
        Ok(match id {
            ComponentAnyTypeId::Resource(_) => match c.lookup(id)? {
                Some(i) => TypeBounds::Eq(i),
                None => TypeBounds::SubResource,
            },
            other => TypeBounds::Eq(c.any(other)?),
        })
    };
    let mut kept: Vec<(ComponentAnyTypeId, u32)> = Vec::new();
    for (id, idx) in &foreign {
        let b = bound(&mut c1, *id)?;
        let name = import(&mut comp, &mut c1, args.len(), ComponentTypeRef::Type(b));
        let local = c1.bind_new(Some(*id));
        kept.push((*id, local));
        args.push((name, ComponentExportKind::Type, *idx));
    }
    // Local index of each item's import.
    let mut local: Vec<u32> = Vec::new();
    let mut funcs = 0;
    for ((n, item), outer_idx) in exports.iter().zip(items) {
        match &item.ty {
            ComponentEntityType::Type {
                referenced,
                created,
            } => {
                let b = bound(&mut c1, *referenced)?;
                let name = import(&mut comp, &mut c1, args.len(), ComponentTypeRef::Type(b));
                let idx = c1.bind_new(Some(*created));
                if b == TypeBounds::SubResource {
                    c1.bind(*referenced, idx);
                }
                kept.push((*created, idx));
                local.push(idx);
                args.push((name, ComponentExportKind::Type, *outer_idx));
            }
            ComponentEntityType::Func(f) => {
                let t = c1.func(*f)?;
                let name = import(&mut comp, &mut c1, args.len(), ComponentTypeRef::Func(t));
                local.push(funcs);
                funcs += 1;
                args.push((name, ComponentExportKind::Func, *outer_idx));
            }
            _ => {
                return Err(unsupported(format!(
                    "`{n}` inside an exported instance is not a function or type"
                )))
            }
        }
    }
    flush(&mut comp, &mut c1);

    // Exports: types first bound to their exported indices, then every
    // function ascribed its type in those terms.
    let mut c2 = Copier::top_at(tr, c1.next_type());
    for (id, idx) in &kept {
        c2.bind(*id, *idx);
    }
    for ((n, item), l) in exports.iter().zip(&local) {
        let mut es = ComponentExportSection::new();
        match &item.ty {
            ComponentEntityType::Type { created, .. } => {
                flush(&mut comp, &mut c2);
                es.export(n, ComponentExportKind::Type, *l, None);
                comp.section(&es);
                c2.bind_new(Some(*created));
            }
            ComponentEntityType::Func(f) => {
                let t = c2.func(*f)?;
                flush(&mut comp, &mut c2);
                es.export(
                    n,
                    ComponentExportKind::Func,
                    *l,
                    Some(ComponentTypeRef::Func(t)),
                );
                comp.section(&es);
            }
            _ => {}
        }
    }
    Ok((comp, args))
}

/// Collects the types from outside an instance that its items use.
struct Visit<'a, 'b, 't> {
    tr: TypesRef<'t>,
    own: &'a [ComponentAnyTypeId],
    outer: &'a Copier<'b>,
    foreign: &'a mut Vec<(ComponentAnyTypeId, u32)>,
    seen: Vec<ComponentAnyTypeId>,
}

impl Visit<'_, '_, '_> {
    fn is_own(&self, id: ComponentAnyTypeId) -> bool {
        self.own.iter().any(|o| match (o, id) {
            (ComponentAnyTypeId::Resource(a), ComponentAnyTypeId::Resource(b)) => {
                a.resource() == b.resource()
            }
            (a, b) => *a == b,
        })
    }

    fn val(&mut self, t: &ComponentValType) -> Result<()> {
        match t {
            ComponentValType::Primitive(_) => Ok(()),
            ComponentValType::Type(d) => self.any(ComponentAnyTypeId::Defined(*d), false),
        }
    }

    /// `structure`: look inside even an own type (the item's definition).
    fn any(&mut self, id: ComponentAnyTypeId, structure: bool) -> Result<()> {
        if self.seen.contains(&id) {
            return Ok(());
        }
        self.seen.push(id);
        if self.is_own(id) && !structure {
            if let ComponentAnyTypeId::Defined(_) = id {
                return self.inside(id);
            }
            return Ok(());
        }
        if !self.is_own(id) {
            if let Some(idx) = self.outer.named(id) {
                if !self.foreign.iter().any(|(f, _)| *f == id) {
                    self.foreign.push((id, idx));
                }
                return Ok(());
            }
        }
        self.inside(id)
    }

    fn inside(&mut self, id: ComponentAnyTypeId) -> Result<()> {
        let ComponentAnyTypeId::Defined(d) = id else {
            return Ok(());
        };
        if let Some(base) = self.tr.peel_alias(d) {
            if base != d {
                return self.any(ComponentAnyTypeId::Defined(base), true);
            }
        }
        let tr = self.tr;
        match &tr[d] {
            ComponentDefinedType::Primitive(_)
            | ComponentDefinedType::Flags(_)
            | ComponentDefinedType::Enum(_) => {}
            ComponentDefinedType::Record(r) => {
                for t in r.fields.values() {
                    self.val(t)?;
                }
            }
            ComponentDefinedType::Variant(v) => {
                for c in v.cases.values() {
                    if let Some(t) = &c.ty {
                        self.val(t)?;
                    }
                }
            }
            ComponentDefinedType::Tuple(t) => {
                for t in t.types.iter() {
                    self.val(t)?;
                }
            }
            ComponentDefinedType::List { element, .. }
            | ComponentDefinedType::FixedLengthList { element, .. }
            | ComponentDefinedType::Option { ty: element, .. } => self.val(element)?,
            ComponentDefinedType::Map { key, value, .. } => {
                self.val(key)?;
                self.val(value)?;
            }
            ComponentDefinedType::Result { ok, err, .. } => {
                for t in ok.iter().chain(err.iter()) {
                    self.val(t)?;
                }
            }
            ComponentDefinedType::Own(r) | ComponentDefinedType::Borrow(r) => {
                self.any(ComponentAnyTypeId::Resource(*r), false)?
            }
            ComponentDefinedType::Future { .. } | ComponentDefinedType::Stream { .. } => {
                return Err(unsupported("a future or stream type"))
            }
        }
        Ok(())
    }
}
