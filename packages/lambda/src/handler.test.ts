import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpEvent } from './events.js';
import {
  albEvent,
  fixture,
  lambdaContext,
  OTHER_EVENTS,
  SCHEDULED_EVENT,
  sample,
} from './fixtures.test-helpers.js';
import { type LambdaEsperOptions, withEsper } from './handler.js';

const KEY = { apiKey: 'unit_key', secret: 'unit_secret_0123456789abcdef0123' };
let runtime: MockRuntime;
let options: LambdaEsperOptions;

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { method: /^(?:TRACE|TRACK|CONNECT)$/ }, answer: { action: 'block' } },
      {
        match: { path: '/blocked' },
        answer: { action: 'block', response_headers: [['set-cookie', 'rt=1; Path=/']] },
      },
      {
        match: { path: '/hello/world' },
        answer: {
          action: 'allow',
          response_headers: [['set-cookie', 'rt=1; Path=/']],
          upstream_headers: [['x-risk', 'low']],
        },
      },
    ],
  });
  options = { apiBase: runtime.url, ...KEY, env: {}, timeoutMs: 2000 };
});
afterAll(() => runtime.close());
beforeEach(() => runtime.reset());

/** What the application saw, so a test can check it. */
function echo() {
  const seen: HttpEvent[] = [];
  const handler = async (event: HttpEvent) => {
    seen.push(event);
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'app' };
  };
  return { seen, handler };
}

interface Sent {
  request: { client_ip?: string };
  request_id?: string;
  source: { sdk: string; runtime: string };
}
const lastCall = () => runtime.requests.at(-1)?.body as Sent;

const SPOOF = {
  'x-forwarded-for': '6.6.6.6',
  'x-real-ip': '6.6.6.7',
  'cf-connecting-ip': '6.6.6.8',
  'true-client-ip': '6.6.6.9',
};

describe('client IP per event kind, with spoofed headers', () => {
  it('REST: requestContext.identity.sourceIp', async () => {
    const e = fixture('apigw-request');
    e.headers = { ...e.headers, ...SPOOF };
    e.multiValueHeaders = {
      ...e.multiValueHeaders,
      'X-Forwarded-For': ['6.6.6.6, 192.168.196.186'],
    };
    await withEsper(echo().handler, options)(e, lambdaContext());
    expect(lastCall().request.client_ip).toBe('192.168.196.186');
  });

  it('HTTP API / Function URL: requestContext.http.sourceIp', async () => {
    const e = fixture('apigw-v2-request-no-authorizer');
    e.headers = { ...e.headers, ...SPOOF, 'x-forwarded-for': '6.6.6.6, 1.2.3.4' };
    e.requestContext!.http!.sourceIp = '203.0.113.9';
    await withEsper(echo().handler, options)(e, lambdaContext());
    expect(lastCall().request.client_ip).toBe('203.0.113.9');
  });

  it('ALB: the hop ALB appended, never what the client put before it', async () => {
    const single = albEvent(false);
    single.headers = { ...single.headers, ...SPOOF, 'x-forwarded-for': '6.6.6.6, 72.21.198.66' };
    await withEsper(echo().handler, options)(single, lambdaContext());
    expect(lastCall().request.client_ip).toBe('72.21.198.66');
    await withEsper(echo().handler, options)(albEvent(true), lambdaContext());
    expect(lastCall().request.client_ip).toBe('72.21.198.66');
  });

  it('trustedProxies (e.g. CloudFront in front) walk x-forwarded-for from the platform address', async () => {
    const e = fixture('apigw-request');
    e.multiValueHeaders = { ...e.multiValueHeaders, 'X-Forwarded-For': ['6.6.6.6, 198.51.100.4'] };
    const withCdn = { ...options, clientIp: { trustedProxies: ['192.168.0.0/16'] } };
    await withEsper(echo().handler, withCdn)(e, lambdaContext());
    expect(lastCall().request.client_ip).toBe('198.51.100.4');
  });
});

describe('withEsper', () => {
  it('allow: the handler sees the decision headers, not the client’s, and the result gets the runtime’s', async () => {
    const { seen, handler } = echo();
    const e = fixture('apigw-request');
    e.headers = { ...e.headers, 'X-Esper-Decision': 'forged' };
    e.multiValueHeaders = { ...e.multiValueHeaders, 'X-Esper-Decision': ['forged'] };
    const ctx = lambdaContext();
    const result = await withEsper(handler, options)(e, ctx);
    const got = seen[0]!;
    expect(got.headers?.['x-esper-decision']).toBe('allow');
    expect(got.multiValueHeaders?.['x-esper-decision']).toEqual(['allow']);
    expect(got.headers?.['X-Esper-Decision']).toBeUndefined();
    expect(got.headers?.['x-esper-decision-id']).toMatch(/^dec_/);
    expect(got.headers?.['x-risk']).toBe('low');
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      multiValueHeaders: { 'set-cookie': ['rt=1; Path=/'] },
      body: 'app',
    });
    expect(lastCall()).toMatchObject({
      request_id: 'deef4878-7910-11e6-8f14-25afc3e9ae33',
      source: { sdk: '@esper/lambda', runtime: 'aws-lambda' },
    });
    expect(runtime.requests.at(-1)?.headers['x-esper-sdk']).toMatch(/^@esper\/lambda\/\d/);
  });

  it('block: the handler is not called; the result has the event’s shape', async () => {
    const { seen, handler } = echo();
    const e = fixture('apigw-v2-request-no-authorizer');
    e.rawPath = '/blocked';
    const result = await withEsper(handler, options)(e, lambdaContext());
    expect(seen).toHaveLength(0);
    expect(result).toMatchObject({ statusCode: 403, cookies: ['rt=1; Path=/'] });
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({ error: 'blocked' });
  });

  it('monitor mode: a block reaches the handler, marked', async () => {
    const { seen, handler } = echo();
    const e = fixture('apigw-v2-request-no-authorizer');
    e.rawPath = '/blocked';
    const result = await withEsper(handler, { ...options, mode: 'monitor' })(e, lambdaContext());
    expect(result).toMatchObject({ statusCode: 200 });
    expect(seen[0]?.headers).toMatchObject({
      'x-esper-decision': 'block',
      'x-esper-mode': 'monitor',
    });
  });

  it('events that are not HTTP pass through untouched, without a decision', async () => {
    const event = { Records: [{ eventSource: 'aws:sqs', body: '{}' }] };
    let got: unknown;
    const wrapped = withEsper(async (e: unknown) => {
      got = e;
      return 'done';
    }, options);
    expect(await wrapped(event, lambdaContext())).toBe('done');
    expect(got).toBe(event);
    expect(runtime.requests).toHaveLength(0);
  });

  it('onDecision work finishes before the invocation returns (Lambda freezes after it)', async () => {
    let finished = false;
    const wrapped = withEsper(echo().handler, {
      ...options,
      onDecision: async () => {
        await new Promise((r) => setTimeout(r, 50));
        finished = true;
      },
    });
    await wrapped(fixture('apigw-v2-request-no-authorizer'), lambdaContext());
    expect(finished).toBe(true);
  });

  it('the application’s own error is not swallowed', async () => {
    const wrapped = withEsper(async () => {
      throw new Error('app bug');
    }, options);
    await expect(
      wrapped(fixture('apigw-v2-request-no-authorizer'), lambdaContext()),
    ).rejects.toThrow('app bug');
  });

  it('an unreachable runtime fails open: the handler still runs', async () => {
    const { seen, handler } = echo();
    const down = { ...options, apiBase: 'http://127.0.0.1:9', timeoutMs: 200 };
    const result = await withEsper(handler, down)(albEvent(false), lambdaContext());
    expect(result).toMatchObject({ statusCode: 200, body: 'app' });
    expect(seen[0]?.headers?.['x-esper-decision']).toBe('allow');
  });

  it('bad configuration fails at init (cold start), naming the option', () => {
    expect(() => withEsper(echo().handler, { ...options, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => withEsper(echo().handler, { env: {} })).toThrow(/apiKey/);
    expect(() =>
      withEsper(echo().handler, { ...options, clientIp: { preset: 'aws-lb' as never } }),
    ).toThrow(/clientIp\.preset/);
  });
});

describe('an event that cannot be screened', () => {
  const FORGED = {
    'X-Esper-Decision': 'allow',
    'x-esper-mode': 'live',
    'x-esper-decision-id': 'f',
  };
  const esperKeys = (map: object | null | undefined) =>
    Object.keys(map ?? {}).filter((k) => k.toLowerCase().startsWith('x-esper-'));

  /** A wrapped handler whose screening throws (core, or anything after it). */
  function throwing(opts: LambdaEsperOptions) {
    const app = echo();
    const wrapped = withEsper(app.handler, opts);
    vi.spyOn(wrapped.esper, 'protect').mockRejectedValue(new Error('boom'));
    return { ...app, wrapped };
  }

  function forged(kind: 'apigw-v1' | 'apigw-v2' | 'alb' | 'alb-multi', path = '/admin') {
    if (kind === 'apigw-v1') {
      const e = fixture('apigw-request');
      e.path = path;
      e.headers = { ...e.headers, ...FORGED };
      e.multiValueHeaders = {
        ...e.multiValueHeaders,
        ...Object.fromEntries(Object.entries(FORGED).map(([k, v]) => [k, [v]])),
      };
      return e;
    }
    if (kind === 'apigw-v2') {
      const e = fixture('apigw-v2-request-no-authorizer');
      e.rawPath = path;
      e.headers = { ...e.headers, ...FORGED };
      return e;
    }
    const e = albEvent(kind === 'alb-multi');
    e.path = path;
    if (kind === 'alb') e.headers = { ...e.headers, ...FORGED };
    else {
      e.multiValueHeaders = {
        ...e.multiValueHeaders,
        ...Object.fromEntries(Object.entries(FORGED).map(([k, v]) => [k, [v]])),
      };
    }
    return e;
  }

  /** The x-esper-* headers of a map, by lower-case name. */
  const esperOf = (map: Record<string, unknown> | null | undefined) =>
    Object.fromEntries(
      esperKeys(map).map((k) => [k.toLowerCase(), ([] as unknown[]).concat(map![k])[0]]),
    );

  it.each(['apigw-v1', 'apigw-v2', 'alb', 'alb-multi'] as const)(
    '%s: fails open with the fallback decision’s headers, not the client’s, in every map',
    async (kind) => {
      const { seen, wrapped } = throwing(options);
      const e = forged(kind);
      const before = JSON.stringify(e);
      const result = await wrapped(e, lambdaContext());
      expect(result).toMatchObject({ statusCode: 200, body: 'app' });
      const fallback = { 'x-esper-decision': 'allow', 'x-esper-mode': 'live' };
      if (e.headers) expect(esperOf(seen[0]?.headers)).toEqual(fallback);
      if (e.multiValueHeaders) expect(esperOf(seen[0]?.multiValueHeaders)).toEqual(fallback);
      // Everything else in each map is kept, and the map's presence and shape with it.
      const others = (map: object | null | undefined) =>
        map && Object.keys(map).filter((k) => !esperKeys({ [k]: 1 }).length);
      expect(others(seen[0]?.headers)).toEqual(others(e.headers));
      expect(others(seen[0]?.multiValueHeaders)).toEqual(others(e.multiValueHeaders));
      expect(JSON.stringify(e)).toBe(before); // the caller's event is not mutated
    },
  );

  it.each([
    ['apigw-v1', { multiValueHeaders: { 'x-esper-decision': ['block'] } }],
    ['apigw-v2', { headers: { 'x-esper-decision': 'block' } }],
    ['alb', { statusDescription: '403 Forbidden', headers: { 'x-esper-decision': 'block' } }],
    [
      'alb-multi',
      { statusDescription: '403 Forbidden', multiValueHeaders: { 'x-esper-decision': ['block'] } },
    ],
  ] as const)(
    "failMode 'closed': core's block response in the %s event’s shape; the handler never runs",
    async (kind, shape) => {
      const { seen, wrapped } = throwing({ ...options, failMode: 'closed' });
      const block = vi.fn(() => new Response('custom', { status: 403 }));
      const custom = throwing({ ...options, failMode: 'closed', responses: { block } });
      expect(await wrapped(forged(kind), lambdaContext())).toMatchObject({
        statusCode: 403,
        ...shape,
      });
      expect(seen).toHaveLength(0);
      // The same page as any other block: the user's own, when there is one.
      expect(await custom.wrapped(forged(kind), lambdaContext())).toMatchObject({
        statusCode: 403,
        body: 'custom',
      });
      expect(block).toHaveBeenCalledWith(
        expect.objectContaining({ action: 'block', source: 'fallback', reason: 'internal' }),
        expect.any(Request),
      );
    },
  );

  it('core decides it (screenFailed) on the event’s raw path; onDecision sees the fallback', async () => {
    const onDecision = vi.fn();
    const { wrapped } = throwing({ ...options, failClosedRoutes: ['/admin/**'], onDecision });
    const failed = vi.spyOn(wrapped.esper, 'screenFailed');
    const e = forged('apigw-v2', '/admin/%2e%2e');
    expect(await wrapped(e, lambdaContext())).toMatchObject({ statusCode: 403 });
    expect(failed).toHaveBeenCalledWith('/admin/%2e%2e', expect.any(Error), expect.any(Request));
    expect(onDecision).toHaveBeenCalledWith(
      expect.objectContaining({ source: 'fallback', reason: 'internal', action: 'block' }),
      expect.anything(),
    );
  });

  it('the onDecision work of a decision made before the failure still finishes in time', async () => {
    const done: string[] = [];
    const app = echo();
    const wrapped = withEsper(app.handler, {
      ...options,
      // The earlier decision's work outlasts the fallback's, so awaiting only the latter fails.
      onDecision: async (d) => {
        await new Promise((r) => setTimeout(r, d.source === 'remote' ? 150 : 0));
        done.push(d.source);
      },
    });
    vi.spyOn(wrapped.esper, 'upstreamHeaders').mockImplementationOnce(() => {
      throw new Error('boom');
    });
    await wrapped(fixture('apigw-v2-request-no-authorizer'), lambdaContext());
    expect(app.seen).toHaveLength(1);
    expect(done.sort()).toEqual(['fallback', 'remote']);
  });

  it('a decision already made to block stays a block when applying it fails', async () => {
    const app = echo();
    const wrapped = withEsper(app.handler, {
      ...options,
      responses: {
        // A body that fails while it is read: the block cannot be turned into a result.
        block: () =>
          new Response(
            new ReadableStream({
              pull: (c) => c.error(new Error('stream broke')),
            }),
            { status: 403 },
          ),
      },
    });
    const e = fixture('apigw-v2-request-no-authorizer');
    e.rawPath = '/blocked';
    expect(await wrapped(e, lambdaContext())).toMatchObject({ statusCode: 403 });
    expect(app.seen).toHaveLength(0);
  });

  it('ESPER_FAIL_MODE=closed refuses too', async () => {
    const { seen, wrapped } = throwing({ ...options, env: { ESPER_FAIL_MODE: 'closed' } });
    expect(await wrapped(forged('apigw-v2'), lambdaContext())).toMatchObject({ statusCode: 403 });
    expect(seen).toHaveLength(0);
  });

  it('failClosedRoutes: a malformed event on a listed route gets a 403, elsewhere it goes on with the fallback', async () => {
    const { seen, handler } = echo();
    const wrapped = withEsper(handler, { ...options, failClosedRoutes: ['/admin/**'] });
    // `cookies` that is not an array makes the Request impossible to build.
    const malformed = (path: string) =>
      Object.assign(forged('apigw-v2', path), { cookies: 'session=1' as never });
    expect(await wrapped(malformed('/admin/users'), lambdaContext())).toMatchObject({
      statusCode: 403,
    });
    expect(seen).toHaveLength(0);
    expect(await wrapped(malformed('/public'), lambdaContext())).toMatchObject({
      statusCode: 200,
    });
    expect(esperOf(seen[0]?.headers)).toEqual({
      'x-esper-decision': 'allow',
      'x-esper-mode': 'live',
    });
    expect(runtime.requests).toHaveLength(0);
  });

  it('monitor mode never refuses: the event goes on, marked with the unenforced block', async () => {
    const { seen, wrapped } = throwing({ ...options, failMode: 'closed', mode: 'monitor' });
    expect(await wrapped(forged('apigw-v1'), lambdaContext())).toMatchObject({ statusCode: 200 });
    const marked = { 'x-esper-decision': 'block', 'x-esper-mode': 'monitor' };
    expect(esperOf(seen[0]?.headers)).toEqual(marked);
    expect(esperOf(seen[0]?.multiValueHeaders)).toEqual(marked);
  });

  it('header maps that cannot be read: refused, since they cannot be passed on stripped', async () => {
    const { seen, handler } = echo();
    const e = fixture('apigw-v2-request-no-authorizer');
    e.headers = new Proxy({} as Record<string, string>, {
      ownKeys: () => {
        throw new Error('unreadable');
      },
    });
    expect(await withEsper(handler, options)(e, lambdaContext())).toMatchObject({
      statusCode: 403,
    });
    expect(seen).toHaveLength(0);
  });

  it('a client x-esper-* header the Fetch API refuses is not passed on either', async () => {
    const { seen, handler } = echo();
    const e = fixture('apigw-v2-request-no-authorizer');
    // Refused by Headers, so the Request never had it to strip: it is only in the event.
    e.headers = { ...e.headers, 'x-esper-verified': 'yes\u0000' };
    await withEsper(handler, options)(e, lambdaContext());
    expect(seen[0]?.headers?.['x-esper-decision']).toBe('allow');
    expect(seen[0]?.headers).not.toHaveProperty('x-esper-verified');
  });
});

describe('events that are not HTTP requests for the handler', () => {
  it.each([...OTHER_EVENTS])(
    '%s reaches the handler untouched, unscreened, and its result is returned as is',
    async (name) => {
      const event = sample(name);
      const before = JSON.stringify(event);
      const policy = { principalId: 'user', policyDocument: { Statement: [] }, isAuthorized: true };
      let got: unknown;
      const wrapped = withEsper(async (e: unknown) => {
        got = e;
        return policy;
      }, options);
      expect(await wrapped(event, lambdaContext())).toBe(policy);
      expect(got).toBe(event);
      expect(JSON.stringify(event)).toBe(before);
      expect(runtime.requests).toHaveLength(0);
    },
  );

  it('a scheduled event too', async () => {
    let got: unknown;
    const wrapped = withEsper(async (e: unknown) => {
      got = e;
    }, options);
    await wrapped(SCHEDULED_EVENT, lambdaContext());
    expect(got).toBe(SCHEDULED_EVENT);
    expect(runtime.requests).toHaveLength(0);
  });

  it('a wrapped authorizer is told, once, that it protects nothing', async () => {
    const warn = vi.fn();
    const logger = { debug() {}, info() {}, warn, error() {} };
    const wrapped = withEsper(async () => ({ isAuthorized: true }), { ...options, logger });
    await wrapped(sample('apigw-v2-custom-authorizer-v2-request'), lambdaContext());
    await wrapped(sample('apigw-custom-auth-request'), lambdaContext());
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toMatch(/authorizer/);
  });
});

describe('a Host or X-Forwarded-Proto the URL parser refuses', () => {
  const BAD_HOSTS = ['a.example:99999', '1.2.3.999', '[0:0:0:0:0:0:0:0:0]', '[::1', 'a.example:'];
  const withHost = (kind: 'apigw-v1' | 'apigw-v2' | 'alb' | 'alb-multi', host: string) => {
    const forged = { 'x-esper-decision': 'allow', 'x-esper-decision-id': 'dec_forged' };
    if (kind === 'apigw-v2') {
      const e = fixture('apigw-v2-request-no-authorizer');
      e.rawPath = '/blocked';
      e.headers = { ...e.headers, host, ...forged };
      return e;
    }
    const e = kind === 'apigw-v1' ? fixture('apigw-request') : albEvent(kind === 'alb-multi');
    e.path = '/blocked';
    const noHost = <T>(map: Record<string, T>) =>
      Object.fromEntries(Object.entries(map).filter(([k]) => k.toLowerCase() !== 'host'));
    if (e.headers) e.headers = { ...noHost(e.headers), Host: host, ...forged };
    if (e.multiValueHeaders) {
      e.multiValueHeaders = { ...noHost(e.multiValueHeaders), Host: [host] };
      for (const [k, v] of Object.entries(forged)) e.multiValueHeaders[k] = [v];
    }
    return e;
  };

  it.each(
    (['apigw-v1', 'apigw-v2', 'alb', 'alb-multi'] as const).flatMap((k) =>
      BAD_HOSTS.map((h) => [k, h] as const),
    ),
  )('%s, Host %s: still decided (and blocked)', async (kind, host) => {
    const { seen, handler } = echo();
    const result = await withEsper(handler, options)(withHost(kind, host), lambdaContext());
    expect(seen).toHaveLength(0);
    expect(result).toMatchObject({ statusCode: 403 });
    expect(runtime.requests).toHaveLength(1);
  });

  it.each(['http, https', 'HTTP', 'javascript', 'http:', ''])(
    'ALB, X-Forwarded-Proto %j: still decided (and blocked)',
    async (proto) => {
      const { seen, handler } = echo();
      for (const multi of [false, true]) {
        const e = albEvent(multi);
        e.path = '/blocked';
        if (multi) e.multiValueHeaders = { ...e.multiValueHeaders, 'x-forwarded-proto': [proto] };
        else e.headers = { ...e.headers, 'x-forwarded-proto': proto };
        expect(await withEsper(handler, options)(e, lambdaContext())).toMatchObject({
          statusCode: 403,
        });
      }
      expect(seen).toHaveLength(0);
    },
  );
});

describe('router parity: decided on the path the handler reads', () => {
  const down = () => ({ ...options, apiBase: 'http://127.0.0.1:9', timeoutMs: 200 });

  it.each(['/admin/..', '/admin/%2e%2e/', '/admin/%2E%2e/users/..'])(
    'rawPath %s under failClosedRoutes /admin/**, runtime unreachable: refused',
    async (raw) => {
      const { seen, handler } = echo();
      const wrapped = withEsper(handler, { ...down(), failClosedRoutes: ['/admin/**'] });
      const v2 = fixture('apigw-v2-request-no-authorizer');
      v2.rawPath = raw;
      const rest = fixture('apigw-request');
      rest.path = raw;
      const alb = albEvent(false);
      alb.path = raw;
      for (const e of [v2, rest, alb]) {
        const result = (await wrapped(e, lambdaContext())) as { statusCode: number };
        expect(result.statusCode).toBeGreaterThanOrEqual(400);
      }
      expect(seen).toHaveLength(0);
    },
  );

  it('the runtime gets the raw path, not the URL parser’s re-encoding of it', async () => {
    const e = fixture('apigw-v2-request-no-authorizer');
    e.rawPath = '/q{1}/"a"';
    await withEsper(echo().handler, options)(e, lambdaContext());
    expect((lastCall() as unknown as { request: { path: string } }).request.path).toBe('/q{1}/"a"');
  });
});

describe('methods undici refuses', () => {
  it.each(['TRACE', 'TRACK', 'CONNECT'])(
    '%s is decided (and blocked), not passed through',
    async (method) => {
      const { seen, handler } = echo();
      const rest = fixture('apigw-request');
      rest.httpMethod = method;
      const v2 = fixture('apigw-v2-request-no-authorizer');
      v2.requestContext!.http!.method = method;
      for (const e of [rest, v2]) {
        runtime.reset();
        expect(await withEsper(handler, options)(e, lambdaContext())).toMatchObject({
          statusCode: 403,
        });
        expect(
          (runtime.requests.at(-1)?.body as { request?: { method: string } })?.request?.method,
        ).toBe(method);
      }
      expect(seen).toHaveLength(0);
    },
  );
});
