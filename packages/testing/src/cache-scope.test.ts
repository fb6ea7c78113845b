/** `cache_scope` in the mock's scripted answers: as written (policy answers: @esper/runtime). */
import { afterEach, describe, expect, it } from 'vitest';
import { type MockRuntime, startMockRuntime } from './server.js';
import { sampleBody, signedPost } from './test-helpers.js';

let mock: MockRuntime | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('cache_scope', () => {
  it('scripted answers carry it only when set', async () => {
    mock = await startMockRuntime({
      answers: [
        {
          match: { path: '/cached' },
          answer: { action: 'block', ttl_seconds: 60, cache_scope: 'client' },
        },
      ],
    });
    const body = sampleBody();
    const scripted = await signedPost(mock.url, {
      ...body,
      request: { ...body.request, path: '/cached' },
    });
    expect(await scripted.json()).toMatchObject({ action: 'block', cache_scope: 'client' });
    const plain = (await (await signedPost(mock.url, sampleBody())).json()) as object;
    expect(plain).not.toHaveProperty('cache_scope');
  });
});
