/**
 * The example as it ships: a real `vite build` with adapter-node, then `node build/index.js` on
 * 127.0.0.1 with its ESPER_* settings pointing at a real mock runtime on loopback, scripted by
 * esper-mock.json (the same file the README's `npx esper-mock --config esper-mock.json` uses).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import {
  type NodeProcess,
  runNode,
  startNodeProcess,
} from '../../../test/helpers/node-process.mjs';
import { listeningOrigin } from '../../../test/helpers/server-target.js';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const runtime = exampleRuntime('sveltekit');

interface Server {
  origin: string;
  app: NodeProcess;
}
const servers: Server[] = [];

/** `npm start` (node build/index.js) with PORT=0: adapter-node prints the port it got. */
async function start(env: Record<string, string> = {}): Promise<string> {
  const app = startNodeProcess({
    cwd: DIR,
    args: ['build/index.js'],
    env: { ...runtime.env(), ...env, HOST: '127.0.0.1', PORT: '0' },
  });
  const listening = /Listening on http:\/\/127\.0\.0\.1:(\d+)/;
  const origin = await listeningOrigin(app, 'node build/index.js', listening);
  servers.push({ origin, app });
  return origin;
}

let origin = '';
const get = (path: string, accept = 'text/html', headers: Record<string, string> = {}) =>
  fetch(origin + path, { headers: { accept, ...headers }, redirect: 'manual' });

beforeAll(async () => {
  await runtime.start();
  await runNode(DIR, ['node_modules/vite/bin/vite.js', 'build']);
  origin = await start();
}, 240_000);

afterAll(async () => {
  for (const { app } of servers) await app.stop();
  await runtime.close();
});

describe('examples/sveltekit under node build/index.js (adapter-node)', () => {
  it('allows / and the page shows the decision its load got from locals.esper', async () => {
    const res = await get('/');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/id="decision">allow</);
    // The id on the page is the runtime's, so the decision came from the mock, not a fallback.
    expect(html).toContain(`id="decision-id">${runtime.lastDecisionId()}<`);
    // The hook after esperHandle() in sequence() ran, and saw the decision too.
    expect(res.headers.get('x-decided-by')).toBe('esper:allow');
    // No proxy in front: the client is the socket's peer.
    runtime.expectSignedCall({
      request: { method: 'GET', path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/sveltekit', runtime: 'node' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await get('/login');
    runtime.expectChallengeRedirect(res);
    expect(res.headers.get('x-decided-by')).toBeNull();
  });

  it('blocks /admin with a 403 (JSON for an API client)', async () => {
    const res = await get('/admin', 'application/json');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-esper-decision-id')).toBe(runtime.lastDecisionId());
  });

  it('blocks /?foo=bar, the quickstart policy, with an HTML page for a browser', async () => {
    const res = await get('/?foo=bar');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(runtime.lastCall()?.body).toMatchObject({ request: { path: '/', query: 'foo=bar' } });
  });

  it('behind a proxy, the address adapter-node is told to read (ADDRESS_HEADER, XFF_DEPTH)', async () => {
    const proxied = await start({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' });
    // The client's own entry first, the proxy's (the address it saw) last.
    const res = await fetch(`${proxied}/`, {
      headers: { accept: 'text/html', 'x-forwarded-for': '6.6.6.6, 198.51.100.23' },
    });
    expect(res.status).toBe(200);
    expect(runtime.lastCall()?.body).toMatchObject({ request: { client_ip: '198.51.100.23' } });
  });
});

describe('examples/sveltekit/README.md', () => {
  itShowsFilesAsTheyAre('sveltekit', {
    title: 'shows the hook, the page and the settings, in this order',
    files: ['src/hooks.server.ts', 'src/routes/+page.server.ts', 'svelte.config.js'],
  });
  it('the package README quotes src/hooks.server.ts as it is', () => {
    const pkg = readFileSync(
      new URL('../../../packages/sveltekit/README.md', import.meta.url),
      'utf8',
    );
    const block = pkg.match(
      /<!-- from: examples\/sveltekit\/src\/hooks.server.ts -->\n```ts\n([\s\S]*?)```\n/,
    );
    expect(block?.[1]).toBe(read('src/hooks.server.ts'));
  });
});

describeRootReadme('sveltekit');
