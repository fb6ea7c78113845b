import { describe, expect, it, vi } from 'vitest';
import { runConformance } from './scenarios.js';
import { nitroTarget, nitroWorkersTarget, startNitroWorkers } from './targets/nitro.js';

runConformance(nitroTarget(), ({ runtime, live }) => {
  it("serves public/ assets before any middleware (Nitro's order; see the README)", async () => {
    const asked = runtime().requests.length;
    const res = await live().request({ path: '/asset.txt', platformIp: '198.51.100.60' });
    expect(res.status).toBe(200);
    expect(res.body).toContain("Nitro's static handler");
    expect(res.headers.get('x-handler'), 'no route ran').toBeNull();
    expect(runtime().requests.length, 'the runtime was not asked').toBe(asked);
  });
});

// The same fixture built with the cloudflare-module preset, in workerd.
runConformance(nitroWorkersTarget);

describe('nitro-workers, misconfigured', () => {
  it('answers every request 500 and logs the bad option once (no secret)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const mf = await startNitroWorkers({
      ESPER_API_KEY: 'nitro_bad_key',
      ESPER_API_SECRET: 'nitro_bad_secret_0123456789',
      ESPER_MODE: 'bogus',
    });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await mf.dispatchFetch('https://app.example/hello');
        expect(res.status).toBe(500);
        expect(await res.text()).toMatch(/Esper is misconfigured/);
      }
      const lines = logged.mock.calls.map((c) => c.join(' ')).filter((l) => /esper:/.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/mode/);
      expect(lines.join('\n')).not.toContain('nitro_bad_secret');
    } finally {
      logged.mockRestore();
      await mf.dispose();
    }
  }, 60_000);
});
