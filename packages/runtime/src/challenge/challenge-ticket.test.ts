/**
 * Challenge tickets over real HTTP: a challenge a hybrid runtime decided reaches this origin's
 * page with a ticket signed by its API key (built here by hand from the documented format), is
 * solved, and buys a clearance bound to the client the ticket names. Forged, foreign, stale and
 * replayed tickets get no page. The browser version: test/browser/hybrid-challenge.test.ts.
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { quickstart, WEB_KEY } from '../test-support/tenant-calls.js';
import { solveProofOfWork } from './challenge-store.js';

const UA = 'Browser/1.0 (ticket test)';
const APP = 'http://127.0.0.1:3000';
const OTHER_KEY = { apiKey: 'other_key', secret: 'other_secret' };

let clock = Date.now();
let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({
    tenants: [
      quickstart({ return_origins: [APP] }),
      quickstart({ tenant_id: 'other', api_keys: [OTHER_KEY], return_origins: [APP] }),
    ],
    challenge: { difficulty: 4, challengeTtlSeconds: 600 },
    now: () => clock,
  });
});
afterEach(() => {
  server.reset();
  clock = Date.now();
});
afterAll(() => server.close());

let n = 0;

function ticketUrl(
  overrides: Record<string, unknown> = {},
  secret = WEB_KEY.secret,
  decisionId = `dec_hyb_${++n}`,
) {
  const payload = {
    t: 'quickstart',
    d: decisionId,
    i: Math.floor(Date.now() / 1000),
    c: '127.0.0.1',
    u: UA,
    ...overrides,
  };
  const part = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', secret).update(`esper-challenge-v1.${part}`).digest('base64url');
  const url = new URL(`${server.url}/challenge`);
  url.searchParams.set('d', decisionId);
  url.searchParams.set('ticket', `${part}.${mac}`);
  url.searchParams.set('return_url', `${APP}/members`);
  return { url, decisionId };
}

async function open(url: URL) {
  const res = await fetch(url, { headers: { 'user-agent': UA } });
  return { status: res.status, html: await res.text() };
}

async function solveAndVerify(url: URL, html: string) {
  const seed = /data-seed="([0-9a-f]{32})"/.exec(html)![1]!;
  const form = {
    d: url.searchParams.get('d')!,
    return_url: url.searchParams.get('return_url')!,
    nonce: await solveProofOfWork(seed, 4),
  };
  return fetch(`${server.url}/challenge/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}

describe('a hybrid challenge ticket', () => {
  it('opens the page; solved, it buys one clearance bound to its client; then it is spent', async () => {
    const { url } = ticketUrl();
    const page = await open(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('id="esper-challenge"');
    // Reloading the page shows the same challenge.
    expect((await open(url)).html).toContain(/data-seed="([0-9a-f]{32})"/.exec(page.html)![0]);
    const res = await solveAndVerify(url, page.html);
    expect(res.status).toBe(303);
    const token = new URL(res.headers.get('location')!).searchParams.get('esper_clearance')!;
    const signer = await server.runtime.clearanceSigner();
    const check = await signer.verify(token, {
      tenantId: 'quickstart',
      nowSeconds: Math.floor(clock / 1000),
      clientIp: '127.0.0.1',
      userAgent: UA,
    });
    expect(check).toMatchObject({ ok: true });
    // The same ticket cannot open the challenge again.
    expect((await open(url)).html).toContain('Nothing to solve');
  });

  it('binds to the client the edge saw: another address cannot solve it', async () => {
    const { url } = ticketUrl({ c: '203.0.113.10' });
    const page = await open(url);
    expect(page.status).toBe(200);
    const res = await solveAndVerify(url, page.html);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('not the one that was challenged');
  });

  it.each([
    ['signed with another tenant’s key', () => ticketUrl({}, OTHER_KEY.secret)],
    ['signed with a wrong secret', () => ticketUrl({}, 'not-the-secret')],
    ['naming another decision than d', () => ticketUrl({ d: 'dec_other' })],
    [
      'issued longer ago than the challenge lives',
      () => ticketUrl({ i: Math.floor(Date.now() / 1000) - 601 }),
    ],
    ['issued in the future', () => ticketUrl({ i: Math.floor(Date.now() / 1000) + 3600 })],
    ['for a tenant that does not exist', () => ticketUrl({ t: 'nobody' })],
  ])('gets no page when %s', async (_what, make) => {
    const page = await open(make().url);
    expect(page.html).toContain('Nothing to solve');
    expect(page.html).not.toContain('esper-challenge');
  });

  it('refuses a tampered or malformed ticket', async () => {
    const { url } = ticketUrl();
    const [part, mac] = url.searchParams.get('ticket')!.split('.') as [string, string];
    for (const bad of [
      `${part}.${mac.slice(0, -2)}AA`,
      part,
      `${part}.${mac}.x`,
      'x'.repeat(5000),
    ]) {
      url.searchParams.set('ticket', bad);
      expect((await open(url)).html).toContain('Nothing to solve');
    }
  });
});
