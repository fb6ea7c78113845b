/** The runtime served alone: its own mitigation endpoint, and routes other code adds. */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRuntime } from '../policy-runtime.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { errorOf, sampleBody, signedPost } from '../test-support/signed-call.js';
import { ADMIN_TOKEN, WEB_KEY } from '../test-support/tenant-calls.js';
import type { RuntimeEnv } from './env.js';
import { registerRuntimeRoutes } from './routes.js';
import { type RuntimeServer, startRuntime } from './start.js';

let server: RuntimeServer;
beforeAll(async () => {
  server = await startRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
  server.app.get('/extra', (c) => c.text('mounted'));
});
afterAll(() => server.close());

describe('startRuntime', () => {
  it('answers /healthz, routes added to its app, and 404 elsewhere', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${server.url}/extra`)).text()).toBe('mounted');
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
  });

  it('checks calls as the protocol says: method, signature, replay', async () => {
    const get = await fetch(`${server.url}/api/v1/runtime/mitigation`);
    expect(get.status).toBe(405);
    const unknown = await signedPost(server.url, sampleBody(), { apiKey: 'nope', secret: 'x' });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('unknown_key');
    const body = sampleBody();
    expect((await signedPost(server.url, body, WEB_KEY)).status).toBe(200);
    const again = await signedPost(server.url, body, WEB_KEY);
    expect(again.status).toBe(401);
    expect((await errorOf(again)).code).toBe('replayed_request');
  });

  it("answers with the key's tenant's policies", async () => {
    const body = sampleBody();
    const res = await signedPost(
      server.url,
      { ...body, request: { ...body.request, query: 'foo=bar' } },
      WEB_KEY,
    );
    expect(await res.json()).toMatchObject({ action: 'block', policy_id: 'pol_foo_bar' });
  });
});

describe('registerRuntimeRoutes', () => {
  it('adds the admin API and results page to an app of the caller', async () => {
    const runtime = new PolicyRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
    const app = new Hono<RuntimeEnv>();
    registerRuntimeRoutes(app, runtime);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const rules = await app.request('/tenants/quickstart/rules', { headers: auth });
    expect(await rules.json()).toEqual({ rules: [] });
    expect((await app.request('/results')).status).toBe(401);
  });
});
