/**
 * The conformance scenarios, written once and run on every target in two columns (see
 * `runConformance`): cloud, where the adapter calls a scripted mock runtime, and hybrid, where
 * it decides with `@esper/hybrid` synced from the real `@esper/runtime` origin. A scenario that
 * cannot apply in a column says why (`{ na }`), and is listed with its reason, not dropped.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it as vitestIt } from 'vitest';
import { HYBRID_SCENARIOS } from './hybrid-scenarios.js';
import {
  foreignChallengeUrls,
  startConformanceOrigin,
  startConformanceRuntime,
} from './runtime.js';
import type { Target, TargetInstance } from './target.js';
import { BLOCKED_EMAIL, SPOOFED_IPS, TEST_KEY, TRUSTED_IPS } from './tenant.js';
import {
  API,
  type Body,
  BROWSER,
  type Column,
  type ConformanceContext,
  expectDecidedBy,
  HYBRID_SUFFIX,
  LIMIT_SUFFIX,
  mitigationCalls,
  NA_PREFIX,
  nextSeq,
  type PerColumn,
  POLL_MS,
  PRIVATE_VALUES,
  seen,
  TIMEOUT_MS,
  TIMEOUT_SLACK_MS,
  tagged,
  until,
  type World,
} from './world.js';

export { LIMIT_SUFFIX };
/** The scenarios, in the order they run; a column reads them with `runColumn`. */
export const SCENARIOS: Array<[title: string, body: Body | PerColumn]> = [];
export function scenario(title: string, body: Body | PerColumn): void {
  SCENARIOS.push([title, body]);
}

/**
 * Defines the shared scenarios for one target, once per column: `<target>` (cloud: the adapter
 * calls the scripted mock runtime) and `<target> [hybrid]` (the adapter is given a local
 * decider synced from the real `@esper/runtime` origin). `extra` adds checks of that
 * platform's own to the cloud column, against the same instances (under a nested "platform"
 * describe, outside the matrix).
 */
export function runConformance(target: Target, extra?: (ctx: ConformanceContext) => void) {
  runColumn(target, 'cloud', extra);
  runColumn(target, 'hybrid');
}

function runColumn(target: Target, column: Column, extra?: (ctx: ConformanceContext) => void) {
  const world = {} as World;
  describe(column === 'cloud' ? target.name : `${target.name}${HYBRID_SUFFIX}`, () => {
    beforeAll(async () => {
      Object.assign(world, await startWorld(target, column));
    }, 120_000);

    afterAll(async () => {
      await world.live?.close();
      await world.monitor?.close();
      await world.runtime?.close();
      await world.origin?.close();
    });

    for (const [title, body] of SCENARIOS) {
      const run = typeof body === 'function' ? body : body[column];
      if (run === undefined || 'na' in run) {
        // Listed with its reason (run.mjs prints it under the matrix), never silently dropped.
        vitestIt.skip(`${title}${NA_PREFIX}${run?.na ?? 'not in this column'}]`, () => {});
      } else if (column === 'cloud' && target.limitations?.[title]) {
        vitestIt.fails(`${title}${LIMIT_SUFFIX}`, () => run(world));
      } else {
        vitestIt(title, () => run(world));
      }
    }

    if (extra && column === 'cloud')
      describe('platform', () => extra({ runtime: () => world.runtime!, live: () => world.live }));
  });
}

type Json = Record<string, unknown>;

async function startWorld(target: Target, column: Column): Promise<World> {
  const runtime = column === 'cloud' ? await startConformanceRuntime() : undefined;
  const origin = column === 'hybrid' ? await startConformanceOrigin() : undefined;
  const server = (runtime ?? origin)!;
  const base = {
    runtimeUrl: server.url,
    apiKey: TEST_KEY.apiKey,
    secret: TEST_KEY.secret,
    timeoutMs: TIMEOUT_MS,
    ...(origin && { hybrid: { pollIntervalMs: POLL_MS } }),
  };
  // Both at once: a target's start-up (a `next start`, a workerd, a Node process) is most of
  // what a column costs.
  const [live, monitor] = await Promise.all([
    target.start({ ...base, mode: 'live' }),
    target.start({ ...base, mode: 'monitor' }),
  ]);
  const world: World = { column, live, monitor, runtime, origin, wire: server.wire };
  // The scenarios test steady-state behaviour, not a cold process: one request each opens
  // the connection to the runtime (cold starts are measured in bench/, not here). In hybrid,
  // until the first snapshot decides (on Workers and Edge the first request starts the sync).
  const warm = async (instance: TargetInstance) => {
    if (column === 'cloud') {
      await instance.request(tagged({ path: '/warm-up', headers: API }));
      return;
    }
    await until(async () => {
      // Blocked in live mode (the id in a header), let through in monitor (the id in the app's).
      const res = await instance.request(tagged({ path: '/block', headers: API }));
      const id =
        res.headers.get('x-esper-decision-id') ?? (JSON.parse(res.body) as Json).decisionId;
      return typeof id === 'string' && id.startsWith('dec_hyb_');
    }, 15_000);
  };
  await Promise.all([warm(live), warm(monitor)]);
  return world;
}

// ---------------------------------------------------------------------------------------------
// The scenarios. `{ cloud, hybrid }` where the evidence differs between the columns.

const NO_CALL = 'no call per request in hybrid: nothing to time out (see "origin unreachable …")';
const serverOf = (world: World) => (world.runtime ?? world.origin)!;

scenario('allow', async (world) => {
  const req = tagged({ path: '/hello', headers: BROWSER });
  const res = await world.live.request(req);
  expect(res.status).toBe(200);
  const body = JSON.parse(res.body);
  expect(body.decision).toBe('allow');
  expectDecidedBy(world, body.decisionId);
  if (world.runtime) expect(seen(world.runtime, req.id)).toHaveLength(1);
});

scenario('block, browser gets HTML 403', async (world) => {
  const res = await world.live.request(tagged({ path: '/block', headers: BROWSER }));
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(res.body).toMatch(/Access denied/);
  expectDecidedBy(world, res.headers.get('x-esper-decision-id'));
});

scenario('block, API client gets JSON 403', async (world) => {
  const res = await world.live.request(tagged({ path: '/block', headers: API }));
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ error: 'blocked' });
  expectDecidedBy(world, body.decision_id);
});

// In hybrid the page is origin's hosted one too, for a decision made here (packages/hybrid).
scenario('challenge, browser is redirected with return_url', async (world) => {
  const res = await world.live.request(tagged({ path: '/challenge', headers: BROWSER }));
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin).toBe(new URL(serverOf(world).url).origin);
  expect(new URL(location.searchParams.get('return_url')!).pathname).toBe('/challenge');
  expectDecidedBy(world, res.headers.get('x-esper-decision-id'));
});

scenario('challenge, API client gets a JSON challenge', async (world) => {
  const res = await world.live.request(tagged({ path: '/challenge', headers: API }));
  expect(res.status).toBe(403);
  const body = JSON.parse(res.body);
  expect(body.error).toBe('challenge_required');
  expect(new URL(body.challenge_url).origin).toBe(new URL(serverOf(world).url).origin);
  expectDecidedBy(world, body.decision_id);
});

scenario('monitor mode never enforces, still asks', async (world) => {
  const req = tagged({ path: '/block', headers: BROWSER });
  const res = await world.monitor.request(req);
  expect(res.status).toBe(200);
  const body = JSON.parse(res.body);
  expect(body.decision).toBe('block');
  expect(body.mode).toBe('monitor');
  // Asked: the runtime in cloud, the local decider in hybrid.
  expectDecidedBy(world, body.decisionId);
  if (world.runtime) expect(seen(world.runtime, req.id)).toHaveLength(1);
});

scenario('runtime timeout fails open within the bound', {
  cloud: async ({ live }) => {
    const started = performance.now();
    const res = await live.request(tagged({ path: '/slow', headers: API }));
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).decision).toBe('allow');
    expect(elapsed).toBeLessThan(TIMEOUT_MS + TIMEOUT_SLACK_MS);
  },
  hybrid: { na: NO_CALL },
});

scenario('fail-closed route blocks on timeout', {
  cloud: async ({ live }) => {
    const res = await live.request(tagged({ path: '/checkout/pay', headers: API }));
    expect(res.status).toBe(403);
  },
  hybrid: { na: NO_CALL },
});

scenario('static asset is skipped without a call', async (world) => {
  const req = tagged({ path: '/_next/static/chunks/app.css', headers: BROWSER });
  const before = world.runtime?.requests.length;
  const res = await world.live.request(req);
  expect(res.status).toBe(200);
  if (world.runtime) expect(world.runtime.requests.length).toBe(before);
  // Not decided at all: the local decider, which gives every decision an id, was not asked.
  else expect(JSON.parse(res.body).decisionId).toBeNull();
});

const SPOOFING: Array<[string, string]> = [
  ['x-forwarded-for', '6.6.6.6'],
  ['x-real-ip', '6.6.6.7'],
  ['cf-connecting-ip', '6.6.6.8'],
  ['true-client-ip', '6.6.6.9'],
];

scenario('trusted client IP reaches the runtime; spoofed headers do not', {
  cloud: async ({ live, runtime }) => {
    const req = tagged({
      path: '/hello',
      headers: [...API, ...SPOOFING],
      platformIp: '198.51.100.23',
    });
    await live.request(req);
    const [call] = seen(runtime!, req.id);
    expect(call).toBeDefined();
    expect((call!.body as { request: { client_ip?: string } }).request.client_ip).toBe(
      live.expectedClientIp('198.51.100.23'),
    );
  },
  // The origin's policies on /ip-check block the trusted addresses and challenge the spoofed
  // ones (./tenant.ts): the answer says which address the local decider was given.
  hybrid: async (world) => {
    expect(SPOOFED_IPS).toEqual(SPOOFING.map(([, ip]) => ip));
    expect(TRUSTED_IPS).toContain(world.live.expectedClientIp('198.51.100.23'));
    const req = tagged({ path: '/ip-check', headers: [...API, ...SPOOFING] });
    const res = await world.live.request({ ...req, platformIp: '198.51.100.23' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-esper-decision')).toBe('block');
    expectDecidedBy(world, res.headers.get('x-esper-decision-id'));
  },
});

scenario('runtime response headers are merged; two Set-Cookies stay two', {
  cloud: async ({ live }) => {
    const res = await live.request(tagged({ path: '/cookies', headers: BROWSER }));
    expect(res.status).toBe(200);
    expect(res.setCookies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rt_a=1/),
        expect.stringMatching(/^rt_b=2/),
        expect.stringMatching(/^app=1/),
      ]),
    );
    expect(JSON.parse(res.body).upstream).toBe('from-runtime');
  },
  hybrid: {
    na: "a local answer has no response headers (the runtime's answer builder adds only the clearance cookie, signed with origin's secret)",
  },
});

scenario('a cached block is served without a second call', {
  cloud: async ({ live, runtime }) => {
    const ua: Array<[string, string]> = [
      ['accept', 'application/json'],
      ['user-agent', `cache-test-${nextSeq()}`],
    ];
    const first = tagged({ path: '/cached/a', headers: ua, platformIp: '198.51.100.99' });
    const second = tagged({ path: '/cached/b', headers: ua, platformIp: '198.51.100.99' });
    expect((await live.request(first)).status).toBe(403);
    expect((await live.request(second)).status).toBe(403);
    expect(seen(runtime!, first.id)).toHaveLength(1);
    expect(seen(runtime!, second.id)).toHaveLength(0);
  },
  hybrid: {
    na: 'local answers carry ttl_seconds 0, so core\'s decision cache is not used (packages/hybrid README, "Limits")',
  },
});

scenario('tenant fields are sent', {
  cloud: async ({ live, runtime }) => {
    const req = tagged({
      path: '/hello',
      headers: [...API, ['x-test-email', 'user@example.com']],
    });
    await live.request(req);
    const [call] = seen(runtime!, req.id);
    expect(call).toBeDefined();
    expect((call!.body as { fields?: Record<string, string> }).fields).toMatchObject({
      email: 'user@example.com',
    });
  },
  // Sent to the local decider: the origin's policy on `email` decides.
  hybrid: async (world) => {
    const as = (email: string) =>
      world.live.request(tagged({ path: '/hello', headers: [...API, ['x-test-email', email]] }));
    const blocked = await as(BLOCKED_EMAIL);
    expect(blocked.status).toBe(403);
    expectDecidedBy(world, blocked.headers.get('x-esper-decision-id'));
    expect((await as('user@example.com')).status).toBe(200);
  },
});

scenario('the secret, cookie and authorization values never reach the wire', async (world) => {
  const values = [TEST_KEY.secret, 'COOKIE_VALUE_123', 'OTHER_VALUE_456', 'AUTH_VALUE_789'];
  const req = tagged({
    path: '/hello',
    headers: [
      ...BROWSER,
      ['cookie', 'session=COOKIE_VALUE_123; other=OTHER_VALUE_456'],
      ['authorization', 'Bearer AUTH_VALUE_789'],
    ],
  });
  await world.live.request(req);
  if (world.runtime) {
    const [call] = seen(world.runtime, req.id);
    expect(call).toBeDefined();
    const wire = JSON.stringify(call!.headers) + call!.rawBody;
    for (const secret of values) expect(wire).not.toContain(secret);
    expect(wire).toContain('session');
    return;
  }
  // Hybrid: nothing about the request goes out but its event (method, path, client IP).
  const wire = world.wire().toString('latin1');
  for (const secret of values) expect(wire).not.toContain(secret);
});

scenario('challenge to a foreign origin is blocked, never redirected', {
  cloud: async ({ live, runtime }) => {
    const urls = foreignChallengeUrls(runtime!.url);
    for (const [i, url] of urls.entries()) {
      for (const headers of [BROWSER, API]) {
        const res = await live.request(tagged({ path: `/redirect/${i}`, headers }));
        const where = `${url} (${headers === BROWSER ? 'browser' : 'API'})`;
        expect(res.status, where).toBe(403);
        expect(res.headers.get('location'), where).toBeNull();
        expect(res.headers.get('refresh'), where).toBeNull();
        expect(res.body, where).not.toContain('evil.example');
        expect(res.body, where).not.toMatch(/javascript:|data:text/);
        if (headers === API) expect(JSON.parse(res.body).error, where).toBe('blocked');
      }
    }
  },
  hybrid: {
    na: "a local challenge's page comes from the app's own `challengeUrl` option, never from an answer on the network",
  },
});

for (const [title, body] of HYBRID_SCENARIOS) scenario(title, body);

scenario(
  'no secret, cookie or authorization value in any byte the runtime received',
  async (world) => {
    const wire = world.wire().toString('latin1');
    if (world.runtime) {
      // Every scenario's requests carried the private headers, so the wire must be non-trivial.
      expect(world.runtime.requests.length).toBeGreaterThan(10);
      expect(wire).toContain('POST /api/v1/runtime/mitigation');
    } else {
      // Hybrid: the snapshot polls and the event batches, and never a mitigation call.
      expect(wire).toContain('GET /api/v1/hybrid/snapshot');
      expect(mitigationCalls(world)).toBe(0);
    }
    for (const value of PRIVATE_VALUES) {
      const b64 = Buffer.from(value).toString('base64');
      for (const form of [value, b64.replace(/=+$/, ''), Buffer.from(value).toString('hex')])
        expect(wire, value).not.toContain(form);
    }
    if (world.runtime) {
      // The names are sent (cookie names and the header's length only); the values are not.
      expect(wire).toContain('session');
      expect(wire).toContain('authorization');
    }
  },
);
