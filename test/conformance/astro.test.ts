import { Agent, request as httpRequest } from 'node:http';
import { expect, it } from 'vitest';
import { TEST_KEY } from './runtime.js';
import { runConformance } from './scenarios.js';
import { astroTarget, startAstroApp } from './targets/astro.js';

type Call = { request: { path: string; client_ip?: string; headers: Record<string, string> } };

runConformance(astroTarget, ({ runtime, live }) => {
  const env = () => ({
    ESPER_API_KEY: TEST_KEY.apiKey,
    ESPER_API_SECRET: TEST_KEY.secret,
    ESPER_API_BASE: runtime().url,
    ESPER_TIMEOUT_MS: '2000',
  });
  const asked = (id: string) =>
    runtime()
      .requests.map((r) => r.body as Call & { source: { sdk: string } })
      .filter((body) => body.request.headers['x-test-id'] === id);

  it('runs inside sequence() on @astrojs/node, reporting @esper/astro and the socket peer', async () => {
    const res = await live().request({
      path: '/hello',
      headers: [
        ['x-test-id', 'astro-platform'],
        ['x-forwarded-for', '6.6.6.6'],
      ],
      platformIp: '198.51.100.77',
    });
    expect(res.status).toBe(200);
    // The next middleware in the sequence saw `locals.esper`.
    expect(res.headers.get('x-astro-locals')).toBe('allow');
    const [body] = asked('astro-platform');
    expect(body?.source).toMatchObject({ sdk: '@esper/astro' });
    expect(body?.request.client_ip).toBe('127.0.0.1');
  });

  it("Astro's own clientAddress: Astro 5 takes the client's x-forwarded-for", async () => {
    // Why the adapter reads the socket peer on Node. Astro 6 (ESPER_ASTRO_BUILD, Node 24)
    // ignores it without `security.allowedDomains` (withastro/astro#15742): the socket.
    const app = await startAstroApp(env());
    try {
      const res = await fetch(`${app.origin}/client-address`, {
        headers: { 'x-forwarded-for': '6.6.6.7, 10.0.0.1' },
      });
      expect(await res.text()).toBe(app.astroMajor === 5 ? '6.6.6.7' : '127.0.0.1');
    } finally {
      await app.stop();
    }
  });

  it('a prerendered page is a file served without middleware; other spellings are decided', async () => {
    const file = await live().request({
      path: '/secret.html',
      headers: [['x-test-id', 'astro-prerendered-file']],
      platformIp: '198.51.100.79',
    });
    expect(file.body).toBe('<p>secret</p>');
    expect(file.headers.get('x-astro-locals')).toBeNull();
    expect(asked('astro-prerendered-file')).toEqual([]);
    // The file server does not serve `/secret.html/`, and Astro's server never renders the
    // prerendered route (its module is emptied at build): the catch-all does, decided.
    const other = await live().request({
      path: '/secret.html/',
      headers: [['x-test-id', 'astro-prerendered-other']],
      platformIp: '198.51.100.79',
    });
    expect(JSON.parse(other.body)).toMatchObject({ path: '/secret.html/', decision: 'allow' });
    expect(asked('astro-prerendered-other').map((b) => b.request.path)).toEqual(['/secret.html']);
  });

  it('a bad configuration answers on-demand requests 500 and is logged once, naming the option', async () => {
    // `astro build` ran without any ESPER_* (prerendering loads the middleware): it passed.
    const app = await startAstroApp({ ESPER_API_SECRET: 'astro-misconfigured-secret-value' });
    try {
      for (const path of ['/hello', '/other']) {
        const res = await fetch(app.origin + path);
        expect(res.status).toBe(500);
        expect(await res.text()).toMatch(/Esper is misconfigured/);
      }
      // Two requests, one line.
      const lines = app.process.output().match(/esper: not protecting requests: .*/g) ?? [];
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/apiKey/);
      expect(app.process.output()).not.toContain('astro-misconfigured-secret-value');
    } finally {
      await app.stop();
    }
  });

  it('each request gets its own socket peer, across concurrent keep-alive connections', async () => {
    // The peer is remembered per request through Node's diagnostics channel and an
    // AsyncLocalStorage: requests from five loopback addresses, interleaved on kept-alive
    // sockets, must never be given another connection's address.
    const app = await startAstroApp(env());
    const peers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
    const agents = peers.map((localAddress) => new Agent({ keepAlive: true, localAddress }));
    const get = (agent: Agent, id: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${app.origin}/hello`,
          { agent, headers: { 'x-test-id': id, 'x-forwarded-for': '6.6.6.9' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      await fetch(`${app.origin}/__warmup`); // loads the middleware (see the next test)
      for (let round = 0; round < 4; round++) {
        const statuses = await Promise.all(
          peers.map((peer, i) => get(agents[i]!, `astro-peer-${round}-${peer}`)),
        );
        expect(statuses.every((s) => s === 200)).toBe(true);
      }
      for (let round = 0; round < 4; round++)
        for (const peer of peers)
          expect(asked(`astro-peer-${round}-${peer}`)[0]?.request.client_ip, peer).toBe(peer);
    } finally {
      for (const agent of agents) agent.destroy();
      await app.stop();
    }
  });

  it('the first request after start: no client IP if it carries x-forwarded-for, never its', async () => {
    // Astro loads the middleware during the first on-demand request, after Node announced it,
    // so the socket peer of that one request is not seen; Astro's clientAddress is the header.
    const app = await startAstroApp(env());
    try {
      for (const id of ['astro-first', 'astro-second']) {
        const res = await fetch(`${app.origin}/hello`, {
          headers: { 'x-test-id': id, 'x-forwarded-for': '6.6.6.8' },
        });
        expect(res.status).toBe(200);
      }
      expect(asked('astro-first')[0]?.request.client_ip).toBeUndefined();
      expect(asked('astro-second')[0]?.request.client_ip).toBe('127.0.0.1');
    } finally {
      await app.stop();
    }
  });
});
