//! The shape of a component type as the generated walkers see it
//! ([`super::boundary_walk`], [`super::region_walk`]): a sequence of fields
//! laid out one after another, or cases behind a discriminant.

use wasmtime_environ::component::{ComponentTypes, InterfaceType, VariantInfo};

/// The fields of a record, tuple or fixed-length list, in layout order.
pub(super) fn fields(types: &ComponentTypes, ty: &InterfaceType) -> Option<Vec<InterfaceType>> {
    match ty {
        InterfaceType::Record(r) => Some(types[*r].fields.iter().map(|f| f.ty).collect()),
        InterfaceType::Tuple(t) => Some(types[*t].types.to_vec()),
        InterfaceType::FixedLengthList(l) => Some(vec![types[*l].element; types[*l].size as usize]),
        _ => None,
    }
}

/// The cases (their payloads) and layout of a variant, option or result.
pub(super) fn cases<'t>(
    types: &'t ComponentTypes,
    ty: &InterfaceType,
) -> Option<(Vec<Option<InterfaceType>>, &'t VariantInfo)> {
    match ty {
        InterfaceType::Variant(v) => {
            Some((types[*v].cases.values().copied().collect(), &types[*v].info))
        }
        InterfaceType::Option(o) => Some((vec![None, Some(types[*o].ty)], &types[*o].info)),
        InterfaceType::Result(r) => Some((vec![types[*r].ok, types[*r].err], &types[*r].info)),
        _ => None,
    }
}

/// The core `(param …) (result …)` text of a signature.
pub(super) fn sig(ps: &[super::boundary::V], rs: &[super::boundary::V]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if !ps.is_empty() {
        let names: Vec<&str> = ps.iter().map(|v| v.name()).collect();
        write!(s, " (param {})", names.join(" ")).ok();
    }
    if !rs.is_empty() {
        let names: Vec<&str> = rs.iter().map(|v| v.name()).collect();
        write!(s, " (result {})", names.join(" ")).ok();
    }
    s
}
