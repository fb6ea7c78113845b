/**
 * Replay protection keeps every idempotency key for as long as the signed call that carried it
 * could still be verified, however many other calls arrive; when its memory is full it refuses
 * new calls instead of forgetting old keys.
 */
import { createSigner } from '@esper/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_KEY } from './controller.js';
import { MITIGATION_PATH } from './mitigation.js';
import { type MockRuntime, startMockRuntime } from './server.js';
import { errorOf, sampleBody, signedPost } from './test-helpers.js';

let mock: MockRuntime | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('replay protection over HTTP', () => {
  it('replaying the first call after 10,001 others is still replayed_request', async () => {
    mock = await startMockRuntime({ maxRecordedRequests: 1 });
    const url = mock.url;
    const sign = await createSigner(DEFAULT_TEST_KEY.apiKey, DEFAULT_TEST_KEY.secret);
    const timestamp = Math.floor(Date.now() / 1000);
    const call = async (text: string) => {
      const headers = await sign('POST', MITIGATION_PATH, text, timestamp);
      return fetch(`${url}${MITIGATION_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: text,
      });
    };
    const first = JSON.stringify(sampleBody());
    expect((await call(first)).status).toBe(200);

    const template = sampleBody();
    let next = 0;
    let ok = 0;
    const worker = async () => {
      while (next < 10_001) {
        next += 1;
        const body = { ...template, idempotency_key: `flood-${next}` };
        const res = await call(JSON.stringify(body));
        await res.arrayBuffer();
        if (res.status === 200) ok += 1;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(ok).toBe(10_001);

    const replay = await call(first);
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe('replayed_request');
  }, 120_000);

  it('when full, refuses new calls with 429 replay_capacity and Retry-After, never forgets', async () => {
    let clock = Date.now();
    mock = await startMockRuntime({ maxReplayEntries: 3, now: () => clock });
    const first = sampleBody();
    for (const body of [first, sampleBody(), sampleBody()]) {
      expect((await signedPost(mock.url, body)).status).toBe(200);
    }
    const refused = await signedPost(mock.url, sampleBody());
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).code).toBe('replay_capacity');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await errorOf(await signedPost(mock.url, first))).code).toBe('replayed_request');

    // Once the remembered calls can no longer be verified, there is room again.
    clock += 302_000;
    const later = Math.floor(clock / 1000);
    expect((await signedPost(mock.url, sampleBody(), { timestamp: later })).status).toBe(200);
  });

  it('remembers a key until its signature stops verifying, to the second', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    // The call arrives 0.1 s into its timestamp's second; it verifies until 300.999 s after.
    let clock = timestamp * 1000 + 100;
    mock = await startMockRuntime({ now: () => clock });
    const body = sampleBody();
    expect((await signedPost(mock.url, body, { timestamp })).status).toBe(200);
    clock = timestamp * 1000 + 300_500;
    const replay = await signedPost(mock.url, body, { timestamp });
    expect((await errorOf(replay)).code).toBe('replayed_request');
    clock = timestamp * 1000 + 301_000;
    expect((await errorOf(await signedPost(mock.url, body, { timestamp }))).code).toBe(
      'stale_timestamp',
    );
  });
});
