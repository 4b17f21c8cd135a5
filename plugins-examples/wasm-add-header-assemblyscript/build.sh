#!/usr/bin/env bash
# Builds assembly/index.ts into a proxy-wasm ABI 0.2.0 module with AssemblyScript, by default
# target/filter.wasm next to this script; an argument names another output file.
# Runs from any directory, needs no stdin; the output is replaced only when the build succeeded.
#
# Needs node and npm (Debian: apt-get install nodejs npm). The first run installs the pinned
# assemblyscript and @solo-io/proxy-runtime from package-lock.json into node_modules/ with
# `npm ci` (needs the npm registry); later runs reuse them while their versions match
# package.json.
#
# --use abort=abort_proc_exit: the SDK's abort logs the message with proxy_log, then calls
# wasi_unstable.proc_exit(255), instead of importing env.abort (which no proxy serves).
# --optimize is -O3s: Binaryen's optimizations, speed first, then size.
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/target/filter.wasm}

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build.sh: $tool not found; install Node.js and npm (Debian: apt-get install nodejs npm)" >&2
        exit 1
    fi
done

# Prints each devDependency of package.json that node_modules lacks or holds at another version.
missing_packages() {
    node -e '
        const dir = process.argv[1];
        const wanted = require(dir + "/package.json").devDependencies;
        for (const [name, version] of Object.entries(wanted)) {
            let have = null;
            try { have = require(dir + "/node_modules/" + name + "/package.json").version; } catch (e) {}
            if (have !== version) console.log(name + "@" + version + (have ? " (found " + have + ")" : ""));
        }' "$here"
}

missing=$(missing_packages)
if [[ -n $missing ]]; then
    echo "build.sh: installing into $here/node_modules:" $missing >&2
    # npm's report goes to stderr: stdout carries only the output path.
    if ! (cd "$here" && npm ci --no-audit --no-fund >&2); then
        echo "build.sh: npm ci failed in $here; check the npm registry is reachable" \
            "(npm config get registry) and that package-lock.json matches package.json" >&2
        exit 1
    fi
fi

mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
# asc resolves packages in node_modules relative to its working directory.
cd "$here"
if ! node_modules/.bin/asc assembly/index.ts -b "$out.tmp" --optimize --use abort=abort_proc_exit; then
    rm -f "$out.tmp"
    echo "build.sh: asc failed" >&2
    exit 1
fi
mv "$out.tmp" "$out"
echo "$out"
