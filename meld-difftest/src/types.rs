//! Component-model value types (as an arena), string encodings, function
//! signatures, and the random generator for them.

use super::rng::Rng;

pub type TyId = usize;

/// A component-model value type. Children are indices into [`Types`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    U8,
    S8,
    U16,
    S16,
    U32,
    S32,
    U64,
    S64,
    F32,
    F64,
    Char,
    String,
    List(TyId),
    /// `map<K, V>`: the id is its entry, a `Tuple([K, V])`; in the canonical
    /// ABI a map is `list<tuple<K, V>>`, which is how every stage but the
    /// type's text treats it.
    Map(TyId),
    /// Fields are named `f0`, `f1`, ...
    Record(Vec<TyId>),
    Tuple(Vec<TyId>),
    /// Cases are named `c0`, `c1`, ...; `None` is a case without payload.
    Variant(Vec<Option<TyId>>),
    /// Number of cases, named `e0`, `e1`, ...
    Enum(u32),
    Option(TyId),
    /// `result<ok, err>`, either side optional.
    Result(Option<TyId>, Option<TyId>),
    /// Number of flags (1..=32), named `g0`, `g1`, ...
    Flags(u32),
}

impl Ty {
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            Ty::Bool
                | Ty::U8
                | Ty::S8
                | Ty::U16
                | Ty::S16
                | Ty::U32
                | Ty::S32
                | Ty::U64
                | Ty::S64
                | Ty::F32
                | Ty::F64
                | Ty::Char
        )
    }

    /// Record, variant, enum and flags must be named (exported / imported)
    /// when they appear in a component function type.
    pub fn is_nominal(&self) -> bool {
        matches!(
            self,
            Ty::Record(_) | Ty::Variant(_) | Ty::Enum(_) | Ty::Flags(_)
        )
    }
}

/// Type arena. A node's children always have smaller ids than the node.
#[derive(Clone, Debug, Default)]
pub struct Types {
    nodes: Vec<Ty>,
    /// Nodes `gen_type` made, which later types may use again.
    reusable: Vec<TyId>,
}

impl Types {
    pub fn add(&mut self, t: Ty) -> TyId {
        self.nodes.push(t);
        self.nodes.len() - 1
    }

    pub fn get(&self, id: TyId) -> &Ty {
        &self.nodes[id]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The children of a node, in order.
    pub fn children(&self, id: TyId) -> Vec<TyId> {
        match self.get(id) {
            Ty::List(e) | Ty::Map(e) | Ty::Option(e) => vec![*e],
            Ty::Record(fs) | Ty::Tuple(fs) => fs.clone(),
            Ty::Variant(cs) => cs.iter().flatten().copied().collect(),
            Ty::Result(a, b) => a.iter().chain(b.iter()).copied().collect(),
            _ => Vec::new(),
        }
    }

    /// The cases of a variant-like type (variant, enum, option, result), or
    /// `None` for any other type.
    pub fn cases(&self, id: TyId) -> Option<Vec<Option<TyId>>> {
        Some(match self.get(id) {
            Ty::Variant(cs) => cs.clone(),
            Ty::Enum(n) => vec![None; *n as usize],
            Ty::Option(t) => vec![None, Some(*t)],
            Ty::Result(a, b) => vec![*a, *b],
            _ => return None,
        })
    }

    /// Every node reachable from `roots` (each once), children first.
    pub fn reachable(&self, roots: &[TyId]) -> Vec<TyId> {
        let mut seen = vec![false; self.len()];
        let mut stack: Vec<TyId> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if !seen[id] {
                seen[id] = true;
                stack.extend(self.children(id));
            }
        }
        (0..self.len()).filter(|i| seen[*i]).collect()
    }

    /// Nesting depth: 0 for types without children.
    pub fn height(&self, id: TyId) -> u32 {
        self.children(id)
            .into_iter()
            .map(|c| 1 + self.height(c))
            .max()
            .unwrap_or(0)
    }

    /// Whether a string or list occurs anywhere in the type.
    pub fn has_pointers(&self, id: TyId) -> bool {
        matches!(self.get(id), Ty::String | Ty::List(_) | Ty::Map(_))
            || self.children(id).into_iter().any(|c| self.has_pointers(c))
    }

    /// WIT-like rendering, for reports.
    pub fn display(&self, id: TyId) -> String {
        let list = |ids: &[TyId]| {
            ids.iter()
                .map(|i| self.display(*i))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.get(id) {
            Ty::Bool => "bool".into(),
            Ty::U8 => "u8".into(),
            Ty::S8 => "s8".into(),
            Ty::U16 => "u16".into(),
            Ty::S16 => "s16".into(),
            Ty::U32 => "u32".into(),
            Ty::S32 => "s32".into(),
            Ty::U64 => "u64".into(),
            Ty::S64 => "s64".into(),
            Ty::F32 => "f32".into(),
            Ty::F64 => "f64".into(),
            Ty::Char => "char".into(),
            Ty::String => "string".into(),
            Ty::List(e) => format!("list<{}>", self.display(*e)),
            Ty::Map(e) => format!("map<{}>", list(&self.children(*e))),
            Ty::Record(fs) => format!("record{{{}}}", list(fs)),
            Ty::Tuple(fs) => format!("tuple<{}>", list(fs)),
            Ty::Variant(cs) => {
                let cs: Vec<String> = cs
                    .iter()
                    .map(|c| match c {
                        Some(t) => format!("({})", self.display(*t)),
                        None => "_".into(),
                    })
                    .collect();
                format!("variant{{{}}}", cs.join(", "))
            }
            Ty::Enum(n) => format!("enum[{n}]"),
            Ty::Option(t) => format!("option<{}>", self.display(*t)),
            Ty::Result(a, b) => {
                let side = |s: &Option<TyId>| match s {
                    Some(t) => self.display(*t),
                    None => "_".into(),
                };
                format!("result<{}, {}>", side(a), side(b))
            }
            Ty::Flags(n) => format!("flags[{n}]"),
        }
    }
}

/// A canonical-ABI string encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Latin1Utf16,
}

impl Encoding {
    pub const ALL: [Encoding; 3] = [Encoding::Utf8, Encoding::Utf16, Encoding::Latin1Utf16];

    /// The `string-encoding=` value in component text format.
    pub fn wat_name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Utf16 => "utf16",
            Encoding::Latin1Utf16 => "latin1+utf16",
        }
    }
}

/// A component function type `func(p0, p1, ...) -> result?`.
#[derive(Clone, Debug)]
pub struct FuncSig {
    pub params: Vec<TyId>,
    pub result: Option<TyId>,
    /// A tuple of all params: the layout of spilled params. Internal only,
    /// never named in the component text.
    pub params_tuple: TyId,
}

impl FuncSig {
    pub fn display(&self, types: &Types) -> String {
        let ps: Vec<String> = self.params.iter().map(|p| types.display(*p)).collect();
        match self.result {
            Some(r) => format!("func({}) -> {}", ps.join(", "), types.display(r)),
            None => format!("func({})", ps.join(", ")),
        }
    }
}

// ---------------------------------------------------------------------------
// Generator.

/// The primitive key types of a generated `map<K, V>` (besides `string`).
const MAP_KEYS: [Ty; 10] = [
    Ty::Bool,
    Ty::U8,
    Ty::S8,
    Ty::U16,
    Ty::S16,
    Ty::U32,
    Ty::S32,
    Ty::U64,
    Ty::S64,
    Ty::Char,
];

const PRIMITIVES: [Ty; 13] = [
    Ty::Bool,
    Ty::U8,
    Ty::S8,
    Ty::U16,
    Ty::S16,
    Ty::U32,
    Ty::S32,
    Ty::U64,
    Ty::S64,
    Ty::F32,
    Ty::F64,
    Ty::Char,
    Ty::String,
];

/// Nesting depth below the top-level param / result types.
pub const MAX_DEPTH: u32 = 3;

fn gen_enum_len(rng: &mut Rng) -> u32 {
    // Mostly small; sometimes across the u8 / u16 discriminant boundary.
    if rng.percent(6) {
        *rng.pick(&[255, 256, 257, 300])
    } else {
        rng.range(1, 8) as u32
    }
}

fn gen_flags_len(rng: &mut Rng) -> u32 {
    if rng.percent(50) {
        *rng.pick(&[1, 7, 8, 9, 15, 16, 17, 31, 32])
    } else {
        rng.range(1, 32) as u32
    }
}

/// A random type with at most `depth` further levels of nesting. Sometimes
/// an earlier type again (the same type used in several places).
pub fn gen_type(rng: &mut Rng, types: &mut Types, depth: u32) -> TyId {
    if rng.percent(6) {
        let fits: Vec<TyId> = types
            .reusable
            .iter()
            .copied()
            .filter(|t| types.height(*t) <= depth && !types.get(*t).is_primitive())
            .collect();
        if !fits.is_empty() {
            return *rng.pick(&fits);
        }
    }
    let id = gen_fresh_type(rng, types, depth);
    types.reusable.push(id);
    id
}

fn gen_fresh_type(rng: &mut Rng, types: &mut Types, depth: u32) -> TyId {
    let leaf = depth == 0 || rng.percent(45);
    if leaf {
        return match rng.weighted(&[26, 2, 2]) {
            0 => {
                // Strings a bit more often: they are where encodings matter.
                let t = if rng.percent(15) {
                    Ty::String
                } else {
                    rng.pick(&PRIMITIVES).clone()
                };
                types.add(t)
            }
            1 => {
                let n = gen_enum_len(rng);
                types.add(Ty::Enum(n))
            }
            _ => {
                let n = gen_flags_len(rng);
                types.add(Ty::Flags(n))
            }
        };
    }
    let d = depth - 1;
    match rng.weighted(&[5, 4, 3, 4, 3, 3]) {
        0 if rng.percent(30) => {
            // map<K, V>: keys are what WIT allows as map keys (integers,
            // bool, char, string), values anything.
            let k = if rng.percent(30) {
                Ty::String
            } else {
                rng.pick(&MAP_KEYS).clone()
            };
            let k = types.add(k);
            let v = gen_type(rng, types, d);
            let entry = types.add(Ty::Tuple(vec![k, v]));
            types.add(Ty::Map(entry))
        }
        0 => {
            let e = gen_type(rng, types, d);
            types.add(Ty::List(e))
        }
        1 => {
            let n = rng.range(1, 5);
            let fs = (0..n).map(|_| gen_type(rng, types, d)).collect();
            types.add(Ty::Record(fs))
        }
        2 => {
            let n = rng.range(1, 4);
            let fs = (0..n).map(|_| gen_type(rng, types, d)).collect();
            types.add(Ty::Tuple(fs))
        }
        3 => {
            let n = if rng.percent(4) {
                rng.range(255, 260)
            } else {
                rng.range(1, 6)
            };
            let payload_pct = if n > 6 { 2 } else { 70 };
            let cs = (0..n)
                .map(|_| {
                    if rng.percent(payload_pct) {
                        Some(gen_type(rng, types, d))
                    } else {
                        None
                    }
                })
                .collect();
            types.add(Ty::Variant(cs))
        }
        4 => {
            let t = gen_type(rng, types, d);
            types.add(Ty::Option(t))
        }
        _ => {
            let ok = rng.percent(80).then(|| gen_type(rng, types, d));
            let err = rng.percent(70).then(|| gen_type(rng, types, d));
            types.add(Ty::Result(ok, err))
        }
    }
}

/// A random function signature.
pub fn gen_sig(rng: &mut Rng, types: &mut Types) -> FuncSig {
    let n = match rng.weighted(&[8, 70, 22]) {
        0 => 0,
        1 => rng.range(1, 5),
        // Many params: usually more than 16 flat values, so they spill.
        _ => rng.range(8, 20),
    };
    let params: Vec<TyId> = (0..n)
        .map(|_| {
            let depth = rng.range(0, MAX_DEPTH as u64) as u32;
            gen_type(rng, types, depth)
        })
        .collect();
    let result = rng.percent(88).then(|| {
        let depth = rng.range(0, MAX_DEPTH as u64) as u32;
        gen_type(rng, types, depth)
    });
    let params_tuple = types.add(Ty::Tuple(params.clone()));
    FuncSig {
        params,
        result,
        params_tuple,
    }
}
