// Regression: @hono/node-server's default serve() replaces the global Response with one that
// writes content-length into the init headers object. A header object shared between answers
// then gave a short answer the length of an earlier long one, and the client hung.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MockRuntime, startMockRuntime } from './server.js';
import { sampleBody, signedPost } from './test-helpers.js';

let rt: MockRuntime;
let other: ReturnType<typeof serve>;
beforeAll(async () => {
  other = serve({ fetch: new Hono().fetch, port: 0, hostname: '127.0.0.1' });
  rt = await startMockRuntime();
});
afterAll(async () => {
  await rt.close();
  await new Promise((resolve) => other.close(resolve));
});

it('each answer carries its own length after a longer one', async () => {
  rt.script({ answer: { fault: 'status', status: 500, body: 'x'.repeat(5000) }, times: 1 });
  rt.script({ answer: { fault: 'status', status: 503, body: 'short' }, times: 1 });
  const long = await signedPost(rt.url, sampleBody());
  expect((await long.text()).length).toBe(5000);
  const short = await signedPost(rt.url, sampleBody(), {
    signal: AbortSignal.timeout(2000),
  } as never);
  expect(await short.text()).toBe('short');
});
