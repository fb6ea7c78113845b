/**
 * Redis keys expire with their windows: 500 entities counted in a 2 s window, through the TCP
 * store and the Upstash one, and the server's key count falls back to 0 about 2 s after the
 * last event, with no cleanup job.
 */
import { createRedisStore } from '@esper/redis';
import { createUpstashStore } from '@esper/redis/upstash';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisUnavailable, startRedisServer } from '../helpers/redis-server.js';
import { startUpstashBridge, type UpstashBridge } from '../helpers/upstash-bridge.js';

const unavailable = redisUnavailable();
let server: RedisServer;
let bridge: UpstashBridge;

describe.skipIf(unavailable)('expiry', () => {
  beforeAll(async () => {
    server = await startRedisServer();
    bridge = await startUpstashBridge(server.url);
  });
  afterAll(async () => {
    await bridge?.close();
    await server?.stop();
  });

  for (const kind of ['redis', 'upstash'] as const) {
    it(`${kind}: the key count falls back to 0 one window after the last event`, async ({
      task,
    }) => {
      server.cli('FLUSHALL');
      const redis = kind === 'redis' ? createRedisStore({ url: server.url }) : undefined;
      const store =
        redis ??
        createUpstashStore({
          redis: new Redis({ url: bridge.url, token: bridge.token, retry: false }),
        });
      await redis?.ready();
      const first = Date.now();
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          store.record(
            {
              tenantId: 'exp',
              windows: [
                { key: `exp|ip|${i}`, windowSeconds: 2 },
                { key: 'exp|*', windowSeconds: 2 },
              ],
              state: [],
            },
            Date.now(),
          ),
        ),
      );
      const last = Date.now();
      const ttl = Number(server.cli('PTTL', 'esper:{exp}:w:2:*'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000);
      const series = [Number(server.cli('DBSIZE'))];
      // Written within one window (as on any unloaded machine): every key is still there.
      if (last - first < 1000) expect(series[0]).toBe(501);
      else expect(series[0]).toBeGreaterThan(0);
      while (series.at(-1)! > 0 && Date.now() - last < 8_000) {
        await new Promise((r) => setTimeout(r, 500));
        series.push(Number(server.cli('DBSIZE')));
      }
      await redis?.close();
      expect(series.at(-1)).toBe(0);
      task.meta.keys = series.join(' → ');
    }, 30_000);
  }
});

declare module 'vitest' {
  interface TaskMeta {
    keys?: string;
  }
}
