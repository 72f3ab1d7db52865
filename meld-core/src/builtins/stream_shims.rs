//! The composition-specific modules of streams and futures (issue 15,
//! first slice; docs/streams.md): the copy shims that check a buffer in the
//! caller's memory before the runtime ([`super::async_streams_wat`]) runs
//! the rendezvous, the transfer shim that maps table types to instances,
//! and the copy hub that moves element bytes between any two memories.

/// `{stream,future}.{read,write}` of instance `inst` (`kind` 1 stream, 2
/// future; `side` 0 read, 1 write; payload type `ty` of `esize`-byte
/// elements aligned to `align`; the async option `async_`; memory id `mem`
/// imported as `m.memory`, 0 for no payload).
#[allow(clippy::too_many_arguments)]
pub fn copy(
    inst: u32,
    kind: u32,
    side: u32,
    ty: u32,
    async_: bool,
    mem: u32,
    esize: u32,
    align: u32,
) -> String {
    let stream = kind == 1;
    let (params, n) = if stream {
        (
            "(param $h i32) (param $p i32) (param $n i32)",
            "(local.get $n)",
        )
    } else {
        ("(param $h i32) (param $p i32)", "(i32.const 1)")
    };
    let (mem_import, checks) = if mem == 0 || esize == 0 {
        (String::new(), String::new())
    } else {
        (
            "  (import \"m\" \"memory\" (memory $m 0))\n".to_string(),
            format!(
                r#"    (if (i32.and (local.get $p) (i32.const {mask}))
      (then (call $"{rw} pointer not aligned")))
    (if (i64.gt_u (i64.add (i64.extend_i32_u (local.get $p))
                           (i64.mul (i64.extend_i32_u {n}) (i64.const {esize})))
                  (i64.mul (i64.extend_i32_u (memory.size $m)) (i64.const 65536)))
      (then (call $"pointer out of bounds of memory")))
"#,
                mask = align.saturating_sub(1),
                rw = if side == 1 { "write" } else { "read" },
            ),
        )
    };
    format!(
        r#"(module
  (import "rt" "st_copy" (func $rt (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
{mem_import}  (func $"{rw} pointer not aligned" unreachable)
  (func $"pointer out of bounds of memory" unreachable)
  (func (export "f") {params} (result i32)
{checks}    (call $rt (i32.const {inst}) (i32.const {kind}) (i32.const {side}) (i32.const {ty})
              (i32.const {a}) (local.get $h) (i32.const {mem}) (local.get $p) {n})))"#,
        a = async_ as i32,
        rw = if side == 1 { "write" } else { "read" },
    )
}

/// `{stream,future}.transfer`: FACT passes the source and destination
/// table types; `tables[k]` is table type k's (instance, payload type id).
pub fn transfer(kind: u32, tables: &[(u32, u32)]) -> String {
    let case = |v: &str, pick: fn(&(u32, u32)) -> u32| {
        let mut c = String::from("(unreachable)");
        for (k, t) in tables.iter().enumerate().rev() {
            c = format!(
                "(if (result i32) (i32.eq (local.get {v}) (i32.const {k})) (then (i32.const {})) (else {c}))",
                pick(t)
            );
        }
        c
    };
    format!(
        r#"(module
  (import "rt" "st_transfer" (func $t (param i32 i32 i32 i32 i32) (result i32)))
  (func (export "f") (param $idx i32) (param $src i32) (param $dst i32) (result i32)
    (call $t (i32.const {kind}) {src} (local.get $idx) {dst} {dst_ty})))"#,
        src = case("$src", |t| t.0),
        dst = case("$dst", |t| t.0),
        dst_ty = case("$dst", |t| t.1),
    )
}

/// A payload copied field by field: its element size and each field's
/// (offset, width in bytes, is a `bool`).
pub type Layout = (u32, Vec<(u32, u32, bool)>);

/// The copy hub: `copy(dst, dst_ptr, src, src_ptr, bytes, layout)`
/// between the memories with ids 1..=`memories` (imported as `m.<id>`),
/// put in the runtime's `hub` table by an active element segment. Layout 0
/// (numbers with no padding, or no payload): one `memory.copy`. Layout k >=
/// 1 (`layouts[k - 1]`: a payload with `bool`s or padding): each field of
/// each element copied as lifting and lowering it would (a bool made 0 or
/// 1, padding left as the reader had it). A pair of payload sites
/// (`pairs[k]`: writer code, reader code, both `>= SITE_BASE`) goes to its
/// copier `c.<k>` (FACT's adapter per element, `graph::stream_payloads`).
/// A site with a memory (`sites`: code, memory id) copied to or from the
/// host bridge's memory (host streams, `graph::host_streams`) copies its
/// bytes as they are: the host lifts and checks them, or lowered them.
pub fn hub(
    memories: u32,
    layouts: &[Layout],
    pairs: &[(u32, u32)],
    sites: &[(u32, u32)],
) -> String {
    let mut s = String::from("(module\n  (import \"rt\" \"hub\" (table $hub 1 funcref))\n");
    for id in 1..=memories {
        s.push_str(&format!("  (import \"m\" \"{id}\" (memory $m{id} 0))\n"));
    }
    for k in 0..pairs.len() {
        s.push_str(&format!(
            "  (import \"c\" \"{k}\" (func $c{k} (param i32 i32 i32)))\n"
        ));
    }
    s.push_str("  (elem (table $hub) (i32.const 0) func $copy)\n");
    s.push_str("  (func $copy (param $d i32) (param $dp i32) (param $s i32) (param $sp i32) (param $n i32) (param $l i32)\n");
    for (k, (w, r)) in pairs.iter().enumerate() {
        s.push_str(&format!(
            "    (if (i32.and (i32.eq (local.get $d) (i32.const {r})) (i32.eq (local.get $s) (i32.const {w})))\n      (then (call $c{k} (local.get $dp) (local.get $sp) (local.get $n)) (return)))\n"
        ));
    }
    for (code, mem) in sites {
        for v in ["$d", "$s"] {
            s.push_str(&format!(
                "    (if (i32.eq (local.get {v}) (i32.const {code})) (then (local.set {v} (i32.const {mem}))))\n"
            ));
        }
    }
    for d in 1..=memories {
        for src in 1..=memories {
            let fields = if layouts.is_empty() {
                String::new()
            } else {
                format!(
                    "(if (local.get $l) (then (call $f{d}_{src} (local.get $l) (local.get $dp) (local.get $sp) (local.get $n)) (return)))\n            "
                )
            };
            s.push_str(&format!(
                "    (if (i32.and (i32.eq (local.get $d) (i32.const {d})) (i32.eq (local.get $s) (i32.const {src})))\n      (then {fields}(memory.copy $m{d} $m{src} (local.get $dp) (local.get $sp) (local.get $n))\n            (return)))\n"
            ));
        }
    }
    s.push_str("    (unreachable))\n");
    if !layouts.is_empty() {
        for d in 1..=memories {
            for src in 1..=memories {
                s.push_str(&format!(
                    "  (func $f{d}_{src} (param $l i32) (param $dp i32) (param $sp i32) (param $n i32)\n    (local $end i32)\n    (local.set $end (i32.add (local.get $dp) (local.get $n)))\n"
                ));
                for (k, (size, fields)) in layouts.iter().enumerate() {
                    s.push_str(&format!(
                        "    (if (i32.eq (local.get $l) (i32.const {})) (then\n      (block $done (loop $next\n        (br_if $done (i32.ge_u (local.get $dp) (local.get $end)))\n",
                        k + 1
                    ));
                    for &(o, w, is_bool) in fields {
                        let (ld, st) = match w {
                            1 => ("i32.load8_u", "i32.store8"),
                            2 => ("i32.load16_u", "i32.store16"),
                            4 => ("i32.load", "i32.store"),
                            _ => ("i64.load", "i64.store"),
                        };
                        let value = format!("({ld} $m{src} offset={o} (local.get $sp))");
                        let value = if is_bool {
                            format!("(i32.ne {value} (i32.const 0))")
                        } else {
                            value
                        };
                        s.push_str(&format!(
                            "        ({st} $m{d} offset={o} (local.get $dp) {value})\n"
                        ));
                    }
                    s.push_str(&format!(
                        "        (local.set $dp (i32.add (local.get $dp) (i32.const {size})))\n        (local.set $sp (i32.add (local.get $sp) (i32.const {size})))\n        (br $next)))\n      (return)))\n"
                    ));
                }
                s.push_str("  )\n");
            }
        }
    }
    s.push_str(")\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(what: &str, wat: &str) {
        let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("{what}: {e}\n{wat}"));
        let mut features = wasmparser::WasmFeatures::default();
        features |= wasmparser::WasmFeatures::MULTI_MEMORY;
        wasmparser::Validator::new_with_features(features)
            .validate_all(&wasm)
            .unwrap_or_else(|e| panic!("{what}: {e}\n{wat}"));
    }

    #[test]
    fn stream_shims_validate() {
        valid("read", &copy(1, 1, 0, 3, true, 2, 4, 4));
        valid("write none", &copy(1, 1, 1, 3, false, 0, 0, 1));
        valid("future", &copy(1, 2, 1, 3, true, 1, 8, 8));
        valid("transfer", &transfer(1, &[(0, 3), (1, 3), (1, 4)]));
        valid(
            "hub",
            &hub(
                3,
                &[
                    (8, vec![(0, 1, true), (4, 4, false)]),
                    (1, vec![(0, 1, true)]),
                ],
                &[(0x10000, 0x10001)],
                &[(0x10000, 1), (0x10001, 2)],
            ),
        );
        valid("hub plain", &hub(2, &[], &[], &[]));
    }
}
