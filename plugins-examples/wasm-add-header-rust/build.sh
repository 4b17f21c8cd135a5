#!/usr/bin/env bash
# Builds add_header.rs into a proxy-wasm ABI 0.2.1 module, by default
# target/filter.wasm next to this script; an argument names another output file.
# Runs from any directory, needs no stdin; the output is replaced only when the build succeeded.
# `mvn package` runs this script (see pom.xml).
#
# Needs Debian's rustc with the wasm32 standard library (no cargo, no crates):
#   apt-get install rustc libstd-rust-dev-wasm32
# RUSTC (default /usr/bin/rustc) names the compiler: a rustup rustc (~/.cargo/bin) that comes
# first in PATH has no wasm32 standard library unless `rustup target add wasm32-unknown-unknown`.
#
# -C lto lets the linker drop the unused parts of std (36 KB -> 20 KB); -C strip=debuginfo drops
# the DWARF of the precompiled std (5 MB) and keeps the name section, so a trap names its function.
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/target/filter.wasm}
rustc=${RUSTC:-/usr/bin/rustc}

if ! command -v "$rustc" >/dev/null 2>&1; then
    echo "build.sh: $rustc not found; install rustc libstd-rust-dev-wasm32 (Debian) or set RUSTC" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
if ! "$rustc" --target wasm32-unknown-unknown --crate-type cdylib -C panic=abort -O -C lto \
    -C strip=debuginfo -o "$out.tmp" "$here/add_header.rs"; then
    rm -f "$out.tmp"
    echo "build.sh: rustc failed; \"can't find crate for std\" means libstd-rust-dev-wasm32 is" \
        "not installed" >&2
    exit 1
fi
mv "$out.tmp" "$out"
echo "$out"
