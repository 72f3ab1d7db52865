//! The composition-specific modules of the async runtime, as WAT (assembled
//! at fuse time, and only for a composition that uses async: a synchronous
//! one never reaches this file). Each bakes constants into calls of the
//! runtime ([`super::async_rt_wat`]) or calls component code through the
//! runtime's `calls` table with a type known here.

fn list(kw: &str, tys: &[&str]) -> String {
    if tys.is_empty() {
        String::new()
    } else {
        format!("({kw} {})", tys.join(" "))
    }
}

fn gets(from: u32, n: usize) -> String {
    (0..n)
        .map(|i| format!("(local.get {})", from as usize + i))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `f(params) -> results` calling runtime export `name` with `consts`
/// before the parameters.
pub fn bake(name: &str, consts: &[i32], params: &[&str], results: &[&str]) -> String {
    let mut rt_params: Vec<&str> = consts.iter().map(|_| "i32").collect();
    rt_params.extend_from_slice(params);
    let c: String = consts.iter().map(|c| format!("(i32.const {c}) ")).collect();
    format!(
        "(module\n  (import \"rt\" \"{name}\" (func $rt {} {}))\n  (func (export \"f\") {} {}\n    {c}{} (call $rt)))",
        list("param", &rt_params),
        list("result", results),
        list("param", params),
        list("result", results),
        gets(0, params.len()),
    )
}

/// `waitable-set.poll` (`wait`: `waitable-set.wait`, with its async
/// option `async_`) of instance `inst` writing the event's payload
/// (handle, result; the runtime's `ws_poll`/`ws_wait` give event, handle,
/// result) at `payload` in the caller's memory (imported as `m.memory`),
/// checked as wasmtime checks it.
pub fn ws_poll(inst: u32, wait: Option<bool>) -> String {
    let (import, consts) = match wait {
        None => (
            r#"(import "rt" "ws_poll" (func $rt (param i32 i32) (result i32 i32 i32)))"#
                .to_string(),
            format!("(i32.const {inst})"),
        ),
        Some(a) => (
            r#"(import "rt" "ws_wait" (func $rt (param i32 i32 i32) (result i32 i32 i32)))"#
                .to_string(),
            format!("(i32.const {inst}) (i32.const {})", a as i32),
        ),
    };
    format!(
        r#"(module
  {import}
  (import "m" "memory" (memory $m 0))
  (func $"pointer not aligned" unreachable)
  (func $"pointer out of bounds" unreachable)
  (func (export "f") (param $set i32) (param $p i32) (result i32)
    (local $ev i32) (local $a i32) (local $b i32)
    (call $rt {consts} (local.get $set))
    (local.set $b) (local.set $a) (local.set $ev)
    (if (i32.and (local.get $p) (i32.const 3)) (then (call $"pointer not aligned")))
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $p)) (i64.const 8))
                  (i64.mul (i64.extend_i32_u (memory.size $m)) (i64.const 65536)))
      (then (call $"pointer out of bounds")))
    (i32.store $m (local.get $p) (local.get $a))
    (i32.store $m offset=4 (local.get $p) (local.get $b))
    (local.get $ev)))"#
    )
}

/// `error-context.new` of instance `inst` with string encoding `enc` (0
/// utf8, 1 utf16, 2 latin1+utf16) in the caller's memory (`m.memory`):
/// the message copied into the runtime (`ec_new`, `ec_set`).
pub fn ec_new(inst: u32, enc: u32) -> String {
    format!(
        r#"(module
  (import "rt" "ec_new" (func $new (param i32 i32 i32 i32) (result i32 i32)))
  (import "rt" "ec_set" (func $set (param i32 i32 i32)))
  (import "m" "memory" (memory $m 0))
  (func $"string pointer/length out of bounds of memory" unreachable)
  (func (export "f") (param $p i32) (param $len i32) (result i32)
    (local $n i32) (local $h i32) (local $r i32) (local $i i32)
    (local.set $n {bytes})
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $p)) (i64.extend_i32_u (local.get $n)))
                  (i64.mul (i64.extend_i32_u (memory.size $m)) (i64.const 65536)))
      (then (call $"string pointer/length out of bounds of memory")))
    (call $new (i32.const {inst}) (local.get $n) (i32.const {enc}) (local.get $len))
    (local.set $r) (local.set $h)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $set (local.get $r) (local.get $i) (i32.load8_u $m (i32.add (local.get $p) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $h)))"#,
        bytes = match enc {
            0 => "(local.get $len)",
            1 => "(i32.shl (local.get $len) (i32.const 1))",
            _ => "(select (i32.shl (i32.and (local.get $len) (i32.const 0x7fffffff)) (i32.const 1)) (local.get $len) (i32.and (local.get $len) (i32.const 0x80000000)))",
        }
    )
}

/// `error-context.debug-message` of instance `inst` with string encoding
/// `enc`, memory `m.memory` and realloc `r.realloc`: the message lowered
/// (a new allocation) and its (pointer, length) written at the pointer.
pub fn ec_message(inst: u32, enc: u32) -> String {
    format!(
        r#"(module
  (import "rt" "ec_info" (func $info (param i32 i32) (result i32 i32 i32 i32)))
  (import "rt" "ec_get" (func $get (param i32 i32) (result i32)))
  (import "m" "memory" (memory $m 0))
  (import "r" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
  (func $"invalid debug message pointer: out of bounds" unreachable)
  (func $"meld: an error-context's debug message read in another string encoding (not supported yet)" unreachable)
  (func $"realloc return: beyond end of memory" unreachable)
  (func (export "f") (param $h i32) (param $rp i32)
    (local $r i32) (local $e i32) (local $len i32) (local $n i32) (local $d i32) (local $i i32)
    (call $info (i32.const {inst}) (local.get $h))
    (local.set $n) (local.set $len) (local.set $e) (local.set $r)
    (if (i32.ne (local.get $e) (i32.const {enc}))
      (then (call $"meld: an error-context's debug message read in another string encoding (not supported yet)")))
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $rp)) (i64.const 8))
                  (i64.mul (i64.extend_i32_u (memory.size $m)) (i64.const 65536)))
      (then (call $"invalid debug message pointer: out of bounds")))
    (local.set $d (call $realloc (i32.const 0) (i32.const 0) (i32.const {align}) (local.get $n)))
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $d)) (i64.extend_i32_u (local.get $n)))
                  (i64.mul (i64.extend_i32_u (memory.size $m)) (i64.const 65536)))
      (then (call $"realloc return: beyond end of memory")))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 $m (i32.add (local.get $d) (local.get $i)) (call $get (local.get $r) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store $m (local.get $rp) (local.get $d))
    (i32.store $m offset=4 (local.get $rp) (local.get $len))))"#,
        align = if enc == 0 { 1 } else { 2 },
    )
}

/// `error-context.transfer`: FACT passes the source and destination
/// error-context table types; `instances[k]` is table type k's instance.
pub fn ec_transfer(instances: &[u32]) -> String {
    let case = |v: &str| {
        let mut c = String::from("(unreachable)");
        for (k, i) in instances.iter().enumerate().rev() {
            c = format!("(if (result i32) (i32.eq (local.get {v}) (i32.const {k})) (then (i32.const {i})) (else {c}))");
        }
        c
    };
    format!(
        r#"(module
  (import "rt" "ec_transfer" (func $t (param i32 i32 i32) (result i32)))
  (func (export "f") (param $idx i32) (param $src i32) (param $dst i32) (result i32)
    (call $t {src} (local.get $idx) {dst})))"#,
        src = case("$src"),
        dst = case("$dst"),
    )
}

/// The module between the runtime and the host's async built-ins (one per
/// composition with async host imports): the host's subtasks join one
/// waitable set of the host's, and the runtime waits on it; the event's
/// payload lands in this module's own memory (the `[waitable-set-wait]`
/// import's memory: nothing of any component's).
/// The bridge to the host's async built-ins (`host_bridge`): its own
/// memory holds the event `waitable-set.wait` writes and the elements of
/// host stream copies in flight.
pub const HOST_BRIDGE_WAT: &str = r#"(module
  (import "h" "new" (func $new (result i32)))
  (import "h" "wait" (func $wait (param i32 i32) (result i32)))
  (import "h" "join" (func $join (param i32 i32)))
  (import "h" "drop" (func $drop (param i32)))
  (memory (export "memory") 1)
  (global $set (mut i32) (i32.const 0))
  (func (export "join") (param $wh i32)
    (if (i32.eqz (global.get $set)) (then (global.set $set (call $new))))
    (call $join (local.get $wh) (global.get $set)))
  (func (export "wait") (result i32 i32 i32)
    (call $wait (global.get $set) (i32.const 0))
    (i32.load (i32.const 0))
    (i32.load (i32.const 4)))
  (func (export "drop") (param i32) (call $drop (local.get 0)))
  (func (export "hs_set") (result i32)
    (if (i32.eqz (global.get $set)) (then (global.set $set (call $new))))
    (global.get $set))
  (func (export "hs_leave") (param $wh i32) (call $join (local.get $wh) (i32.const 0))))"#;

/// The bridge of a composition whose host imports and exports pass
/// streams or futures: [`HOST_BRIDGE_WAT`] plus, for each host type `k`
/// (`kinds[k]`: 1 stream, 2 future), the host's seven built-ins of that
/// type (imported as `s.new<k>`, `s.read<k>`, `s.write<k>`,
/// `s.cancel_read<k>`, `s.cancel_write<k>`, `s.drop_readable<k>`,
/// `s.drop_writable<k>`; copies and cancels async, copies in the bridge's
/// memory), dispatched by type, and a first-fit allocator of copy buffers
/// in its memory.
pub fn host_bridge(kinds: &[u32]) -> String {
    let mut s = HOST_BRIDGE_WAT.to_string();
    let mut imports = String::new();
    let dispatch = |op: &str, args: &str| {
        let mut c = String::from("(unreachable)");
        for k in (0..kinds.len()).rev() {
            c = format!(
                "(if (result i32) (i32.eq (local.get $k) (i32.const {k})) (then (call ${op}{k} {args})) (else {c}))"
            );
        }
        c
    };
    for (k, kind) in kinds.iter().enumerate() {
        let copy = if *kind == 1 {
            "(param i32 i32 i32)"
        } else {
            "(param i32 i32)"
        };
        for (op, ty) in [
            ("new", "(result i64)".to_string()),
            ("read", format!("{copy} (result i32)")),
            ("write", format!("{copy} (result i32)")),
            ("cancel_read", "(param i32) (result i32)".to_string()),
            ("cancel_write", "(param i32) (result i32)".to_string()),
            ("drop_readable", "(param i32)".to_string()),
            ("drop_writable", "(param i32)".to_string()),
        ] {
            imports.push_str(&format!(
                "  (import \"s\" \"{op}{k}\" (func ${op}{k} {ty}))\n"
            ));
        }
    }
    // imports go before the memory
    let at = s.find("  (memory").expect("the bridge's memory");
    s.insert_str(at, &imports);
    let copy_args = |k: usize| {
        if kinds[k] == 1 {
            "(local.get $h) (local.get $p) (local.get $n)"
        } else {
            "(local.get $h) (local.get $p)"
        }
    };
    let by_kind = |body: &dyn Fn(usize) -> String| {
        let mut c = String::from("(unreachable)");
        for k in (0..kinds.len()).rev() {
            c = format!(
                "(if (result i32) (i32.eq (local.get $k) (i32.const {k})) (then {}) (else {c}))",
                body(k)
            );
        }
        c
    };
    let new_case = {
        let mut c = String::from("(unreachable)");
        for k in (0..kinds.len()).rev() {
            c = format!(
                "(if (result i64) (i32.eq (local.get $k) (i32.const {k})) (then (call $new{k})) (else {c}))"
            );
        }
        c
    };
    let read = by_kind(&|k| format!("(call $read{k} {})", copy_args(k)));
    let write = by_kind(&|k| format!("(call $write{k} {})", copy_args(k)));
    let cread = dispatch("cancel_read", "(local.get $h)");
    let cwrite = dispatch("cancel_write", "(local.get $h)");
    let mut dread = String::new();
    let mut dwrite = String::new();
    for k in 0..kinds.len() {
        dread.push_str(&format!(
            "    (if (i32.eq (local.get $k) (i32.const {k})) (then (call $drop_readable{k} (local.get $h))))\n"
        ));
        dwrite.push_str(&format!(
            "    (if (i32.eq (local.get $k) (i32.const {k})) (then (call $drop_writable{k} (local.get $h))))\n"
        ));
    }
    let tail = format!(
        r#"  (func (export "hs_new") (param $k i32) (result i64)
    {new_case})
  (func (export "hs_copy") (param $k i32) (param $side i32) (param $h i32) (param $p i32) (param $n i32) (result i32)
    (if (result i32) (local.get $side) (then {write}) (else {read})))
  (func (export "hs_cancel") (param $k i32) (param $side i32) (param $h i32) (result i32)
    (if (result i32) (local.get $side) (then {cwrite}) (else {cread})))
  (func (export "hs_drop") (param $k i32) (param $side i32) (param $h i32)
    (if (local.get $side)
      (then
{dwrite}      )
      (else
{dread}      )))
  ;; Copy buffers: blocks of [size][next], 8-aligned, after the event at 0.
  (global $top (mut i32) (i32.const 16))
  (global $free (mut i32) (i32.const 0))
  (func $hs_alloc (export "hs_alloc") (param $n i32) (result i32)
    (local $b i32) (local $prev i32) (local $end i32)
    (local.set $n (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
    (local.set $b (global.get $free))
    (block $none
      (loop $next
        (br_if $none (i32.eqz (local.get $b)))
        (if (i32.ge_u (i32.load (local.get $b)) (local.get $n))
          (then
            (if (local.get $prev)
              (then (i32.store offset=4 (local.get $prev) (i32.load offset=4 (local.get $b))))
              (else (global.set $free (i32.load offset=4 (local.get $b)))))
            (return (i32.add (local.get $b) (i32.const 8)))))
        (local.set $prev (local.get $b))
        (local.set $b (i32.load offset=4 (local.get $b)))
        (br $next)))
    (local.set $b (global.get $top))
    (local.set $end (i32.add (i32.add (local.get $b) (i32.const 8)) (local.get $n)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 65535))
                                                     (i32.shl (memory.size) (i32.const 16)))
                                            (i32.const 16)))
                    (i32.const -1))
          (then (unreachable)))))
    (i32.store (local.get $b) (local.get $n))
    (global.set $top (local.get $end))
    (i32.add (local.get $b) (i32.const 8)))
  (func $hs_free (export "hs_free") (param $p i32)
    (if (i32.eqz (local.get $p)) (then (return)))
    (local.set $p (i32.sub (local.get $p) (i32.const 8)))
    (i32.store offset=4 (local.get $p) (global.get $free))
    (global.set $free (local.get $p)))
  ;; `realloc` for strings and lists placed in this memory (by a copier,
  ;; or by the host's `stream.read`): each block is pushed on a chain
  ;; (through its header's free `next` word) to be freed with its copy.
  (global $chain (mut i32) (i32.const 0))
  (func (export "realloc") (param $old i32) (param $osize i32) (param $align i32) (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (call $hs_alloc (local.get $n)))
    (if (local.get $old)
      (then
        (memory.copy (local.get $p) (local.get $old)
          (select (local.get $osize) (local.get $n) (i32.lt_u (local.get $osize) (local.get $n))))))
    (i32.store offset=4 (i32.sub (local.get $p) (i32.const 8)) (global.get $chain))
    (global.set $chain (i32.sub (local.get $p) (i32.const 8)))
    (local.get $p))
  (func (export "hs_mark") (result i32) (global.get $chain))
  ;; The blocks pushed since `mark`, as a chain of their own (0: none).
  (func (export "hs_cut") (param $mark i32) (result i32)
    (local $head i32) (local $b i32)
    (local.set $head (global.get $chain))
    (if (i32.eq (local.get $head) (local.get $mark)) (then (return (i32.const 0))))
    (local.set $b (local.get $head))
    (loop $next
      (if (i32.ne (i32.load offset=4 (local.get $b)) (local.get $mark))
        (then (local.set $b (i32.load offset=4 (local.get $b))) (br $next))))
    (i32.store offset=4 (local.get $b) (i32.const 0))
    (global.set $chain (local.get $mark))
    (local.get $head))
  (func (export "hs_free_chain") (param $b i32)
    (local $next i32)
    (block $done (loop $more
      (br_if $done (i32.eqz (local.get $b)))
      (local.set $next (i32.load offset=4 (local.get $b)))
      (call $hs_free (i32.add (local.get $b) (i32.const 8)))
      (local.set $b (local.get $next))
      (br $more))))
)"#
    );
    // replace the closing `)` of HOST_BRIDGE_WAT with the additions
    let close = s.rfind(')').expect("the module's end");
    s.truncate(close);
    s.push_str(&tail);
    s
}

/// The runtime's host imports when the composition has no async host
/// import and no host stream (never called: no host subtask or host stream
/// ever exists).
pub const NO_HOST_WAT: &str = r#"(module
  (func (export "wait") (result i32 i32 i32) unreachable)
  (func (export "join") (param i32) unreachable)
  (func (export "drop") (param i32) unreachable)
  (func (export "hs_new") (param i32) (result i64) unreachable)
  (func (export "hs_copy") (param i32 i32 i32 i32 i32) (result i32) unreachable)
  (func (export "hs_cancel") (param i32 i32 i32) (result i32) unreachable)
  (func (export "hs_drop") (param i32 i32 i32) unreachable)
  (func (export "hs_alloc") (param i32) (result i32) unreachable)
  (func (export "hs_free") (param i32) unreachable)
  (func (export "hs_set") (result i32) unreachable)
  (func (export "hs_leave") (param i32) unreachable)
  (func (export "hs_mark") (result i32) unreachable)
  (func (export "hs_cut") (param i32) (result i32) unreachable)
  (func (export "hs_free_chain") (param i32) unreachable))"#;

/// An async-lowered host import of instance `inst` (`h.f`, the host's own
/// async lower: `params -> status`): a call the host has not finished
/// gets a subtask in the caller's table (`host_sub`).
pub fn host_call(inst: u32, params: &[&str]) -> String {
    format!(
        r#"(module
  (import "rt" "host_sub" (func $sub (param i32 i32) (result i32)))
  (import "h" "f" (func $h {p} (result i32)))
  (func (export "f") {p} (result i32)
    (call $sub (i32.const {inst}) (call $h {args}))))"#,
        p = list("param", params),
        args = gets(0, params.len()),
    )
}

/// `value` (of core type `ty`, on the stack) as an i64.
fn to_i64(ty: &str) -> &'static str {
    match ty {
        "i32" => "(i64.extend_i32_u)",
        "f32" => "(i32.reinterpret_f32) (i64.extend_i32_u)",
        "f64" => "(i64.reinterpret_f64)",
        _ => "",
    }
}

/// An i64 (on the stack) as core type `ty`.
fn from_i64(ty: &str) -> &'static str {
    match ty {
        "i32" => "(i32.wrap_i64)",
        "f32" => "(i32.wrap_i64) (f32.reinterpret_i32)",
        "f64" => "(f64.reinterpret_i64)",
        _ => "",
    }
}

/// `task.return` with core parameters `params`, of result type `ty`,
/// memory id `mem` and string encoding `enc`: the runtime checks the task,
/// then the caller's `return` adapter is called through `calls` with the
/// shape the caller's lowering gave it.
pub fn task_return(params: &[&str], ty: u32, mem: u32, enc: u32) -> String {
    let n = params.len();
    let mut heap = params.to_vec();
    heap.push("i32");
    let one = if n == 1 {
        format!(
            "  (type $one (func (param {p}) (result {p})))\n",
            p = params[0]
        )
    } else {
        String::new()
    };
    let one_case = if n == 1 {
        format!(
            "(local.get 0) (call_indirect $calls (type $one) (i32.add (local.get $base) (i32.const 1))) {} (call $stash)",
            to_i64(params[0])
        )
    } else {
        "(unreachable)".to_string()
    };
    format!(
        r#"(module
  (import "rt" "task_return" (func $tr (param i32 i32 i32) (result i32 i32 i32)))
  (import "rt" "stash" (func $stash (param i64)))
  (import "rt" "calls" (table $calls 0 funcref))
  (type $heap (func {heap}))
  (type $none (func {none}))
{one}  (func (export "f") {none}
    (local $kind i32) (local $rp i32) (local $base i32)
    (call $tr (i32.const {ty}) (i32.const {mem}) (i32.const {enc}))
    (local.set $base) (local.set $rp) (local.set $kind)
    (if (i32.eqz (local.get $kind))
      (then {args} (local.get $rp) (call_indirect $calls (type $heap) (i32.add (local.get $base) (i32.const 1))) (return)))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then {args} (call_indirect $calls (type $none) (i32.add (local.get $base) (i32.const 1))) (return)))
    {one_case}))"#,
        heap = list("param", &heap),
        none = list("param", params),
        args = gets(0, n),
    )
}

/// The thunk every export of an async composition is called through: a
/// fresh task of instance `inst` around the call.
pub fn export_thunk(inst: u32, params: &[&str], results: &[&str]) -> String {
    format!(
        r#"(module
  (import "rt" "host_enter" (func $enter (param i32)))
  (import "rt" "host_exit" (func $exit))
  (import "f" "f" (func $f {p} {r}))
  (func (export "f") {p} {r}
    (call $enter (i32.const {inst}))
    {args} (call $f)
    (call $exit)))"#,
        p = list("param", params),
        r = list("result", results),
        args = gets(0, params.len()),
    )
}

/// The thunk of an async (callback-lifted) export `params -> code`: a
/// fresh task of instance `inst` (task.return type `ty`, memory id `mem`,
/// encoding `enc`) that the runtime drives to its end on this stack (its
/// callback called with each event), its result handed to the host's
/// `task.return` (`ret`, imported as `h.ret`). Returns EXIT (0): the host
/// has the result.
pub fn async_export(
    inst: u32,
    ty: u32,
    mem: u32,
    enc: u32,
    params: &[&str],
    ret: &[&str],
    stackful: bool,
) -> String {
    // A stackful lift's entry returns nothing: it has called task.return
    // (its blocking calls ran the loop on this stack) and exits.
    let (entry_result, code) = if stackful {
        ("", "(i32.const 0)")
    } else {
        ("(result i32)", "")
    };
    format!(
        r#"(module
  (import "rt" "aexp_begin" (func $begin (param i32 i32 i32 i32 funcref)))
  (import "rt" "aexp_step" (func $step (param i32 funcref) (result i32 i32 i32 i32)))
  (import "rt" "aexp_exit" (func $exit (result i32)))
  (import "h" "ret" (func $ret {r}))
  (import "f" "f" (func $f {p} {entry_result}))
  (import "cb" "cb" (func $cb (param i32 i32 i32) (result i32)))
  (elem declare func $ret $cb)
  (func (export "f") {p} (result i32)
    (local $code i32) (local $ev i32) (local $a i32) (local $b i32)
    (call $begin (i32.const {inst}) (i32.const {ty}) (i32.const {mem}) (i32.const {enc}) (ref.func $ret))
    (local.set $code (call $f {args}) {code})
    (loop $again
      (call $step (local.get $code) (ref.func $cb))
      (local.set $b) (local.set $a) (local.set $ev)
      (if (i32.eqz)
        (then
          (local.set $code (call $cb (local.get $ev) (local.get $a) (local.get $b)))
          (br $again))))
    (call $exit)))"#,
        p = list("param", params),
        r = list("param", ret),
        args = gets(0, params.len()),
    )
}

/// One async call site of a FACT adapter: the `prepare-call` import it
/// calls, the `start-call` import after it, and the core types of the
/// functions it hands them.
#[derive(Debug, Clone)]
pub struct CallSite {
    /// The lower's core parameters (after FACT's fixed eight).
    pub lower_params: Vec<&'static str>,
    /// The `start` adapter: lower parameters → lift parameters.
    pub start: (Vec<&'static str>, Vec<&'static str>),
    /// The `return` adapter.
    pub ret: (Vec<&'static str>, Vec<&'static str>),
    /// The callee: lift parameters → callback code (async) or results.
    pub callee: (Vec<&'static str>, Vec<&'static str>),
    /// The callee is async-lifted (`START_FLAG_ASYNC_CALLEE`).
    pub callee_async: bool,
    /// Memory id of the lift's memory (0: none), for `task.return`'s check.
    pub mem: u32,
    /// Index into the start imports of the module.
    pub start_import: usize,
}

/// One `start-call` import of an adapter module.
#[derive(Debug, Clone)]
pub struct StartImport {
    /// A sync-lowered caller (`sync` `[start-call]`): results on the stack.
    pub sync: bool,
    /// Its core results (sync start only).
    pub results: Vec<&'static str>,
    /// The callee's post-return is imported as `pr.N` (async start of a
    /// sync-lifted callee).
    pub post_return: Option<u32>,
    /// The callback-lifted callee's callback is imported as `cb.N`.
    pub callback: Option<u32>,
}

/// The call shim of one adapter module: exports `p<k>` (site k's
/// `prepare-call`) and `s<j>` (start import j). Imports: the runtime's
/// `prepare`, `begin`, `end_async`, `returned_sync`, `end_sync`,
/// `stashed`, its `calls` table, then each post-return `pr.N`, then
/// `callbacks` callbacks `cb.N`.
///
/// A callback-lifted callee's code goes to the runtime's `end_async`; while
/// that answers -1 (a `YIELD` of a task that may not block), the callback
/// is called at once with `EVENT_NONE` (0, 0, 0) and its code handed back.
pub fn adapter_calls(
    sites: &[CallSite],
    starts: &[StartImport],
    post_returns: &[Vec<&'static str>],
    callbacks: usize,
) -> String {
    let mut s = String::from(
        r#"(module
  (import "rt" "prepare" (func $prepare (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "rt" "begin" (func $begin (result i32)))
  (import "rt" "end_async" (func $end_async (param i32 funcref) (result i32)))
  (import "rt" "returned_sync" (func $returned_sync (result i32 i32)))
  (import "rt" "end_sync" (func $end_sync (result i32)))
  (import "rt" "stashed" (func $stashed (result i64)))
  (import "rt" "defer" (func $defer (param funcref funcref i32) (result i32)))
  (import "rt" "psave" (func $psave (param i32 i64)))
  (import "rt" "psite" (func $psite (param i32) (result i32)))
  (import "rt" "pload" (func $pload (param i32 i32) (result i64)))
  (import "rt" "rebegin" (func $rebegin (param i32) (result i32)))
  (import "rt" "sync_wait" (func $sync_wait (param i32)))
  (import "rt" "calls" (table $calls 0 funcref))
"#,
    );
    for (i, pr) in post_returns.iter().enumerate() {
        s.push_str(&format!(
            "  (import \"pr\" \"{i}\" (func $pr{i} {}))\n",
            list("param", pr)
        ));
    }
    for i in 0..callbacks {
        s.push_str(&format!(
            "  (import \"cb\" \"{i}\" (func $cb{i} (param i32 i32 i32) (result i32)))\n  (elem declare func $cb{i})\n"
        ));
    }
    s.push_str("  (global $which (mut i32) (i32.const -1))\n");
    for (k, site) in sites.iter().enumerate() {
        for (i, ty) in site.lower_params.iter().enumerate() {
            s.push_str(&format!("  (global $g{k}_{i} (mut {ty}) ({ty}.const 0))\n"));
        }
        s.push_str(&format!(
            "  (type $start{k} (func {} {}))\n  (type $ret{k} (func {} {}))\n  (type $callee{k} (func {} {}))\n",
            list("param", &site.start.0),
            list("result", &site.start.1),
            list("param", &site.ret.0),
            list("result", &site.ret.1),
            list("param", &site.callee.0),
            list("result", &site.callee.1),
        ));
        // prepare-call
        let n = site.lower_params.len();
        let last = match site.lower_params.last() {
            Some(&"i32") => format!("(local.get {})", 8 + n - 1),
            _ => "(i32.const 0)".to_string(),
        };
        let sync = starts[site.start_import].sync as i32;
        let mut p = vec![
            "funcref", "funcref", "i32", "i32", "i32", "i32", "i32", "i32",
        ];
        p.extend(site.lower_params.iter().copied());
        s.push_str(&format!(
            "  (func (export \"p{k}\") {}\n    (local $b i32)\n    (local.set $b (i32.mul (call $prepare (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7) (i32.const {mem}) {last} (i32.const {sync})) (i32.const 3)))\n    (table.set $calls (local.get $b) (local.get 0))\n    (table.set $calls (i32.add (local.get $b) (i32.const 1)) (local.get 1))\n",
            list("param", &p),
            mem = site.mem,
        ));
        for i in 0..n {
            s.push_str(&format!(
                "    (global.set $g{k}_{i} (local.get {}))\n",
                8 + i
            ));
        }
        s.push_str(&format!("    (global.set $which (i32.const {k})))\n"));
    }
    for (j, st) in starts.iter().enumerate() {
        // The call sites this start-call import serves.
        let mine: Vec<(usize, &CallSite)> = sites
            .iter()
            .enumerate()
            .filter(|(_, site)| site.start_import == j)
            .collect();
        let (params, results): (Vec<&str>, Vec<&str>) = if st.sync {
            (vec!["funcref", "i32"], st.results.clone())
        } else {
            (vec!["funcref", "i32", "i32", "i32"], vec!["i32"])
        };
        // s<j>: begin (or, for an async caller, defer the call as a
        // pending start, saving the lower's parameters), then run<j>.
        s.push_str(&format!(
            "  (func (export \"s{j}\") {} {}\n    (local $b i32)\n    (local.set $b (call $begin))\n",
            list("param", &params),
            list("result", &results)
        ));
        if !st.sync {
            s.push_str(&format!(
                "    (if (i32.eq (local.get $b) (i32.const -1)) (then\n      (local.set $b (call $defer (local.get 0) (ref.func $r{j}) (global.get $which)))\n"
            ));
            for &(k, site) in &mine {
                s.push_str(&format!(
                    "      (if (i32.eq (global.get $which) (i32.const {k})) (then\n"
                ));
                for (i, ty) in site.lower_params.iter().enumerate() {
                    s.push_str(&format!(
                        "        (call $psave (i32.const {i}) (global.get $g{k}_{i}) {})\n",
                        to_i64(ty)
                    ));
                }
                s.push_str("      ))\n");
            }
            s.push_str("      (return (local.get $b))))\n");
        }
        s.push_str(&format!(
            "    (table.set $calls (i32.add (local.get $b) (i32.const 2)) (local.get 0))\n    (call $run{j} (local.get $b)))\n"
        ));
        // r<j>: a pending start runs (called by the runtime): its site and
        // parameters back in the globals (those of the interrupted start
        // kept aside), then run<j>.
        if !st.sync {
            s.push_str(&format!(
                "  (elem declare func $r{j})\n  (func $r{j} (param $id i32) (result i32)\n    (local $w i32) (local $res i32)\n"
            ));
            for &(k, site) in &mine {
                for (i, ty) in site.lower_params.iter().enumerate() {
                    s.push_str(&format!("    (local $sv{k}_{i} {ty})\n"));
                }
            }
            s.push_str("    (local.set $w (global.get $which))\n");
            for &(k, site) in &mine {
                for i in 0..site.lower_params.len() {
                    s.push_str(&format!(
                        "    (local.set $sv{k}_{i} (global.get $g{k}_{i}))\n"
                    ));
                }
            }
            s.push_str("    (global.set $which (call $psite (local.get $id)))\n");
            for &(k, site) in &mine {
                s.push_str(&format!(
                    "    (if (i32.eq (global.get $which) (i32.const {k})) (then\n"
                ));
                for (i, ty) in site.lower_params.iter().enumerate() {
                    s.push_str(&format!(
                        "      (global.set $g{k}_{i} (call $pload (local.get $id) (i32.const {i})) {})\n",
                        from_i64(ty)
                    ));
                }
                s.push_str("    ))\n");
            }
            s.push_str(&format!(
                "    (local.set $res (call $run{j} (call $rebegin (local.get $id))))\n    (global.set $which (local.get $w))\n"
            ));
            for &(k, site) in &mine {
                for i in 0..site.lower_params.len() {
                    s.push_str(&format!(
                        "    (global.set $g{k}_{i} (local.get $sv{k}_{i}))\n"
                    ));
                }
            }
            s.push_str("    (local.get $res))\n");
        }
        s.push_str(&format!(
            "  (func $run{j} (param $b i32) {}\n    (local $kind i32) (local $rp i32) (local $code i32)\n",
            list("result", &results)
        ));
        // Locals for a sync-lifted callee's results.
        for &(k, site) in &mine {
            if !site.callee_async {
                for (i, ty) in site.callee.1.iter().enumerate() {
                    s.push_str(&format!("    (local $r{k}_{i} {ty})\n"));
                }
            }
        }
        for &(k, site) in &mine {
            s.push_str(&format!(
                "    (if (i32.eq (global.get $which) (i32.const {k})) (then\n"
            ));
            // The start adapter takes the lower's parameters without the
            // return pointer (wasmtime passes it the first ones).
            for i in 0..site.start.0.len().min(site.lower_params.len()) {
                s.push_str(&format!("      (global.get $g{k}_{i})\n"));
            }
            s.push_str(&format!(
                "      (call_indirect $calls (type $start{k}) (local.get $b))\n      (call_indirect $calls (type $callee{k}) (i32.add (local.get $b) (i32.const 2)))\n"
            ));
            if site.callee_async {
                if site.callee.1.is_empty() {
                    // A stackful callee returns nothing: it has exited.
                    s.push_str("      (i32.const 0)\n");
                }
                let (again, cbref) = match st.callback {
                    Some(cb) => (format!(
                        "(local.set $code (call $cb{cb} (i32.const 0) (i32.const 0) (i32.const 0))) (br $again)"
                    ), format!("(ref.func $cb{cb})")),
                    None => ("(unreachable)".to_string(), "(ref.null func)".to_string()),
                };
                s.push_str(&format!(
                    "      (local.set $code)\n      (loop $again\n        (local.set $code (call $end_async (local.get $code) {cbref}))\n        (if (i32.eq (local.get $code) (i32.const -1)) (then {again})))\n      (local.get $code)\n"
                ));
                if st.sync {
                    s.push_str("      (call $sync_wait)\n");
                    if let Some(ty) = st.results.first() {
                        s.push_str(&format!("      (call $stashed) {}\n", from_i64(ty)));
                    }
                }
                s.push_str("      (return)))\n");
            } else {
                let nres = site.callee.1.len();
                for i in (0..nres).rev() {
                    s.push_str(&format!("      (local.set $r{k}_{i})\n"));
                }
                s.push_str("      (call $returned_sync) (local.set $rp) (local.set $kind)\n");
                for i in 0..nres {
                    s.push_str(&format!("      (local.get $r{k}_{i})\n"));
                }
                if site.ret.0.len() > nres {
                    s.push_str("      (local.get $rp)\n");
                }
                s.push_str(&format!(
                    "      (call_indirect $calls (type $ret{k}) (i32.add (local.get $b) (i32.const 1)))\n"
                ));
                if let Some(pr) = st.post_return {
                    for i in 0..nres {
                        s.push_str(&format!("      (local.get $r{k}_{i})\n"));
                    }
                    s.push_str(&format!("      (call $pr{pr})\n"));
                }
                s.push_str("      (call $end_sync)\n      (return)))\n");
            }
        }
        s.push_str("    (unreachable))\n");
    }
    s.push(')');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(what: &str, wat: &str) {
        let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("{what}: {e}\n{wat}"));
        wasmparser::Validator::new()
            .validate_all(&wasm)
            .unwrap_or_else(|e| panic!("{what}: {e}\n{wat}"));
    }

    /// Every generated shape assembles and validates: baked calls, trap
    /// stubs, the poll payload write, `task.return` of each parameter shape,
    /// export thunks, and a call shim with async and sync callers into
    /// callback-lifted and sync-lifted callees (with a post-return).
    #[test]
    fn generated_shims_validate() {
        valid("bake", &bake("ws_new", &[3], &[], &["i32"]));
        valid("bake none", &bake("task_cancel", &[], &[], &[]));
        valid("poll", &ws_poll(2, None));
        valid("ec new", &ec_new(1, 2));
        valid("bridge", &host_bridge(&[]));
        valid("stream bridge", &host_bridge(&[1, 2, 1]));
        valid("no host", NO_HOST_WAT);
        valid("host call", &host_call(1, &["i32", "i32"]));
        valid("ec message", &ec_message(1, 0));
        valid("ec transfer", &ec_transfer(&[0, 2, 1]));
        valid("wait", &ws_poll(2, Some(true)));
        valid(
            "async export",
            &async_export(1, 3, 1, 0, &["i32", "i32"], &["i32", "i64"], false),
        );
        valid(
            "stackful export",
            &async_export(1, 3, 1, 0, &["i32"], &[], true),
        );
        for p in [
            &[][..],
            &["i32"],
            &["i64"],
            &["f32"],
            &["f64"],
            &["i32", "i32"],
        ] {
            valid("task.return", &task_return(p, 7, 1, 0));
        }
        valid("thunk", &export_thunk(1, &["i32", "f64"], &["i64"]));
        let site = |lower: Vec<&'static str>, callee_async, start_import| CallSite {
            lower_params: lower.clone(),
            start: (lower[..lower.len() - 1].to_vec(), vec!["i32", "i32"]),
            ret: (vec!["i32", "i32"], vec![]),
            // A callback code, or a sync callee's one flat result.
            callee: (vec!["i32", "i32"], vec!["i32"]),
            callee_async,
            mem: 1,
            start_import,
        };
        let sites = vec![
            site(vec!["i32", "i32", "i32"], true, 0),
            site(vec!["i32", "i32", "i32"], false, 1),
            site(vec!["i32", "i32", "i32"], true, 2),
        ];
        let starts = vec![
            StartImport {
                sync: false,
                results: vec![],
                post_return: None,
                callback: Some(0),
            },
            StartImport {
                sync: false,
                results: vec![],
                post_return: Some(0),
                callback: None,
            },
            StartImport {
                sync: true,
                results: vec!["i32"],
                post_return: None,
                callback: Some(1),
            },
        ];
        valid("calls", &adapter_calls(&sites, &starts, &[vec!["i32"]], 2));
    }
}
