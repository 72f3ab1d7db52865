//! One random test case: one to three functions, each with a random
//! signature, string encodings and canonical options, called one or more
//! times with random arguments; the callee's candidate results; and
//! optionally one invalid value (a "mutation") that must make the run trap.
//! The expected outcome is computed here, in Rust, from the values alone.

use std::fmt;

use super::layout;
use super::rng::{case_seed, Rng};
use super::types::{gen_sig, Encoding, FuncSig, Types};
use super::values::{gen_value, hash_words, mix, words, Budget, Val, HASH_INIT};
use super::wat_gen::{self, GUARD_WORD};

/// Canonical options of one side.
#[derive(Clone, Debug)]
pub struct CanonOpts {
    pub memory: bool,
    pub realloc: bool,
    /// `None`: left out (the default, utf8).
    pub encoding: Option<Encoding>,
    /// Lift only.
    pub post_return: bool,
}

/// One component function `f<N>` between caller and callee.
#[derive(Clone, Debug)]
pub struct FuncCase {
    pub sig: FuncSig,
    pub caller_enc: Encoding,
    pub callee_enc: Encoding,
    /// With a proxy component in the middle: its string encoding.
    pub proxy_enc: Option<Encoding>,
    pub lift: CanonOpts,
    pub lower: CanonOpts,
    /// Argument values, one set per call.
    pub calls: Vec<Vec<Val>>,
    /// Results the callee can return (empty without a result type).
    pub candidates: Vec<Val>,
    /// Per call, the candidate the callee picks: its params checksum
    /// modulo the number of candidates.
    pub selected: Vec<usize>,
}

impl FuncCase {
    /// The checksum the callee computes over the params of call `j`.
    pub fn params_hash(&self, types: &Types, j: usize) -> u64 {
        let mut ws = Vec::new();
        words(
            types,
            self.sig.params_tuple,
            &Val::Seq(self.calls[j].clone()),
            self.callee_enc,
            &mut ws,
        );
        hash_words(HASH_INIT, &ws)
    }

    pub fn options(&self, types: &Types) -> String {
        let mut s = self.caller_enc.wat_name().to_string();
        if let Some(p) = self.proxy_enc {
            s.push_str(&format!(" -> proxy {}", p.wat_name()));
        }
        s.push_str(&format!(" -> {}", self.callee_enc.wat_name()));
        let lift = layout::lift_sig(types, &self.sig);
        if lift.params_spilled {
            s.push_str(", spilled");
        }
        if lift.result_in_memory {
            s.push_str(", retptr");
        }
        if self.lift.post_return {
            s.push_str(", post-return");
        }
        if self.calls.len() > 1 {
            s.push_str(&format!(", {} calls", self.calls.len()));
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutSide {
    /// An invalid value in the caller's arguments.
    Args,
    /// An invalid value in the result the callee returns.
    Result,
}

#[derive(Clone, Debug)]
pub struct Mutation {
    pub side: MutSide,
    /// The call (index into [`Case::order`]) whose arguments / result get
    /// the invalid value.
    pub call: usize,
    /// Which mutation site (in walk order) gets it.
    pub site: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Value(u64),
    Trap,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Value(v) => write!(f, "{v}"),
            Expect::Trap => write!(f, "trap"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Case {
    pub seed: u64,
    pub index: u64,
    pub types: Types,
    pub funcs: Vec<FuncCase>,
    /// The calls `run` makes, in order: (function, call number).
    pub order: Vec<(usize, usize)>,
    /// Use the representation freedoms the receiver must ignore.
    pub dirty: bool,
    pub dirt_seed: u64,
    /// Start the caller's / callee's allocator at the end of its memory, so
    /// every allocation grows it.
    pub caller_heap_at_edge: bool,
    pub callee_heap_at_edge: bool,
    pub mutation: Option<Mutation>,
}

impl Case {
    /// Whether the calls go through a proxy component.
    pub fn has_proxy(&self) -> bool {
        self.funcs.iter().any(|f| f.proxy_enc.is_some())
    }
}

/// Percentage of cases with an invalid value.
const MUTATION_PERCENT: u64 = 12;
/// Percentage of cases where the calls go through a proxy component.
const PROXY_PERCENT: u64 = 30;
/// Percentage of cases with one big (thousands of elements) list / string.
const BIG_PERCENT: u64 = 5;

fn gen_opts(
    rng: &mut Rng,
    mem_needed: bool,
    realloc_needed: bool,
    enc: Encoding,
    lift: bool,
) -> CanonOpts {
    let memory = mem_needed || rng.percent(40);
    let realloc = realloc_needed || (memory && rng.percent(40));
    let encoding = if enc == Encoding::Utf8 && rng.percent(40) {
        None
    } else {
        Some(enc)
    };
    let post_return = lift && rng.percent(70);
    CanonOpts {
        memory,
        realloc,
        encoding,
        post_return,
    }
}

fn gen_func(rng: &mut Rng, types: &mut Types, budget: &mut Budget, proxy: bool) -> FuncCase {
    let sig = gen_sig(rng, types);
    let caller_enc = *rng.pick(&Encoding::ALL);
    let callee_enc = *rng.pick(&Encoding::ALL);
    let proxy_enc = proxy.then(|| *rng.pick(&Encoding::ALL));
    let ncalls = *rng.pick(&[1, 1, 1, 2, 3]);
    let calls: Vec<Vec<Val>> = (0..ncalls)
        .map(|_| {
            sig.params
                .iter()
                .map(|p| gen_value(rng, types, *p, budget.fresh()))
                .collect()
        })
        .collect();
    let candidates: Vec<Val> = match sig.result {
        Some(r) => (0..rng.range(1, 3))
            .map(|_| gen_value(rng, types, r, budget.fresh()))
            .collect(),
        None => Vec::new(),
    };
    let params_ptrs = types.has_pointers(sig.params_tuple);
    let result_ptrs = sig.result.is_some_and(|r| types.has_pointers(r));
    let lift_sig = layout::lift_sig(types, &sig);
    let mem_needed =
        params_ptrs || result_ptrs || lift_sig.params_spilled || lift_sig.result_in_memory;
    let lift = gen_opts(
        rng,
        mem_needed,
        params_ptrs || lift_sig.params_spilled,
        callee_enc,
        true,
    );
    let lower = gen_opts(rng, mem_needed, result_ptrs, caller_enc, false);
    let mut f = FuncCase {
        sig,
        caller_enc,
        callee_enc,
        proxy_enc,
        lift,
        lower,
        calls,
        candidates,
        selected: Vec::new(),
    };
    f.selected = (0..f.calls.len())
        .map(|j| match f.candidates.len() {
            0 => 0,
            n => (f.params_hash(types, j) % n as u64) as usize,
        })
        .collect();
    f
}

impl Case {
    pub fn generate(seed: u64, index: u64) -> Case {
        let mut rng = Rng::new(case_seed(seed, index));
        let mut types = Types::default();
        let mut budget = Budget::new(rng.percent(BIG_PERCENT));
        let nfuncs = *rng.pick(&[1, 1, 1, 2, 3]);
        let proxy = rng.percent(PROXY_PERCENT);
        let funcs: Vec<FuncCase> = (0..nfuncs)
            .map(|_| gen_func(&mut rng, &mut types, &mut budget, proxy))
            .collect();
        let mut order: Vec<(usize, usize)> = funcs
            .iter()
            .enumerate()
            .flat_map(|(k, f)| (0..f.calls.len()).map(move |j| (k, j)))
            .collect();
        // shuffle, keeping each function's calls in order
        for i in (1..order.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            order.swap(i, j);
        }
        let mut seen_j = vec![0; funcs.len()];
        for slot in order.iter_mut() {
            slot.1 = seen_j[slot.0];
            seen_j[slot.0] += 1;
        }

        let mut case = Case {
            seed,
            index,
            types,
            funcs,
            order,
            dirty: rng.percent(60),
            dirt_seed: rng.next_u64(),
            caller_heap_at_edge: rng.percent(15),
            callee_heap_at_edge: rng.percent(15),
            mutation: None,
        };
        if rng.percent(MUTATION_PERCENT) {
            let arg_sites = wat_gen::caller_data(&case, None).sites;
            let res_sites = wat_gen::callee_data(&case, None).sites;
            let mut choices = Vec::new();
            for (c, &(k, j)) in case.order.iter().enumerate() {
                if arg_sites[c] > 0 {
                    choices.push((MutSide::Args, c, arg_sites[c]));
                }
                let n = res_sites[k]
                    .get(case.funcs[k].selected[j])
                    .copied()
                    .unwrap_or(0);
                if n > 0 {
                    choices.push((MutSide::Result, c, n));
                }
            }
            if !choices.is_empty() {
                let (side, call, n) = *rng.pick(&choices);
                case.mutation = Some(Mutation {
                    side,
                    call,
                    site: rng.below(n as u64) as usize,
                });
            }
        }
        case
    }

    pub fn expected(&self) -> Expect {
        if self.mutation.is_some() {
            return Expect::Trap;
        }
        let mut ws = Vec::new();
        let mut seen = HASH_INIT;
        let mut post = 0;
        for &(k, j) in &self.order {
            let f = &self.funcs[k];
            seen = mix(seen, f.params_hash(&self.types, j));
            post += f.lift.post_return as u64;
            if let Some(r) = f.sig.result {
                let v = &f.candidates[f.selected[j]];
                words(&self.types, r, v, f.caller_enc, &mut ws);
                if layout::lower_sig(&self.types, &f.sig).result_in_memory {
                    ws.push(GUARD_WORD);
                }
            }
        }
        // `seen()`: post-return calls, then the callee realloc's bad flag
        ws.push(hash_words(seen, &[post, 0]));
        ws.push(0); // the caller realloc's bad-alignment flag
        Expect::Value(hash_words(HASH_INIT, &ws))
    }

    pub fn signature(&self) -> String {
        let sigs: Vec<String> = self
            .funcs
            .iter()
            .enumerate()
            .map(|(k, f)| format!("f{k}: {}", f.sig.display(&self.types)))
            .collect();
        sigs.join("; ")
    }

    /// Everything but the signatures that shapes the case, for reports.
    pub fn options(&self) -> String {
        let mut parts: Vec<String> = self
            .funcs
            .iter()
            .enumerate()
            .map(|(k, f)| format!("f{k}: {}", f.options(&self.types)))
            .collect();
        if self.dirty {
            parts.push("dirty".into());
        }
        if self.caller_heap_at_edge || self.callee_heap_at_edge {
            parts.push(format!(
                "heap at edge: caller {}, callee {}",
                self.caller_heap_at_edge, self.callee_heap_at_edge
            ));
        }
        if let Some(m) = &self.mutation {
            let (k, _) = self.order[m.call];
            parts.push(format!(
                "invalid value in call {} (f{k}) {:?} site {}",
                m.call, m.side, m.site
            ));
        }
        parts.join("; ")
    }

    /// The composition as WAT, with an expectation header.
    pub fn to_wat(&self) -> String {
        format!(
            ";; expect: run = {}\n;; meld-difftest seed {} case {}\n;; {}\n;; {}\n{}",
            self.expected(),
            self.seed,
            self.index,
            self.signature(),
            self.options(),
            wat_gen::render(self)
        )
    }
}
