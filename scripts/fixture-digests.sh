#!/usr/bin/env bash
# Prints one line per (fixture, mode): the sha256 of what `meld fuse` writes.
# Used to prove that a refactor leaves every output byte-identical:
#   scripts/fixture-digests.sh OLD_MELD > before.txt
#   scripts/fixture-digests.sh target/release/meld > after.txt
#   diff before.txt after.txt
# A fixture that meld refuses prints its exit code instead of a digest.
set -uo pipefail
cd "$(dirname "$0")/.."
MELD="${1:-target/release/meld}"
# The provenance section records meld's version and the inputs' digests;
# leave it out so that two meld versions can be compared.
np=""; "$MELD" fuse --help 2>/dev/null | grep -q -- --no-provenance && np="--no-provenance"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for f in tests/fixtures/wat/*.wat tests/fixtures/bench/*.wat tests/fixtures/bench/debug/*.wasm \
         tests/fixtures/rust/*.wasm tests/fixtures/exported/*.wat tests/fixtures/host/*.wat \
         tests/fixtures/resources/*.wat tests/fixtures/funcref/*.wat \
         tests/fixtures/difftest-regressions/*.wat tests/fixtures/types/*.wat; do
  [ -e "$f" ] || continue
  for mode in core component; do
    flag=""; [ "$mode" = component ] && flag="--component"
    if "$MELD" fuse "$f" $flag $np -o "$tmp/out.wasm" >/dev/null 2>"$tmp/err"; then
      echo "$(sha256sum < "$tmp/out.wasm" | cut -c1-16) $mode $f"
    else
      echo "refused($?) $mode $f"
    fi
    rm -f "$tmp/out.wasm"
  done
done
"$MELD" fuse tests/fixtures/link/app.wat tests/fixtures/link/lib.wat $np -o "$tmp/out.wasm" >/dev/null 2>&1 \
  && echo "$(sha256sum < "$tmp/out.wasm" | cut -c1-16) core link/app+lib"
