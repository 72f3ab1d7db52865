#!/usr/bin/env bash
# Build the release `meld` binary twice, in two fresh target folders, check
# that the two builds are byte-identical, and print the binary's SHA-256.
#
#   scripts/release.sh [OUT_DIR]     # default: target/dist
#
# The binary is static (x86_64-unknown-linux-musl) when that Rust target is
# installed or can be installed with rustup; otherwise the host's glibc
# target is used, and the script says so. (On the project's machines the
# musl target installs with `rustup target add`: it ships its own C runtime,
# so no musl toolchain is needed.) `MELD_TARGET=...` picks a target.
#
# What makes two builds identical: the same commit (`meld --version` names
# it; build.rs reads only git's view of the tree, no time), the locked
# dependencies (`--locked`), no incremental compilation, and the checkout and
# cargo home paths mapped to fixed names (`--remap-path-prefix`) so the
# binary does not depend on where it was built.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="${1:-target/dist}"
mkdir -p "$out"

target="${MELD_TARGET:-}"
if [ -z "$target" ]; then
  musl=x86_64-unknown-linux-musl
  if rustup target list --installed 2>/dev/null | grep -qx "$musl" \
     || rustup target add "$musl" >/dev/null 2>&1; then
    target="$musl"
  else
    target="$(rustc -vV | sed -n 's/^host: //p')"
    echo "note: the $musl target cannot be installed here (no rustup, or no network);" \
         "building a dynamically linked $target binary instead" >&2
  fi
fi

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_PROFILE_RELEASE_INCREMENTAL=false
export CARGO_PROFILE_RELEASE_DEBUG=false
export CARGO_PROFILE_RELEASE_STRIP=symbols
export RUSTFLAGS="--remap-path-prefix=$root=/meld --remap-path-prefix=$cargo_home=/cargo ${RUSTFLAGS:-}"

build() {
  local dir="$1"
  rm -rf "$dir"
  echo "building meld for $target in $dir" >&2
  cargo build --release --locked -p meld-cli --bin meld --target "$target" \
    --target-dir "$dir" >&2
}

a="$root/target/release-check/a"
b="$root/target/release-check/b"
build "$a"
build "$b"
bin_a="$a/$target/release/meld"
bin_b="$b/$target/release/meld"
if ! cmp -s "$bin_a" "$bin_b"; then
  echo "error: two builds of the same tree differ:" >&2
  cmp "$bin_a" "$bin_b" | head -5 >&2 || true
  exit 1
fi
cp "$bin_a" "$out/meld"
rm -rf "$b"   # the second build only served the comparison
echo "reproducible: two builds are byte-identical" >&2
"$out/meld" --version
if command -v file >/dev/null; then file "$out/meld" | sed "s|^$out/||"; fi
sha256sum "$out/meld"
