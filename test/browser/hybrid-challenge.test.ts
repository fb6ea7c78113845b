/**
 * The challenge round trip in hybrid mode, in a real browser: a policy the edge evaluates
 * LOCALLY challenges headless Chromium; the local answer sends it to the ORIGIN's hosted page
 * (with a ticket signed by the edge's API key, since origin never saw the decision); the page's
 * proof of work is solved; origin redirects back with a clearance signed by its private key; and
 * the edge verifies that clearance with the public key from its snapshot and allows the browser,
 * again locally. Through @esper/express and @esper/cloudflare (workerd), both with
 * @esper/hybrid as decider, against the real @esper/runtime.
 *
 * No request in this file is decided by a runtime mitigation call: every page the app serves
 * names a local decision id (`dec_hyb_…`), and origin's Results count no cloud decision at all.
 */
import {
  QUICKSTART_TENANT,
  type RuntimeServer,
  startRuntime,
  type TenantResults,
} from '@esper/runtime';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserApp, startExpressHybridApp, startWorkerHybridApp } from './apps.js';
import { launchChromium } from './chromium.js';

// The quickstart tenant plus one rule: every visit to /members is challenged, so only a valid
// clearance can let a browser in. Returns to any loopback port (the apps' random ports).
const tenant = {
  ...structuredClone(QUICKSTART_TENANT),
  return_origins: ['http://127.0.0.1:*'],
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

let origin: RuntimeServer;
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
  origin = await startRuntime({
    tenants: [tenant],
    challenge: { difficulty: 8, clearanceTtlSeconds: 600 },
  });
  const runtime = { apiBase: origin.url, apiKey: key.apiKey, secret: key.secret };
  apps.push(
    ...(await Promise.all([startExpressHybridApp(runtime), startWorkerHybridApp(runtime)])),
  );
  // The worker syncs on requests: wait until a local snapshot decides there.
  await Promise.all(apps.map(untilLocal));
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await browser?.close();
  await origin?.close();
});

function app(name: string): BrowserApp {
  if (missingBrowser) throw missingBrowser;
  return apps.find((a) => a.name === name)!;
}

async function untilLocal(target: BrowserApp): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const html = await (await fetch(`${target.url}/`)).text();
    if (html.includes('id="decision-id">dec_hyb_')) return;
    if (Date.now() > deadline) throw new Error(`${target.name}: no local decision: ${html}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function results(): Promise<TenantResults> {
  const res = await fetch(`${origin.url}/tenants/quickstart/results`, {
    headers: { authorization: `Bearer ${origin.adminToken}` },
  });
  return (await res.json()) as TenantResults;
}

/** What the app page says decided it: the action and the decision id. */
async function decidedBy(page: Page) {
  return {
    action: await page.locator('#decision').textContent(),
    id: await page.locator('#decision-id').textContent(),
  };
}

function clearanceCookie(cookies: Cookie[]): Cookie {
  const cookie = cookies.find((c) => c.name === 'esper_clearance');
  if (!cookie) throw new Error(`no esper_clearance cookie in ${JSON.stringify(cookies)}`);
  return cookie;
}

const CHALLENGE_PAGE = () => new RegExp(`^${origin.url}/challenge\\?d=dec_hyb_[0-9a-f]+&ticket=`);

/** Visits /members in a fresh context and follows the whole round trip. */
async function clearedContext(target: BrowserApp) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const visited: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest()) visited.push(request.url());
  });
  // goto resolves on origin's challenge page (the edge redirected there); its script solves the
  // proof of work and posts the form, and origin redirects back to the app with a clearance.
  const first = await page.goto(`${target.url}/members`);
  expect(first?.url()).toMatch(CHALLENGE_PAGE());
  await page.waitForURL(`${target.url}/members`, { timeout: 15_000 });
  await expect.poll(() => decidedBy(page)).toEqual({ action: 'allow', id: expect.any(String) });
  return { context, page, visited };
}

describe.each(['express', 'cloudflare'])('%s in hybrid mode', (name) => {
  it('challenged locally, solved at origin, allowed locally by the clearance', async () => {
    const target = app(name);
    const before = await results();
    const { context, page, visited } = await clearedContext(target);
    try {
      expect(visited[0]).toBe(`${target.url}/members`);
      const challengeUrl = new URL(visited[1]!);
      expect(challengeUrl.origin).toBe(origin.url);
      expect(challengeUrl.searchParams.get('return_url')).toBe(`${target.url}/members`);
      const back = visited.findIndex((u) => u.startsWith(`${target.url}/members?esper_clearance=`));
      expect(back).toBeGreaterThan(1);
      expect(visited.slice(back + 1)).toEqual([`${target.url}/members`]);

      // The final request: allowed by a local decision.
      expect((await decidedBy(page)).id).toMatch(/^dec_hyb_/);
      const cookie = clearanceCookie(await context.cookies(target.url));
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie.value).toMatch(/^v2\./);
      // Signed by origin's key, the one the edge's snapshot carries.
      const [kid] = (await origin.runtime.clearanceSigner()).verificationKeys.map((k) => k.kid);
      expect(cookie.value.split('.')[1]).toBe(kid);

      // The cookie alone clears the challenge on the next visit, locally again.
      const again = await page.goto(`${target.url}/members`);
      expect(again?.url()).toBe(`${target.url}/members`);
      expect(await decidedBy(page)).toEqual({
        action: 'allow',
        id: expect.stringMatching(/^dec_hyb_/),
      });

      const after = await results();
      // Origin issued this clearance…
      expect(after.solved).toBe(before.solved + 1);
      // …and decided nothing: not one runtime mitigation call, for any request of the trip.
      expect(after.by_operation_mode.cloud.requests).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('a forged clearance is refused locally and challenged again', async () => {
    const target = app(name);
    const { context } = await clearedContext(target);
    try {
      const cookie = clearanceCookie(await context.cookies(target.url));
      const forged = `${cookie.value.slice(0, -4)}${cookie.value.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      await context.addCookies([{ ...cookie, value: forged }]);
      await expectChallenged(context, `${target.url}/members`);
      expect((await results()).by_operation_mode.cloud.requests).toBe(0);
    } finally {
      await context.close();
    }
  });
});

async function expectChallenged(context: BrowserContext, url: string) {
  const page = await context.newPage();
  // Stop the page from solving it again, so the test sees the challenge, not a new clearance.
  await page.route('**/challenge/verify', (route) => route.abort());
  const response = await page.goto(url);
  expect(response?.url()).toMatch(CHALLENGE_PAGE());
  await page.close();
}

it('finds Chromium', () => {
  if (missingBrowser) throw missingBrowser;
  expect(browser.version()).toMatch(/^\d+\./);
});
