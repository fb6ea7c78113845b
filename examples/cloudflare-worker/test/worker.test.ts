/**
 * The worker as wrangler would build it (esbuild, wrangler.toml's main, compatibility date and
 * [vars]), run in workerd through miniflare, against a real mock runtime on loopback scripted by
 * esper-mock.json. The secrets are bindings, as `wrangler secret put` makes them.
 */
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import { startWorker } from '../scripts/local.mjs';

const runtime = exampleRuntime('cloudflare-worker');
let mf: Miniflare;

/** Plays Cloudflare's edge: it always overwrites cf-connecting-ip with the address it saw. */
const get = (path: string, accept = 'text/html') =>
  mf.dispatchFetch(`https://esper-example.workers.dev${path}`, {
    headers: { accept, 'cf-connecting-ip': '198.51.100.9' },
    redirect: 'manual',
  });

beforeAll(async () => {
  await runtime.start();
  // The ESPER_* settings as bindings: they win over wrangler.toml's [vars].
  ({ mf } = await startWorker({ bindings: runtime.env() }));
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await runtime.close();
});

describe('examples/cloudflare-worker in workerd', () => {
  it('allows /: the handler runs and sees the decision', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'from the edge',
      decision: 'allow',
      decisionId: runtime.lastDecisionId(),
    });
    runtime.expectSignedCall({
      request: { path: '/', client_ip: '198.51.100.9' },
      source: { sdk: '@esper/cloudflare', runtime: 'cloudflare-workers' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await get('/login');
    await res.arrayBuffer();
    runtime.expectChallengeRedirect(res);
  });

  it('blocks /admin with a 403', async () => {
    const res = await get('/admin', 'application/json');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-esper-decision')).toBe('block');
    expect(await res.json()).toBeTypeOf('object');
  });

  it('blocks /?foo=bar, the quickstart policy', async () => {
    const res = await get('/?foo=bar');
    await res.arrayBuffer();
    expect(res.status).toBe(403);
  });
});

describe('examples/cloudflare-worker/README.md', () => {
  itShowsFilesAsTheyAre('cloudflare-worker', {
    title: 'shows the worker and its wrangler.toml',
    files: ['src/index.ts', 'wrangler.toml'],
  });
});

describeRootReadme('cloudflare-worker');
