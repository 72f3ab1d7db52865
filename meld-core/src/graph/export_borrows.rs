//! Borrows of exported resources handed to a component that does not define
//! them, straight from the embedder.
//!
//! A resource type the composition defines and exports belongs to the
//! embedder (see `docs/resources.md`): the wrapper component defines it, so
//! when the host calls an export that takes `borrow<R>`, the Canonical ABI
//! gives the core function the *rep* (the wrapper is R's definer). That is
//! what the defining component expects, but a fused component that merely
//! uses R expects a handle it can pass on and must drop. For such exports the
//! graph puts a *thunk* in front of the lifted function that, inside a call
//! scope, turns each of those reps into a temporary handle
//! (`[resource-new]R`), records it as a borrow of the callee (so the callee's
//! `resource.drop` ends the borrow and the scope exit checks it was dropped),
//! calls the function, and then removes the temporary handles again with the
//! destructor suppressed.
//!
//! Only borrows that are themselves parameters (flat, not inside a record,
//! list, option...) are handled; anything else is refused by name.

use super::{Def, ItemKind};
use crate::builtins::{self, Builtin};
use crate::{Error, Result};
use std::collections::BTreeMap;
use wasmtime_environ::component::{
    ComponentTranslation, ComponentTypes, Export, InterfaceType, TypeFuncIndex, TypeResourceTable,
    MAX_FLAT_PARAMS,
};

/// A flat parameter of an export that is a borrow of an exported resource
/// defined by another component instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BorrowParam {
    /// Index among the core function's parameters.
    pub flat_index: u32,
    /// The resource (wasmtime `ResourceIndex`).
    pub key: u32,
}

/// Export name → the borrow parameters its thunk converts, for every lifted
/// export that needs one.
pub(crate) fn plan(
    t: &ComponentTranslation,
    types: &ComponentTypes,
    exported: &BTreeMap<u32, (String, String)>,
) -> Result<BTreeMap<String, Vec<BorrowParam>>> {
    let component = &t.component;
    let mut out = BTreeMap::new();
    if exported.is_empty() {
        return Ok(out);
    }
    for (name, export) in super::flat_exports(t) {
        if let Export::LiftedFunction { ty, options, .. } = export {
            let instance = component.options[*options].instance.as_u32();
            let params = borrow_params(t, types, exported, *ty, instance, &name)?;
            if !params.is_empty() {
                out.insert(name, params);
            }
        }
    }
    Ok(out)
}

/// The key of an exported resource that `ty` borrows and `instance` does not
/// define.
fn foreign_exported_borrow(
    t: &ComponentTranslation,
    types: &ComponentTypes,
    exported: &BTreeMap<u32, (String, String)>,
    ty: &InterfaceType,
    instance: u32,
) -> Option<u32> {
    let InterfaceType::Borrow(tt) = ty else {
        return None;
    };
    let TypeResourceTable::Concrete { ty: res, .. } = types[*tt] else {
        return None;
    };
    let key = res.as_u32();
    let definer = t.component.defined_resource_index(res)?;
    let definer = t.component.defined_resource_instances[definer].as_u32();
    (exported.contains_key(&key) && definer != instance).then_some(key)
}

/// Whether a foreign exported borrow occurs anywhere inside `ty`.
fn contains_foreign_borrow(
    t: &ComponentTranslation,
    types: &ComponentTypes,
    exported: &BTreeMap<u32, (String, String)>,
    ty: &InterfaceType,
    instance: u32,
) -> bool {
    let rec = |ty: &InterfaceType| contains_foreign_borrow(t, types, exported, ty, instance);
    match ty {
        InterfaceType::Borrow(_) => {
            foreign_exported_borrow(t, types, exported, ty, instance).is_some()
        }
        InterfaceType::Record(r) => types[*r].fields.iter().any(|f| rec(&f.ty)),
        InterfaceType::Variant(v) => types[*v].cases.values().flatten().any(rec),
        InterfaceType::List(l) => rec(&types[*l].element),
        InterfaceType::FixedLengthList(l) => rec(&types[*l].element),
        InterfaceType::Tuple(tu) => types[*tu].types.iter().any(rec),
        InterfaceType::Map(m) => rec(&types[*m].key) || rec(&types[*m].value),
        InterfaceType::Option(o) => rec(&types[*o].ty),
        InterfaceType::Result(r) => {
            types[*r].ok.as_ref().is_some_and(rec) || types[*r].err.as_ref().is_some_and(rec)
        }
        _ => false,
    }
}

fn borrow_params(
    t: &ComponentTranslation,
    types: &ComponentTypes,
    exported: &BTreeMap<u32, (String, String)>,
    ty: TypeFuncIndex,
    instance: u32,
    name: &str,
) -> Result<Vec<BorrowParam>> {
    let params = &types[types[ty].params].types;
    let mut out = Vec::new();
    let mut flat = 0u32;
    let mut too_many = false;
    let mut nested = false;
    for p in params.iter() {
        if let Some(key) = foreign_exported_borrow(t, types, exported, p, instance) {
            out.push(BorrowParam {
                flat_index: flat,
                key,
            });
        } else if contains_foreign_borrow(t, types, exported, p, instance) {
            nested = true;
        }
        match types.canonical_abi(p).flat_count {
            Some(n) => flat += u32::from(n),
            None => too_many = true,
        }
    }
    let in_memory = too_many || flat as usize > MAX_FLAT_PARAMS;
    if nested || (in_memory && !out.is_empty()) {
        return Err(Error::Unsupported(format!(
            "resources: export `{name}` takes a borrow of a resource type the composition \
             exports but another of its components defines, inside an aggregate or through \
             memory; only borrows passed as plain parameters are supported there"
        )));
    }
    Ok(out)
}

/// WAT of a thunk for a core function of type `params -> results` whose flat
/// parameters `borrows` (index, resource) are reps to turn into temporary
/// handles of instance `instance`. Imports, in order: `rt.enter`, `rt.exit`, `rt.host_borrow`,
/// then per borrow `k`: `x.new<k>`, `x.drop<k>` and (if `suppress[k]`)
/// `x.sup<k>` (the destructor-suppression global), and last `f.f` (the
/// function).
pub(crate) fn thunk_wat(
    params: &[&str],
    results: &[&str],
    borrows: &[(u32, u32)],
    suppress: &[bool],
    instance: u32,
) -> String {
    let sig = |ps: &[&str], rs: &[&str]| {
        let mut s = String::new();
        if !ps.is_empty() {
            s.push_str(&format!(" (param {})", ps.join(" ")));
        }
        if !rs.is_empty() {
            s.push_str(&format!(" (result {})", rs.join(" ")));
        }
        s
    };
    let mut s = String::from("(module\n");
    s.push_str("  (import \"rt\" \"enter\" (func $enter (param i32 i32 i32)))\n");
    s.push_str("  (import \"rt\" \"exit\" (func $exit))\n");
    s.push_str("  (import \"rt\" \"host_borrow\" (func $hb (param i32 i32 i32)))\n");
    for (k, sup) in suppress.iter().enumerate() {
        s.push_str(&format!(
            "  (import \"x\" \"new{k}\" (func $new{k} (param i32) (result i32)))\n"
        ));
        s.push_str(&format!(
            "  (import \"x\" \"drop{k}\" (func $drop{k} (param i32)))\n"
        ));
        if *sup {
            s.push_str(&format!(
                "  (import \"x\" \"sup{k}\" (global $sup{k} (mut i32)))\n"
            ));
        }
    }
    s.push_str(&format!(
        "  (import \"f\" \"f\" (func $f{}))\n",
        sig(params, results)
    ));
    s.push_str(&format!("  (func (export \"f\"){}\n", sig(params, results)));
    let base = params.len();
    // locals: one handle per borrow, then one per result
    let mut locals = vec!["i32"; borrows.len()];
    locals.extend(results.iter().copied());
    if !locals.is_empty() {
        s.push_str(&format!("    (local {})\n", locals.join(" ")));
    }
    s.push_str("    (call $enter (i32.const 0) (i32.const 0) (i32.const 0))\n");
    for (k, (idx, res)) in borrows.iter().enumerate() {
        let h = base + k;
        s.push_str(&format!(
            "    (local.set {h} (call $new{k} (local.get {idx})))\n    (call $hb (i32.const {instance}) (i32.const {res}) (local.get {h}))\n"
        ));
    }
    s.push_str("    (call $f");
    for i in 0..params.len() {
        match borrows.iter().position(|b| b.0 as usize == i) {
            Some(k) => s.push_str(&format!(" (local.get {})", base + k)),
            None => s.push_str(&format!(" (local.get {i})")),
        }
    }
    s.push_str(")\n");
    let rbase = base + borrows.len();
    for r in (0..results.len()).rev() {
        s.push_str(&format!("    (local.set {})\n", rbase + r));
    }
    s.push_str("    (call $exit)\n");
    for (k, sup) in suppress.iter().enumerate() {
        let h = base + k;
        if *sup {
            s.push_str(&format!("    (global.set $sup{k} (i32.const 1))\n"));
        }
        s.push_str(&format!("    (call $drop{k} (local.get {h}))\n"));
        if *sup {
            s.push_str(&format!("    (global.set $sup{k} (i32.const 0))\n"));
        }
    }
    for r in 0..results.len() {
        s.push_str(&format!("    (local.get {})\n", rbase + r));
    }
    s.push_str("  ))");
    s
}

/// Core parameter and result types (as WAT names) of function `index` of a
/// module.
pub(crate) fn core_sig(wasm: &[u8], index: u32) -> Result<(Vec<&'static str>, Vec<&'static str>)> {
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
            "resources: an export thunk over core type {other:?}"
        ))),
    };
    Ok((
        ty.params().iter().map(name).collect::<Result<_>>()?,
        ty.results().iter().map(name).collect::<Result<_>>()?,
    ))
}

impl super::Builder<'_, '_, '_> {
    /// The destructor wrapper of exported resource `key` (created once).
    pub(super) fn dtor_wrapper(&mut self, key: u32, dtor: Def) -> Result<usize> {
        if let Some(n) = self.dtor_wrappers.get(&key) {
            return Ok(*n);
        }
        let n = self.builtin_node(
            Builtin::DtorWrapper,
            format!("meld:dtor/r{key}"),
            vec![dtor],
        )?;
        self.dtor_wrappers.insert(key, n);
        Ok(n)
    }

    /// Put a thunk in front of `func` (lifted by `instance`) for `borrows`.
    pub(super) fn borrow_thunk(
        &mut self,
        name: &str,
        func: Def,
        borrows: &[BorrowParam],
        instance: u32,
    ) -> Result<Def> {
        let Def::Item {
            instance: node,
            index,
            ..
        } = func
        else {
            return Err(Error::Internal(format!(
                "export `{name}` is not a core function"
            )));
        };
        let (params, results) = core_sig(&self.graph.nodes[node].wasm, index)?;
        let mut args = self.runtime_args(&["enter", "exit", "host_borrow"])?;
        let mut suppress = Vec::new();
        for b in borrows {
            let definer = self.definer_of(b.key)?;
            args.push(self.exported_intrinsic_by_key(b.key, "new", definer)?);
            args.push(self.exported_intrinsic_by_key(b.key, "drop", definer)?);
            match self.dtor_wrappers.get(&b.key) {
                Some(n) => {
                    let g = builtins::export_index(&self.graph.nodes[*n].wasm, "suppress")?;
                    args.push(Def::Item {
                        instance: *n,
                        kind: ItemKind::Global,
                        index: g,
                    });
                    suppress.push(true);
                }
                None => suppress.push(false),
            }
        }
        args.push(func);
        let flat: Vec<(u32, u32)> = borrows.iter().map(|b| (b.flat_index, b.key)).collect();
        let wat = thunk_wat(&params, &results, &flat, &suppress, instance);
        let wasm = builtins::assemble("export borrow thunk", &wat)?;
        let n = self.push_node(
            format!("meld:borrow-thunk/{name}"),
            super::NodeKind::Builtin(Builtin::Generated),
            super::ModuleBytes::Owned(wasm),
            args,
        );
        let index = builtins::export_index(&self.graph.nodes[n].wasm, "f")?;
        Ok(Def::Item {
            instance: n,
            kind: ItemKind::Func,
            index,
        })
    }
}
