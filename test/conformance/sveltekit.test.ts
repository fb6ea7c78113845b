import { type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_KEY } from './runtime.js';
import { runConformance } from './scenarios.js';
import { targetEnv } from './target.js';
import {
  buildSvelteKitApp,
  SERVER_OUTPUT,
  startSvelteKitApp,
  svelteKitTarget,
} from './targets/sveltekit.js';

interface Call {
  body: {
    source: { sdk: string; runtime: string };
    request: { path: string; client_ip?: string; headers: Record<string, string> };
  };
}

runConformance(svelteKitTarget(), ({ runtime, live }) => {
  const asked = (id: string) =>
    (runtime().requests as unknown as Call[]).filter(
      (r) => r.body.request.headers['x-test-id'] === id,
    );

  it('node build/index.js runs the handle hook as @esper/sveltekit on Node', async () => {
    const res = await live().request({
      path: '/hello',
      headers: [['x-test-id', 'sveltekit-source']],
      platformIp: '198.51.100.70',
    });
    expect(res.status).toBe(200);
    const [call] = asked('sveltekit-source');
    expect(call?.body.source).toMatchObject({ sdk: '@esper/sveltekit', runtime: 'node' });
  });

  it('decides a data request (/__data.json) on the path of the route whose load runs', async () => {
    const res = await live().request({
      path: '/block/__data.json?x-sveltekit-trailing-slash=1',
      headers: [['x-test-id', 'sveltekit-data']],
      platformIp: '198.51.100.71',
    });
    // The mock blocks /block: the data of that route must not be served.
    expect(res.status).toBe(403);
    expect(asked('sveltekit-data').map((c) => c.body.request.path)).toEqual(['/block']);
  });

  it('still decides, with no client IP, when getClientAddress() throws', async () => {
    // ADDRESS_HEADER=x-forwarded-for is set: adapter-node throws when a request arrives
    // without it (one that did not come through the proxy).
    const res = await live().request({
      path: '/hello',
      headers: [['x-test-id', 'sveltekit-no-address']],
      platformIp: '',
    });
    expect(res.status).toBe(200);
    const calls = asked('sveltekit-no-address');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body.request.client_ip).toBeUndefined();
  });

  it('on adapter-node, background work outlives a SIGTERM that comes right after the answer', async () => {
    const app = await startSvelteKitApp(
      targetEnv({
        runtimeUrl: runtime().url,
        apiKey: TEST_KEY.apiKey,
        secret: TEST_KEY.secret,
        mode: 'live',
        timeoutMs: 5_000,
      }),
    );
    const res = await fetch(`${app.origin}/hello`, {
      headers: { 'x-test-background': 'bg-1', 'x-test-id': 'sveltekit-background' },
    });
    expect(res.status).toBe(200);
    await res.text();
    // The onDecision hook takes 1 s; adapter-node closes its server at once and exits after.
    await app.stop();
    expect(app.output()).toContain('background work done: bg-1 allow');
  });

  it('platform limit: static files and prerendered pages are served without the hook', async () => {
    for (const path of ['/secret.html', '/prerendered']) {
      const id = `sveltekit-static-${path}`;
      const res = await live().request({
        path,
        headers: [['x-test-id', id]],
        platformIp: '198.51.100.72',
      });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-esper-decision-id'), path).toBeNull();
      expect(asked(id), `${path}: adapter-node's file server answers first`).toEqual([]);
    }
  });
});

/**
 * SvelteKit's own `Server` (the fixture's build output) called the way adapter-cloudflare calls
 * it: `platform.context.waitUntil`, `getClientAddress` from the platform. In this process, on
 * Node: workerd itself is not run here.
 */
// Nested under the target's name: run.mjs's matrix counts only the scenarios' describes.
describe('sveltekit', () => {
  describe("SvelteKit's Server with a platform that has waitUntil (adapter-cloudflare's call)", () => {
    let runtime: MockRuntime;
    let server: {
      respond(request: Request, options: Record<string, unknown>): Promise<Response>;
    };

    beforeAll(async () => {
      await buildSvelteKitApp(); // writes the fixture's .svelte-kit/output too
      runtime = await startMockRuntime({ keys: [TEST_KEY] });
      const env = targetEnv({
        runtimeUrl: runtime.url,
        apiKey: TEST_KEY.apiKey,
        secret: TEST_KEY.secret,
        mode: 'live',
        timeoutMs: 5_000,
      });
      // The hooks read process.env when the server loads them, as on Node.
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const { Server } = await import(/* @vite-ignore */ `${SERVER_OUTPUT}index.js`);
      const { manifest } = await import(/* @vite-ignore */ `${SERVER_OUTPUT}manifest.js`);
      server = new Server(manifest);
      await (server as unknown as { init(o: object): Promise<void> }).init({ env });
    }, 180_000);

    afterAll(async () => {
      vi.unstubAllEnvs();
      await runtime?.close();
    });

    it('hands the decision’s background work to platform.context.waitUntil', async () => {
      const handed: Array<Promise<unknown>> = [];
      const context = {
        waitUntil(this: unknown, promise: Promise<unknown>) {
          expect(this).toBe(context); // called as a method, as workerd requires
          handed.push(promise);
        },
      };
      const res = await server.respond(
        new Request('https://app.example/hello', { headers: { 'x-test-id': 'sveltekit-wait' } }),
        { getClientAddress: () => '198.51.100.90', platform: { context } },
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(await res.text())).toMatchObject({ path: '/hello', decision: 'allow' });
      expect(handed).toHaveLength(1);
      await expect(handed[0]).resolves.toBeUndefined();
      const call = runtime.requests.find(
        (r) => (r.body as Call['body']).request.headers['x-test-id'] === 'sveltekit-wait',
      );
      expect(call, 'the runtime was asked').toBeDefined();
      expect((call!.body as Call['body']).request.client_ip).toBe('198.51.100.90');
    });
  });
});
