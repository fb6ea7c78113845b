/**
 * The tenant the hybrid column syncs from the real `@esper/runtime` origin: the scripted mock's
 * answers (runtime.ts) written as policies, so the same scenarios decide the same way in both
 * columns, plus the policies only hybrid needs (tenant fields, client IP, a policy switched on
 * mid-run).
 */
import type { Expression } from '@esper/policy';
import type { TenantDefinition } from '@esper/runtime';

/** The adapters' API key: the mock knows it, and it belongs to the tenant at origin. */
export const TEST_KEY = {
  apiKey: 'conformance_key',
  secret: 'conformance_secret_0123456789abcdef',
  sourceId: 'conformance',
};

export const TENANT_ID = 'conformance';
/** Blocks from the IP the platform vouches for: the scenario's address, or hono-node's socket. */
export const TRUSTED_IPS = ['198.51.100.23', '127.0.0.1'];
export const SPOOFED_IPS = ['6.6.6.6', '6.6.6.7', '6.6.6.8', '6.6.6.9'];
export const BLOCKED_EMAIL = 'blocked@example.com';
/** Disabled at start; the scenario "a policy change at origin …" enables it. */
export const LATE_POLICY = 'pol_late';

const eq = (field_name: string, value: string): Expression => ({
  FieldCmp: { field_name, operator: 'Eq', value },
});
const anyOf = (field: string, values: string[]): Expression => ({
  Or: { expressions: values.map((v) => eq(field, v)) },
});
const onPath = (path: string, also?: Expression): Expression =>
  also ? { And: { expressions: [eq('request_path', path), also] } } : eq('request_path', path);

function policy(policy_id: string, match: Expression, mitigation_id: string, enabled = true) {
  return { policy_id, name: policy_id, clauses: [{ match, mitigation_id }], enabled };
}

export const CONFORMANCE_TENANT: TenantDefinition = {
  tenant_id: TENANT_ID,
  api_keys: [{ apiKey: TEST_KEY.apiKey, secret: TEST_KEY.secret, source_id: TEST_KEY.sourceId }],
  actions: [],
  entity_definitions: [],
  mitigations: [
    { mitigation_id: 'mit_block', name: 'Block', mode: 'Block' },
    { mitigation_id: 'mit_challenge', name: 'Challenge', mode: 'Challenge' },
  ],
  policies: [
    policy('pol_block', onPath('/block'), 'mit_block'),
    policy('pol_challenge', onPath('/challenge'), 'mit_challenge'),
    policy('pol_fields', eq('email', BLOCKED_EMAIL), 'mit_block'),
    policy('pol_ip_trusted', onPath('/ip-check', anyOf('client_ip', TRUSTED_IPS)), 'mit_block'),
    policy('pol_ip_spoofed', onPath('/ip-check', anyOf('client_ip', SPOOFED_IPS)), 'mit_challenge'),
    policy(LATE_POLICY, onPath('/late'), 'mit_block', false),
  ],
  rules: [],
};
