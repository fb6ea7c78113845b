import { type MockRuntime, startMockRuntime } from '@esper/testing';
import middy from '@middy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent } from './events.js';
import { fixture, lambdaContext, sample } from './fixtures.test-helpers.js';
import { esperMiddleware } from './middy.js';

const KEY = { apiKey: 'unit_key', secret: 'unit_secret_0123456789abcdef0123' };
let runtime: MockRuntime;

beforeAll(async () => {
  runtime = await startMockRuntime({
    keys: [KEY],
    answers: [
      { match: { path: '/blocked' }, answer: { action: 'block' } },
      { answer: { action: 'allow', response_headers: [['set-cookie', 'rt=1; Path=/']] } },
    ],
  });
});
afterAll(() => runtime.close());

function app(options: { failMode?: 'closed' } = {}) {
  const seen: HttpEvent[] = [];
  const after: string[] = [];
  const handler = middy(async (event: HttpEvent) => {
    seen.push(event);
    return { statusCode: 200, cookies: ['app=1'], body: 'app' };
  })
    .use(esperMiddleware({ apiBase: runtime.url, ...KEY, env: {}, ...options }))
    // A later middleware: skipped by an early block, run before esper's `after` otherwise.
    .use({ after: async () => void after.push('later') });
  return { handler, seen, after };
}

describe('esperMiddleware', () => {
  it('allow: the handler sees the decision; the final response gets the runtime’s cookie', async () => {
    const { handler, seen, after } = app();
    const result = await handler(
      fixture('apigw-v2-request-no-authorizer'),
      lambdaContext() as never,
    );
    expect(seen[0]?.headers?.['x-esper-decision']).toBe('allow');
    expect(result).toMatchObject({ statusCode: 200, cookies: ['app=1', 'rt=1; Path=/'] });
    expect(after).toEqual(['later']);
  });

  it('block: returns early, skipping the handler and later middlewares', async () => {
    const { handler, seen, after } = app();
    const e = fixture('apigw-request');
    e.path = '/blocked';
    const result = await handler(e, lambdaContext() as never);
    expect(result).toMatchObject({ statusCode: 403 });
    expect(seen).toHaveLength(0);
    expect(after).toHaveLength(0);
  });

  it('an event that cannot be screened goes on with the fallback’s headers, not the client’s', async () => {
    const { handler, seen } = app();
    const e = fixture('apigw-v2-request-no-authorizer');
    e.headers = { ...e.headers, 'x-esper-decision': 'allow', 'x-esper-decision-id': 'dec_f' };
    e.cookies = 'not-an-array' as never;
    expect(await handler(e, lambdaContext() as never)).toMatchObject({ statusCode: 200 });
    expect(seen[0]?.headers?.['x-esper-decision']).toBe('allow');
    expect(seen[0]?.headers?.['x-esper-decision-id']).toBeUndefined();
  });

  it('an authorizer event reaches the handler untouched', async () => {
    const { handler, seen } = app();
    const e = sample('apigw-custom-auth-request-type-request');
    await handler(e, lambdaContext() as never);
    expect(seen[0]).toBe(e);
  });

  it("an event that cannot be screened, with failMode 'closed': 403, the handler never runs", async () => {
    const { handler, seen, after } = app({ failMode: 'closed' });
    const e = fixture('apigw-v2-request-no-authorizer');
    e.cookies = 'not-an-array' as never;
    expect(await handler(e, lambdaContext() as never)).toMatchObject({ statusCode: 403 });
    expect(seen).toHaveLength(0);
    expect(after).toHaveLength(0);
  });
});
