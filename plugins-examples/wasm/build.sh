#!/usr/bin/env bash
# Builds every C example (each directory here holding *.c files, e.g. c-add-header/) into
# target/<directory>.wasm, a proxy-wasm ABI 0.2.1 reactor module. Rebuilds everything on each run
# and replaces each output only when its build succeeded. Runs from any directory, needs no
# stdin. CC (default clang) names the compiler.
#
# Needs clang with the wasm32-wasi target; on Debian 12:
#   apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
set -euo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")"

cc=${CC:-clang}
flags=(--target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug -Wall -Wextra -Werror)

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build.sh: $cc not found; install clang lld wasi-libc libclang-rt-14-dev-wasm32" \
        "(Debian) or set CC" >&2
    exit 1
fi

mkdir -p target
built=0
for dir in */; do
    name=${dir%/}
    case $name in include | target) continue ;; esac
    sources=("$name"/*.c)
    [ -e "${sources[0]}" ] || continue
    if ! "$cc" "${flags[@]}" -I include -o "target/$name.wasm.tmp" "${sources[@]}"; then
        rm -f "target/$name.wasm.tmp"
        echo "build.sh: $name failed; a missing C header (stdlib.h, ctype.h) means wasi-libc" \
            "is not installed, a missing libclang_rt.builtins-wasm32.a" \
            "libclang-rt-14-dev-wasm32" >&2
        exit 1
    fi
    mv "target/$name.wasm.tmp" "target/$name.wasm"
    echo "target/$name.wasm"
    built=$((built + 1))
done

if [ "$built" -eq 0 ]; then
    echo "build.sh: no example found (a directory with *.c files)" >&2
    exit 1
fi
