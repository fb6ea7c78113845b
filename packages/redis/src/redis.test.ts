import { createMemoryStore, createPolicyEngine, type PolicyStore } from '@esper/policy';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  redisUnavailable,
  startRedisServer,
} from '../../../test/helpers/redis-server.js';
import { startUpstashBridge, type UpstashBridge } from '../../../test/helpers/upstash-bridge.js';
import { createRedisStore, type RedisStore } from './index.js';
import { createUpstashStore } from './upstash.js';

const T0 = 1_700_000_000_000;
const unavailable = redisUnavailable();
if (unavailable) console.warn(`@esper/redis tests skipped: ${unavailable}`);

let server: RedisServer;
let bridge: UpstashBridge;
let redis: RedisStore;
const stores: Record<string, () => PolicyStore & { record: NonNullable<PolicyStore['record']> }> = {
  redis: () => redis,
  upstash: () =>
    createUpstashStore({
      redis: new Redis({ url: bridge.url, token: bridge.token, retry: false }),
    }),
};

/** `INFO commandstats` calls of one command since the last `CONFIG RESETSTAT`. */
function calls(command: string): number {
  const line = server
    .cli('INFO', 'commandstats')
    .split('\n')
    .find((l) => l.startsWith(`cmdstat_${command}:`));
  return line ? Number(/calls=(\d+)/.exec(line)?.[1]) : 0;
}

describe.skipIf(unavailable)('@esper/redis on a real redis-server', () => {
  beforeAll(async () => {
    server = await startRedisServer();
    bridge = await startUpstashBridge(server.url);
    redis = createRedisStore({ url: server.url });
    await redis.ready();
  });
  afterAll(async () => {
    await redis?.close();
    await bridge?.close();
    await server?.stop();
  });

  for (const name of ['redis', 'upstash'] as const) {
    it(`${name}: counts and reads as the in-memory store does, event by event`, async () => {
      server.cli('FLUSHALL');
      const store = stores[name]!();
      const memory = createMemoryStore({ maxKeys: 100_000 });
      await store.setState('Entity', `t${name}|ip|1`, 'risk', '1.50');
      await memory.setState('Entity', `t${name}|ip|1`, 'risk', '1.50');
      let t = T0;
      let seed = 11;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let i = 0; i < 300; i++) {
        t += Math.floor(rand() * 1500);
        const ip = `t${name}|ip|${Math.floor(rand() * 3)}`;
        const batch = {
          tenantId: `t${name}`,
          windows: [
            { key: ip, windowSeconds: 60 },
            { key: `t${name}|*`, windowSeconds: 60 },
            { key: ip, windowSeconds: 300 },
          ],
          state: [
            { scope: 'Entity' as const, key: ip, field: 'risk' },
            { scope: 'Session' as const, key: ip, field: 'risk' },
          ],
        };
        expect(await store.record(batch, t)).toEqual(await memory.record(batch, t));
      }
      expect(await store.countWindow(`t${name}|ip|1`, 60, t)).toBe(
        await memory.countWindow(`t${name}|ip|1`, 60, t),
      );
      expect(await store.getState('Entity', `t${name}|ip|1`, 'risk')).toBe('1.50');
      await store.setState('Entity', `t${name}|ip|1`, 'risk', undefined);
      expect(await store.getState('Entity', `t${name}|ip|1`, 'risk')).toBeUndefined();
      // Every key carries the tenant as its hash tag: one Redis Cluster slot per tenant.
      const keys = server.cli('KEYS', '*').split('\n').filter(Boolean);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key.startsWith(`esper:{t${name}}:`)).toBe(true);
    });

    it(`${name}: one EVALSHA per decision, EVAL once after SCRIPT FLUSH (NOSCRIPT)`, async () => {
      const store = stores[name]!();
      const engine = createPolicyEngine(
        {
          tenant_id: 'acme',
          mitigations: [{ mitigation_id: 'm', name: 'Block', mode: 'Block' }],
          policies: [
            {
              policy_id: 'p_count',
              name: 'count',
              enabled: true,
              mitigation_id: 'm',
              entity_definition_id: 'sys_client_ip',
              window: {
                window_seconds: 60,
                threshold: { type: 'count', operator: 'Gt', value: 5 },
              },
            },
            {
              policy_id: 'p_share',
              name: 'share',
              enabled: true,
              mitigation_id: 'm',
              entity_definition_id: 'sys_client_ip',
              window: {
                window_seconds: 3600,
                threshold: { type: 'share', operator: 'Gt', percent: 20, min_total: 50 },
              },
            },
          ],
        },
        { store },
      );
      server.cli('SCRIPT', 'FLUSH');
      server.cli('CONFIG', 'RESETSTAT');
      const decisions = [];
      for (let i = 0; i < 20; i++)
        decisions.push(await engine.evaluate({ client_ip: '192.0.2.1' }));
      expect(decisions.filter((d) => d.action === 'block')).toHaveLength(15);
      expect(calls('evalsha')).toBe(20);
      expect(calls('eval')).toBe(1);
      expect(calls('hgetall') + calls('hincrby')).toBeGreaterThan(0);
    });

    it(`${name}: keys expire with their windows`, async () => {
      server.cli('FLUSHALL');
      const store = stores[name]!();
      for (let i = 0; i < 50; i++) {
        await store.record(
          { tenantId: 'acme', windows: [{ key: `acme|ip|${i}`, windowSeconds: 1 }], state: [] },
          Date.now(),
        );
      }
      expect(Number(server.cli('DBSIZE'))).toBe(50);
      const ttl = Number(server.cli('PTTL', 'esper:{acme}:w:1:ip|49'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
      const deadline = Date.now() + 5000;
      while (Number(server.cli('DBSIZE')) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(Number(server.cli('DBSIZE'))).toBe(0);
    });
  }

  it('two engines on one Redis share their counts (two instances)', async () => {
    server.cli('FLUSHALL');
    const config = {
      tenant_id: 'shared',
      mitigations: [{ mitigation_id: 'm', name: 'Block', mode: 'Block' as const }],
      policies: [
        {
          policy_id: 'p',
          name: 'p',
          enabled: true,
          mitigation_id: 'm',
          entity_definition_id: 'sys_client_ip',
          window: {
            window_seconds: 60 as const,
            threshold: { type: 'count' as const, operator: 'Gt' as const, value: 5 },
          },
        },
      ],
    };
    const a = createPolicyEngine(config, { store: redis });
    const b = createPolicyEngine(config, { store: stores.upstash!() });
    const actions = [];
    for (let i = 0; i < 10; i++) {
      actions.push((await (i % 2 ? a : b).evaluate({ client_ip: '198.51.100.7' })).action);
    }
    expect(actions).toEqual([...Array(5).fill('allow'), ...Array(5).fill('block')]);
  });

  it('refuses both or neither of client and url', () => {
    expect(() => createRedisStore({} as never)).toThrow(/exactly one/);
    expect(() => createUpstashStore({ redis: {} as never })).toThrow(/upstash/);
  });
});
