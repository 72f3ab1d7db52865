#!/usr/bin/env bash
# Re-assemble the prebuilt builtins (meld-core/src/builtins/prebuilt/*.wasm)
# from their WAT after editing it; the test prebuilt_builtins_match_their_wat
# fails until this is run. Needs no wasm toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
MELD_BLESS_BUILTINS=1 cargo test --release -p meld-core --lib prebuilt_builtins_match_their_wat
# Check the blessed bytes with a fresh build.
cargo test --release -p meld-core --lib prebuilt_builtins_match_their_wat
