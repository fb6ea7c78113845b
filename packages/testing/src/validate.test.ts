/** The mock's answer to a body that does not validate (the rules: @esper/runtime's validate.test.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockRuntime, startMockRuntime } from './server.js';
import { errorOf, sampleBody, signedPost } from './test-helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the cases reach into bodies freely to break them
type Loose = Record<string, any>;

describe('400 invalid_body over HTTP', () => {
  let mock: MockRuntime;
  beforeAll(async () => {
    mock = await startMockRuntime();
  });
  afterAll(() => mock.close());

  it.each([
    ['$.request.method', (b: Loose) => (b.request.method = 'post'), /upper-case HTTP method/],
    ['$.observed_at', (b: Loose) => delete b.observed_at, /required/],
    [
      '$.request.headers.authorization',
      (b: Loose) => (b.request.headers.authorization = 'Bearer x'),
      /never/,
    ],
    ['$.source.sdk', (b: Loose) => (b.source.sdk = 7), /expected a string/],
  ])('reports %s', async (path, mutate, message) => {
    const body = structuredClone(sampleBody()) as Loose;
    mutate(body);
    const res = await signedPost(mock.url, body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'invalid_body', path });
    expect(error.message).toMatch(message);
    const rec = mock.requests.at(-1)!;
    expect(rec.validation).toMatchObject({ ok: false, path });
    expect(rec.response?.status).toBe(400);
  });

  it('accepts any JSON object when validateBody is false', async () => {
    const loose = await startMockRuntime({ validateBody: false });
    try {
      expect((await signedPost(loose.url, { anything: 1 })).status).toBe(200);
      const res = await signedPost(loose.url, [1, 2]);
      expect(await errorOf(res)).toMatchObject({ code: 'invalid_body', path: '$' });
    } finally {
      await loose.close();
    }
  });
});
