/**
 * The hybrid example as it runs: `tsc`, then `node dist/server.js` in its own process, synced
 * from the real `@esper/runtime` origin serving esper-tenant.json (through a recording proxy).
 * Every request is decided in the example's process: decisions say `source: 'local'`, and
 * origin never sees a mitigation call, only snapshot polls and event batches.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENTS_PATH,
  eventually,
  exampleOrigin,
  MITIGATION_PATH,
  SNAPSHOT_PATH,
} from '../../../test/helpers/example-origin.js';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import type { ListeningExample } from '../../../test/helpers/node-process.mjs';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';
import {
  type RedisServer,
  redisUnavailable,
  startRedisServer,
} from '../../../test/helpers/redis-server.js';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const POLL_MS = 300;

const origin = exampleOrigin('express-hybrid');
let server: ListeningExample | undefined;

const get = (path: string, accept = 'application/json') =>
  fetch(server!.origin + path, { headers: { accept }, redirect: 'manual' });

beforeAll(async () => {
  await origin.start();
  await runNode(DIR, [`${DIR}node_modules/typescript/bin/tsc`]);
  const start = JSON.parse(readFileSync(`${DIR}package.json`, 'utf8')).scripts.start;
  expect(start).toBe('node dist/server.js');
  server = await startListeningExample({
    cwd: DIR,
    args: ['dist/server.js'],
    env: { ...origin.env(POLL_MS), PORT: '0' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop(); // SIGTERM: the app must close the decider and exit on its own
  await origin.close();
});

describe('examples/express-hybrid, synced from the origin', () => {
  it('allows /: decided locally, no mitigation call', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ hello: 'world', decision: 'allow', source: 'local' });
    expect(body.decisionId).toMatch(/^dec_hyb_/);
  });

  it("challenges /login: a browser goes to origin's hosted page; an API client gets JSON", async () => {
    const page = await get('/login', 'text/html');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(new RegExp(`^${origin.url()}/challenge\\?`));
    const api = await get('/login');
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ error: 'challenge_required' });
  });

  it('blocks /admin and /?foo=bar with a 403', async () => {
    const admin = await get('/admin');
    expect(admin.status).toBe(403);
    expect((await admin.json()).decision_id).toMatch(/^dec_hyb_/);
    expect((await get('/?foo=bar')).status).toBe(403);
  });

  it('a policy added at origin is enforced after the next poll, still with no call', async () => {
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
    // Events leave in batches, 1 s after the first one queued.
    await eventually(
      async () => (await origin.results()).by_operation_mode.hybrid.requests > 0,
      5000,
    );
    const calls = origin.calls();
    expect(calls).toContain(SNAPSHOT_PATH);
    expect(calls).toContain(EVENTS_PATH);
    expect(calls).not.toContain(MITIGATION_PATH);
    const results = await origin.results();
    expect(results.by_operation_mode.cloud.requests).toBe(0);
    expect(results.by_operation_mode.hybrid.decisions.block).toBeGreaterThan(0);
  });
});

const noRedis = redisUnavailable();
if (noRedis) console.warn(`examples/express-hybrid Redis test skipped: ${noRedis}`);

describe.skipIf(!!noRedis)('two instances of the app with REDIS_URL on one redis-server', () => {
  let redis: RedisServer;
  const instances: ListeningExample[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    for (let i = 0; i < 2; i++) {
      instances.push(
        await startListeningExample({
          cwd: DIR,
          args: ['dist/server.js'],
          env: { ...origin.env(POLL_MS), REDIS_URL: redis.url },
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const app of instances) await app.stop();
    await redis?.stop();
  });

  const login = (i: number, user: string) =>
    fetch(`${instances[i % 2]!.origin}/api/login?user=${user}`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });

  it("share one window: an account's 6th login attempt, spread over both, is blocked", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await login(i, 'alice');
      statuses.push(res.status);
      const body = await res.json();
      if (i < 5) expect(body).toEqual({ user: 'alice', decision: 'allow' });
      else expect(body).toMatchObject({ error: 'blocked' });
    }
    // Three attempts per instance: counted in each process alone, none would be blocked.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 403]);
    expect((await login(1, 'alice')).status).toBe(403);
    // Per account: another user's first attempt goes through, on either instance.
    expect((await login(0, 'bob')).status).toBe(200);
    // The window lives in Redis, one key per (window, account), expiring with the window.
    const keys = redis.cli('--scan', '--pattern', 'esper:*').split('\n').filter(Boolean);
    expect(keys).toHaveLength(2);
    expect(Number(redis.cli('TTL', keys[0]!))).toBeGreaterThan(0);
  });
});

describe('examples/express-hybrid/README.md', () => {
  itShowsFilesAsTheyAre('express-hybrid', {
    title: 'shows the server',
    files: ['src/server.ts'],
  });
});

describeRootReadme('express-hybrid');
