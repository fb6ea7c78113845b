import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpEvent } from './events.js';
import { albEvent, fixture, lambdaContext } from './fixtures.test-helpers.js';
import { type LambdaEsperOptions, withEsper } from './handler.js';

const KEY = { apiKey: 'unit_key', secret: 'unit_secret_0123456789abcdef0123' };
let runtime: MockRuntime;
let options: LambdaEsperOptions;

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
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
