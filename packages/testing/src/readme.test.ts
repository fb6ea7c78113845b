// Keep in sync with the vitest example in README.md.
import { createSigner } from '@esper/core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { DEFAULT_TEST_KEY, type MockRuntime, startMockRuntime } from './index.js';

let mock: MockRuntime;
beforeAll(async () => {
  mock = await startMockRuntime(); // http://127.0.0.1:<free port>
});
afterEach(() => mock.reset());
afterAll(() => mock.close()); // also destroys open sockets

async function callRuntime(path: string, signal?: AbortSignal) {
  const body = JSON.stringify({
    observed_at: new Date().toISOString(),
    idempotency_key: crypto.randomUUID(),
    request: { method: 'GET', scheme: 'https', host: 'app.example.com', path, headers: {} },
    return_url: `https://app.example.com${path}`,
    source: { sdk: 'example', version: '0.0.0', runtime: 'node' },
  });
  const sign = await createSigner(DEFAULT_TEST_KEY.apiKey, DEFAULT_TEST_KEY.secret);
  const target = '/api/v1/runtime/mitigation';
  const signed = await sign('POST', target, body, Math.floor(Date.now() / 1000));
  return fetch(`${mock.url}${target}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed },
    body,
    signal,
  });
}

it('blocks /admin', async () => {
  mock.script({ match: { path: '/admin/*' }, answer: { action: 'block', reason: 'admin' } });
  const res = await callRuntime('/admin/users');
  expect(await res.json()).toMatchObject({ action: 'block', reason: 'admin', mode: 'live' });

  const [call] = mock.requests;
  expect(call?.verification).toEqual({ ok: true, keyId: 'esper_test_key' });
  expect(call?.body).toMatchObject({ request: { path: '/admin/users' } });
  expect(call?.response?.status).toBe(200);
});

it('a hanging runtime: the client times out and closes its socket', async () => {
  mock.script({ fault: 'hang' });
  await expect(callRuntime('/', AbortSignal.timeout(100))).rejects.toThrow();
  await expect.poll(() => mock.requests[0]?.aborted).toBe(true);
  expect(mock.busyConnections()).toBe(0);
});
