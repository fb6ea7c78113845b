/**
 * The challenge round trip over real HTTP, with this process playing the browser: challenged,
 * page, proof of work, verify, redirect with a clearance, then the runtime allows the token
 * and hands it over as a cookie. The browser version is test/browser/challenge.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { type Answer, type BodyInput, decide, quickstart } from '../test-support/tenant-calls.js';
import { checkProofOfWork, solveProofOfWork } from './challenge-store.js';

const UA = 'Browser/1.0 (flow test)';
const APP = 'http://127.0.0.1:3000';
// The test's own requests reach the server from 127.0.0.1, so the decisions say so too.
const client: BodyInput = { clientIp: '127.0.0.1', userAgent: UA };
const login: BodyInput = { ...client, method: 'POST', path: '/login' };

let clock = Date.now();
let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({
    tenants: [quickstart({ return_origins: [APP, 'https://app.example.com'] })],
    challenge: { difficulty: 6, clearanceTtlSeconds: 1800 },
    now: () => clock,
    // The clock jumps forward in the expiry test; the SDK's signatures use the real time.
    signatureToleranceSeconds: 100_000,
  });
});
afterEach(() => {
  server.reset();
  clock = Date.now();
});
afterAll(() => server.close());

async function challenged(input: BodyInput = login): Promise<Answer> {
  let answer: Answer | undefined;
  for (let i = 0; i < 6; i++) answer = await decide(server.url, input);
  expect(answer).toMatchObject({ action: 'challenge', policy_id: 'pol_login_burst' });
  return answer!;
}

async function openPage(answer: Answer, returnUrl = `${APP}/login`) {
  const url = new URL(answer.challenge!.url);
  url.searchParams.set('return_url', returnUrl);
  return fetch(url, { headers: { 'user-agent': UA } });
}

async function verify(form: Record<string, string>, userAgent = UA) {
  return fetch(`${server.url}/challenge/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}

/** Opens the page, solves it as the page's script does, and returns the verify form. */
async function solve(answer: Answer, returnUrl = `${APP}/login`) {
  const page = await openPage(answer, returnUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const seed = /data-seed="([0-9a-f]{32})"/.exec(html)![1]!;
  const difficulty = Number(/data-difficulty="(\d+)"/.exec(html)![1]);
  return {
    d: answer.decision_id,
    return_url: returnUrl,
    nonce: await solveProofOfWork(seed, difficulty),
  };
}

/** A nonce that does not solve this challenge (most do not; find one for sure). */
async function wrongNonce(answer: Answer): Promise<string> {
  const html = await (await openPage(answer)).text();
  const seed = /data-seed="([0-9a-f]{32})"/.exec(html)![1]!;
  let n = 1;
  while (await checkProofOfWork(seed, String(n), 6)) n++;
  return String(n);
}

async function clearanceFor(answer: Answer): Promise<string> {
  const res = await verify(await solve(answer));
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!).searchParams.get('esper_clearance')!;
}

describe('the challenge page', () => {
  it('is a page with one nonce-allowed script, and no way to frame it', async () => {
    const page = await openPage(await challenged());
    const csp = page.headers.get('content-security-policy')!;
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)![1];
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(await page.text()).toContain(`<script nonce="${nonce}">`);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    ['a foreign origin', 'https://evil.example/login'],
    ['a look-alike', 'http://127.0.0.1.evil.example:3000/'],
    ['protocol-relative', '//evil.example/'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['credentials', 'http://127.0.0.1:3000@evil.example/'],
  ])('refuses to return to %s, on the page and on verify', async (_what, returnUrl) => {
    const answer = await challenged();
    const page = await openPage(answer, returnUrl);
    expect(page.status).toBe(400);
    expect(await page.text()).not.toContain('evil');
    const form = await solve(answer);
    const res = await verify({ ...form, return_url: returnUrl });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('verify', () => {
  it('redirects back with a clearance only for a solved challenge, once', async () => {
    const answer = await challenged();
    const form = await solve(answer);
    expect((await verify({ ...form, nonce: await wrongNonce(answer) })).status).toBe(403);
    const ok = await verify(form);
    expect(ok.status).toBe(303);
    const location = new URL(ok.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${APP}/login`);
    expect(location.searchParams.get('esper_clearance')).toMatch(/^v2\./);
    // The same solution cannot buy a second token.
    expect((await verify(form)).status).toBe(404);
  });

  it('issues exactly one clearance to concurrent verifications of one challenge', async () => {
    const answer = await challenged();
    const form = await solve(answer);
    const results = await Promise.all([verify(form), verify(form), verify(form)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([303, 404, 404]);
    const tokens = results.map((r) => r.headers.get('location')).filter((l) => l !== null);
    expect(tokens).toHaveLength(1);
    const counts = await (
      await fetch(`${server.url}/tenants/quickstart/results`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      })
    ).json();
    expect(counts.solved).toBe(1);
  });

  it('a wrong solution does not use the challenge up', async () => {
    const answer = await challenged();
    const form = await solve(answer);
    expect((await verify({ ...form, nonce: await wrongNonce(answer) })).status).toBe(403);
    expect((await verify(form, 'Other/2.0')).status).toBe(403);
    expect((await verify(form)).status).toBe(303);
  });

  it('refuses a browser other than the challenged one (user agent or address)', async () => {
    const answer = await challenged();
    expect((await verify(await solve(answer), 'Other/2.0')).status).toBe(403);
    const elsewhere = await challenged({ ...login, clientIp: '203.0.113.10' });
    const res = await verify(await solve(elsewhere));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('not the one that was challenged');
  });
});

describe('the clearance on later requests', () => {
  it('is allowed and handed over as an HttpOnly cookie', async () => {
    const token = await clearanceFor(await challenged());
    const back = await decide(server.url, {
      ...login,
      query: `esper_clearance=${token}`,
      clearance: token,
    });
    expect(back).toMatchObject({ action: 'allow', policy_id: 'pol_login_burst' });
    expect(back.reason).toMatch(/^clearance valid/);
    expect(back.response_headers).toEqual([
      ['set-cookie', `esper_clearance=${token}; Max-Age=1800; Path=/; HttpOnly; SameSite=Lax`],
    ]);
    // From the cookie: still allowed, and the cookie is not set again.
    const later = await decide(server.url, {
      ...login,
      clearance: token,
      cookieNames: ['esper_clearance'],
    });
    expect(later).toMatchObject({ action: 'allow', response_headers: [] });
    const results = await (
      await fetch(`${server.url}/tenants/quickstart/results`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      })
    ).json();
    expect(results).toMatchObject({ solved: 1, cleared: 2 });
  });

  it('makes the cookie Secure on https', async () => {
    const token = await clearanceFor(await challenged());
    const back = await decide(server.url, {
      ...login,
      scheme: 'https',
      host: 'app.example.com',
      clearance: token,
    });
    expect(back.response_headers[0]![1]).toMatch(/; Secure$/);
  });

  it('does not waive a block', async () => {
    const token = await clearanceFor(await challenged());
    expect(
      await decide(server.url, { ...client, query: 'foo=bar', clearance: token }),
    ).toMatchObject({
      action: 'block',
      response_headers: [],
    });
  });

  it.each([
    [
      'forged',
      (t: string) => `${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`,
      {},
      'bad_signature',
    ],
    ['re-bound to another IP', (t: string) => t, { clientIp: '127.0.0.2' }, 'rebound'],
    ['re-bound to another user agent', (t: string) => t, { userAgent: 'Other/2.0' }, 'rebound'],
  ] as const)(
    'is refused when %s: the policy decides again',
    async (_what, edit, change, reason) => {
      const token = await clearanceFor(await challenged());
      // The other client needs its own 6 logins to be over the threshold as well.
      for (let i = 0; i < 6; i++) await decide(server.url, { ...login, ...change });
      const answer = await decide(server.url, { ...login, ...change, clearance: edit(token) });
      expect(answer).toMatchObject({ action: 'challenge', response_headers: [] });
      expect(answer.reason).toContain(`clearance refused (${reason})`);
    },
  );

  it('is refused once expired', async () => {
    const token = await clearanceFor(await challenged());
    clock += 1801 * 1000;
    for (let i = 0; i < 6; i++) await decide(server.url, login);
    const answer = await decide(server.url, { ...login, clearance: token });
    expect(answer).toMatchObject({ action: 'challenge' });
    expect(answer.reason).toContain('clearance refused (expired)');
  });
});
