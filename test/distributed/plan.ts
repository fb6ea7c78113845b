/**
 * What the distributed suites share with their worker processes (bundled into them): the
 * tenant ("more than 5 in 1 minute" per client IP, "more than 20 % of tenant traffic" per user
 * agent), its snapshot, the traffic, and the replay that says which requests should have been
 * allowed.
 */
import { createMemoryStore, createPolicyEngine, type TenantConfig } from '@esper/policy';

export const TENANT_ID = 'dist';
export const KEY = { apiKey: 'dist_key', secret: 'dist_secret_0123456789abcdef0123' };

export const CONFIG: TenantConfig = {
  tenant_id: TENANT_ID,
  entity_definitions: [
    { entity_definition_id: 'ent_ua', name: 'User agent', fields: ['user_agent'] },
  ],
  mitigations: [{ mitigation_id: 'mit_block', name: 'Block', mode: 'Block' }],
  policies: [
    {
      policy_id: 'pol_count',
      name: 'more than 5 in 1 minute',
      enabled: true,
      mitigation_id: 'mit_block',
      entity_definition_id: 'sys_client_ip',
      window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } },
    },
    {
      policy_id: 'pol_share',
      name: 'more than 20 % of tenant traffic',
      enabled: true,
      mitigation_id: 'mit_block',
      entity_definition_id: 'ent_ua',
      window: {
        window_seconds: 60,
        threshold: { type: 'share', operator: 'Gt', percent: 20, min_total: 100 },
      },
    },
  ],
} as TenantConfig;

export function snapshot() {
  return {
    version: 'dist-v1',
    tenant_id: TENANT_ID,
    generated_at: '2026-11-30T00:00:00.000Z',
    config: CONFIG,
    source: { source_id: null, trust_level: null },
  };
}

export interface PlannedRequest {
  ip: string;
  ua: string;
}

/**
 * `perProcess` requests for each of `processes`: client IPs drawn from `ips` addresses (so most
 * send more than 5), one user agent ("scraper") on about 30 % of the traffic, the rest spread
 * over 20 agents (about 3.5 % each). Seeded: every run sends the same traffic.
 */
export function traffic(processes: number, perProcess: number, ips = 800, seed = 42) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  return Array.from({ length: processes }, () =>
    Array.from({ length: perProcess }, (): PlannedRequest => {
      const n = Math.floor(rand() * ips);
      const ua = rand() < 0.3 ? 'scraper/1.0' : `browser/${Math.floor(rand() * 20)}`;
      return { ip: `10.7.${n >> 8}.${n & 255}`, ua };
    }),
  );
}

/** One decision as a worker saw it: what it asked, what the store counted, what it decided. */
export interface Outcome {
  ip: string;
  ua: string;
  action: string;
  reason: string;
  policyId?: string;
  ms: number;
  /** When the store was asked, and what it answered (per window key, in the batch's order). */
  nowMs?: number;
  windows?: string[];
  counts?: number[];
}

/**
 * The decisions replayed one at a time through one in-memory engine, in the order the shared
 * store serialized them (the tenant total each saw is 1, 2, 3, …): what exactly-right
 * enforcement would have decided for each. Returns the expected actions in `outcomes`' order.
 */
export async function replay(outcomes: Outcome[]) {
  const totalKey = `${TENANT_ID}|*`;
  const order = outcomes
    .map((o, i) => ({ o, i, total: o.counts?.[o.windows?.indexOf(totalKey) ?? -1] }))
    .sort((a, b) => (a.total ?? 0) - (b.total ?? 0));
  let now = 0;
  const engine = createPolicyEngine(CONFIG, {
    store: createMemoryStore({ maxKeys: 1e6 }),
    now: () => now,
  });
  const expected: Array<{ action: string; counts: number[] }> = new Array(outcomes.length);
  for (const { o, i } of order) {
    now = o.nowMs ?? 0;
    const d = await engine.evaluate({
      client_ip: o.ip,
      user_agent: o.ua,
      request_header_user_agent: o.ua,
    });
    expected[i] = { action: d.action, counts: [] };
  }
  return { expected, totals: order.map((x) => x.total) };
}
