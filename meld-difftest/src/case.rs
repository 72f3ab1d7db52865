//! One random test case: one to three functions, each with a random
//! signature, string encodings and canonical options, called one or more
//! times with random arguments; the callee's candidate results; and
//! optionally one invalid value (a "mutation") that must make the run trap.
//! The expected outcome is computed here, in Rust, from the values alone.

use std::fmt;

use super::layout::{self, CoreSig};
use super::rng::{case_seed, splitmix64, Rng};
use super::types::{gen_sig, Encoding, FuncSig, Types};
use super::values::{gen_value, hash_words, mix, words, Budget, Val, HASH_INIT};
use super::wat_gen::{self, GUARD_WORD};
use super::wat_stream::{StreamCase, STREAM_ONE_IN};

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

/// How the callee lifts its function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalleeLift {
    /// `canon lift` (synchronous).
    Sync,
    /// `canon lift ... async (callback ...)`: the entry calls `task.return`
    /// and returns EXIT.
    Exit,
    /// As `Exit`, but the entry returns YIELD and so does the callback
    /// until it has been called this many times; then `task.return` and
    /// EXIT from the callback.
    Yield(u32),
    /// The entry calls `task.return` and returns YIELD; the callback EXITs.
    ReturnThenYield,
    /// `canon lift ... async` without a callback (stackful): the entry
    /// calls `task.return` and returns nothing.
    Stackful,
}

/// The async side of one function: its type, the callee's lift, the
/// caller's lower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsyncFunc {
    /// The component function type is `async`.
    pub ty_async: bool,
    pub lift: CalleeLift,
    /// `canon lower ... async`.
    pub lower_async: bool,
    /// The callee's `canon task.return` names the lift's memory (it may
    /// leave it out when the result needs none).
    pub task_return_memory: bool,
}

impl AsyncFunc {
    pub const SYNC: AsyncFunc = AsyncFunc {
        ty_async: false,
        lift: CalleeLift::Sync,
        lower_async: false,
        task_return_memory: false,
    };

    pub fn lift_async(&self) -> bool {
        self.lift != CalleeLift::Sync
    }

    /// The callee suspends before `task.return`.
    pub fn suspends(&self) -> bool {
        matches!(self.lift, CalleeLift::Yield(_))
    }
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
    /// Async lift / lower / type (all sync for a synchronous case).
    pub asy: AsyncFunc,
}

impl FuncCase {
    /// The core signature the caller's code calls (sync or async lower).
    pub fn caller_sig(&self, types: &Types) -> CoreSig {
        if self.asy.lower_async {
            layout::lower_async_sig(types, &self.sig)
        } else {
            layout::lower_sig(types, &self.sig)
        }
    }

    /// The core signature of the callee's entry (sync or async lift).
    pub fn callee_sig(&self, types: &Types) -> CoreSig {
        if self.asy.lift == CalleeLift::Stackful {
            layout::CoreSig {
                results: Vec::new(),
                ..layout::lift_async_sig(types, &self.sig)
            }
        } else if self.asy.lift_async() {
            layout::lift_async_sig(types, &self.sig)
        } else {
            layout::lift_sig(types, &self.sig)
        }
    }

    /// Whether the callee hands its result over through memory (a returned
    /// pointer, or a pointer passed to `task.return`).
    pub fn callee_result_in_memory(&self, types: &Types) -> bool {
        match (self.asy.lift_async(), self.sig.result) {
            (_, None) => false,
            (true, Some(r)) => layout::task_return_params(types, r).1,
            (false, Some(_)) => layout::lift_sig(types, &self.sig).result_in_memory,
        }
    }

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
        let a = &self.asy;
        if *a != AsyncFunc::SYNC {
            s.push_str(&format!(
                ", {}type, lift {:?}, lower {}",
                if a.ty_async { "async " } else { "sync " },
                a.lift,
                if a.lower_async { "async" } else { "sync" }
            ));
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
    /// `run` is lifted `async` with a callback (else synchronously).
    pub run_async: bool,
    /// An async `run` waits for a suspended subtask by returning WAIT to
    /// its callback (else by a blocking `waitable-set.wait` in its code).
    pub wait_in_callback: bool,
    /// An async `run` makes all its calls before waiting for any: the
    /// suspended subtasks are pending together (their events come in any
    /// order), and the results of the async-lowered calls are walked after
    /// the last one returned ([`Case::walk_order`]).
    pub concurrent: bool,
    /// An async `run` that waits blocking is lifted stackful (no callback).
    pub run_stackful: bool,
    /// A stream / future case ([`super::wat_stream`]): it replaces
    /// everything above in the composition and the checksum.
    pub stream: Option<StreamCase>,
}

impl Case {
    /// Whether the calls go through a proxy component.
    pub fn has_proxy(&self) -> bool {
        self.funcs.iter().any(|f| f.proxy_enc.is_some())
    }

    /// Whether anything in the case is async (then the composition uses
    /// component-model async).
    pub fn is_async(&self) -> bool {
        self.stream.is_none() && self.is_async_funcs()
    }

    /// Whether this is a stream / future case.
    pub fn is_stream(&self) -> bool {
        self.stream.is_some()
    }

    fn is_async_funcs(&self) -> bool {
        self.run_async || self.funcs.iter().any(|f| f.asy != AsyncFunc::SYNC)
    }

    /// The calls (indices into [`Case::order`]) in the order the caller
    /// walks their results: call order, except that a concurrent `run`
    /// walks the async-lowered ones last.
    pub fn walk_order(&self) -> Vec<usize> {
        let lowered_async = |c: &usize| self.funcs[self.order[*c].0].asy.lower_async;
        let all = 0..self.order.len();
        if !self.concurrent {
            return all.collect();
        }
        all.clone()
            .filter(|c| !lowered_async(c))
            .chain(all.filter(lowered_async))
            .collect()
    }

    /// Whether the callee needs its memory in an instance of its own (the
    /// memory its `canon task.return`s name).
    pub fn callee_split(&self) -> bool {
        self.funcs.iter().any(|f| f.asy.lift_async())
    }
}

/// Percentage of cases with an invalid value.
const MUTATION_PERCENT: u64 = 12;
/// Percentage of cases where the calls go through a proxy component.
const PROXY_PERCENT: u64 = 30;
/// Percentage of cases with one big (thousands of elements) list / string.
const BIG_PERCENT: u64 = 5;
/// Percentage of cases made async (drawn from a stream of their own, so a
/// synchronous case is the same as before async cases existed).
pub const ASYNC_PERCENT: u64 = 25;

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
        asy: AsyncFunc::SYNC,
    };
    f.selected = (0..f.calls.len())
        .map(|j| match f.candidates.len() {
            0 => 0,
            n => (f.params_hash(types, j) % n as u64) as usize,
        })
        .collect();
    f
}

/// Makes `case` async: `run` lifted async or not, and for each function an
/// async type, lift and lower where the engines allow them:
/// - `canon lower async` and `canon lift async` need an `async` type;
/// - a sync `run` may not block (wasmtime 48 traps a sync lower of an
///   `async` function from it, and `waitable-set.wait`), so it lowers an
///   `async` function async, and only from a callee that does not suspend
///   before `task.return`;
/// - with a proxy, `run` is async and lowers synchronously (a proxy
///   started by an async call would suspend on its own call, where
///   wasmtime 48 and meld's one stack differ: docs/async.md).
fn make_async(case: &mut Case, rng: &mut Rng) {
    let proxy = case.has_proxy();
    case.run_async = proxy || rng.percent(60);
    case.wait_in_callback = rng.percent(50);
    for f in &mut case.funcs {
        let lift = loop {
            let l = match rng.weighted(&[2, 3, 3, 1, 1]) {
                0 => CalleeLift::Sync,
                1 => CalleeLift::Exit,
                2 => CalleeLift::Yield(rng.range(1, 2) as u32),
                3 => CalleeLift::ReturnThenYield,
                _ => CalleeLift::Stackful,
            };
            if case.run_async || !matches!(l, CalleeLift::Yield(_)) {
                break l;
            }
        };
        let mut ty_async = lift != CalleeLift::Sync || rng.percent(40);
        let lower_async = !proxy && ((!case.run_async && ty_async) || rng.percent(50));
        // the validator wants an `async` type for an async lower
        ty_async |= lower_async;
        f.asy = AsyncFunc {
            ty_async,
            lift,
            lower_async,
            task_return_memory: rng.percent(70),
        };
    }
    if !case.is_async() {
        case.funcs[0].asy = AsyncFunc {
            ty_async: true,
            lift: CalleeLift::Exit,
            lower_async: true,
            task_return_memory: true,
        };
    }
    let types = &case.types;
    for f in &mut case.funcs {
        if f.asy.lift_async() {
            // `post-return` is not allowed with an async lift
            f.lift.post_return = false;
        }
        let a = f.asy;
        if a.lower_async {
            // the result's place and spilled params are in memory
            let sig = layout::lower_async_sig(types, &f.sig);
            f.lower.memory |= sig.result_in_memory || sig.params_spilled;
        }
        // task.return names the lift's memory when it needs one
        let needs = f
            .sig
            .result
            .is_some_and(|r| types.has_pointers(r) || layout::task_return_params(types, r).1);
        f.asy.task_return_memory = f.lift.memory && (needs || a.task_return_memory);
    }
    case.concurrent = case.run_async && rng.percent(40);
    case.run_stackful = case.run_async && !case.wait_in_callback && rng.percent(35);
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
            run_async: false,
            wait_in_callback: false,
            concurrent: false,
            run_stackful: false,
            stream: None,
        };
        let mut arng = Rng::new(splitmix64(case_seed(seed, index) ^ 0xa5a5_a5a5_a5a5));
        if arng.percent(ASYNC_PERCENT) {
            make_async(&mut case, &mut arng);
        }
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
        // drawn from a stream of its own: every other case is as before
        let mut srng = Rng::new(splitmix64(case_seed(seed, index) ^ 0x5757_5757_5757));
        if srng.below(STREAM_ONE_IN) == 0 {
            case.stream = Some(StreamCase::generate(&mut srng));
            case.mutation = None;
        }
        case
    }

    pub fn expected(&self) -> Expect {
        if let Some(s) = &self.stream {
            return Expect::Value(s.expected());
        }
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
        }
        for c in self.walk_order() {
            let (k, j) = self.order[c];
            let f = &self.funcs[k];
            if let Some(r) = f.sig.result {
                let v = &f.candidates[f.selected[j]];
                words(&self.types, r, v, f.caller_enc, &mut ws);
                if f.caller_sig(&self.types).result_in_memory {
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
        if let Some(s) = &self.stream {
            return format!("make: func() -> {}", s.signature());
        }
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
        if let Some(s) = &self.stream {
            return s.options();
        }
        let mut parts: Vec<String> = self
            .funcs
            .iter()
            .enumerate()
            .map(|(k, f)| format!("f{k}: {}", f.options(&self.types)))
            .collect();
        if self.dirty {
            parts.push("dirty".into());
        }
        if self.run_async {
            parts.push(format!(
                "async run (waits {})",
                if self.wait_in_callback {
                    "in its callback"
                } else {
                    "blocking"
                }
            ));
            if self.concurrent {
                parts.push("calls concurrent".into());
            }
            if self.run_stackful {
                parts.push("run stackful".into());
            }
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
