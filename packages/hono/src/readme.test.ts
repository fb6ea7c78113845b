import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReadmeWorker } from '../../../test/helpers/readme-worker.js';

let worker: Awaited<ReturnType<typeof startReadmeWorker>>;

beforeAll(async () => {
  worker = await startReadmeWorker(new URL('.', import.meta.url), 'hono');
}, 60_000);

afterAll(() => worker?.close());

it('the README snippet protects a Hono app in workerd', async () => {
  const ok = await worker.mf.dispatchFetch('https://app.example/');
  expect(await ok.text()).toBe('Hello! Esper said: allow');
  const blocked = await worker.mf.dispatchFetch('https://app.example/admin');
  expect(blocked.status).toBe(403);
  expect(worker.runtime.requests).toHaveLength(2);
});
