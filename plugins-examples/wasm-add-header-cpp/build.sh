#!/usr/bin/env bash
# Builds add_header.cc into a proxy-wasm ABI 0.2.1 reactor module, by default
# target/filter.wasm next to this script; an argument names another output file.
# Runs from any directory, needs no stdin; the output is replaced only when the build succeeded.
# `mvn package` runs this script (see pom.xml).
# CXX (default clang++) names the compiler.
#
# Needs clang with the wasm32-wasi target, wasi-libc and libc++; on Debian 12:
#   apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 \
#       libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
#
# -mexec-model=reactor: the module exports _initialize (C++ constructors; the host calls it once)
# instead of _start. The callbacks carry export_name attributes (WEIR_EXPORT); the
# --export-if-defined flags export them as well, so a callback declared without the attribute is
# not dropped silently. -Wl,--strip-debug drops the DWARF the libraries bring.
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/target/filter.wasm}
cxx=${CXX:-clang++}

exports=(proxy_abi_version_0_2_1 proxy_on_memory_allocate proxy_on_context_create
    proxy_on_vm_start proxy_on_configure proxy_on_request_headers proxy_on_response_headers
    proxy_on_done proxy_on_delete)
flags=(--target=wasm32-wasi -std=c++17 -O2 -fno-exceptions -fno-rtti -mexec-model=reactor
    -Wall -Wextra -Werror -Wl,--strip-debug)
for e in "${exports[@]}"; do
    flags+=("-Wl,--export-if-defined=$e")
done

if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "build.sh: $cxx not found; install clang lld wasi-libc libclang-rt-14-dev-wasm32" \
        "libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 (Debian) or set CXX" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
if ! "$cxx" "${flags[@]}" -I "$here/../wasm-abi" -o "$out.tmp" "$here/add_header.cc"; then
    rm -f "$out.tmp"
    echo "build.sh: $cxx failed; a missing <string> or -lc++ means libc++-14-dev-wasm32 and" \
        "libc++abi-14-dev-wasm32 are not installed, a missing libclang_rt.builtins-wasm32.a" \
        "libclang-rt-14-dev-wasm32" >&2
    exit 1
fi
mv "$out.tmp" "$out"
echo "$out"
