// @vitest-environment edge-runtime
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createPolicyEngine, encodeFields } from './index.js';

describe('edge runtime', () => {
  it('encodes and decides with web-standard globals only', async () => {
    expect(typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime).toBe('string');
    let now = 1_700_000_000_000;
    const engine = createPolicyEngine(
      {
        tenant_id: 'acme',
        mitigations: [{ mitigation_id: 'm', name: 'Block', mode: 'Block' }],
        policies: [
          {
            policy_id: 'p',
            name: 'p',
            entity_definition_id: 'sys_client_ip',
            mitigation_id: 'm',
            window: { window_seconds: 60, threshold: { type: 'count', operator: 'Ge', value: 2 } },
            enabled: true,
          },
        ],
      },
      { store: createMemoryStore({ maxKeys: 10 }), now: () => now++ },
    );
    const fields = encodeFields({ request: { client_ip: '1.1.1.1', query: 'a=1' } });
    expect(fields.request_query_a).toBe('1');
    expect((await engine.evaluate(fields)).action).toBe('allow');
    expect((await engine.evaluate(fields)).action).toBe('block');
  });
});
