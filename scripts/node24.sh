#!/usr/bin/env bash
# Runs a meaningful part of the suite on Node 24, installed project-locally from the registry's
# `node` package into .node24/ (gitignored). The machine's global node is never replaced: Node 24
# is only put first on PATH for the vitest run. The packages' dist is built (by Node 20) first,
# as a user's install would be; the tests then run their real runtimes on Node 24.
#   bash scripts/node24.sh            # core + packages' own tests + Node conformance targets
#   bash scripts/node24.sh <paths…>   # other vitest filters
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.node24
bin="$dir/node_modules/node/bin/node"
if [ ! -x "$bin" ] || [[ "$("$bin" --version)" != v24.* ]]; then
  npm install --no-save --no-audit --no-fund --prefix "$dir" node@24 >/dev/null
fi
version=$("$bin" --version)
[[ $version == v24.* ]] || { echo "node24: got $version, not v24" >&2; exit 1; }
[ -f packages/core/dist/index.js ] || pnpm -s build

filters=("$@")
if [ ${#filters[@]} -eq 0 ]; then
  filters=(packages test/core test/conformance/express test/conformance/hono-node
    test/conformance/lambda)
fi
echo "node24: $version ($bin), vitest ${filters[*]}"
# `node` and every child process the tests spawn (hono-node's server, ...) resolve to Node 24.
PATH="$PWD/$dir/node_modules/node/bin:$PATH" "$PWD/$bin" node_modules/vitest/vitest.mjs run \
  "${filters[@]}"
