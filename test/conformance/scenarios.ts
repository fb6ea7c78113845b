import { Buffer } from 'node:buffer';
import type { MockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it as vitestIt } from 'vitest';
import {
  type ConformanceRuntime,
  foreignChallengeUrls,
  startConformanceRuntime,
  TEST_KEY,
} from './runtime.js';
import type { Target, TargetInstance, TargetRequest } from './target.js';

const BROWSER = [
  ['accept', 'text/html,application/xhtml+xml'],
  ['user-agent', 'Mozilla/5.0 (conformance)'],
] as Array<[string, string]>;
const API = [
  ['accept', 'application/json'],
  ['user-agent', 'conformance-api/1.0'],
] as Array<[string, string]>;
const TIMEOUT_MS = 300;
/**
 * The runtime hangs forever, so an answer well inside this bound proves the call was aborted.
 * The slack is wide because vitest runs many files at once on a 2-core CI machine; the precise
 * bound (p99 under 1,000 concurrent hangs) is measured by `pnpm bench` (timeout.p99_ms).
 */
const TIMEOUT_SLACK_MS = 400;

// Sent with every scenario's request: none of these values may ever reach the runtime (checked
// over every byte it received, in the last scenario). The names may.
const PRIVATE_HEADERS: Array<[string, string]> = [
  ['cookie', 'session=COOKIEVAL_s3ss10n; prefs=COOKIEVAL_pr3fs'],
  ['authorization', 'Bearer AUTHVAL_b34r3r'],
  ['proxy-authorization', 'Basic PROXYAUTHVAL_b4s1c'],
];
const PRIVATE_VALUES = [
  TEST_KEY.secret,
  'COOKIEVAL_s3ss10n',
  'COOKIEVAL_pr3fs',
  'AUTHVAL_b34r3r',
  'PROXYAUTHVAL_b4s1c',
  // the per-request scenario "the secret, cookie and authorization values never reach the wire"
  'COOKIE_VALUE_123',
  'OTHER_VALUE_456',
  'AUTH_VALUE_789',
];

let seq = 0;
function tagged(
  req: Omit<TargetRequest, 'platformIp'> & { platformIp?: string },
): TargetRequest & { id: string } {
  const id = `t${Date.now().toString(36)}${(seq++).toString(36)}`;
  return {
    ...req,
    id,
    platformIp: req.platformIp ?? '198.51.100.7',
    headers: [
      ...(req.headers ?? []),
      ...PRIVATE_HEADERS.filter(([name]) => !req.headers?.some(([n]) => n === name)),
      ['x-test-id', id],
    ],
  };
}

/** The runtime's record of the request with this tag. */
function seen(runtime: MockRuntime, id: string) {
  return runtime.requests.filter(
    (r) =>
      (r.body as { request?: { headers?: Record<string, string> } } | undefined)?.request
        ?.headers?.['x-test-id'] === id,
  );
}

/** Marks a scenario run as an expected failure; run.mjs shows it as `limit`. */
export const LIMIT_SUFFIX = ' [platform limit]';

/** The live instance and its runtime, for checks only one platform has (see `runConformance`). */
export interface ConformanceContext {
  runtime(): ConformanceRuntime;
  live(): TargetInstance;
}

/**
 * Defines the shared scenarios for one target (test names read `<target> › <scenario>`); `extra` adds checks of that platform's own,
 * run against the same instances (under a nested "platform" describe, outside the matrix).
 */
export function runConformance(target: Target, extra?: (ctx: ConformanceContext) => void) {
  const it = (title: string, fn: () => Promise<void>) =>
    target.limitations?.[title]
      ? vitestIt.fails(`${title}${LIMIT_SUFFIX}`, fn)
      : vitestIt(title, fn);
  describe(target.name, () => {
    let runtime: ConformanceRuntime;
    let live: TargetInstance;
    let monitor: TargetInstance;

    beforeAll(async () => {
      runtime = await startConformanceRuntime();
      const base = {
        runtimeUrl: runtime.url,
        apiKey: TEST_KEY.apiKey,
        secret: TEST_KEY.secret,
        timeoutMs: TIMEOUT_MS,
      };
      live = await target.start({ ...base, mode: 'live' });
      monitor = await target.start({ ...base, mode: 'monitor' });
      // The scenarios test steady-state behaviour, not a cold process: one request each opens
      // the connection to the runtime (cold starts are measured in bench/, not here).
      for (const instance of [live, monitor])
        await instance.request(tagged({ path: '/warm-up', headers: API }));
    }, 120_000);

    afterAll(async () => {
      await live?.close();
      await monitor?.close();
      await runtime?.close();
    });

    it('allow', async () => {
      const req = tagged({ path: '/hello', headers: BROWSER });
      const res = await live.request(req);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body);
      expect(body.decision).toBe('allow');
      expect(body.decisionId).toMatch(/.+/);
      expect(seen(runtime, req.id)).toHaveLength(1);
    });

    it('block, browser gets HTML 403', async () => {
      const res = await live.request(tagged({ path: '/block', headers: BROWSER }));
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.body).toMatch(/Access denied/);
    });

    it('block, API client gets JSON 403', async () => {
      const res = await live.request(tagged({ path: '/block', headers: API }));
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'blocked' });
    });

    it('challenge, browser is redirected with return_url', async () => {
      const res = await live.request(tagged({ path: '/challenge', headers: BROWSER }));
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.origin).toBe(new URL(runtime.url).origin);
      expect(new URL(location.searchParams.get('return_url')!).pathname).toBe('/challenge');
    });

    it('challenge, API client gets a JSON challenge', async () => {
      const res = await live.request(tagged({ path: '/challenge', headers: API }));
      expect(res.status).toBe(403);
      const body = JSON.parse(res.body);
      expect(body.error).toBe('challenge_required');
      expect(new URL(body.challenge_url).origin).toBe(new URL(runtime.url).origin);
    });

    it('monitor mode never enforces, still asks', async () => {
      const req = tagged({ path: '/block', headers: BROWSER });
      const res = await monitor.request(req);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body);
      expect(body.decision).toBe('block');
      expect(body.mode).toBe('monitor');
      expect(seen(runtime, req.id)).toHaveLength(1);
    });

    it('runtime timeout fails open within the bound', async () => {
      const started = performance.now();
      const res = await live.request(tagged({ path: '/slow', headers: API }));
      const elapsed = performance.now() - started;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).decision).toBe('allow');
      expect(elapsed).toBeLessThan(TIMEOUT_MS + TIMEOUT_SLACK_MS);
    });

    it('fail-closed route blocks on timeout', async () => {
      const res = await live.request(tagged({ path: '/checkout/pay', headers: API }));
      expect(res.status).toBe(403);
    });

    it('static asset is skipped without a call', async () => {
      const req = tagged({ path: '/_next/static/chunks/app.css', headers: BROWSER });
      const before = runtime.requests.length;
      const res = await live.request(req);
      expect(res.status).toBe(200);
      expect(runtime.requests.length).toBe(before);
    });

    it('trusted client IP reaches the runtime; spoofed headers do not', async () => {
      const req = tagged({
        path: '/hello',
        headers: [
          ...API,
          ['x-forwarded-for', '6.6.6.6'],
          ['x-real-ip', '6.6.6.7'],
          ['cf-connecting-ip', '6.6.6.8'],
          ['true-client-ip', '6.6.6.9'],
        ],
        platformIp: '198.51.100.23',
      });
      await live.request(req);
      const [call] = seen(runtime, req.id);
      expect(call).toBeDefined();
      expect((call!.body as { request: { client_ip?: string } }).request.client_ip).toBe(
        live.expectedClientIp('198.51.100.23'),
      );
    });

    it('runtime response headers are merged; two Set-Cookies stay two', async () => {
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
    });

    it('a cached block is served without a second call', async () => {
      const ua: Array<[string, string]> = [
        ['accept', 'application/json'],
        ['user-agent', `cache-test-${seq}`],
      ];
      const first = tagged({ path: '/cached/a', headers: ua, platformIp: '198.51.100.99' });
      const second = tagged({ path: '/cached/b', headers: ua, platformIp: '198.51.100.99' });
      expect((await live.request(first)).status).toBe(403);
      expect((await live.request(second)).status).toBe(403);
      expect(seen(runtime, first.id)).toHaveLength(1);
      expect(seen(runtime, second.id)).toHaveLength(0);
    });

    it('tenant fields are sent', async () => {
      const req = tagged({
        path: '/hello',
        headers: [...API, ['x-test-email', 'user@example.com']],
      });
      await live.request(req);
      const [call] = seen(runtime, req.id);
      expect(call).toBeDefined();
      expect((call!.body as { fields?: Record<string, string> }).fields).toMatchObject({
        email: 'user@example.com',
      });
    });

    it('the secret, cookie and authorization values never reach the wire', async () => {
      const req = tagged({
        path: '/hello',
        headers: [
          ...BROWSER,
          ['cookie', 'session=COOKIE_VALUE_123; other=OTHER_VALUE_456'],
          ['authorization', 'Bearer AUTH_VALUE_789'],
        ],
      });
      await live.request(req);
      const [call] = seen(runtime, req.id);
      expect(call).toBeDefined();
      const wire = JSON.stringify(call!.headers) + call!.rawBody;
      for (const secret of [
        TEST_KEY.secret,
        'COOKIE_VALUE_123',
        'OTHER_VALUE_456',
        'AUTH_VALUE_789',
      ]) {
        expect(wire).not.toContain(secret);
      }
      expect(wire).toContain('session');
    });

    it('challenge to a foreign origin is blocked, never redirected', async () => {
      const urls = foreignChallengeUrls(runtime.url);
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
    });

    it('no secret, cookie or authorization value in any byte the runtime received', async () => {
      const wire = runtime.wire().toString('latin1');
      // Every scenario's requests carried the private headers, so the wire must be non-trivial.
      expect(runtime.requests.length).toBeGreaterThan(10);
      expect(wire).toContain('POST /api/v1/runtime/mitigation');
      for (const value of PRIVATE_VALUES) {
        const b64 = Buffer.from(value).toString('base64');
        for (const form of [value, b64.replace(/=+$/, ''), Buffer.from(value).toString('hex')])
          expect(wire, value).not.toContain(form);
      }
      // The names are sent (cookie names and the header's length only); the values are not.
      expect(wire).toContain('session');
      expect(wire).toContain('authorization');
    });

    if (extra) describe('platform', () => extra({ runtime: () => runtime, live: () => live }));
  });
}
