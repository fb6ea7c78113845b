/**
 * Scenarios only the hybrid column has: what a local decider adds to an adapter (its decisions
 * reported to origin, a policy change picked up by the sync, the last snapshot deciding while
 * origin is unreachable). The cloud column lists them as n/a.
 */
import { expect } from 'vitest';
import { LATE_POLICY, TENANT_ID } from './tenant.js';
import {
  API,
  BROWSER,
  expectDecidedBy,
  type PerColumn,
  POLL_MS,
  tagged,
  until,
  type World,
} from './world.js';

const HYBRID_ONLY = { na: 'hybrid only' };

/** The origin's Results: decisions reported by hybrid runtimes. */
async function hybridCount(world: World): Promise<number> {
  return (await world.origin!.results()).by_operation_mode.hybrid.requests;
}

export const HYBRID_SCENARIOS: Array<[string, PerColumn]> = [
  [
    'a policy change at origin is enforced after the next sync',
    {
      cloud: HYBRID_ONLY,
      hybrid: async (world) => {
        const late = () => world.live.request(tagged({ path: '/late', headers: API }));
        expect((await late()).status).toBe(200);
        const patched = await world.origin!.admin(
          'PATCH',
          `/tenants/${TENANT_ID}/policies/${LATE_POLICY}`,
          { enabled: true },
        );
        expect(patched.status).toBe(200);
        const changed = performance.now();
        // A poll is due within POLL_MS (±10 %); on Workers and Edge a request starts it.
        await until(async () => (await late()).status === 403, POLL_MS + 3000);
        expect(performance.now() - changed).toBeLessThan(POLL_MS + 3000);
        const res = await late();
        expect(res.headers.get('x-esper-decision')).toBe('block');
        expectDecidedBy(world, res.headers.get('x-esper-decision-id'));
      },
    },
  ],
  [
    'local decisions are reported to origin as hybrid events',
    {
      cloud: HYBRID_ONLY,
      // Batches leave 1 s after their first event (the warm-up's), from a timer or (Workers,
      // Edge) a later request's waitUntil: by now, or soon.
      hybrid: async (world) => {
        await until(async () => {
          await world.live.request(tagged({ path: '/hello', headers: API }));
          return (await hybridCount(world)) > 0;
        }, 10_000);
        const results = await world.origin!.results();
        expect(results.by_operation_mode.cloud.requests).toBe(0);
        expect(results.by_operation_mode.hybrid.policies.pol_block?.block).toBeGreaterThan(0);
      },
    },
  ],
  [
    'origin unreachable after the first sync: the last snapshot decides',
    {
      cloud: HYBRID_ONLY,
      hybrid: async (world) => {
        const origin = world.origin!;
        const refusedBefore = origin.refused.length;
        origin.down = true;
        try {
          // Until a sync was attempted and cut off (on Workers and Edge, requests start it).
          await until(
            async () => {
              await world.live.request(tagged({ path: '/hello', headers: API }));
              return origin.refused
                .slice(refusedBefore)
                .some((line) => line.startsWith('GET /api/v1/hybrid/snapshot'));
            },
            POLL_MS * 4 + 5000,
          );
          const blocked = await world.live.request(tagged({ path: '/block', headers: API }));
          expect(blocked.status).toBe(403);
          expectDecidedBy(world, blocked.headers.get('x-esper-decision-id'));
          const allowed = await world.live.request(tagged({ path: '/hello', headers: BROWSER }));
          expect(allowed.status).toBe(200);
          expectDecidedBy(world, JSON.parse(allowed.body).decisionId);
        } finally {
          origin.down = false;
        }
      },
    },
  ],
];
