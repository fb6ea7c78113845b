import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, packageInputs } from '../../helpers/build-once.mjs';
import { runNode } from '../../helpers/node-process.mjs';
import type { Target } from '../target.js';
import { type NitroServer, nodeServerTarget, startNitroOutput } from './nitro.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/nitro-app/nuxt/', import.meta.url));
/** The example's Nuxt 3 install: the fixture resolves these like a user's project. */
const EXAMPLE = fileURLToPath(new URL('../../../examples/nuxt/node_modules/', import.meta.url));
const LINKED = ['nuxt', 'vue', 'vue-router', 'h3'];
/** What the fixture imports besides its own files (APP_CONTRACT, the decider, the contract app). */
const SHARED = ['../target.ts', '../fixtures/hybrid.ts', '../fixtures/nitro-app/respond.ts'].map(
  (f) => fileURLToPath(new URL(f, import.meta.url)),
);

/**
 * `nuxt build` (Nuxt 3, node-server preset) of fixtures/nitro-app/nuxt, once for every suite and
 * process (build-once): the directory holding `.output/`.
 */
export function buildNuxtApp(): Promise<string> {
  // build-once fingerprints directories: the shared files go into the name instead.
  const shared = createHash('sha256');
  for (const file of SHARED) shared.update(readFileSync(file));
  return buildOnce(`nuxt-app-${shared.digest('hex').slice(0, 8)}`, {
    inputs: [FIXTURE, ...packageInputs('nuxt')],
    async build(outDir) {
      mkdirSync(join(FIXTURE, 'node_modules'), { recursive: true });
      for (const name of LINKED) {
        const link = join(FIXTURE, 'node_modules', name);
        if (!existsSync(link)) symlinkSync(join(EXAMPLE, name), link, 'dir');
      }
      await runNode(FIXTURE, [join(FIXTURE, 'node_modules/nuxt/bin/nuxt.mjs'), 'build'], {
        ESPER_NUXT_OUT: outDir,
        NUXT_TELEMETRY_DISABLED: '1',
        CI: '1',
      });
    },
  });
}

/** The Nuxt fixture, built (once) and started with `env` added (ESPER_*). */
export async function startNuxtApp(env: Record<string, string>): Promise<NitroServer> {
  return startNitroOutput(await buildNuxtApp(), env);
}

/**
 * The Nuxt fixture on Nitro's node-server output: the middleware protects both Nitro's server
 * middleware (the contract app) and Nuxt's pages (vue-router). `proxied`/`direct` as in
 * `nitroTarget`.
 */
export function nuxtTarget(mode: 'proxied' | 'direct' = 'proxied'): Target {
  return nodeServerTarget('nuxt', mode, startNuxtApp);
}
