import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import type { Target, TargetInstance } from '../conformance/target.js';

/**
 * What a client sends to choose its own IP, by matrix column. Values are in 6.6.6.0/24 (or
 * 2001:db8:6666::/48), never the platform's address, so any one reaching `client_ip` fails.
 */
export const SPOOFS: Record<string, Array<[string, string]>> = {
  'x-forwarded-for': [['x-forwarded-for', '6.6.6.1']],
  'xff chain': [['x-forwarded-for', '6.6.6.1, 6.6.6.2, 10.0.0.1']],
  'x-real-ip': [['x-real-ip', '6.6.6.3']],
  'true-client-ip': [['true-client-ip', '6.6.6.4']],
  'cf-connecting-ip': [['cf-connecting-ip', '6.6.6.5']],
  'cf-connecting-ipv6': [['cf-connecting-ipv6', '2001:db8:6666::6']],
  'x-vercel-forwarded-for': [['x-vercel-forwarded-for', '6.6.6.7']],
  forwarded: [['forwarded', 'for=6.6.6.8;proto=https, for="[2001:db8:6666::8]"']],
  'duplicate lines': [
    ['x-forwarded-for', '6.6.6.9'],
    ['x-forwarded-for', '6.6.6.10'],
    ['x-real-ip', '6.6.6.11'],
    ['x-real-ip', '6.6.6.12'],
    ['cf-connecting-ip', '6.6.6.13'],
    ['cf-connecting-ip', '6.6.6.14'],
    ['true-client-ip', '6.6.6.15'],
    ['true-client-ip', '6.6.6.16'],
  ],
  'all at once': [
    ['x-forwarded-for', '6.6.6.17'],
    ['x-real-ip', '6.6.6.18'],
    ['true-client-ip', '6.6.6.19'],
    ['cf-connecting-ip', '6.6.6.20'],
    ['x-vercel-forwarded-for', '6.6.6.21'],
    ['forwarded', 'for=6.6.6.22'],
    ['x-client-ip', '6.6.6.23'],
    ['fastly-client-ip', '6.6.6.24'],
  ],
};

/**
 * One target × every spoof: the runtime must receive the IP the platform vouches for
 * (`expectedClientIp` of the address it saw), whatever the client sent. Each case comes from
 * its own platform address, IPv4 and IPv6, so a stale or cached value cannot pass.
 */
export function runSpoofing(target: Target) {
  describe(target.name, () => {
    let runtime: MockRuntime;
    let app: TargetInstance;

    beforeAll(async () => {
      runtime = await startMockRuntime({ keys: [TEST_KEY] });
      app = await target.start({
        runtimeUrl: runtime.url,
        apiKey: TEST_KEY.apiKey,
        secret: TEST_KEY.secret,
        mode: 'live',
        timeoutMs: 1_000, // this suite is about the IP, not the clock
      });
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      await runtime?.close();
    });

    for (const [i, [name, spoofed]] of Object.entries(SPOOFS).entries()) {
      it(name, async () => {
        for (const platformIp of [`198.51.100.${100 + i}`, `2001:db8:51::${100 + i}`]) {
          const id = `spoof-${i}-${platformIp}`;
          const res = await app.request({
            path: '/whoami',
            headers: [['user-agent', `spoof/${id}`], ['x-test-id', id], ...spoofed],
            platformIp,
          });
          expect(res.status).toBe(200);
          const call = runtime.requests.find(
            (r) =>
              (r.body as { request?: { headers?: Record<string, string> } })?.request?.headers?.[
                'x-test-id'
              ] === id,
          );
          expect(call, 'the runtime was asked').toBeDefined();
          const clientIp = (call!.body as { request: { client_ip?: string } }).request.client_ip;
          expect(clientIp, `${name} from ${platformIp}`).toBe(app.expectedClientIp(platformIp));
        }
      });
    }
  });
}
