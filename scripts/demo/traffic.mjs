// The traffic the demo drives through each example: who sends what, as the platform sees it.
// Every client of an adapter has its own address and user agent (documentation ranges, RFC
// 5737), so each adapter's counts stand on their own in the one quickstart tenant.
import { performance } from 'node:perf_hooks';
import { step } from './log.mjs';

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const JSON_ACCEPT = 'application/json';

export const USERS = 4;
export const ARTICLES_PER_USER = 8;
export const LOGIN_BURST = 8; // the policy challenges a client past 5 logins in a minute
export const FOO_BAR = 3;

/**
 * Requests per scraper, by the adapter's place in the run. pol_traffic_share compares a client
 * with the whole tenant's traffic in the last hour, and all five examples share one tenant: a
 * scraper only stands out above 20% if it outweighs what came before it, so the scrapers go
 * first and each is a little larger than the last.
 */
export const scraperSize = (place) => 24 + 4 * place;

/**
 * @typedef {{ id: string, role: string, expect: 'allow' | 'challenge' | 'block' | 'any',
 *   method: string, path: string, headers: Record<string, string>, body?: string,
 *   ip: string, spoof?: string, pair?: number }} DemoRequest
 * `ip` is the address the platform sees (what it vouches for); `spoof` is the X-Forwarded-For
 * the client itself writes. `pair` links a protected request to the static-asset request sent
 * right after it, for the added-latency figure.
 */

/** The clients of one adapter; `index` (0–4) picks its addresses. */
export function clientsOf(adapterName, index) {
  const tag = `esper-demo/${adapterName}`;
  return {
    users: BROWSERS.map((ua, u) => ({
      ip: `198.51.100.${index * 10 + u + 1}`,
      ua: `${ua} ${tag}`,
    })),
    stufferIp: `203.0.113.${index * 10 + 1}`,
    stufferUa: `${BROWSERS[0]} ${tag} (stuffer)`,
    stufferApiUa: `python-requests/2.32.3 ${tag}`,
    scraperIp: `203.0.113.${index * 10 + 5}`,
    scraperUa: `Mozilla/5.0 (compatible; ArticleHarvester/3.1) ${tag}`,
  };
}

/**
 * The phases of one adapter's traffic, in the order they are sent. `index` fixes the adapter's
 * addresses (the same whichever adapters run); `place` is its position in this run.
 */
export function planFor(adapterName, index, place) {
  const c = clientsOf(adapterName, index);
  let n = 0;
  const req = (fields) => ({ id: `${adapterName}-${++n}`, method: 'GET', ...fields });
  const browser = (client) => ({ 'user-agent': client.ua, accept: HTML });

  // A scraper from one address rotating fake addresses in X-Forwarded-For; the platform's own
  // record of the address stays the same, so the runtime sees one client.
  const scraper = Array.from({ length: scraperSize(place) }, (_, i) =>
    req({
      role: 'scraper',
      expect: 'allow', // Monitor observes; nothing is enforced
      path: `/articles/${100 + i}`,
      headers: { 'user-agent': c.scraperUa, accept: HTML },
      ip: c.scraperIp,
      spoof: `192.0.2.${((i * 37 + index * 11) % 254) + 1}`,
    }),
  );

  // Several users sign in once, then read articles; each article is followed by a static asset
  // (which the SDK skips without asking the runtime) from the same user: the latency baseline.
  const browsing = [];
  for (let u = 0; u < USERS; u++) {
    const user = c.users[u];
    browsing.push(
      req({
        role: 'user',
        expect: 'allow',
        method: 'POST',
        path: '/login',
        headers: { ...browser(user), 'content-type': 'application/x-www-form-urlencoded' },
        body: `email=user${u}%40example.com&password=correct-horse`,
        ip: user.ip,
      }),
    );
  }
  for (let a = 0; a < ARTICLES_PER_USER; a++) {
    for (let u = 0; u < USERS; u++) {
      const user = c.users[u];
      const pair = a * USERS + u;
      browsing.push(
        req({
          role: 'user',
          expect: 'allow',
          path: `/articles/${a + 1}`,
          headers: browser(user),
          ip: user.ip,
          pair,
        }),
        req({
          role: 'static',
          expect: 'allow',
          path: '/favicon.ico',
          headers: { ...browser(user), accept: 'image/avif,image/webp,*/*;q=0.8' },
          ip: user.ip,
          pair,
        }),
      );
    }
  }

  // ?foo=bar, from a browser and from an API client: the pol_foo_bar policy blocks it.
  const fooBar = Array.from({ length: FOO_BAR }, (_, i) => {
    const user = c.users[i % USERS];
    const api = i === FOO_BAR - 1;
    return req({
      role: 'foo=bar',
      expect: 'block',
      path: `/articles/${i + 1}?foo=bar`,
      headers: api ? { 'user-agent': user.ua, accept: JSON_ACCEPT } : browser(user),
      ip: user.ip,
    });
  });

  // Credential stuffing: one client, a burst of logins, as a browser and as an API client
  // (two user agents, two entities). Past the 5th in a minute, each is challenged.
  const stuffing = [];
  for (const [ua, accept, type] of [
    [c.stufferUa, HTML, 'application/x-www-form-urlencoded'],
    [c.stufferApiUa, JSON_ACCEPT, 'application/json'],
  ]) {
    for (let i = 0; i < LOGIN_BURST; i++) {
      const email = `victim${i}@example.com`;
      stuffing.push(
        req({
          role: accept === HTML ? 'stuffer (browser)' : 'stuffer (API)',
          expect: i < 5 ? 'allow' : 'challenge',
          method: 'POST',
          path: '/login',
          headers: { 'user-agent': ua, accept, 'content-type': type },
          body:
            type === 'application/json'
              ? JSON.stringify({ email, password: 'hunter2' })
              : `email=${encodeURIComponent(email)}&password=hunter2`,
          ip: c.stufferIp,
        }),
      );
    }
  }
  return { scraper, browsing, fooBar, stuffing };
}

/** A request the example has not answered in this long fails the phase (the SDK's own budget is 2 s). */
const REQUEST_LIMIT_MS = 15_000;

/**
 * Sends requests one at a time (so each timing is that request's alone) and records what the
 * client saw and how long it took, from the first byte sent to the last byte read.
 * @param {{ send: (r: DemoRequest) => Promise<import('./reply.mjs').Reply> }} app
 * @param {DemoRequest[]} requests
 */
export async function drive(app, requests) {
  const out = [];
  for (const r of requests) {
    const headers = { ...r.headers, 'x-demo-id': r.id };
    const started = performance.now();
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${r.method} ${r.path}: no answer in ${REQUEST_LIMIT_MS} ms`)),
        REQUEST_LIMIT_MS,
      );
    });
    try {
      const reply = await Promise.race([app.send({ ...r, headers }), late]);
      out.push({ request: r, reply, ms: performance.now() - started });
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

/**
 * Every phase for every app, in order (each phase across the apps before the next phase).
 * `indexOf(adapter)` fixes its addresses; its place in `apps` sizes its scraper.
 */
export async function runTraffic(apps, indexOf, failures, prefix = '') {
  const plans = apps.map((a, place) => planFor(a.adapter.name, indexOf(a.adapter), place));
  const phases = [
    ['scraper', (p) => p.scraper],
    ['browsing', (p) => p.browsing],
    ['?foo=bar', (p) => p.fooBar],
    ['login burst', (p) => p.stuffing],
  ];
  for (const [phase, pick] of phases) {
    for (const [i, a] of apps.entries()) {
      const requests = pick(plans[i]);
      const label = `${a.adapter.name.padEnd(11)} traffic: ${phase} (${requests.length} requests)`;
      try {
        a.records.push(...(await step(label, () => drive(a.app, requests))));
      } catch (err) {
        failures.push(
          `${prefix}${a.adapter.name}: ${phase}: ${err instanceof Error ? err.message : err}`,
        );
      }
    }
  }
}
