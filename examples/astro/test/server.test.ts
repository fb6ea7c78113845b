/**
 * The example as `npm run build && npm start` runs it: `astro build` (the real build, against
 * @esper/astro's dist), then the start script's command (`node dist/server/entry.mjs`, the
 * @astrojs/node standalone server) as its own process, with HOST, PORT and the ESPER_*
 * variables pointing at a real mock runtime on loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import {
  exampleDir,
  exampleServer,
  itDecidesTheMockRoutes,
  startScript,
} from '../../../test/helpers/example-server.js';
import { runNode } from '../../../test/helpers/node-process.mjs';
import { startOnFreePort } from '../../../test/helpers/server-target.js';

const DIR = exampleDir('astro');
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const example = exampleServer('astro', {
  timeoutMs: 120_000,
  build: () =>
    runNode(DIR, [`${DIR}node_modules/astro/astro.js`, 'build'], { ASTRO_TELEMETRY_DISABLED: '1' }),
  // A readiness probe, as a load balancer's: its request also loads the middleware (Astro
  // does that on the first on-demand request; see the package README on the first request).
  start: (env) => startOnFreePort({ cwd: DIR, args: startScript(DIR), env }, 'examples/astro', '/'),
});
const { runtime, get } = example;

describe('examples/astro on @astrojs/node (standalone)', () => {
  itDecidesTheMockRoutes(example, {
    allows: 'allows /: the page renders Astro.locals.esper, the next middleware sees it too',
    async allowed(res) {
      expect(await res.text()).toContain('Hello! Esper said: allow');
      expect(res.headers.get('x-decided-by')).toBe('esper:allow');
    },
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    signed: { request: { path: '/', client_ip: '127.0.0.1' }, source: { sdk: '@esper/astro' } },
  });

  it('serves the prerendered /about as a file: no middleware, no decision', async () => {
    const before = runtime.lastCall();
    const res = await get('/about');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('About us');
    expect(res.headers.get('x-decided-by')).toBeNull();
    expect(runtime.lastCall()).toBe(before);
  });
});

describe('examples/astro/README.md', () => {
  itShowsFilesAsTheyAre('astro', {
    title: 'shows the middleware, the pages and the config',
    files: [
      'src/middleware.ts',
      'src/pages/index.astro',
      'src/pages/about.astro',
      'astro.config.mjs',
    ],
  });
});

describe('packages/astro/README.md', () => {
  it('quotes examples/astro/src/middleware.ts as it is', () => {
    const readme = readFileSync(`${ROOT}packages/astro/README.md`, 'utf8');
    const quoted = readme.match(
      /<!-- from: examples\/astro\/src\/middleware\.ts -->\n```ts\n([\s\S]*?)```\n/,
    );
    expect(quoted?.[1]).toBe(readFileSync(`${DIR}src/middleware.ts`, 'utf8'));
  });
});

describeRootReadme('astro');
