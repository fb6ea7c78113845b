/**
 * The mock's tenant mode: @esper/runtime decides for tenant keys, after the mock's own scripts
 * and `decide`, and the mock accepts the tenants' keys beside (or instead of) its own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  admin,
  decide,
  PARTNER_KEY,
  WEB_KEY,
} from '../../runtime/src/test-support/tenant-calls.js';
import { DEFAULT_TEST_KEY } from './controller.js';
import { QUICKSTART_TENANT } from './index.js';
import { type MockRuntime, startMockRuntime } from './server.js';

let mock: MockRuntime;
beforeAll(async () => {
  mock = await startMockRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

describe('tenants in the mock', () => {
  it('lets scripted answers win, and does not count them', async () => {
    mock.script({
      match: { path: '/', query: { foo: 'bar' } },
      answer: { action: 'allow', reason: 'scripted' },
    });
    expect(await decide(mock.url, { path: '/', query: 'foo=bar' })).toMatchObject({
      action: 'allow',
      reason: 'scripted',
    });
    const results = await (await admin(mock.url, '/tenants/quickstart/results')).json();
    expect(results.requests).toBe(0);
  });

  it("accepts only the tenants' keys unless keys are given", async () => {
    expect([...mock.controller.keys.keys()]).toEqual([WEB_KEY.apiKey, PARTNER_KEY.apiKey]);
    const both = await startMockRuntime({ tenants: [QUICKSTART_TENANT], keys: [DEFAULT_TEST_KEY] });
    try {
      expect([...both.controller.keys.keys()]).toEqual([
        DEFAULT_TEST_KEY.apiKey,
        WEB_KEY.apiKey,
        PARTNER_KEY.apiKey,
      ]);
    } finally {
      await both.close();
    }
  });

  it('refuses a key of its own that a tenant has too', async () => {
    await expect(
      startMockRuntime({ tenants: [QUICKSTART_TENANT], keys: [{ ...WEB_KEY }] }),
    ).rejects.toThrow(/API key esper_qs_web is configured twice/);
  });
});
