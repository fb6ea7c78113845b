/**
 * The challenge round trip in a real browser: headless Chromium asks for a protected page,
 * is sent to the mock runtime's challenge page, solves its proof of work by itself, comes back
 * with a clearance, is allowed, and from then on is allowed by the cookie. Proven through
 * @esper/core directly, @esper/express and @esper/cloudflare (workerd). Then the refusals:
 * a forged, an expired and a re-bound (other user agent) clearance are challenged again.
 */
import { type MockRuntime, QUICKSTART_TENANT, startMockRuntime } from '@esper/testing';
import type { Browser, BrowserContext, Cookie } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, startCoreApp, startExpressApp, startWorkerApp } from './apps.js';
import { launchChromium } from './chromium.js';

const CLEARANCE_TTL_SECONDS = 600;

// The quickstart tenant plus one rule: every visit to /members is challenged, so only a valid
// clearance can let a browser in.
const tenant = {
  ...structuredClone(QUICKSTART_TENANT),
  rules: [
    {
      rule_id: 'r_members',
      tenant_id: 'quickstart',
      name: 'Challenge every visit to /members',
      enabled: true,
      priority: 10,
      expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/members' } },
      outcome: 'Challenge',
    },
  ],
};
const key = QUICKSTART_TENANT.api_keys[0]!;

let offsetMs = 0;
let mock: MockRuntime;
let browser: Browser;
const apps: BrowserApp[] = [];
// A missing browser must fail every test by name (not skip them, as a throwing beforeAll
// would), so CI counts them as failures.
let missingBrowser: Error | undefined;

beforeAll(async () => {
  try {
    browser = await launchChromium();
  } catch (err) {
    missingBrowser = err as Error;
    return;
  }
  mock = await startMockRuntime({
    tenants: [tenant],
    challenge: { difficulty: 8, clearanceTtlSeconds: CLEARANCE_TTL_SECONDS },
    // The expiry test moves the runtime's clock; the SDKs sign with the real one.
    now: () => Date.now() + offsetMs,
    signatureToleranceSeconds: 3 * CLEARANCE_TTL_SECONDS,
  });
  const runtime = { apiBase: mock.url, apiKey: key.apiKey, secret: key.secret };
  apps.push(
    ...(await Promise.all([
      startCoreApp(runtime),
      startExpressApp(runtime),
      startWorkerApp(runtime),
    ])),
  );
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await browser?.close();
  await mock?.close();
});

function app(name: string): BrowserApp {
  if (missingBrowser) throw missingBrowser;
  return apps.find((a) => a.name === name)!;
}

it('finds Chromium', () => {
  if (missingBrowser) throw missingBrowser;
  expect(browser.version()).toMatch(/^\d+\./);
});

/** Visits /members in a fresh context and follows the whole round trip. */
async function clearedContext(target: BrowserApp, userAgent?: string) {
  const context = await browser.newContext(userAgent ? { userAgent } : {});
  const page = await context.newPage();
  const visited: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest()) visited.push(request.url());
  });
  // goto resolves on the challenge page (the app redirected there); its script then solves
  // the proof of work and posts the form, and the runtime redirects back to the app.
  const first = await page.goto(`${target.url}/members`);
  expect(first?.url()).toMatch(new RegExp(`^${mock.url}/challenge\\?d=`));
  // The runtime sends the browser back with ?esper_clearance=…; the SDK sets the cookie and
  // sends it once more to the clean URL, so the application never sees the token.
  await page.waitForURL(`${target.url}/members`, { timeout: 15_000 });
  await expect.poll(() => page.locator('#decision').textContent()).toBe('allow');
  const back = visited.findIndex((u) => u.startsWith(`${target.url}/members?esper_clearance=`));
  expect(back).toBeGreaterThan(0);
  expect(visited.slice(back + 1)).toEqual([`${target.url}/members`]);
  return { context, page, visited };
}

function clearanceCookie(cookies: Cookie[]): Cookie {
  const cookie = cookies.find((c) => c.name === 'esper_clearance');
  if (!cookie) throw new Error(`no esper_clearance cookie in ${JSON.stringify(cookies)}`);
  return cookie;
}

/** The last answer the runtime gave for /members, with its reason. */
function lastMembersAnswer() {
  const calls = mock.requests.filter(
    (r) => (r.body as { request?: { path?: string } })?.request?.path === '/members',
  );
  return calls.at(-1)?.answer as { action: string; reason: string } | undefined;
}

/** A visit that the runtime challenges: the browser lands on the challenge page. */
async function expectChallenged(context: BrowserContext, url: string, refusal: string) {
  const page = await context.newPage();
  // Stop the page from solving it again, so the test sees the challenge, not a new clearance.
  await page.route('**/challenge/verify', (route) => route.abort());
  const response = await page.goto(url);
  expect(response?.url()).toMatch(new RegExp(`^${mock.url}/challenge\\?d=`));
  expect(lastMembersAnswer()?.action).toBe('challenge');
  expect(lastMembersAnswer()?.reason).toContain(`clearance refused (${refusal})`);
  await page.close();
}

describe.each(['core', 'express', 'cloudflare'])(
  '%s: challenged, solved, back, allowed',
  (name) => {
    it('completes the round trip and is then allowed by the cookie alone', async () => {
      const target = app(name);
      const { context, page, visited } = await clearedContext(target);
      try {
        expect(visited[0]).toBe(`${target.url}/members`);
        expect(visited[1]).toMatch(new RegExp(`^${mock.url}/challenge\\?d=dec_`));
        expect(new URL(visited[1]!).searchParams.get('return_url')).toBe(`${target.url}/members`);

        const cookie = clearanceCookie(await context.cookies(target.url));
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
        expect(cookie.value).toMatch(/^v2\./);

        // Without the query parameter: the cookie alone clears the challenge.
        const again = await page.goto(`${target.url}/members`);
        expect(again?.status()).toBe(200);
        expect(again?.url()).toBe(`${target.url}/members`);
        expect(await page.locator('#decision').textContent()).toBe('allow');
        expect(lastMembersAnswer()?.reason).toMatch(/^clearance valid/);
      } finally {
        await context.close();
      }
    });
  },
);

describe('refused clearances are challenged again', () => {
  it('a forged clearance', async () => {
    const target = app('core');
    const { context } = await clearedContext(target);
    try {
      const cookie = clearanceCookie(await context.cookies(target.url));
      const forged = `${cookie.value.slice(0, -4)}${cookie.value.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      await context.addCookies([{ ...cookie, value: forged }]);
      await expectChallenged(context, `${target.url}/members`, 'bad_signature');
    } finally {
      await context.close();
    }
  });

  it('an expired clearance', async () => {
    const target = app('express');
    const { context } = await clearedContext(target);
    try {
      offsetMs = (CLEARANCE_TTL_SECONDS + 1) * 1000;
      await expectChallenged(context, `${target.url}/members`, 'expired');
    } finally {
      offsetMs = 0;
      await context.close();
    }
  });

  it('a clearance re-bound to another browser (another user agent)', async () => {
    const target = app('cloudflare');
    const { context } = await clearedContext(target);
    const other = await browser.newContext({ userAgent: 'OtherBrowser/1.0' });
    try {
      await other.addCookies([clearanceCookie(await context.cookies(target.url))]);
      await expectChallenged(other, `${target.url}/members`, 'rebound');
    } finally {
      await other.close();
      await context.close();
    }
  });
});
