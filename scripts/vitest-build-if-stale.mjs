// Vitest `globalSetup` of the projects whose tests run the built packages (vitest.config.ts:
// `built` and `demo`): builds whatever is stale (scripts/build-if-stale.mjs) before their first
// test (and before each rerun in watch mode), so a plain `vitest` or an IDE run never tests an
// old dist. A no-op when dist is current, as after `pnpm test` or `pnpm build`. Vitest runs every
// global setup before the first test file of any project, so no test sees a half-written dist.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function buildIfStale() {
  const r = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0)
    throw new Error(`scripts/build-if-stale.mjs exited ${r.status ?? r.error?.message}`);
}

/** @param {import('vitest/node').TestProject} project */
export default function setup(project) {
  buildIfStale();
  // In watch mode, again before each rerun: an edit since the last build is built first.
  project.onTestsRerun(() => buildIfStale());
}
