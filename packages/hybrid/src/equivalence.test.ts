/**
 * Hybrid decides what the runtime decides: the same requests on the quickstart tenant, asked
 * of @esper/runtime over HTTP (cloud) and of the hybrid decider (synced from an origin over
 * HTTP), give the same answers, and `createEsper({ decider })` applies them end to end.
 */
import { createEsper, createSigner, type RuntimeRequestBody } from '@esper/core';
import {
  MITIGATION_PATH,
  QUICKSTART_TENANT,
  type RuntimeServer,
  startRuntime,
} from '@esper/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHybrid, type Hybrid } from './index.js';
import { recordingLogger, wireBody } from './test-support/helpers.js';
import { QS_KEY, startTestOrigin, type TestOrigin } from './test-support/origin.js';

let runtime: RuntimeServer;
let origin: TestOrigin;
const open: Hybrid[] = [];

beforeAll(async () => {
  runtime = await startRuntime({ tenants: [QUICKSTART_TENANT] });
  origin = await startTestOrigin();
});
afterAll(async () => {
  for (const h of open) await h.close();
  await runtime.close();
  await origin.close();
});

async function synced(): Promise<Hybrid> {
  const h = createHybrid({
    apiKey: QS_KEY.apiKey,
    secret: QS_KEY.secret,
    apiBase: origin.url,
    reportEvents: false,
    logger: recordingLogger(),
  });
  open.push(h);
  await h.ready();
  return h;
}

const sign = createSigner(QS_KEY.apiKey, QS_KEY.secret);

/** The runtime's 200 body for `body`, over HTTP, signed like core signs. */
async function cloudAnswer(body: RuntimeRequestBody): Promise<Record<string, unknown>> {
  const text = JSON.stringify(body);
  const headers = await (await sign)('POST', MITIGATION_PATH, text, Math.floor(Date.now() / 1000));
  const response = await fetch(runtime.url + MITIGATION_PATH, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: text,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Two answers minus what is per decision: its id, and the challenge page (origin-hosted). */
function comparable(answer: Record<string, unknown>) {
  const { decision_id, challenge, ...rest } = answer;
  expect(decision_id).toEqual(expect.any(String));
  return rest;
}

// Distinct clients per test file run, so the runtime's counters start at zero for each.
const client = `198.51.100.${Math.floor(Math.random() * 200) + 20}`;

const TRAFFIC: Array<[string, string, { action: string; policy_id: string | null }]> = [
  ['GET', '/', { action: 'allow', policy_id: null }],
  ['GET', '/?foo=bar', { action: 'block', policy_id: 'pol_foo_bar' }],
  ['GET', '/articles/42', { action: 'allow', policy_id: null }],
  // The window counts the client's requests (5 in 1 minute), and a login past them is challenged.
  ['POST', '/login', { action: 'allow', policy_id: null }],
  ['POST', '/login', { action: 'allow', policy_id: null }],
  ['POST', '/login', { action: 'challenge', policy_id: 'pol_login_burst' }],
  ['POST', '/login', { action: 'challenge', policy_id: 'pol_login_burst' }],
];

describe('hybrid answers equal the runtime’s on the quickstart tenant', () => {
  it('allow, ?foo=bar block and a login burst: the same v1 answer, field for field', async () => {
    const h = await synced();
    for (const [method, path, expected] of TRAFFIC) {
      const body = wireBody(method, path, client);
      const cloud = await cloudAnswer(body);
      const local = (await h.decider.decide(body)) as Record<string, unknown>;
      expect(cloud, `${method} ${path}`).toMatchObject(expected);
      expect(comparable(local), `${method} ${path}`).toEqual(comparable(cloud));
    }
  });
});

describe('createEsper({ decider }) end to end in Node', () => {
  const facts = { remoteAddress: '192.0.2.77' };
  const request = (path: string, method = 'GET') =>
    new Request(`http://app.test${path}`, { method, headers: { 'user-agent': 'UA/e2e' } });
  const esperWith = (decider: Hybrid['decider'], fetchCalls: string[]) =>
    createEsper({
      apiKey: QS_KEY.apiKey,
      secret: QS_KEY.secret,
      env: {},
      logger: recordingLogger(),
      decider,
      // Any runtime call would land here: hybrid must make none.
      fetch: async (input) => {
        fetchCalls.push(String(input));
        throw new Error('no runtime call expected');
      },
    });

  it('protects, responds and decorates with local decisions and no runtime call', async () => {
    const calls: string[] = [];
    const esper = esperWith((await synced()).decider, calls);
    const allowed = await esper.protect(request('/'), facts);
    expect(allowed).toMatchObject({ action: 'allow', source: 'local', enforced: false });
    expect(allowed.decisionId).toMatch(/^dec_hyb_[0-9a-f]{32}$/);
    expect(await esper.respond(allowed, request('/'))).toBeNull();

    const blocked = await esper.protect(request('/?foo=bar'), facts);
    expect(blocked).toMatchObject({
      action: 'block',
      source: 'local',
      policyId: 'pol_foo_bar',
      mitigationId: 'mit_block',
    });
    expect((await esper.respond(blocked, request('/?foo=bar')))?.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it('falls back (fail open, reason internal) while the decider has no snapshot', async () => {
    origin.down(503);
    try {
      const h = createHybrid({
        apiKey: QS_KEY.apiKey,
        secret: QS_KEY.secret,
        apiBase: origin.url,
        reportEvents: false,
        logger: recordingLogger(),
      });
      open.push(h);
      const d = await esperWith(h.decider, []).protect(request('/?foo=bar'), facts);
      expect(d).toMatchObject({ action: 'allow', source: 'fallback', reason: 'internal' });
    } finally {
      origin.serve((await import('./test-support/origin.js')).quickstartSnapshot());
    }
  });
});
