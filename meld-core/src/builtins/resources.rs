//! Resource handle tables inside the fused module.
//!
//! One *runtime* module (cached, the same for every composition) owns a
//! private memory holding every handle table of the composition and the
//! call-scope stack that tracks borrows. Small *shim* modules turn each
//! intrinsic the composition imports (`resource.new`, `resource.rep`,
//! `resource.drop` of one resource type in one component instance, FACT's
//! `resource/transfer-own`, `resource/transfer-borrow`,
//! `async/enter-sync-call`, `async/exit-sync-call`) into calls of the runtime
//! with the table and type baked in as constants.
//!
//! The semantics follow wasmtime 48 (`runtime/vm/component/handle_table.rs`
//! and `resources.rs`), which is what the unfused composition runs on:
//!
//! * one table per component instance, shared by all resource types that
//!   instance holds; handles start at 1; a freed slot is reused before a new
//!   one is appended, most recently freed first;
//! * a slot is `own` (with a lend count) or `borrow` (with the call scope that
//!   created it), and records its *type table* (the translator's
//!   `TypeResourceTableIndex`: one per resource type as one component instance
//!   names it); every access compares it exactly, as wasmtime does, so the same
//!   resource imported under two names is two types;
//! * `resource.drop` of an `own` calls the defining component's destructor
//!   with the rep (after checking the dropping instance may leave, when it is
//!   not the definer); dropping an `own` that is lent out traps;
//! * `transfer-own` removes the handle from the source table and inserts the
//!   rep into the destination table; `transfer-borrow` lends an `own` (the
//!   lend is undone when the call scope exits) and hands the destination a
//!   new borrow handle, or the rep itself when the destination instance
//!   defines the resource;
//! * `exit-sync-call` traps if the callee still holds a borrow of its scope.
//!
//! Every misuse traps with `unreachable` in a function of the runtime named
//! with wasmtime's words for it (`unknown handle index`, `cannot remove owned
//! resource while borrowed`, ...; docs/traps.md).
//!
//! Limits: at most [`MAX_TABLES`] component instances with tables, and at
//! most [`MAX_HANDLES`] slots per table (the next allocation traps); slot
//! storage grows in chunks of 1024 slots (16 KiB) on demand, and is never
//! returned. Memory layout of the runtime's memory:
//!
//! ```text
//! 0 .. 16384            table directory: u32 header address per instance (0 = none yet)
//! header (4104 bytes)   free: u32 (handle at the head of the free list, 0 = none)
//!                       len:  u32 (slots ever allocated = highest handle)
//!                       chunk: [u32; 1024] (address of each 1024-slot chunk)
//! slot (16 bytes)       kind: u32 (0 free, 1 own, 2 borrow)
//!                       type: u32 (type table index)
//!                       rep:  u32
//!                       aux:  u32 (own: lend count; borrow: scope; free: next free)
//! scope (8 bytes)       borrows: u32 (live borrows created in the scope), log: u32 (log base)
//! log entry (16 bytes)  kind: 1 lent own (a = table, b = handle), 2 | res << 2 borrow of a
//!                       handle kept outside the tables (a = instance, b = handle), 3 ended;
//!                       then the scope
//! ```
//!
//! Handles of resources the *host* defines (e.g. WASI streams) and of
//! resources the composition exports are kept in these tables too (a host
//! handle's slot holds the embedder's handle as its rep); they cross to and
//! from the embedder only through the graph's boundary thunks
//! (`graph/boundary.rs`). Only `--opaque-rep` handles live outside the
//! tables: a borrow of one handed to another fused component is recorded in
//! the scope log as a *host borrow*, so that the receiver's `resource.drop`
//! of it ends the borrow instead of running the destructor.

/// Most component instances that can own a table.
pub const MAX_TABLES: u32 = 4096;
/// Most slots one table can allocate.
pub const MAX_HANDLES: u32 = 1 << 20;

/// How handles of one resource type move between fused components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Kept in the in-module table of the holding instance.
    Table,
    /// A host resource: kept in the tables, each slot's rep being the
    /// embedder's handle; `resource.drop` of an own calls the host's
    /// `[resource-drop]`.
    Host,
    /// `--opaque-rep`: the handle *is* the rep; no table.
    Opaque,
    /// A resource the composition defines *and exports*: kept in the tables
    /// like [`Mode::Table`]; the embedder's table (the wrapper component's,
    /// or the core host's, reached through `[export]IFACE`
    /// `[resource-new|rep|drop]R`) only holds the handles the host holds.
    Exported,
}

/// What the glue knows about one of the translator's resource *type tables*
/// (one per resource type per component instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeTable {
    pub mode: Mode,
    /// The component instance holding handles of this type table.
    pub instance: u32,
    /// Identity of the resource type (wasmtime `ResourceIndex`, equal for
    /// every table of one type); the slots record the type table index.
    pub key: u32,
    /// `instance` is the component instance that defines the resource.
    pub definer: bool,
}

impl TypeTable {
    pub(crate) fn packed(&self) -> u32 {
        // Host and exported resources are kept in the tables too (the slot's
        // rep is the embedder's handle, or the real rep): the glue sees
        // them as table types.
        let mode = match self.mode {
            Mode::Table | Mode::Exported if self.definer => 3,
            Mode::Table | Mode::Host | Mode::Exported => 0,
            Mode::Opaque if self.definer => 6,
            Mode::Opaque => 2,
        };
        mode | (self.instance << 3) | (self.key << 15)
    }
}

/// Largest resource key the glue can pack.
pub const MAX_KEYS: u32 = 1 << 17;

/// The runtime module: tables and scopes (no imports).
pub const RUNTIME_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 16384))
  (global $depth (mut i32) (i32.const 0))
  (global $scopes (mut i32) (i32.const 0))
  (global $scap (mut i32) (i32.const 0))
  (global $log (mut i32) (i32.const 0))
  (global $lcap (mut i32) (i32.const 0))
  (global $ltop (mut i32) (i32.const 0))

  ;; Every misuse traps in a function of its own, named with wasmtime's words
  ;; for it (`meld:resources:<reason>` in the fused module's name section;
  ;; docs/traps.md), so a backtrace says why.
  (func $"unknown handle index" unreachable)
  (func $"handle index used with the wrong type" unreachable)
  (func $"cannot remove owned resource while borrowed" unreachable)
  (func $"cannot lift own resource from a borrow" unreachable)
  (func $"borrow handles still remain at the end of the call" unreachable)
  (func $"cannot allocate another handle: index overflow" unreachable)
  (func $"cannot allocate another handle: out of memory" unreachable)
  (func $"too many component instances with handle tables" unreachable)
  (func $"resource borrow outside any call" unreachable)

  ;; Bump allocation of `n` zeroed bytes (memory is never reused).
  (func $alloc (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $pages i32)
    (local.set $p (global.get $bump))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (if (i32.lt_u (local.get $end) (local.get $p))
      (then (call $"cannot allocate another handle: out of memory")))
    (local.set $pages
      (i32.add (i32.shr_u (local.get $end) (i32.const 16))
               (i32.ne (i32.and (local.get $end) (i32.const 0xffff)) (i32.const 0))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (call $"cannot allocate another handle: out of memory")))))
    (global.set $bump (local.get $end))
    (local.get $p))

  ;; Header of instance `t`'s table, created on first use.
  (func $header (param $t i32) (result i32)
    (local $p i32)
    (if (i32.ge_u (local.get $t) (i32.const 4096))
      (then (call $"too many component instances with handle tables")))
    (local.set $p (i32.load (i32.shl (local.get $t) (i32.const 2))))
    (if (i32.eqz (local.get $p))
      (then
        (local.set $p (call $alloc (i32.const 4104)))
        (i32.store (i32.shl (local.get $t) (i32.const 2)) (local.get $p))))
    (local.get $p))

  ;; Address of slot `h` of the table at header `hd`; 0 if never allocated.
  (func $slot (param $hd i32) (param $h i32) (result i32)
    (if (i32.eqz (local.get $h)) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $h) (i32.load offset=4 (local.get $hd))) (then (return (i32.const 0))))
    (local.set $h (i32.sub (local.get $h) (i32.const 1)))
    (i32.add
      (i32.load offset=8
        (i32.add (local.get $hd) (i32.shl (i32.shr_u (local.get $h) (i32.const 10)) (i32.const 2))))
      (i32.shl (i32.and (local.get $h) (i32.const 1023)) (i32.const 4))))

  ;; Slot of a live handle `h` of type `key`; traps if unknown, free or of another type.
  (func $live (param $hd i32) (param $h i32) (param $key i32) (result i32)
    (local $s i32)
    (local.set $s (call $slot (local.get $hd) (local.get $h)))
    (if (i32.eqz (local.get $s)) (then (call $"unknown handle index")))
    (if (i32.eqz (i32.load (local.get $s))) (then (call $"unknown handle index")))
    (if (i32.ne (i32.load offset=4 (local.get $s)) (local.get $key))
      (then (call $"handle index used with the wrong type")))
    (local.get $s))

  (func $insert (param $t i32) (param $kind i32) (param $key i32) (param $rep i32) (param $aux i32) (result i32)
    (local $hd i32) (local $h i32) (local $s i32)
    (local.set $hd (call $header (local.get $t)))
    (local.set $h (i32.load (local.get $hd)))
    (if (local.get $h)
      (then
        (local.set $s (call $slot (local.get $hd) (local.get $h)))
        (i32.store (local.get $hd) (i32.load offset=12 (local.get $s))))
      (else
        (local.set $h (i32.add (i32.load offset=4 (local.get $hd)) (i32.const 1)))
        (if (i32.gt_u (local.get $h) (i32.const 0x100000))
          (then (call $"cannot allocate another handle: index overflow")))
        (i32.store offset=4 (local.get $hd) (local.get $h))
        (if (i32.eqz (i32.and (i32.sub (local.get $h) (i32.const 1)) (i32.const 1023)))
          (then
            (i32.store offset=8
              (i32.add (local.get $hd)
                (i32.shl (i32.shr_u (i32.sub (local.get $h) (i32.const 1)) (i32.const 10)) (i32.const 2)))
              (call $alloc (i32.const 16384)))))
        (local.set $s (call $slot (local.get $hd) (local.get $h)))))
    (i32.store (local.get $s) (local.get $kind))
    (i32.store offset=4 (local.get $s) (local.get $key))
    (i32.store offset=8 (local.get $s) (local.get $rep))
    (i32.store offset=12 (local.get $s) (local.get $aux))
    (local.get $h))

  (func $free (param $hd i32) (param $s i32) (param $h i32)
    (i32.store (local.get $s) (i32.const 0))
    (i32.store offset=12 (local.get $s) (i32.load (local.get $hd)))
    (i32.store (local.get $hd) (local.get $h)))

  ;; Address of the innermost scope record; traps outside any call scope.
  (func $scope (result i32)
    (if (i32.eqz (global.get $depth)) (then (call $"resource borrow outside any call")))
    (i32.add (global.get $scopes) (i32.shl (i32.sub (global.get $depth) (i32.const 1)) (i32.const 3))))

  (func $log_push (param $kind i32) (param $a i32) (param $b i32)
    (local $p i32) (local $new i32)
    (if (i32.eq (global.get $ltop) (global.get $lcap))
      (then
        (local.set $new (call $alloc (i32.shl (i32.add (i32.shl (global.get $lcap) (i32.const 1)) (i32.const 64)) (i32.const 4))))
        (memory.copy (local.get $new) (global.get $log) (i32.shl (global.get $lcap) (i32.const 4)))
        (global.set $log (local.get $new))
        (global.set $lcap (i32.add (i32.shl (global.get $lcap) (i32.const 1)) (i32.const 64)))))
    (local.set $p (i32.add (global.get $log) (i32.shl (global.get $ltop) (i32.const 4))))
    (i32.store (local.get $p) (local.get $kind))
    (i32.store offset=4 (local.get $p) (local.get $a))
    (i32.store offset=8 (local.get $p) (local.get $b))
    (i32.store offset=12 (local.get $p) (i32.sub (global.get $depth) (i32.const 1)))
    (global.set $ltop (i32.add (global.get $ltop) (i32.const 1))))

  (func $add_borrow (param $scope i32) (param $delta i32)
    (local $p i32)
    (local.set $p (i32.add (global.get $scopes) (i32.shl (local.get $scope) (i32.const 3))))
    (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $delta))))

  ;; resource.new / lower an own: a fresh own handle of type `key` for `rep`.
  (func (export "new") (param $t i32) (param $key i32) (param $rep i32) (result i32)
    (call $insert (local.get $t) (i32.const 1) (local.get $key) (local.get $rep) (i32.const 0)))

  ;; resource.rep
  (func (export "rep") (param $t i32) (param $key i32) (param $h i32) (result i32)
    (i32.load offset=8 (call $live (call $header (local.get $t)) (local.get $h) (local.get $key))))

  ;; resource.drop: frees the slot and returns (1, rep) for an own (whose
  ;; destructor must run) or (0, rep) for a borrow (its scope loses a borrow).
  (func (export "drop") (param $t i32) (param $key i32) (param $h i32) (result i32 i32)
    (local $hd i32) (local $s i32) (local $own i32) (local $rep i32)
    (local.set $hd (call $header (local.get $t)))
    (local.set $s (call $live (local.get $hd) (local.get $h) (local.get $key)))
    (local.set $rep (i32.load offset=8 (local.get $s)))
    (local.set $own (i32.eq (i32.load (local.get $s)) (i32.const 1)))
    (if (local.get $own)
      (then (if (i32.load offset=12 (local.get $s))
        (then (call $"cannot remove owned resource while borrowed"))))
      (else (call $add_borrow (i32.load offset=12 (local.get $s)) (i32.const -1))))
    (call $free (local.get $hd) (local.get $s) (local.get $h))
    (local.get $own) (local.get $rep))

  ;; Lift an own: remove it from the table (not lent, not a borrow), return its rep.
  (func (export "lift_own") (param $t i32) (param $key i32) (param $h i32) (result i32)
    (local $hd i32) (local $s i32)
    (local.set $hd (call $header (local.get $t)))
    (local.set $s (call $live (local.get $hd) (local.get $h) (local.get $key)))
    (if (i32.ne (i32.load (local.get $s)) (i32.const 1))
      (then (call $"cannot lift own resource from a borrow")))
    (if (i32.load offset=12 (local.get $s))
      (then (call $"cannot remove owned resource while borrowed")))
    (i32.load offset=8 (local.get $s))
    (call $free (local.get $hd) (local.get $s) (local.get $h)))

  ;; Lift a borrow: lend an own (undone at scope exit) or pass a borrow's rep.
  (func (export "lift_borrow") (param $t i32) (param $key i32) (param $h i32) (result i32)
    (local $s i32)
    (local.set $s (call $live (call $header (local.get $t)) (local.get $h) (local.get $key)))
    (if (i32.eq (i32.load (local.get $s)) (i32.const 1))
      (then
        (drop (call $scope))
        (i32.store offset=12 (local.get $s) (i32.add (i32.load offset=12 (local.get $s)) (i32.const 1)))
        (call $log_push (i32.const 1) (local.get $t) (local.get $h))))
    (i32.load offset=8 (local.get $s)))

  ;; Lower a borrow into instance `t`'s table, owned by the current scope.
  (func (export "lower_borrow") (param $t i32) (param $key i32) (param $rep i32) (result i32)
    (local $scope i32)
    (drop (call $scope))
    (local.set $scope (i32.sub (global.get $depth) (i32.const 1)))
    (call $add_borrow (local.get $scope) (i32.const 1))
    (call $insert (local.get $t) (i32.const 2) (local.get $key) (local.get $rep) (local.get $scope)))

  ;; A handle `h` of resource `res` kept outside the tables (host, exported
  ;; or opaque) lent to instance `t` for the current scope. The log entry's
  ;; kind word is 2 | res << 2.
  (func (export "host_borrow") (param $t i32) (param $res i32) (param $h i32)
    (drop (call $scope))
    (call $add_borrow (i32.sub (global.get $depth) (i32.const 1)) (i32.const 1))
    (call $log_push (i32.or (i32.const 2) (i32.shl (local.get $res) (i32.const 2)))
                    (local.get $t) (local.get $h)))

  ;; Instance `t` drops handle `h` of resource `res` (kept outside the
  ;; tables): returns 1 (and ends the borrow) if it is a borrow lent to `t`,
  ;; 0 if it is an own the embedder (or the destructor) must drop.
  (func (export "host_drop") (param $t i32) (param $res i32) (param $h i32) (result i32)
    (local $i i32) (local $p i32)
    (local.set $i (global.get $ltop))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (local.set $p (i32.add (global.get $log) (i32.shl (local.get $i) (i32.const 4))))
        (br_if $next (i32.ne (i32.load (local.get $p))
                             (i32.or (i32.const 2) (i32.shl (local.get $res) (i32.const 2)))))
        (br_if $next (i32.ne (i32.load offset=4 (local.get $p)) (local.get $t)))
        (br_if $next (i32.ne (i32.load offset=8 (local.get $p)) (local.get $h)))
        (i32.store (local.get $p) (i32.const 3)) ;; ended
        (call $add_borrow (i32.load offset=12 (local.get $p)) (i32.const -1))
        (return (i32.const 1))))
    (i32.const 0))

  ;; enter-sync-call (caller instance, callee async, callee instance; all
  ;; unused in synchronous mode): open a call scope.
  (func (export "enter") (param i32 i32 i32)
    (local $new i32) (local $p i32)
    (if (i32.eq (global.get $depth) (global.get $scap))
      (then
        (local.set $new (call $alloc (i32.shl (i32.add (i32.shl (global.get $scap) (i32.const 1)) (i32.const 16)) (i32.const 3))))
        (memory.copy (local.get $new) (global.get $scopes) (i32.shl (global.get $scap) (i32.const 3)))
        (global.set $scopes (local.get $new))
        (global.set $scap (i32.add (i32.shl (global.get $scap) (i32.const 1)) (i32.const 16)))))
    (local.set $p (i32.add (global.get $scopes) (i32.shl (global.get $depth) (i32.const 3))))
    (i32.store (local.get $p) (i32.const 0))
    (i32.store offset=4 (local.get $p) (global.get $ltop))
    (global.set $depth (i32.add (global.get $depth) (i32.const 1))))

  ;; exit-sync-call: every borrow of the scope must be gone; undo its lends.
  (func (export "exit")
    (local $sc i32) (local $i i32) (local $p i32) (local $s i32)
    (local.set $sc (call $scope))
    (if (i32.load (local.get $sc))
      (then (call $"borrow handles still remain at the end of the call")))
    (local.set $i (i32.load offset=4 (local.get $sc)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $ltop)))
        (local.set $p (i32.add (global.get $log) (i32.shl (local.get $i) (i32.const 4))))
        (if (i32.eq (i32.load (local.get $p)) (i32.const 1))
          (then
            (local.set $s (call $slot (call $header (i32.load offset=4 (local.get $p)))
                                      (i32.load offset=8 (local.get $p))))
            (i32.store offset=12 (local.get $s) (i32.sub (i32.load offset=12 (local.get $s)) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $ltop (i32.load offset=4 (local.get $sc)))
    (global.set $depth (i32.sub (global.get $depth) (i32.const 1)))))"#;

/// WAT of the destructor wrapper exported as `IFACE#[dtor]R`: calls the
/// defining component's destructor unless `suppress` is set (while a thunk
/// removes its temporary handles). Imports `d.dtor`.
pub const DTOR_WAT: &str = r#"(module
  (import "d" "dtor" (func $dtor (param i32)))
  (global (export "suppress") (mut i32) (i32.const 0))
  (func (export "dtor") (param i32)
    (if (global.get 0) (then (return)))
    (call $dtor (local.get 0))))"#;

/// Shim for `resource.new` (`op` = `"new"`) or `resource.rep` (`"rep"`) of
/// type table `key` in instance `table`: the runtime's `op` with both baked
/// in, or the identity for an opaque type (the handle is the rep).
pub fn new_or_rep_shim(op: &str, table: u32, key: u32, mode: Mode) -> String {
    match mode {
        Mode::Opaque => {
            r#"(module (func (export "f") (param i32) (result i32) (local.get 0)))"#.into()
        }
        _ => format!(
            r#"(module
  (import "rt" "{op}" (func $op (param i32 i32 i32) (result i32)))
  (func (export "f") (param i32) (result i32)
    (call $op (i32.const {table}) (i32.const {key}) (local.get 0))))"#
        ),
    }
}

/// What a `resource.drop` shim of a type the composition defines bakes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DropShim {
    /// The component instance whose table holds the handle.
    pub table: u32,
    /// The type table (wasmtime `TypeResourceTableIndex`).
    pub key: u32,
    /// The resource (wasmtime `ResourceIndex`), for opaque borrows.
    pub res: u32,
    pub mode: Mode,
    /// Check the instance's `may_leave` flag before the destructor runs.
    pub check_leave: bool,
    /// Call the defining component's destructor.
    pub dtor: bool,
}

/// Shim for `resource.drop` of a type the composition defines. Imports, in
/// order: `rt.drop` (`rt.host_drop` for an opaque type), `flags.flags` (if
/// `check_leave`), `dtor.dtor` (if `dtor`).
pub fn drop_shim(shim: &DropShim) -> String {
    let DropShim {
        table,
        key,
        res,
        mode,
        check_leave,
        dtor,
    } = *shim;
    let mut s = String::from("(module\n");
    if mode == Mode::Opaque {
        s.push_str("  (import \"rt\" \"host_drop\" (func $hd (param i32 i32 i32) (result i32)))\n");
    } else {
        s.push_str(
            "  (import \"rt\" \"drop\" (func $drop (param i32 i32 i32) (result i32 i32)))\n",
        );
    }
    if check_leave {
        s.push_str("  (import \"flags\" \"flags\" (global $flags (mut i32)))\n");
    }
    if dtor {
        s.push_str("  (import \"dtor\" \"dtor\" (func $dtor (param i32)))\n");
    }
    if check_leave {
        // The may-leave trap, in a function named with wasmtime's words.
        s.push_str("  (func $\"cannot leave component instance\" (export \"trap\") unreachable)\n");
    }
    s.push_str("  (func (export \"f\") (param $h i32) (local $own i32) (local $rep i32)\n");
    if mode == Mode::Opaque {
        // The handle is the rep; a handle lent to this instance ends its
        // borrow, anything else is an own.
        s.push_str(&format!(
            "    (local.set $own (i32.eqz (call $hd (i32.const {table}) (i32.const {res}) (local.get $h))))\n    (local.set $rep (local.get $h))\n"
        ));
    } else {
        s.push_str(&format!(
            "    (call $drop (i32.const {table}) (i32.const {key}) (local.get $h))\n    (local.set $rep) (local.set $own)\n"
        ));
    }
    s.push_str("    (if (local.get $own) (then\n");
    if check_leave {
        s.push_str(
            "      (if (i32.eqz (global.get $flags)) (then (call $\"cannot leave component instance\")))\n",
        );
    }
    if dtor {
        s.push_str("      (call $dtor (local.get $rep))\n");
    }
    s.push_str("    ))))");
    s
}

/// WAT of the resource transfer glue (fixed; prebuilt): `transfer_own`,
/// `transfer_borrow` (FACT's signature `(handle, src type table, dst type
/// table) -> handle`). (FACT's `enter-sync-call` / `exit-sync-call` are the
/// runtime's `enter` / `exit`.) The composition-specific part, `g.info`
/// (packed [`TypeTable`] of a type table) and `g.xrep` (an exported
/// resource's rep, by key), is the generated glue-info module
/// ([`glue_info_wat`], built by `shims::glue_info`).
pub const GLUE_WAT: &str = r#"(module
  (import "rt" "new" (func $new (param i32 i32 i32) (result i32)))
  (import "rt" "lift_own" (func $lift_own (param i32 i32 i32) (result i32)))
  (import "rt" "lift_borrow" (func $lift_borrow (param i32 i32 i32) (result i32)))
  (import "rt" "lower_borrow" (func $lower_borrow (param i32 i32 i32) (result i32)))
  (import "rt" "host_borrow" (func $host_borrow (param i32 i32 i32)))
  (import "g" "info" (func $info (param i32) (result i32)))
  (import "g" "xrep" (func $xrep (param i32 i32) (result i32)))
  (func (export "transfer_own") (param $h i32) (param $s i32) (param $d i32) (result i32)
    (local $si i32) (local $di i32)
    (local.set $si (call $info (local.get $s)))
    (local.set $di (call $info (local.get $d)))
    ;; only in-module tables (modes 0 and 3) move the handle; host, opaque
    ;; and exported handles pass unchanged
    (if (i32.eqz (i32.or (i32.eqz (i32.and (local.get $si) (i32.const 7)))
                         (i32.eq (i32.and (local.get $si) (i32.const 7)) (i32.const 3))))
      (then (return (local.get $h))))
    (call $new
      (i32.and (i32.shr_u (local.get $di) (i32.const 3)) (i32.const 4095))
      (local.get $d)
      (call $lift_own
        (i32.and (i32.shr_u (local.get $si) (i32.const 3)) (i32.const 4095))
        (local.get $s)
        (local.get $h))))
  (func (export "transfer_borrow") (param $h i32) (param $s i32) (param $d i32) (result i32)
    (local $si i32) (local $di i32) (local $rep i32) (local $m i32)
    (local.set $si (call $info (local.get $s)))
    (local.set $di (call $info (local.get $d)))
    (local.set $m (i32.and (local.get $si) (i32.const 7)))
    ;; opaque, into its definer: the handle is the rep
    (if (i32.eq (i32.and (local.get $di) (i32.const 7)) (i32.const 6))
      (then (return (local.get $h))))
    ;; exported, into its definer: the rep
    (if (i32.eq (i32.and (local.get $di) (i32.const 7)) (i32.const 5))
      (then (return (call $xrep (i32.shr_u (local.get $si) (i32.const 15)) (local.get $h)))))
    ;; host, opaque or exported (every mode but the tables 0 and 3): the same
    ;; handle, recorded as a borrow of the receiver so its drop ends the borrow
    (if (i32.and (i32.ne (local.get $m) (i32.const 0)) (i32.ne (local.get $m) (i32.const 3)))
      (then
        (call $host_borrow (i32.and (i32.shr_u (local.get $di) (i32.const 3)) (i32.const 4095))
                           (i32.shr_u (local.get $di) (i32.const 15)) (local.get $h))
        (return (local.get $h))))
    (local.set $rep
      (call $lift_borrow
        (i32.and (i32.shr_u (local.get $si) (i32.const 3)) (i32.const 4095))
        (local.get $s)
        (local.get $h)))
    (if (i32.eq (i32.and (local.get $di) (i32.const 7)) (i32.const 3))
      (then (return (local.get $rep))))
    (call $lower_borrow
      (i32.and (i32.shr_u (local.get $di) (i32.const 3)) (i32.const 4095))
      (local.get $d)
      (local.get $rep)))
)"#;

/// WAT of the per-composition glue info: `info` returns the packed info of
/// type table `tt` (`tables[i]`; `None` for tables no handle can travel
/// through, which trap), `xrep (key, handle) -> rep` calls `x.rep<i>`, the
/// embedder's `[resource-rep]` of the i-th of `exported_keys`. The reference
/// for `shims::glue_info`, which emits the same module directly.
pub fn glue_info_wat(tables: &[Option<TypeTable>], exported_keys: &[u32]) -> String {
    let mut s = String::from("(module\n");
    for i in 0..exported_keys.len() {
        s.push_str(&format!(
            "  (import \"x\" \"rep{i}\" (func $xrep{i} (param i32) (result i32)))\n"
        ));
    }
    s.push_str("  (func $info (export \"info\") (param $tt i32) (result i32)\n");
    // br_table dispatch: case i returns the packed info of table i.
    let n = tables.len();
    s.push_str("    (block $out (result i32)\n      (block $bad\n");
    for i in (0..n).rev() {
        s.push_str(&format!("      (block $c{i}\n"));
    }
    s.push_str("        (br_table");
    for i in 0..n {
        s.push_str(&format!(" $c{i}"));
    }
    s.push_str(" $bad (local.get $tt)))\n");
    for (i, t) in tables.iter().enumerate() {
        match t {
            Some(t) => s.push_str(&format!(
                "      (br $out (i32.const {})))\n",
                t.packed() as i32
            )),
            None => s.push_str(&format!("      (br $bad)) ;; {i}\n")),
        }
    }
    // `br $bad` lands here; every case leaves through `br $out`.
    s.push_str("      unreachable))\n");
    // Exported resources: `$xrep (key, handle) -> rep` through the
    // embedder's `[resource-rep]`, imported in key order.
    s.push_str("  (func $xrep (export \"xrep\") (param $key i32) (param $h i32) (result i32)\n");
    for (i, key) in exported_keys.iter().enumerate() {
        s.push_str(&format!(
            "    (if (i32.eq (local.get $key) (i32.const {key})) (then (return (call $xrep{i} (local.get $h)))))\n"
        ));
    }
    s.push_str("    unreachable))\n");
    s
}

// The packed type-table info (mode: 3 bits, instance: 12 bits, key: 17 bits)
// must fit an i32, and the glue's masks and shifts assume these widths.
const _: () = {
    const MODE_BITS: u32 = 3;
    const INSTANCE_BITS: u32 = MAX_TABLES.trailing_zeros();
    const KEY_BITS: u32 = MAX_KEYS.trailing_zeros();
    assert!(MAX_TABLES == 1 << 12 && MAX_KEYS == 1 << 17);
    assert!(MODE_BITS + INSTANCE_BITS + KEY_BITS == 32);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_limits_match_the_constants() {
        assert!(RUNTIME_WAT.contains(&format!("(i32.const {MAX_TABLES})")));
        assert!(RUNTIME_WAT.contains(&format!("(i32.const {:#x})", MAX_HANDLES)));
        wat::parse_str(RUNTIME_WAT).expect("runtime assembles");
        wat::parse_str(DTOR_WAT).expect("destructor wrapper assembles");
    }
}
