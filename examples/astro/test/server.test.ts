/**
 * The example as `npm run build && npm start` runs it: `astro build` (the real build, against
 * @esper/astro's dist), then the start script's command (`node dist/server/entry.mjs`, the
 * @astrojs/node standalone server) as its own process, with HOST, PORT and the ESPER_*
 * variables pointing at a real mock runtime on loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import {
  freePort,
  type NodeProcess,
  runNode,
  startNodeProcess,
  waitUntilAnswering,
} from '../../../test/helpers/node-process.mjs';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const runtime = exampleRuntime('astro');
let server: NodeProcess | undefined;
let origin = '';

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const get = (path: string, accept = 'text/html') =>
  fetch(origin + path, {
    headers: { accept, 'x-forwarded-for': '203.0.113.99' },
    redirect: 'manual',
  });

beforeAll(async () => {
  await runtime.start();
  await runNode(DIR, [`${DIR}node_modules/astro/astro.js`, 'build'], {
    ASTRO_TELEMETRY_DISABLED: '1',
  });
  const { scripts } = JSON.parse(readFileSync(`${DIR}package.json`, 'utf8'));
  const start = scripts.start.match(/^node (.+)$/)?.[1];
  if (!start) throw new Error('the start script is not "node …"');
  const port = await freePort();
  server = startNodeProcess({
    cwd: DIR,
    args: start.split(' '),
    env: { ...runtime.env(), HOST: '127.0.0.1', PORT: String(port) },
  });
  origin = `http://127.0.0.1:${port}`;
  // A readiness probe, as a load balancer's: its request also loads the middleware (Astro
  // does that on the first on-demand request; see the package README on the first request).
  await waitUntilAnswering(server, 'examples/astro', () => fetch(`${origin}/`));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await runtime.close();
});

describe('examples/astro on @astrojs/node (standalone)', () => {
  it('allows /: the page renders Astro.locals.esper, the next middleware sees it too', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Hello! Esper said: allow');
    expect(res.headers.get('x-decided-by')).toBe('esper:allow');
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/astro' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    runtime.expectChallengeRedirect(await get('/login'));
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    const admin = await get('/admin', 'application/json');
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ decision_id: runtime.lastDecisionId() });
    expect((await get('/?foo=bar')).status).toBe(403);
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
