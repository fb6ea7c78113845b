/**
 * The hybrid worker as wrangler would build it, run in workerd through miniflare, synced from
 * the real `@esper/runtime` origin serving esper-tenant.json (through a recording proxy), with
 * the secrets as bindings. Every request is decided in the isolate: origin never sees a
 * mitigation call, only snapshot polls and event batches, both started by requests.
 */
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENTS_PATH,
  eventually,
  exampleOrigin,
  MITIGATION_PATH,
  SNAPSHOT_PATH,
} from '../../../test/helpers/example-origin.js';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { startWorker } from '../scripts/local.mjs';

const POLL_MS = 300;
const origin = exampleOrigin('cloudflare-worker-hybrid');
let mf: Miniflare;

/** Plays Cloudflare's edge: it always overwrites cf-connecting-ip with the address it saw. */
const get = async (path: string, accept = 'application/json') => {
  const res = await mf.dispatchFetch(`https://esper-example.workers.dev${path}`, {
    headers: { accept, 'cf-connecting-ip': '198.51.100.9' },
    redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
};

beforeAll(async () => {
  await origin.start();
  // The ESPER_* settings as bindings: they win over wrangler.toml's [vars].
  ({ mf } = await startWorker({ bindings: origin.env(POLL_MS) }));
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await origin.close();
});

describe('examples/cloudflare-worker-hybrid in workerd', () => {
  it('allows /, from the first request of the isolate on, decided locally', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ hello: 'from the edge', decision: 'allow' });
    expect(body.decisionId).toMatch(/^dec_hyb_/);
  });

  it("challenges /login: a browser goes to origin's hosted page; an API client gets JSON", async () => {
    const page = await get('/login', 'text/html');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(new RegExp(`^${origin.url()}/challenge\\?`));
    const api = await get('/login');
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ error: 'challenge_required' });
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    const admin = await get('/admin');
    expect(admin.status).toBe(403);
    expect(admin.headers.get('x-esper-decision-id')).toMatch(/^dec_hyb_/);
    expect((await get('/?foo=bar')).status).toBe(403);
  });

  it('a policy added at origin is enforced once a request finds a poll due', async () => {
    expect((await get('/?beta=1')).status).toBe(200);
    const added = await origin.admin('POST', `/tenants/${origin.tenant.tenant_id}/policies`, {
      policy_id: 'pol_beta',
      name: 'Block ?beta=1',
      clauses: [
        {
          match: { FieldCmp: { field_name: 'request_query_beta', operator: 'Eq', value: '1' } },
          mitigation_id: 'mit_block',
        },
      ],
      enabled: true,
    });
    expect(added.status).toBe(201);
    const at = Date.now();
    await eventually(async () => (await get('/?beta=1')).status === 403, POLL_MS + 3000);
    expect(Date.now() - at).toBeLessThan(POLL_MS + 3000);
  });

  it('origin saw snapshot polls and event batches, never a mitigation call', async () => {
    // A batch leaves 1 s after its first event, from the waitUntil of a request that finds it due.
    await eventually(async () => {
      await get('/');
      return (await origin.results()).by_operation_mode.hybrid.requests > 0;
    }, 5000);
    const calls = origin.calls();
    expect(calls).toContain(SNAPSHOT_PATH);
    expect(calls).toContain(EVENTS_PATH);
    expect(calls).not.toContain(MITIGATION_PATH);
    expect((await origin.results()).by_operation_mode.cloud.requests).toBe(0);
  });
});

describe('two Worker scripts on one Durable Object namespace (wrangler.toml binding)', () => {
  // The same code deployed twice: the first script owns the EsperCounter class, the second
  // binds to its namespace. Two isolates, two hybrids, one set of counters.
  const SCRIPTS = ['esper-example-hybrid', 'esper-example-hybrid-eu'];
  let pair: Miniflare;
  beforeAll(async () => {
    ({ mf: pair } = await startWorker({ bindings: origin.env(POLL_MS), scripts: SCRIPTS }));
  }, 60_000);
  afterAll(() => pair?.dispose());

  const login = async (script: string, user: string) => {
    const worker = await pair.getWorker(script);
    const res = await worker.fetch(`https://esper-example.workers.dev/api/login?user=${user}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'cf-connecting-ip': '198.51.100.20' },
    });
    return { status: res.status, body: JSON.parse(await res.text()) };
  };

  it("share one window: an account's 6th login attempt, spread over both, is blocked", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { status, body } = await login(SCRIPTS[i % 2]!, 'alice');
      statuses.push(status);
      if (i < 5) expect(body).toMatchObject({ hello: 'from the edge', decision: 'allow' });
      else expect(body).toMatchObject({ error: 'blocked' });
    }
    // Three attempts per Worker: counted in each isolate alone, none would be blocked.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 403]);
    expect((await login(SCRIPTS[1]!, 'alice')).status).toBe(403);
    // Per account: another user's first attempt goes through.
    expect((await login(SCRIPTS[0]!, 'bob')).status).toBe(200);
  });
});

describe('examples/cloudflare-worker-hybrid/README.md', () => {
  itShowsFilesAsTheyAre('cloudflare-worker-hybrid', {
    title: 'shows the worker and its wrangler.toml',
    files: ['src/index.ts', 'wrangler.toml'],
  });
});

describeRootReadme('cloudflare-worker-hybrid');
