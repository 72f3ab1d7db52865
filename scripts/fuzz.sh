#!/usr/bin/env bash
# Run each fuzz target for a bounded time (default 60 s each) with cargo-fuzz
# on nightly. Seeds the fuse_mutated corpus from the committed fixtures.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
mkdir -p corpus/fuse_mutated corpus/fuse_bytes corpus/fuse_structured
cp ../tests/fixtures/wat/*.wat ../tests/fixtures/host/*.wat ../tests/fixtures/link/*.wat corpus/fuse_mutated/
for t in fuse_bytes fuse_mutated fuse_structured; do
  echo "== $t ($secs s)"
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 | tail -3
done
