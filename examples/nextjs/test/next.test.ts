/**
 * The example as it ships: a real `next build` (once), then `next start` on 127.0.0.1 with its
 * ESPER_* settings pointing at a real mock runtime on loopback, scripted by esper-mock.json
 * (the same file the README's `npx esper-mock --config esper-mock.json` uses).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import {
  buildNextApp,
  type RunningNextApp,
  startNextApp,
} from '../../../test/helpers/next-app.mjs';

const APP = {
  appDir: fileURLToPath(new URL('..', import.meta.url)),
  nextBin: fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url)),
};
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

const runtime = exampleRuntime('nextjs');
let next: RunningNextApp | undefined;

/** Plays Vercel's proxy: it overwrites x-real-ip with the address it saw. */
const get = (path: string, accept = 'text/html', ip = '198.51.100.7') =>
  fetch(next!.origin + path, { headers: { accept, 'x-real-ip': ip }, redirect: 'manual' });

beforeAll(async () => {
  await runtime.start();
  await buildNextApp(APP);
  next = await startNextApp({
    ...APP,
    env: runtime.env(),
    // /favicon.ico is outside the proxy's matcher, so waiting for it asks the mock nothing.
    ready: async (origin) => (await fetch(`${origin}/favicon.ico`)).arrayBuffer(),
  });
}, 240_000);

afterAll(async () => {
  await next?.stop();
  await runtime.close();
});

describe('examples/nextjs under next start (proxy.ts, Node.js runtime)', () => {
  it('allows / and the page shows the decision it received', async () => {
    const res = await get('/');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/id="decision">allow</);
    // The id on the page is the runtime's, so the decision came from the mock, not a fallback.
    expect(html).toContain(`id="decision-id">${runtime.lastDecisionId()}<`);
    runtime.expectSignedCall({
      request: { method: 'GET', path: '/', client_ip: '198.51.100.7' },
      source: { sdk: '@esper/vercel', runtime: 'vercel-node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await get('/login');
    runtime.expectChallengeRedirect(res);
    expect(res.headers.get('x-esper-decision')).toBe('challenge');
  });

  it('blocks /admin with a 403 (JSON for an API client)', async () => {
    const res = await get('/admin', 'application/json');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-esper-decision')).toBe('block');
    expect(res.headers.get('x-esper-decision-id')).toBe(runtime.lastDecisionId());
  });

  it('blocks /?foo=bar, the quickstart policy, with an HTML page for a browser', async () => {
    const res = await get('/?foo=bar');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(runtime.lastCall()?.body).toMatchObject({ request: { path: '/', query: 'foo=bar' } });
  });
});

describe('examples/nextjs/README.md', () => {
  const readme = read('README.md');
  itShowsFilesAsTheyAre('nextjs');
  it('shows every file it names, and the code of proxy.ts and edge/middleware.ts', () => {
    expect(readme).toContain('<!-- file: proxy.ts -->');
    expect(readme).toContain('<!-- file: edge/middleware.ts -->');
  });
});

describeRootReadme('nextjs');
