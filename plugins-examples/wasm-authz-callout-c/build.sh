#!/usr/bin/env bash
# Builds authz_callout.c into a proxy-wasm ABI 0.2.1 reactor module, by default target/filter.wasm
# next to this script; an argument names another output file. Runs from any directory, needs no
# stdin; the output is replaced only when the build succeeded. CC (default clang) names the
# compiler. `mvn package` runs this script (see pom.xml).
#
# Needs clang with the wasm32-wasi target and wasi-libc; on Debian 12:
#   apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
#
# -mexec-model=reactor: the module exports _initialize (C constructors; the host calls it once)
# instead of _start. -Wl,--strip-debug drops the DWARF wasi-libc brings (about 40 KB) and keeps
# the name section, so a trap names its function. Exports come from WEIR_EXPORT (export_name).
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/target/filter.wasm}
cc=${CC:-clang}
flags=(--target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug -Wall -Wextra -Werror)

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build.sh: $cc not found; install clang lld wasi-libc libclang-rt-14-dev-wasm32" \
        "(Debian) or set CC" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
if ! "$cc" "${flags[@]}" -I "$here/../wasm-abi" -o "$out.tmp" "$here/authz_callout.c"; then
    rm -f "$out.tmp"
    echo "build.sh: $cc failed; a missing C header (stdlib.h, ctype.h) means wasi-libc is not" \
        "installed, a missing libclang_rt.builtins-wasm32.a libclang-rt-14-dev-wasm32" >&2
    exit 1
fi
mv "$out.tmp" "$out"
echo "$out"
