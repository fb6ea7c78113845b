import { readFileSync } from 'node:fs';
import { type MockRuntime, startMockRuntime } from '@esper/testing';
import type {
  CloudFrontRequestEvent,
  CloudFrontRequestHandler,
  CloudFrontResponseEvent,
  CloudFrontResponseHandler,
} from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type EdgeEsperOptions,
  esperEdge,
  esperEdgeResponse,
  GENERATED_LIMIT,
  RESPONSE_HEADERS_CARRIER,
} from './edge.js';
import { passOn } from './edge-events.js';
import { lambdaContext } from './fixtures.test-helpers.js';

const KEY = { apiKey: 'unit_key', secret: 'unit_secret_0123456789abcdef0123' };
let runtime: MockRuntime;
let options: EdgeEsperOptions;

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      {
        match: { path: '/blocked' },
        answer: {
          action: 'block',
          response_headers: [
            ['set-cookie', 'a=1; Path=/'],
            ['set-cookie', 'b=2; Path=/'],
          ],
        },
      },
      {
        match: { path: '/hello' },
        answer: {
          action: 'allow',
          response_headers: [['set-cookie', 'rt=1; Path=/']],
          upstream_headers: [
            ['x-risk', 'low'],
            ['host', 'evil.example'],
            ['x-forwarded-proto', 'http'],
          ],
        },
      },
      { match: { path: '/panel/x' }, answer: { action: 'block' } },
    ],
  });
  options = { apiBase: runtime.url, ...KEY, timeoutMs: 2000 };
});
afterAll(() => runtime.close());
beforeEach(() => runtime.reset());

/** A fresh copy of AWS's published example (test/fixtures/cloudfront/SOURCE.md). */
function event(
  name: 'viewer-request' | 'origin-request' | 'viewer-response',
): CloudFrontRequestEvent {
  const url = new URL(`../../../test/fixtures/cloudfront/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}
const cfRequest = (e: CloudFrontRequestEvent) => e.Records[0]!.cf.request;
interface Sent {
  request: { client_ip?: string; path?: string; method?: string; headers?: Record<string, string> };
  request_id?: string;
  source: { runtime: string };
}
const lastCall = () => runtime.requests.at(-1)?.body as Sent;

describe('viewer-request', () => {
  it('decides on the published example: clientIp, uri, requestId, headers', async () => {
    const e = event('viewer-request');
    const out = await esperEdge(options)(e, lambdaContext());
    expect(out).toEqual({
      ...cfRequest(event('viewer-request')),
      headers: {
        ...cfRequest(event('viewer-request')).headers,
        'x-esper-decision': [{ key: 'X-Esper-Decision', value: 'allow' }],
        'x-esper-decision-id': [{ key: 'X-Esper-Decision-Id', value: expect.any(String) }],
        'x-esper-mode': [{ key: 'X-Esper-Mode', value: 'live' }],
      },
    });
    const sent = lastCall();
    expect(sent.request).toMatchObject({ client_ip: '203.0.113.178', path: '/', method: 'GET' });
    expect(sent.request.headers?.['user-agent']).toBe('curl/7.66.0');
    expect(sent.request_id).toBe(e.Records[0]!.cf.config.requestId);
    expect(sent.source.runtime).toBe('aws-lambda-edge');
    // The caller's event is not mutated.
    expect(e).toEqual(event('viewer-request'));
  });

  it('believes clientIp only, never a forwarding header', async () => {
    const e = event('viewer-request');
    const r = cfRequest(e);
    Object.assign(r, { clientIp: '2001:0db8:85a3:0:0:8a2e:0370:7334' });
    for (const name of ['x-forwarded-for', 'true-client-ip', 'cf-connecting-ip', 'forwarded'])
      r.headers[name] = [{ key: name, value: name === 'forwarded' ? 'for=6.6.6.6' : '6.6.6.6' }];
    await esperEdge(options)(e);
    expect(lastCall().request.client_ip).toBe('2001:db8:85a3::8a2e:370:7334');
  });

  it('passes on the query string and repeated header lines', async () => {
    const e = event('viewer-request');
    Object.assign(cfRequest(e), { uri: '/hello', querystring: 'a=1&b=%20' });
    cfRequest(e).headers.accept = [
      { key: 'Accept', value: 'text/html' },
      { key: 'Accept', value: 'application/json' },
    ];
    await esperEdge(options)(e);
    expect(lastCall().request.headers?.accept).toBe('text/html, application/json');
    expect(runtime.requests.at(-1)?.body).toMatchObject({ request: { path: '/hello' } });
  });

  it('removes client x-esper-* lines; adds upstream headers, never read-only or disallowed ones', async () => {
    const warn = vi.fn();
    const e = event('viewer-request');
    const r = cfRequest(e);
    r.uri = '/hello';
    r.headers['x-esper-decision'] = [{ key: 'X-Esper-Decision', value: 'allow' }];
    r.headers['x-esper-forged'] = [{ key: 'X-ESPER-Forged', value: '1' }];
    const logger = { warn, error: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const out = (await esperEdge({ ...options, logger })(e)) as typeof r;
    expect(out.headers['x-esper-forged']).toBeUndefined();
    expect(out.headers['x-esper-decision']).toEqual([{ key: 'X-Esper-Decision', value: 'allow' }]);
    expect(out.headers['x-risk']).toEqual([{ key: 'X-Risk', value: 'low' }]);
    // X-Forwarded-Proto is disallowed on a viewer request (CloudFront's 502); core keeps Host.
    expect(out.headers.host).toEqual(r.headers.host);
    expect(out.headers['x-forwarded-proto']).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      { skipped: ['x-forwarded-proto', '(response headers)'] },
      'esper: not written on a Lambda@Edge viewer-request',
    );
  });

  it('answers a block with a generated response in CloudFront shape, cookies as entries', async () => {
    const e = event('viewer-request');
    cfRequest(e).uri = '/blocked';
    const out = await esperEdge(options)(e);
    expect(out).toMatchObject({
      status: '403',
      statusDescription: 'Forbidden',
      bodyEncoding: 'text',
      headers: {
        'content-type': [{ key: 'Content-Type', value: 'application/json' }],
        'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
        'x-esper-decision': [{ key: 'X-Esper-Decision', value: 'block' }],
        'set-cookie': [
          { key: 'Set-Cookie', value: 'a=1; Path=/' },
          { key: 'Set-Cookie', value: 'b=2; Path=/' },
        ],
      },
    });
    expect(JSON.parse((out as { body: string }).body)).toMatchObject({ error: 'blocked' });
  });

  it('keeps a generated response within 40 KB: a larger page is dropped, the status kept', async () => {
    const error = vi.fn();
    const big = 'x'.repeat(GENERATED_LIMIT['viewer-request']);
    const handler = esperEdge({
      ...options,
      logger: { error, warn: vi.fn(), info: vi.fn(), debug: vi.fn() },
      responses: {
        block: () => new Response(big, { status: 403, headers: { 'content-type': 'text/html' } }),
      },
    });
    const e = event('viewer-request');
    cfRequest(e).uri = '/blocked';
    const out = await handler(e);
    expect(out).toMatchObject({ status: '403' });
    expect(out).not.toHaveProperty('body');
    expect((out as { headers: object }).headers).not.toHaveProperty('content-type');
    expect(error).toHaveBeenCalledOnce();
  });

  it.each(['/panel%2Fx', '/panel/a%2fb', '/panel/x%5Cy', '//panel/x'])(
    'refuses %s with a 400: S3 and a router read it as different paths',
    async (uri) => {
      const e = event('viewer-request');
      cfRequest(e).uri = uri;
      const out = await esperEdge(options)(e);
      expect(out).toMatchObject({ status: '400' });
      expect(runtime.requests).toHaveLength(0);
    },
  );

  it('decides a raw UTF-8 uri as its percent-encoded spelling, which S3 reads the same', async () => {
    for (const uri of ['/caf\u00e9/x', '/caf%C3%A9/x']) {
      const e = event('viewer-request');
      cfRequest(e).uri = uri;
      await esperEdge(options)(e);
      expect(lastCall().request.path, uri).toBe('/caf%C3%A9/x');
    }
  });

  it("with routing.ambiguousSlashes 'keep', decides on the uri as sent", async () => {
    const e = event('viewer-request');
    cfRequest(e).uri = '/panel/a%2Fb';
    const handler = esperEdge({ ...options, routing: { ambiguousSlashes: 'keep' } });
    expect(await handler(e)).toMatchObject({ uri: '/panel/a%2Fb' });
    expect(lastCall().request.path).toBe('/panel/a%2Fb');
  });

  it('a request that cannot be screened gets the fallback, not a pass undecided', async () => {
    const e = event('viewer-request');
    // Not what CloudFront sends: a header list that is not a list.
    (cfRequest(e).headers as Record<string, unknown>).accept = 'text/html';
    cfRequest(e).uri = '/checkout/pay';
    const handler = esperEdge({ ...options, failClosedRoutes: ['/checkout/**'] });
    expect(await handler(e)).toMatchObject({ status: '403' });
  });
});

describe('passOn', () => {
  const r = () => cfRequest(event('viewer-request'));
  const upstream = (extra: Record<string, string>) =>
    new Headers({
      host: 'd111111abcdef8.cloudfront.net',
      'user-agent': 'curl/7.66.0',
      accept: '*/*',
      ...extra,
    });

  it('never adds or changes a read-only header of the event type', () => {
    const before = upstream({});
    const viewer = passOn(
      r(),
      'viewer-request',
      before,
      upstream({ host: 'x.example', via: '1.1 x' }),
    );
    expect(viewer.skipped).toEqual(['host', 'via']);
    expect(viewer.request.headers).toEqual(r().headers);
    // Host may change on an origin request; If-None-Match may not.
    const origin = passOn(
      r(),
      'origin-request',
      before,
      upstream({ host: 'x.example', 'if-none-match': '"1"' }),
    );
    expect(origin.skipped).toEqual(['if-none-match']);
    expect(origin.request.headers.host).toEqual([{ key: 'Host', value: 'x.example' }]);
  });
});

describe('other events', () => {
  it('origin-request: decided the same way (CloudFront X-Forwarded-For is not believed)', async () => {
    const e = event('origin-request');
    cfRequest(e).headers['x-forwarded-for'] = [
      { key: 'X-Forwarded-For', value: '6.6.6.6, 203.0.113.178' },
    ];
    const out = await esperEdge(options)(e);
    expect(out).toMatchObject({ uri: '/', origin: cfRequest(event('origin-request')).origin });
    expect(lastCall().request.client_ip).toBe('203.0.113.178');
  });

  it('a response event is answered with its response, untouched', async () => {
    const e = event('viewer-response') as unknown as CloudFrontRequestEvent;
    const out = await esperEdge(options)(e);
    expect(out).toEqual(
      (event('viewer-response') as never as { Records: [{ cf: { response: unknown } }] }).Records[0]
        .cf.response,
    );
    expect(runtime.requests).toHaveLength(0);
  });
});

describe('viewer-response companion', () => {
  type Cf = CloudFrontResponseEvent & { Records: [CloudFrontResponseEvent['Records'][number]] };
  const responseEvent = (request: unknown) => {
    const e = event('viewer-response') as unknown as Cf;
    Object.assign(e.Records[0].cf, { request });
    return e;
  };

  it("carries an allowed request's response headers to the viewer response", async () => {
    const e = event('viewer-request');
    cfRequest(e).uri = '/hello';
    const passed = await esperEdge({ ...options, viewerResponse: true })(e);
    const out = await esperEdgeResponse()(responseEvent(passed));
    const before = (event('viewer-response') as unknown as Cf).Records[0].cf.response;
    expect(out).toEqual({
      ...before,
      headers: { ...before.headers, 'set-cookie': [{ key: 'Set-Cookie', value: 'rt=1; Path=/' }] },
    });
  });

  it("never carries a client's own copy of the carrier header", async () => {
    const e = event('viewer-request');
    cfRequest(e).headers[RESPONSE_HEADERS_CARRIER] = [
      { key: 'X-Esper-Response-Headers', value: btoa(JSON.stringify([['set-cookie', 'x=1']])) },
    ];
    const passed = await esperEdge({ ...options, viewerResponse: true })(e);
    expect((passed as { headers: object }).headers).not.toHaveProperty(RESPONSE_HEADERS_CARRIER);
    const out = await esperEdgeResponse()(responseEvent(passed));
    expect(out.headers).not.toHaveProperty('set-cookie');
  });

  it('leaves the response alone, with a warning, for a carrier it cannot read', async () => {
    const warn = vi.fn();
    const request = { headers: { [RESPONSE_HEADERS_CARRIER]: [{ value: btoa('{"a":1}') }] } };
    const out = await esperEdgeResponse({
      logger: { warn, error: vi.fn(), info: vi.fn(), debug: vi.fn() },
    })(responseEvent(request));
    expect(out).toEqual((event('viewer-response') as unknown as Cf).Records[0].cf.response);
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('configuration', () => {
  it('reads no environment variable: a missing key fails at start-up, naming the option', () => {
    process.env.ESPER_API_KEY = 'from_env';
    try {
      expect(() => esperEdge({ secret: KEY.secret })).toThrow(/apiKey/);
    } finally {
      delete process.env.ESPER_API_KEY;
    }
  });

  it('refuses a timeoutMs a viewer trigger cannot wait for, naming the option', () => {
    expect(() => esperEdge({ ...KEY, timeoutMs: 5000 })).toThrow(/"timeoutMs".*5 s/);
    expect(() => esperEdge({ ...KEY, timeoutMs: 4000 })).not.toThrow();
  });

  it('fits CloudFrontRequestHandler and CloudFrontResponseHandler from @types/aws-lambda', () => {
    const handler: CloudFrontRequestHandler = esperEdge({ ...KEY });
    const response: CloudFrontResponseHandler = esperEdgeResponse();
    expectTypeOf(handler).toBeFunction();
    expectTypeOf(response).toBeFunction();
  });
});
