/**
 * The results console in a real browser: known traffic goes through the origin stand-in (cloud
 * decisions signed by @esper/core) and through `esper capture run` (hybrid decisions reported as
 * events), an admin change lands in the audit log, then headless Chromium opens /results with
 * the admin token as Basic password. Every figure on the page must equal both the counts we
 * sent and the results JSON; the three charts must be drawn (from node_modules' Chart.js, under
 * a CSP allowing no other source) with the same numbers. A screenshot is saved under
 * test/.output/ (gitignored) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createEsper } from '@esper/core';
import { type RuntimeServer, startRuntime, type TenantResults } from '@esper/runtime';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../browser/chromium.js';
import { capture, captureTenant, KEY, startUpstream, type Upstream } from '../capture/support.js';

const OUTPUT = join(import.meta.dirname, '..', '.output');
const ADMIN = 'console-test-admin-token';
const CLOUD_IP = '198.51.100.7';

let origin: RuntimeServer;
let upstream: Upstream;
let browser: Browser;
let missingBrowser: Error | undefined;

/** What we send, and so what the page must show. */
const SENT = {
  cloud: { allow: 3, block: 2, challenge: 1 },
  hybrid: { allow: 2, block: 1 },
};

beforeAll(async () => {
  try {
    browser = await launchChromium();
  } catch (err) {
    missingBrowser = err as Error;
  }
  origin = await startRuntime({ tenants: [captureTenant()], adminToken: ADMIN });
  upstream = await startUpstream();

  const cloud = createEsper({
    apiKey: KEY.apiKey,
    secret: KEY.secret,
    apiBase: origin.url,
    env: {},
    timeoutMs: 5000,
    cache: false,
  });
  const send = (path: string) =>
    cloud.protect(new Request(`http://shop.example${path}`), { remoteAddress: CLOUD_IP });
  for (let i = 0; i < SENT.cloud.allow; i++) await send(`/page/${i}`);
  for (let i = 0; i < SENT.cloud.block; i++) await send(`/page?foo=bar&i=${i}`);
  for (let i = 0; i < SENT.cloud.challenge; i++) await send('/members');
  await cloud.close();

  const proxy = await capture(origin, upstream.url, ['--enforce']);
  for (let i = 0; i < SENT.hybrid.allow; i++) await fetch(`${proxy.url}/hello/${i}`);
  for (let i = 0; i < SENT.hybrid.block; i++) await fetch(`${proxy.url}/x?foo=bar`);
  await proxy.close(100); // sends the events it holds

  const rule = await fetch(`${origin.url}/tenants/quickstart/rules`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ADMIN}`,
      'content-type': 'application/json',
      'x-esper-actor': 'console-test',
    },
    body: JSON.stringify({
      rule_id: 'r_never',
      tenant_id: 'quickstart',
      name: 'Block a path nobody visits',
      enabled: true,
      priority: 50,
      expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/never' } },
      outcome: 'Block',
    }),
  });
  expect(rule.status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await upstream?.close();
  await origin?.close();
});

async function results(): Promise<TenantResults> {
  const res = await fetch(`${origin.url}/tenants/quickstart/results`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return (await res.json()) as TenantResults;
}

async function openConsole(): Promise<{ page: Page; problems: string[] }> {
  if (missingBrowser) throw missingBrowser;
  const context = await browser.newContext({
    httpCredentials: { username: 'admin', password: ADMIN },
    viewport: { width: 1200, height: 900 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  const res = await page.goto(`${origin.url}/results`);
  expect(res?.status()).toBe(200);
  await page.waitForFunction(() => document.documentElement.dataset.charts !== undefined);
  return { page, problems };
}

const figure = (page: Page, name: string) =>
  page.locator(`[data-scope="quickstart"] [data-figure="${name}"]`).first().textContent();

function cellsOf(page: Page, table: string, row: string) {
  return page
    .locator(`[data-scope="quickstart"] table[data-table="${table}"] tr[data-row="${row}"] td`)
    .allTextContents();
}

it('shows the counts of the traffic sent, equal to the results JSON', async () => {
  const { page, problems } = await openConsole();
  const json = await results();
  const allow = SENT.cloud.allow + SENT.hybrid.allow;
  const block = SENT.cloud.block + SENT.hybrid.block;
  const total = allow + block + SENT.cloud.challenge;
  expect(json.decisions).toEqual({ allow, block, challenge: SENT.cloud.challenge, monitor: 0 });
  expect(await figure(page, 'requests')).toBe(String(total));
  expect(await figure(page, 'allow')).toBe(String(json.decisions.allow));
  expect(await figure(page, 'block')).toBe(String(json.decisions.block));
  expect(await figure(page, 'challenge')).toBe(String(json.decisions.challenge));
  expect(await figure(page, 'monitor')).toBe('0');

  // Per policy by name: name, id, observe, challenge, block, allow.
  expect(await cellsOf(page, 'policies', 'pol_foo_bar')).toEqual([
    'Block when the foo=bar query parameter is present',
    'pol_foo_bar',
    '0',
    '0',
    String(json.policies.pol_foo_bar!.block),
    '0',
  ]);
  expect(json.policies.pol_foo_bar!.block).toBe(block);
  expect(await cellsOf(page, 'rules', 'r_members')).toEqual([
    'Challenge every visit to /members',
    'r_members',
    '0',
    String(SENT.cloud.challenge),
    '0',
    '0',
  ]);

  // Top entities: the cloud client's IP, then the capture's client (loopback).
  const cloudTotal = SENT.cloud.allow + SENT.cloud.block + SENT.cloud.challenge;
  expect(await cellsOf(page, 'entities', CLOUD_IP)).toEqual(
    [CLOUD_IP, cloudTotal, SENT.cloud.allow, SENT.cloud.challenge, SENT.cloud.block, 0].map(String),
  );
  expect(await cellsOf(page, 'entities', '127.0.0.1')).toEqual(
    [
      '127.0.0.1',
      SENT.hybrid.allow + SENT.hybrid.block,
      SENT.hybrid.allow,
      0,
      SENT.hybrid.block,
      0,
    ].map(String),
  );

  // Latency: every decision timed; sync: the version origin serves; audit: the rule created.
  expect(await page.locator('[data-scope="quickstart"] .latency-summary').textContent()).toMatch(
    new RegExp(`^${total} decisions timed: p50 `),
  );
  const version = (
    (await await fetch(`${origin.url}/results/data.json`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    }).then((r) => r.json())) as { scopes: Array<{ sync: { details: Array<{ value: string }> } }> }
  ).scopes[0]!.sync.details[0]!.value;
  expect(await page.locator('table[data-table="sync"]').textContent()).toContain(version);
  const audit = await page.locator('table[data-table="audit"] tr').nth(1).allTextContents();
  expect(audit[0]).toMatch(/console-test\s*rule\.create\s*r_never/);

  // The charts: drawn by Chart.js, holding the same numbers as the tables.
  expect(await page.evaluate(() => document.documentElement.dataset.charts)).toBe('3');
  const drawn = await page.evaluate(() => {
    const charts = Object.values(
      (window as unknown as { Chart: { instances: Record<string, unknown> } }).Chart.instances,
    ) as Array<{
      canvas: HTMLCanvasElement;
      data: { datasets: Array<{ label: string; data: number[] }> };
    }>;
    const byCanvas = Object.fromEntries(charts.map((c) => [c.canvas.id, c.data.datasets]));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      timeline: Object.fromEntries(byCanvas['timeline-0']!.map((d) => [d.label, sum(d.data)])),
      latency: sum(byCanvas['latency-0']![0]!.data),
      policyBlock: byCanvas['policies-0']!.find((d) => d.label === 'block')!.data,
      width: charts[0]!.canvas.width,
    };
  });
  expect(drawn.timeline).toEqual({ allow, challenge: SENT.cloud.challenge, block, monitor: 0 });
  expect(drawn.latency).toBe(total);
  // One bar per policy and rule, in table order: pol_foo_bar, then the rule r_members.
  expect(drawn.policyBlock).toEqual([block, 0]);
  expect(drawn.width).toBeGreaterThan(100);
  expect(problems).toEqual([]);

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'results-console.png'), fullPage: true });
  await page.context().close();
});

it('needs the admin token for the page and its data, not for the scripts', async () => {
  const page = await fetch(`${origin.url}/results`);
  expect(page.status).toBe(401);
  expect(page.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  expect((await fetch(`${origin.url}/results/data.json`)).status).toBe(401);
  const wrong = await fetch(`${origin.url}/results/data.json`, {
    headers: { authorization: `Basic ${Buffer.from('a:wrong-token-here').toString('base64')}` },
  });
  expect(wrong.status).toBe(401);
  const chart = await fetch(`${origin.url}/results/assets/chart.umd.min.js`);
  expect(chart.status).toBe(200);
  expect(await chart.text()).toMatch(/Chart\.js v4\./);
  const ok = await fetch(`${origin.url}/results`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
});
