//! Canonical ABI layout: sizes, alignments, field / payload offsets,
//! discriminant sizes, flattening to core types, and core signatures.

use super::types::{FuncSig, Ty, TyId, Types};

pub const MAX_FLAT_PARAMS: usize = 16;
pub const MAX_FLAT_RESULTS: usize = 1;
/// Flat params of an async `canon lower` (more go through memory).
pub const MAX_FLAT_ASYNC_PARAMS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreTy {
    I32,
    I64,
    F32,
    F64,
}

impl CoreTy {
    pub fn wat(self) -> &'static str {
        match self {
            CoreTy::I32 => "i32",
            CoreTy::I64 => "i64",
            CoreTy::F32 => "f32",
            CoreTy::F64 => "f64",
        }
    }
}

pub fn align_to(x: u32, align: u32) -> u32 {
    debug_assert!(align.is_power_of_two());
    (x + align - 1) & !(align - 1)
}

/// Byte size of the discriminant of a variant with `cases` cases.
pub fn disc_size(cases: usize) -> u32 {
    assert!(cases > 0);
    if cases <= 1 << 8 {
        1
    } else if cases <= 1 << 16 {
        2
    } else {
        4
    }
}

/// Byte size (= alignment) of a flags value with `n` flags (1..=32).
pub fn flags_size(n: u32) -> u32 {
    assert!((1..=32).contains(&n));
    if n <= 8 {
        1
    } else if n <= 16 {
        2
    } else {
        4
    }
}

fn max_case_align(types: &Types, cases: &[Option<TyId>]) -> u32 {
    cases
        .iter()
        .flatten()
        .map(|t| alignment(types, *t))
        .max()
        .unwrap_or(1)
}

pub fn alignment(types: &Types, id: TyId) -> u32 {
    match types.get(id) {
        Ty::Bool | Ty::U8 | Ty::S8 => 1,
        Ty::U16 | Ty::S16 => 2,
        Ty::U32 | Ty::S32 | Ty::F32 | Ty::Char => 4,
        Ty::U64 | Ty::S64 | Ty::F64 => 8,
        Ty::String | Ty::List(_) | Ty::Map(_) => 4,
        Ty::Record(fs) | Ty::Tuple(fs) => {
            fs.iter().map(|f| alignment(types, *f)).max().unwrap_or(1)
        }
        Ty::Flags(n) => flags_size(*n),
        _ => {
            let cases = types.cases(id).unwrap();
            disc_size(cases.len()).max(max_case_align(types, &cases))
        }
    }
}

pub fn size(types: &Types, id: TyId) -> u32 {
    match types.get(id) {
        Ty::Bool | Ty::U8 | Ty::S8 => 1,
        Ty::U16 | Ty::S16 => 2,
        Ty::U32 | Ty::S32 | Ty::F32 | Ty::Char => 4,
        Ty::U64 | Ty::S64 | Ty::F64 => 8,
        Ty::String | Ty::List(_) | Ty::Map(_) => 8,
        Ty::Record(fs) | Ty::Tuple(fs) => {
            let mut s = 0;
            for f in fs {
                s = align_to(s, alignment(types, *f));
                s += size(types, *f);
            }
            align_to(s, alignment(types, id))
        }
        Ty::Flags(n) => flags_size(*n),
        _ => {
            let cases = types.cases(id).unwrap();
            let max_size = cases
                .iter()
                .flatten()
                .map(|t| size(types, *t))
                .max()
                .unwrap_or(0);
            let s = payload_offset(types, &cases) + max_size;
            align_to(s, alignment(types, id))
        }
    }
}

/// Offsets of the fields of a record / tuple.
pub fn field_offsets(types: &Types, fields: &[TyId]) -> Vec<u32> {
    let mut s = 0;
    fields
        .iter()
        .map(|f| {
            s = align_to(s, alignment(types, *f));
            let off = s;
            s += size(types, *f);
            off
        })
        .collect()
}

/// Offset of the payload of a variant-like value.
pub fn payload_offset(types: &Types, cases: &[Option<TyId>]) -> u32 {
    align_to(disc_size(cases.len()), max_case_align(types, cases))
}

pub fn join(a: CoreTy, b: CoreTy) -> CoreTy {
    use CoreTy::*;
    match (a, b) {
        _ if a == b => a,
        (I32, F32) | (F32, I32) => I32,
        _ => I64,
    }
}

/// The flat core types of a value.
pub fn flatten(types: &Types, id: TyId) -> Vec<CoreTy> {
    use CoreTy::*;
    match types.get(id) {
        Ty::Bool | Ty::U8 | Ty::S8 | Ty::U16 | Ty::S16 | Ty::U32 | Ty::S32 | Ty::Char => vec![I32],
        Ty::U64 | Ty::S64 => vec![I64],
        Ty::F32 => vec![F32],
        Ty::F64 => vec![F64],
        Ty::String | Ty::List(_) | Ty::Map(_) => vec![I32, I32],
        Ty::Record(fs) | Ty::Tuple(fs) => fs.iter().flat_map(|f| flatten(types, *f)).collect(),
        Ty::Flags(_) => vec![I32],
        _ => {
            let mut payload: Vec<CoreTy> = Vec::new();
            for case in types.cases(id).unwrap().into_iter().flatten() {
                for (i, t) in flatten(types, case).into_iter().enumerate() {
                    if i < payload.len() {
                        payload[i] = join(payload[i], t);
                    } else {
                        payload.push(t);
                    }
                }
            }
            // Every discriminant size flattens to one i32.
            std::iter::once(I32).chain(payload).collect()
        }
    }
}

/// A core function signature derived from a component function type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreSig {
    pub params: Vec<CoreTy>,
    pub results: Vec<CoreTy>,
    /// Params are passed as one pointer to a tuple in memory.
    pub params_spilled: bool,
    /// The result travels through memory (a returned pointer for `lift`, a
    /// trailing return-pointer param for `lower`).
    pub result_in_memory: bool,
}

fn core_sig(types: &Types, sig: &FuncSig, lower: bool) -> CoreSig {
    let mut params = flatten(types, sig.params_tuple);
    let params_spilled = params.len() > MAX_FLAT_PARAMS;
    if params_spilled {
        params = vec![CoreTy::I32];
    }
    let mut results = sig.result.map(|r| flatten(types, r)).unwrap_or_default();
    let result_in_memory = results.len() > MAX_FLAT_RESULTS;
    if result_in_memory {
        if lower {
            params.push(CoreTy::I32);
            results = Vec::new();
        } else {
            results = vec![CoreTy::I32];
        }
    }
    CoreSig {
        params,
        results,
        params_spilled,
        result_in_memory,
    }
}

/// The core signature of `canon lift` (the callee's core function).
pub fn lift_sig(types: &Types, sig: &FuncSig) -> CoreSig {
    core_sig(types, sig, false)
}

/// The core signature of `canon lower` (what the caller's core code calls).
pub fn lower_sig(types: &Types, sig: &FuncSig) -> CoreSig {
    core_sig(types, sig, true)
}

/// The core signature of an async `canon lower`: params flattened up to
/// [`MAX_FLAT_ASYNC_PARAMS`] values (else a pointer to the params tuple),
/// then a pointer to the result's place in memory if there is a result;
/// returns the status (i32).
pub fn lower_async_sig(types: &Types, sig: &FuncSig) -> CoreSig {
    let mut params = flatten(types, sig.params_tuple);
    let params_spilled = params.len() > MAX_FLAT_ASYNC_PARAMS;
    if params_spilled {
        params = vec![CoreTy::I32];
    }
    if sig.result.is_some() {
        params.push(CoreTy::I32);
    }
    CoreSig {
        params,
        results: vec![CoreTy::I32],
        params_spilled,
        result_in_memory: sig.result.is_some(),
    }
}

/// The core signature of an async `canon lift` with a callback: params as
/// for a sync lift, the result is a callback code (i32).
pub fn lift_async_sig(types: &Types, sig: &FuncSig) -> CoreSig {
    let lift = lift_sig(types, sig);
    CoreSig {
        results: vec![CoreTy::I32],
        result_in_memory: false,
        ..lift
    }
}

/// The params of `canon task.return (result r)`: the result flattened as
/// params, up to [`MAX_FLAT_PARAMS`] values, else one pointer; and whether
/// it is that pointer.
pub fn task_return_params(types: &Types, r: TyId) -> (Vec<CoreTy>, bool) {
    let flat = flatten(types, r);
    if flat.len() > MAX_FLAT_PARAMS {
        (vec![CoreTy::I32], true)
    } else {
        (flat, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        let mut t = Types::default();
        let u8_ = t.add(Ty::U8);
        let u64_ = t.add(Ty::U64);
        let f32_ = t.add(Ty::F32);
        let s = t.add(Ty::String);
        let u16_ = t.add(Ty::U16);
        let tup = t.add(Ty::Tuple(vec![u8_, u64_, f32_, s, u16_]));
        assert_eq!(size(&t, tup), 32);
        assert_eq!(alignment(&t, tup), 8);
        let v = t.add(Ty::Variant(vec![None, Some(u8_), Some(u64_), Some(f32_)]));
        assert_eq!(flatten(&t, v), vec![CoreTy::I32, CoreTy::I64]);
        assert_eq!(size(&t, v), 16);
        let e = t.add(Ty::Enum(257));
        assert_eq!(size(&t, e), 2);
    }

    /// A map is laid out as a list of its entry tuples; the map fixture
    /// `map<u32, u64>` has 16-byte entries aligned to 8 (key @0, value @8).
    #[test]
    fn maps_are_lists_of_entry_tuples() {
        let mut t = Types::default();
        let k = t.add(Ty::U32);
        let v = t.add(Ty::U64);
        let entry = t.add(Ty::Tuple(vec![k, v]));
        let m = t.add(Ty::Map(entry));
        assert_eq!(size(&t, m), 8);
        assert_eq!(alignment(&t, m), 4);
        assert_eq!(flatten(&t, m), vec![CoreTy::I32, CoreTy::I32]);
        assert_eq!((size(&t, entry), alignment(&t, entry)), (16, 8));
        assert_eq!(t.display(m), "map<u32, u64>");
    }

    /// The generator makes maps, and their compositions say `(map K V)`.
    #[test]
    fn generated_cases_have_maps() {
        let with_maps = (0..200)
            .filter(|i| {
                crate::case::Case::generate(1, *i)
                    .to_wat()
                    .contains("(map ")
            })
            .count();
        assert!(with_maps > 5, "{with_maps} of 200 cases have a map");
    }
}
