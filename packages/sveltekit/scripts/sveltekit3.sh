#!/usr/bin/env bash
# SvelteKit 3 needs Node >= 22.17, so CI (Node 20) tests SvelteKit 2 only. This runs the same
# fixture (test/conformance/fixtures/sveltekit-app) on SvelteKit 3 + adapter-node 6 + Vite 8
# under the project-local Node 24 of scripts/node24.sh, through the same four suites:
#   bash packages/sveltekit/scripts/sveltekit3.sh
# The app is assembled and installed (npm, pinned versions) in a scratch directory, never in the
# workspace; the suites use it through SVELTEKIT_FIXTURE_DIR (test/conformance/targets/sveltekit.ts).
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
n24="$root/.node24/node_modules/node/bin"
if [ ! -x "$n24/node" ] || [[ "$("$n24/node" --version)" != v24.* ]]; then
  npm install --no-save --no-audit --no-fund --prefix .node24 node@24 >/dev/null
fi
app=${SVELTEKIT3_DIR:-/tmp/esper-sveltekit3-app}
fixture=test/conformance/fixtures/sveltekit-app
rm -rf "$app/src" "$app/static" "$app/build" "$app/.svelte-kit"
mkdir -p "$app/node_modules/@esper"
cp -r "$fixture/src" "$fixture/static" "$app/"
# The fixture's relative imports of the shared conformance files, made absolute.
grep -rl 'target\.ts\|hybrid\.ts' "$app/src" | xargs sed -i \
  -e "s#'\(\.\./\)*target\.ts'#'$root/test/conformance/target.ts'#" \
  -e "s#'\(\.\./\)*hybrid\.ts'#'$root/test/conformance/fixtures/hybrid.ts'#"
cat >"$app/package.json" <<'JSON'
{
  "name": "esper-sveltekit3-fixture",
  "private": true,
  "type": "module",
  "devDependencies": {
    "@sveltejs/adapter-node": "6.0.1",
    "@sveltejs/kit": "3.2.0",
    "@sveltejs/vite-plugin-svelte": "7.3.1",
    "svelte": "5.57.3",
    "vite": "8.3.8"
  }
}
JSON
# SvelteKit 3 takes its config in vite.config.js (svelte.config.js is refused).
cat >"$app/vite.config.js" <<'JS'
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defaultServerConditions, defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit({ adapter: adapter() })],
  ssr: {
    noExternal: [/^@esper\//],
    resolve: { conditions: ['@esper/source', ...defaultServerConditions] },
  },
  logLevel: 'warn',
});
JS
(cd "$app" && PATH="$n24:$PATH" npm install --no-audit --no-fund --loglevel=error >/dev/null)
ln -sfn "$root/packages/sveltekit" "$app/node_modules/@esper/sveltekit"
(cd "$app" && "$n24/node" node_modules/vite/bin/vite.js build)
echo "sveltekit3: kit $(node -p "require('$app/node_modules/@sveltejs/kit/package.json').version"), node $("$n24/node" --version)"
export SVELTEKIT_FIXTURE_DIR="$app" PATH="$n24:$PATH"
vitest=(node node_modules/vitest/vitest.mjs run)
"${vitest[@]}" --project suite test/conformance/sveltekit.test.ts
for suite in faults spoofing routing; do
  "${vitest[@]}" -c "test/$suite/vitest.config.ts" "test/$suite/sveltekit.suite.ts"
done
