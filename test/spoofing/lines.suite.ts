/**
 * Repeated header lines, sent the way a client can (each on its own line, over a real socket on
 * 127.0.0.1) and passed on the way each platform's proxy really handles them:
 * - the Heroku router appends the peer it saw to the end of the FIRST x-forwarded-for line
 *   only and passes the other lines through (jetmind.github.io/2016/03/31/heroku-forwarded.html;
 *   "accidental behaviour" per Heroku support);
 * - ALB appends to "the existing header" (AWS, x-forwarded-headers.html), merging a client's
 *   lines into one first (the reported ELB behaviour); with multi-value headers off the
 *   function gets the last value of each name (AWS, lambda-functions.html).
 * Vercel and Cloudflare overwrite the headers they vouch for, so a client's repeated lines of
 * those never arrive; the main matrix's "duplicate lines" column covers them.
 * Every client-sent value is in 6.6.6.0/24; the platform address must be what the runtime gets.
 */
import { request as httpRequest } from 'node:http';
import { esper } from '@esper/express';
import { withEsper } from '@esper/lambda';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FrameworkName, frameworks, listen } from '../../packages/express/test/server.js';
import { TEST_KEY } from '../conformance/runtime.js';
import {
  buildEvent,
  conformanceHandler,
  esperOptions,
  lambdaContext,
} from '../conformance/targets/lambda.js';

type Lines = Array<[string, string]>;

const CASES: Record<string, Lines> = {
  'two xff lines': [
    ['x-forwarded-for', '6.6.6.30'],
    ['x-forwarded-for', '6.6.6.31'],
  ],
  'three xff lines, lists': [
    ['x-forwarded-for', '6.6.6.32, 6.6.6.33'],
    ['x-forwarded-for', '6.6.6.34'],
    ['x-forwarded-for', '6.6.6.35, 10.0.0.1'],
  ],
  'an empty first line': [
    ['x-forwarded-for', ''],
    ['x-forwarded-for', '6.6.6.36'],
  ],
  'xff lines + x-real-ip lines': [
    ['x-forwarded-for', '6.6.6.37'],
    ['x-real-ip', '6.6.6.38'],
    ['x-forwarded-for', '6.6.6.39'],
    ['x-real-ip', '6.6.6.40'],
  ],
};

/** The Heroku router: the peer goes at the end of the first x-forwarded-for line only. */
function herokuRouter(lines: Lines, platformIp: string): Lines {
  const out: Lines = [];
  let appended = false;
  for (const [name, value] of lines) {
    if (name === 'x-forwarded-for' && !appended) {
      out.push([name, value ? `${value}, ${platformIp}` : platformIp]);
      appended = true;
    } else out.push([name, value]);
  }
  if (!appended) out.push(['x-forwarded-for', platformIp]);
  return [...out, ['x-forwarded-proto', 'https']];
}

/** GET with every pair on its own header line (`fetch` would join repeated names). */
function send(url: string, lines: Lines): Promise<number> {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of lines) headers[k] = [...(headers[k] ?? []), v];
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject).end();
  });
}

let runtime: MockRuntime;
beforeAll(async () => {
  runtime = await startMockRuntime({ keys: [TEST_KEY] });
});
afterAll(() => runtime?.close());

const sentIp = () =>
  (runtime.requests.at(-1)!.body as { request: { client_ip?: string } }).request.client_ip;

function expressBehindHeroku(name: FrameworkName, trustProxy?: string) {
  describe(`${name} behind the Heroku router${trustProxy ? ` (trust proxy ${trustProxy})` : ''}`, () => {
    for (const [i, [title, lines]] of Object.entries(CASES).entries()) {
      it(title, async () => {
        const env = {
          DYNO: 'web.1',
          ESPER_API_KEY: TEST_KEY.apiKey,
          ESPER_API_SECRET: TEST_KEY.secret,
          ESPER_API_BASE: runtime.url,
        };
        const middleware = esper({ env, timeoutMs: 1_000 });
        const app = frameworks[name]();
        if (trustProxy) app.set('trust proxy', trustProxy);
        app.use(middleware);
        app.use((_req, res) => res.end('ok'));
        const server = await listen(app);
        try {
          const platformIp = `198.51.100.${150 + i}`;
          expect(await send(`${server.url}/whoami`, herokuRouter(lines, platformIp))).toBe(200);
          expect(sentIp(), title).toBe(platformIp);
        } finally {
          await server.close();
          await middleware.close();
        }
      });
    }
  });
}

for (const name of ['express4', 'express5'] as const) {
  expressBehindHeroku(name);
  expressBehindHeroku(name, 'loopback');
}

for (const kind of ['alb', 'alb-multi'] as const) {
  describe(`lambda-${kind} (ALB merges the lines, then appends)`, () => {
    for (const [i, [title, lines]] of Object.entries(CASES).entries()) {
      it(title, async () => {
        const options = {
          runtimeUrl: runtime.url,
          apiKey: TEST_KEY.apiKey,
          secret: TEST_KEY.secret,
          mode: 'live' as const,
          timeoutMs: 1_000,
        };
        const handler = withEsper(conformanceHandler(kind), esperOptions(options));
        try {
          const platformIp = `198.51.100.${170 + i}`;
          const others = lines.filter(([n]) => n !== 'x-forwarded-for');
          const event = buildEvent(kind, { path: '/whoami', headers: others, platformIp });
          const sent = lines.filter(([n]) => n === 'x-forwarded-for').map(([, v]) => v);
          const merged = [...sent.filter(Boolean), platformIp].join(', ');
          if (event.multiValueHeaders) event.multiValueHeaders['x-forwarded-for'] = [merged];
          else event.headers['x-forwarded-for'] = merged;
          await handler(event, lambdaContext());
          expect(sentIp(), title).toBe(platformIp);
        } finally {
          await handler.esper.close();
        }
      });
    }
  });
}
