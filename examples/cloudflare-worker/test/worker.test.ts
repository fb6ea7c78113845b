/**
 * The worker as wrangler would build it (esbuild, wrangler.toml's main, compatibility date and
 * [vars]), run in workerd through miniflare, against a real mock runtime on loopback scripted by
 * esper-mock.json. The secrets are bindings, as `wrangler secret put` makes them.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_TEST_KEY,
  type MockRuntime,
  type StartMockRuntimeOptions,
  startMockRuntime,
} from '@esper/testing';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mockConfig from '../esper-mock.json';
import { startWorker } from '../scripts/local.mjs';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

let mock: MockRuntime;
let mf: Miniflare;

/** Plays Cloudflare's edge: it always overwrites cf-connecting-ip with the address it saw. */
const get = (path: string, accept = 'text/html') =>
  mf.dispatchFetch(`https://esper-example.workers.dev${path}`, {
    headers: { accept, 'cf-connecting-ip': '198.51.100.9' },
    redirect: 'manual',
  });

const lastDecisionId = () =>
  (JSON.parse(mock.requests.at(-1)?.response?.body ?? '{}') as { decision_id?: string })
    .decision_id;

beforeAll(async () => {
  mock = await startMockRuntime(mockConfig as StartMockRuntimeOptions);
  ({ mf } = await startWorker({
    bindings: {
      ESPER_API_BASE: mock.url,
      ESPER_API_KEY: DEFAULT_TEST_KEY.apiKey,
      ESPER_API_SECRET: DEFAULT_TEST_KEY.secret,
      // wrangler.toml's 300 ms is for production; a loaded CI machine can be slower.
      ESPER_TIMEOUT_MS: '10000',
    },
  }));
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await mock?.close();
});

describe('examples/cloudflare-worker in workerd', () => {
  it('allows /: the handler runs and sees the decision', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hello: 'from the edge',
      decision: 'allow',
      decisionId: lastDecisionId(),
    });
    const call = mock.requests.at(-1);
    expect(call?.verification).toMatchObject({ ok: true, keyId: DEFAULT_TEST_KEY.apiKey });
    expect(call?.body).toMatchObject({
      request: { path: '/', client_ip: '198.51.100.9' },
      source: { sdk: '@esper/cloudflare', runtime: 'cloudflare-workers' },
    });
  });

  it('challenges /login: a browser is redirected to the challenge page', async () => {
    const res = await get('/login');
    await res.arrayBuffer();
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${mock.url}/challenge\\?`));
    expect(res.headers.get('x-esper-decision-id')).toBe(lastDecisionId());
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
  const readme = read('README.md');
  const shown = [...readme.matchAll(/<!-- file: (\S+) -->\n```\w+\n([\s\S]*?)```\n/g)];
  it.each(shown.map((m) => [m[1]!, m[2]!]))('shows %s as it is in the example', (file, code) => {
    expect(code).toBe(read(file));
  });
  it('shows the worker and its wrangler.toml', () => {
    expect(shown.map((m) => m[1])).toEqual(['src/index.ts', 'wrangler.toml']);
  });
});

describe('the root README', () => {
  it('quotes this example as it is: its lines, in order ("// …" stands for the rest)', () => {
    const root = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const from = /<!-- from: examples\/cloudflare-worker\/(\S+) -->\n```\w*\n([\s\S]*?)```\n/g;
    const quoted = [...root.matchAll(from)];
    expect(quoted.length).toBeGreaterThan(0);
    for (const [, file, code] of quoted) {
      const lines = read(file!).split('\n');
      let at = 0;
      for (const line of code!.split('\n').filter((l) => l.trim() && l.trim() !== '// …')) {
        const found = lines.indexOf(line, at);
        expect(found, `${file}: ${line}`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
  });
});
