#!/usr/bin/env bash
# Rebuilds tests/fixtures/rust/*.wasm from the guests in guests/ (Rust, and two in C)
# and guests-async/ (and tests/fixtures/rust/p3/, a WASI 0.3 command).
#
# Installs what it needs (the wasm32-wasip2 target, a pinned wac-cli, for the C
# guests clang/lld/wasi-libc and wit-bindgen-cli), builds every
# guest crate in release for wasm32-wasip2, composes each composition with
# `wac compose` (guests/compositions/<name>.wac) and copies the result to
# tests/fixtures/rust/<name>.wasm. Re-running it reproduces the committed files
# byte for byte with the same toolchain (rustc, wit-bindgen from guests/Cargo.lock,
# wac; for the two C guests Debian bookworm's clang/lld 14.0.6 and wasi-libc
# 0.0~git20220510, wit-bindgen-cli 0.61.1). It also writes the debug-info fixtures
# (tests/fixtures/rust-debug/, tests/fixtures/bench/debug/). The hand-written
# .expect files are not touched.
#
# Usage: scripts/build-fixtures.sh [--check]
#   --check  build into a temporary directory and compare with the committed files
#            instead of overwriting them (exit 1 on any difference).
set -euo pipefail

WAC_VERSION=0.12.0
TARGET=wasm32-wasip2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GUESTS="$ROOT/guests"
FIXTURES="$ROOT/tests/fixtures/rust"

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# --- tools -------------------------------------------------------------------
if command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        rustup target add "$TARGET"
    fi
fi
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"
if ! wac --version 2>/dev/null | grep -qx "wac-cli $WAC_VERSION"; then
    # Without the registry feature: compositions only use local files.
    cargo install --locked wac-cli --version "$WAC_VERSION" --no-default-features
fi

# --- guests ------------------------------------------------------------------
# Paths that would otherwise leak into panic messages and the binaries are
# remapped, so the output does not depend on where the checkout or CARGO_HOME is.
export CARGO_TARGET_DIR="$GUESTS/target"
export RUSTFLAGS="--remap-path-prefix=$GUESTS=/guests --remap-path-prefix=$CARGO_HOME=/cargo"
unset CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
(cd "$GUESTS" && cargo build --release --locked --target "$TARGET")
BIN="$CARGO_TARGET_DIR/$TARGET/release"

# --- compositions ------------------------------------------------------------
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ "$check" = 1 ]; then
    OUT="$WORK/out"
    mkdir -p "$OUT"
else
    OUT="$FIXTURES"
    mkdir -p "$OUT"
fi

# compose NAME PKG=FILE...   (FILE relative to the guests' release directory,
# or absolute; compositions/$WAC_FILE.wac instead of NAME.wac if WAC_FILE is set)
compose() {
    local name="$1"; shift
    local args=()
    local dep pkg file
    for dep in "$@"; do
        pkg="${dep%%=*}"
        file="${dep#*=}"
        case "$file" in /*) ;; *) file="$BIN/$file" ;; esac
        args+=(--dep "meld-test:$pkg=$file")
    done
    wac compose "$GUESTS/compositions/${WAC_FILE:-$name}.wac" "${args[@]}" -o "$WORK/$name.wasm"
    cp "$WORK/$name.wasm" "$OUT/$name.wasm"
    echo "  $name.wasm  $(wc -c <"$OUT/$name.wasm") bytes"
}

echo "composing into $OUT"
compose numbers   numbers-lib=numbers_lib.wasm   numbers-driver=numbers-driver.wasm
compose strings   strings-lib=strings_lib.wasm   strings-driver=strings-driver.wasm
compose lists     lists-lib=lists_lib.wasm       lists-driver=lists-driver.wasm
compose records   records-lib=records_lib.wasm   records-driver=records-driver.wasm
compose variants  variants-lib=variants_lib.wasm variants-driver=variants-driver.wasm
compose options   options-lib=options_lib.wasm   options-driver=options-driver.wasm
compose flags     flags-lib=flags_lib.wasm       flags-driver=flags-driver.wasm
compose wide      wide-lib=wide_lib.wasm         wide-driver=wide-driver.wasm
compose chain3    checksum-lib=checksum_lib.wasm encoder-lib=encoder_lib.wasm \
                  chain-driver=chain-driver.wasm
# The middle component of `reexport` is itself a composition: shout-lib plus the
# greeter instance it imports, exported again unchanged.
wac compose "$GUESTS/compositions/shout-reexport.wac" \
    --dep "meld-test:shout-lib=$BIN/shout_lib.wasm" -o "$WORK/shout-reexport.wasm"
compose reexport  greeter-lib=greeter_lib.wasm shout-reexport="$WORK/shout-reexport.wasm" \
                  reexport-driver=reexport-driver.wasm
compose stdio     chatter-lib=chatter_lib.wasm   chatter-driver=chatter-driver.wasm
compose trap      fragile-lib=fragile_lib.wasm   fragile-driver=fragile-driver.wasm
compose exit-code fragile-lib=fragile_lib.wasm   exit-driver=exit-driver.wasm
compose two-instances counter-lib=counter_lib.wasm counter-driver=counter-driver.wasm
# Resources passed between components.
compose res-basic accum-lib=accum_lib.wasm accum-driver=accum-driver.wasm
compose res-chain3 floats-lib=floats_lib.wasm vectors-lib=vectors_lib.wasm \
                   vectors-driver=vectors-driver.wasm
compose res-lists tokens-lib=tokens_lib.wasm tokens-driver=tokens-driver.wasm
# The middle component of `res-import-export` is itself a composition: cell-ops-lib
# plus the `cells` instance it imports, exported again unchanged.
wac compose "$GUESTS/compositions/cell-ops-reexport.wac" \
    --dep "meld-test:cell-ops-lib=$BIN/cell_ops_lib.wasm" -o "$WORK/cell-ops-reexport.wasm"
compose res-import-export cells-lib=cells_lib.wasm \
                   cell-ops-reexport="$WORK/cell-ops-reexport.wasm" cells-driver=cells-driver.wasm
compose res-streams sink-lib=sink_lib.wasm sink-driver=sink-driver.wasm
# map<K, V> (WIT package guests/wit-maps, so the other guests' WIT is untouched).
compose maps      maps-lib=maps_lib.wasm         maps-driver=maps-driver.wasm

# --- C guests: map<K, V> through wit-bindgen's C bindings ---------------------
# Debian's clang, lld and wasi-libc (LLVM 14, wasm32-wasi: WASI preview 1), the
# bindings from wit-bindgen-cli (the Rust guests' wit-bindgen version), linked
# into components by the Rust toolchain's wasm-component-ld (wasm-ld plus
# wit-component with its built-in preview-1 adapter). Both C components are
# reactors: the library, and the driver, which exports wasi:cli/run itself
# (guests/maps-c-driver/wit/world.wit says why).
WIT_BINDGEN_VERSION=0.61.1
CLANG_RT="$(clang -print-resource-dir 2>/dev/null || true)/lib/wasi/libclang_rt.builtins-wasm32.a"
if ! command -v wasm-ld-14 >/dev/null 2>&1 || [ ! -e /usr/lib/wasm32-wasi/libc.a ] \
    || [ ! -e "$CLANG_RT" ]; then
    apt-get update -q
    apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
    CLANG_RT="$(clang -print-resource-dir)/lib/wasi/libclang_rt.builtins-wasm32.a"
fi
if ! wit-bindgen --version 2>/dev/null | grep -qx "wit-bindgen-cli $WIT_BINDGEN_VERSION"; then
    cargo install --locked wit-bindgen-cli --version "$WIT_BINDGEN_VERSION"
fi
COMPONENT_LD="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/wasm-component-ld"

# build_c NAME WIT_DIR WORLD SOURCE: bindings for WORLD, SOURCE compiled with
# them, linked into the component $WORK/c-NAME/NAME.wasm (a reactor).
build_c() {
    local name="$1" wit="$2" world="$3" source="$4"
    local dir="$WORK/c-$name" base="${3//-/_}"
    mkdir -p "$dir"
    wit-bindgen c "$wit" --world "$world" --out-dir "$dir" >/dev/null
    local cflags=(--target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror
        "-ffile-prefix-map=$GUESTS=/guests" "-ffile-prefix-map=$WORK=/build" -I "$dir")
    clang "${cflags[@]}" -c "$dir/$base.c" -o "$dir/bindings.o"
    clang "${cflags[@]}" -c "$source" -o "$dir/main.o"
    "$COMPONENT_LD" --wasm-ld-path "$(command -v wasm-ld-14)" --wasi-adapter reactor \
        -m wasm32 --entry _initialize --strip-debug -L/usr/lib/wasm32-wasi \
        /usr/lib/wasm32-wasi/crt1-reactor.o "$dir/main.o" "$dir/bindings.o" \
        "$dir/${base}_component_type.o" -lc "$CLANG_RT" -o "$dir/$name.wasm"
}
build_c maps-c-lib "$GUESTS/wit-maps" maps-lib "$GUESTS/maps-c-lib/maps.c"
build_c maps-c-driver "$GUESTS/maps-c-driver/wit" maps-c-driver "$GUESTS/maps-c-driver/main.c"
# The Rust driver calling the C library, and the C driver calling the Rust library.
WAC_FILE=maps compose maps-c-lib \
    maps-lib="$WORK/c-maps-c-lib/maps-c-lib.wasm" maps-driver=maps-driver.wasm
WAC_FILE=maps compose maps-c-driver \
    maps-lib=maps_lib.wasm maps-driver="$WORK/c-maps-c-driver/maps-c-driver.wasm"

# The async fixtures: guests using wit-bindgen's async support, in a
# workspace of their own (guests-async/) so that wit-bindgen's `async` feature
# does not reach the other guests.
GUESTS_ASYNC="$ROOT/guests-async"
(cd "$GUESTS_ASYNC" && CARGO_TARGET_DIR="$GUESTS_ASYNC/target" \
    RUSTFLAGS="--remap-path-prefix=$GUESTS_ASYNC=/guests-async --remap-path-prefix=$CARGO_HOME=/cargo" \
    cargo build --release --locked --target "$TARGET")
ABIN="$GUESTS_ASYNC/target/$TARGET/release"
compose_async() {
    local name="$1"; shift
    local args=()
    local dep
    for dep in "$@"; do
        args+=(--dep "meld-test:${dep%%=*}=$ABIN/${dep#*=}")
    done
    wac compose "$GUESTS_ASYNC/compositions/$name.wac" "${args[@]}" -o "$WORK/$name.wasm"
    cp "$WORK/$name.wasm" "$OUT/$name.wasm"
    echo "  $name.wasm  $(wc -c <"$OUT/$name.wasm") bytes"
}
compose_async async-calc async-lib=async_lib.wasm async-driver=async-driver.wasm
# More async compositions (guests-async/wit-more, package meld-test:async-more):
# libraries, and one command per composition (async-drivers/src/bin/NAME.rs,
# package meld-test:NAME-driver in the .wac). The pattern that runs unfused
# but not fused yet (guests-async/compositions/pending/, docs/async-fixtures.md)
# is not composed here.
for name in async-ints async-floats async-trap; do
    compose_async "$name" async-scalars-lib=async_scalars_lib.wasm "$name-driver=$name.wasm"
done
for name in async-strings async-lists async-records async-variants; do
    compose_async "$name" async-shapes-lib=async_shapes_lib.wasm "$name-driver=$name.wasm"
done
for name in async-resources-own async-drop async-many; do
    compose_async "$name" async-tally-lib=async_tally_lib.wasm "$name-driver=$name.wasm"
done
compose_async async-to-sync async-plain-lib=async_plain_lib.wasm async-to-sync-driver=async-to-sync.wasm
compose_async async-two-instances async-tally-lib=async_tally_lib.wasm \
    async-two-instances-driver=async-two-instances.wasm
for name in async-chain3-mixer async-chain3-blocker; do
    compose_async "$name" async-shapes-lib=async_shapes_lib.wasm \
        async-middles-lib=async_middles_lib.wasm "$name-driver=$name.wasm"
done
# Borrows through async calls (pending until async callee tasks got their
# own borrow scope; the drivers keep their `pending-` names).
for name in borrow-param resources-borrow; do
    compose_async "async-$name" async-tally-lib=async_tally_lib.wasm \
        "pending-$name-driver=pending-$name.wasm"
done
compose_async async-join async-scalars-lib=async_scalars_lib.wasm \
    async-shapes-lib=async_shapes_lib.wasm async-tally-lib=async_tally_lib.wasm \
    async-join-driver=async-join.wasm
# Calls made by async-started tasks (pending until meld ran them in place, as
# wasmtime 49 does): they run on the wasmtime 49 CLI and fused, and trap on
# the wasmtime 48 crates unfused (their .expect has a `wasmtime48:` line).
compose_async async-chain3-async async-shapes-lib=async_shapes_lib.wasm \
    async-relay-lib=async_relay_lib.wasm async-chain3-async-driver=async-chain3-async.wasm
compose_async async-sync-to-async async-plain-lib=async_plain_lib.wasm \
    async-bridge-lib=async_bridge_lib.wasm async-sync-to-async-driver=async-sync-to-async.wasm

# Streams and futures between components (guests-async/wit-streams, package
# meld-test:async-streams; docs/async-fixtures.md, "Stream fixtures"). These
# crates need wit-bindgen's `async-spawn` feature, so they are not default
# members of guests-async/ and are built in a build of their own (features
# unify over the crates one build selects: the crates above keep theirs).
# Each driver is a reactor exporting `run: async func()` (no wasi:cli/run).
STREAM_FIXTURES=(stream-bytes stream-strings future-result stream-ping-pong stream-chain3
    stream-nested stream-cancel stream-handles)
stream_pkgs=(-p streams-lib -p transform-lib)
for name in "${STREAM_FIXTURES[@]}"; do stream_pkgs+=(-p "$name-driver"); done
(cd "$GUESTS_ASYNC" && CARGO_TARGET_DIR="$GUESTS_ASYNC/target" \
    RUSTFLAGS="--remap-path-prefix=$GUESTS_ASYNC=/guests-async --remap-path-prefix=$CARGO_HOME=/cargo" \
    cargo build --release --locked --target "$TARGET" "${stream_pkgs[@]}")
for name in "${STREAM_FIXTURES[@]}"; do
    if [ "$name" = stream-chain3 ]; then
        compose_async "$name" streams-lib=streams_lib.wasm transform-lib=transform_lib.wasm \
            "$name-driver=${name//-/_}_driver.wasm"
    else
        compose_async "$name" streams-lib=streams_lib.wasm "$name-driver=${name//-/_}_driver.wasm"
    fi
done

# A WASI 0.3 command (guests-async/wit-p3, package meld-test:p3;
# docs/async-fixtures.md, "A WASI 0.3 command: p3-stdout"): two components
# (p3-greeter, p3-main) that print only through wasi:cli/stdout@0.3.0's
# `write-via-stream`, the command exporting wasi:cli/run@0.3.0. Its imports
# are WASI 0.3 host interfaces, which tests/rust_fixtures.rs (WASI 0.2) does
# not provide, so it goes to tests/fixtures/rust/p3/ (tests/rust_p3.rs runs
# it). Built in a build of its own, like the stream crates.
(cd "$GUESTS_ASYNC" && CARGO_TARGET_DIR="$GUESTS_ASYNC/target" \
    RUSTFLAGS="--remap-path-prefix=$GUESTS_ASYNC=/guests-async --remap-path-prefix=$CARGO_HOME=/cargo" \
    cargo build --release --locked --target "$TARGET" -p p3-greeter -p p3-main)
mkdir -p "$OUT/p3"
wac compose "$GUESTS_ASYNC/compositions/p3-stdout.wac" \
    --dep "meld-test:p3-greeter=$ABIN/p3_greeter.wasm" \
    --dep "meld-test:p3-main=$ABIN/p3_main.wasm" -o "$OUT/p3/p3-stdout.wasm"
echo "  p3/p3-stdout.wasm  $(wc -c <"$OUT/p3/p3-stdout.wasm") bytes"

# The debug-info benchmark input (meld-bench's largest fixture): the variants
# composition built with DWARF kept (guests' `debuginfo` profile).
(cd "$GUESTS" && cargo build --profile debuginfo --locked --target "$TARGET" \
    -p variants-lib -p variants-driver)
DBG="$CARGO_TARGET_DIR/$TARGET/debuginfo"
DEBUG_OUT="$ROOT/tests/fixtures/bench/debug"
[ "$check" = 1 ] && DEBUG_OUT="$WORK/debug"
mkdir -p "$DEBUG_OUT"
wac compose "$GUESTS/compositions/variants.wac" \
    --dep "meld-test:variants-lib=$DBG/variants_lib.wasm" \
    --dep "meld-test:variants-driver=$DBG/variants-driver.wasm" -o "$DEBUG_OUT/variants.wasm"
echo "  bench/debug/variants.wasm  $(wc -c <"$DEBUG_OUT/variants.wasm") bytes"

# The debug-info fixtures (tests/fixtures/rust-debug/): compositions of the same
# guests built with full DWARF, for the tests that follow source lines through
# fusion. `fixture-debug` is the release build with DWARF kept; `fixture-debug-o0`
# is the same unoptimised (guests/Cargo.toml). The .expect files are hand-written.
RUST_DEBUG="$ROOT/tests/fixtures/rust-debug"
RDBG_OUT="$RUST_DEBUG"
[ "$check" = 1 ] && RDBG_OUT="$WORK/rust-debug"
mkdir -p "$RDBG_OUT"
for profile in fixture-debug fixture-debug-o0; do
    (cd "$GUESTS" && cargo build --profile "$profile" --locked --target "$TARGET" \
        -p fragile-lib -p fragile-driver \
        -p checksum-lib -p encoder-lib -p chain-driver \
        -p counter-lib -p counter-driver)
done
# compose_debug NAME COMPOSITION PROFILE PKG=FILE...
compose_debug() {
    local name="$1" composition="$2" profile="$3"; shift 3
    local args=() dep
    for dep in "$@"; do
        args+=(--dep "meld-test:${dep%%=*}=$CARGO_TARGET_DIR/$TARGET/$profile/${dep#*=}")
    done
    wac compose "$GUESTS/compositions/$composition.wac" "${args[@]}" -o "$RDBG_OUT/$name.wasm"
    echo "  rust-debug/$name.wasm  $(wc -c <"$RDBG_OUT/$name.wasm") bytes"
}
compose_debug trap trap fixture-debug \
    fragile-lib=fragile_lib.wasm fragile-driver=fragile-driver.wasm
compose_debug chain3 chain3 fixture-debug \
    checksum-lib=checksum_lib.wasm encoder-lib=encoder_lib.wasm chain-driver=chain-driver.wasm
compose_debug two-instances two-instances fixture-debug \
    counter-lib=counter_lib.wasm counter-driver=counter-driver.wasm
compose_debug trap-o0 trap fixture-debug-o0 \
    fragile-lib=fragile_lib.wasm fragile-driver=fragile-driver.wasm

if [ "$check" = 1 ]; then
    status=0
    if ! cmp -s "$DEBUG_OUT/variants.wasm" "$ROOT/tests/fixtures/bench/debug/variants.wasm"; then
        echo "DIFFERS: tests/fixtures/bench/debug/variants.wasm" >&2
        status=1
    fi
    for f in "$RDBG_OUT"/*.wasm; do
        cmp -s "$f" "$RUST_DEBUG/$(basename "$f")" \
            || { echo "DIFFERS: tests/fixtures/rust-debug/$(basename "$f")" >&2; status=1; }
    done
    for f in "$RUST_DEBUG"/*.wasm; do
        [ -e "$RDBG_OUT/$(basename "$f")" ] || { echo "STALE: $f" >&2; status=1; }
    done
    for f in "$OUT"/*.wasm; do
        name="$(basename "$f")"
        if ! cmp -s "$f" "$FIXTURES/$name"; then
            echo "DIFFERS: tests/fixtures/rust/$name" >&2
            status=1
        fi
    done
    for f in "$FIXTURES"/*.wasm; do
        [ -e "$OUT/$(basename "$f")" ] || { echo "STALE: $f" >&2; status=1; }
    done
    for f in "$OUT"/p3/*.wasm; do
        cmp -s "$f" "$FIXTURES/p3/$(basename "$f")" \
            || { echo "DIFFERS: tests/fixtures/rust/p3/$(basename "$f")" >&2; status=1; }
    done
    for f in "$FIXTURES"/p3/*.wasm; do
        [ -e "$OUT/p3/$(basename "$f")" ] || { echo "STALE: $f" >&2; status=1; }
    done
    [ "$status" = 0 ] && echo "all fixtures reproduce byte for byte"
    exit "$status"
fi
echo "total: $(cat "$OUT"/*.wasm | wc -c) bytes in $(ls "$OUT"/*.wasm | wc -l) fixtures"
echo "rust-debug: $(cat "$RDBG_OUT"/*.wasm | wc -c) bytes in $(ls "$RDBG_OUT"/*.wasm | wc -l) fixtures"
