// @vitest-environment edge-runtime
/**
 * The README's code is these fixture files, byte for byte, and they are run here the way Next
 * runs them: middleware, then (on continue) the route handler.
 */
import { readFileSync } from 'node:fs';
import type { MockRuntime } from '@esper/testing';
import type { EsperMiddleware } from '@esper/vercel';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConformanceRuntime, TEST_KEY } from './runtime.js';
import { afterMiddleware, asVercel } from './targets/vercel.js';

const readme = readFileSync(new URL('../../packages/vercel/README.md', import.meta.url), 'utf8');
const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const unindent = (code: string, indent: string) =>
  code
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');

describe('packages/vercel/README.md', () => {
  const blocks = [...readme.matchAll(/^( *)```ts\n([\s\S]*?)^ *```$/gm)];
  const marked = [...readme.matchAll(/^( *)<!-- fixture: (\S+) -->\n *```ts\n([\s\S]*?)^ *```$/gm)];

  it('has a fixture for every TypeScript snippet', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(marked.map((m) => m[2])).toHaveLength(blocks.length);
  });

  it.each(marked.map((m) => [m[2]!, m[1]!, m[3]!]))(
    '%s is the fixture file',
    (name, indent, code) => {
      expect(unindent(code, indent)).toBe(fixture(name));
    },
  );

  it('installs this package', () => {
    const pkg = JSON.parse(fixture('../../../packages/vercel/package.json'));
    expect(readme).toContain(`npm install ${pkg.name}\n`);
  });
});

describe('the README snippets, run', () => {
  let runtime: MockRuntime;
  let seq = 0;
  type Mw = EsperMiddleware;
  type Route = (request: Request) => Promise<Response>;
  let basic: Mw;
  let composed: Mw;
  let route: Route;
  const send = async (
    mw: Mw,
    path: string,
    init: { method?: string; headers?: Array<[string, string]>; body?: string } = {},
  ) => {
    const request = asVercel({ ...init, path, platformIp: '198.51.100.40' }, seq++);
    return afterMiddleware(request, await mw(request, { waitUntil: () => {} }), route);
  };
  const last = () =>
    runtime.requests.at(-1)?.body as { fields?: object; source: { runtime: string } };

  beforeAll(async () => {
    runtime = await startConformanceRuntime();
    // The snippets read their configuration from the environment, as on Vercel.
    vi.stubEnv('ESPER_API_KEY', TEST_KEY.apiKey);
    vi.stubEnv('ESPER_API_SECRET', TEST_KEY.secret);
    vi.stubEnv('ESPER_API_BASE', runtime.url);
    basic = (await import('./fixtures/vercel-readme/middleware.js')).default;
    composed = (await import('./fixtures/vercel-readme/middleware-composed.js')).default;
    route = (await import('./fixtures/vercel-readme/route.js')).POST;
    await send(basic, '/warmup');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await runtime?.close();
  });

  it('middleware.ts passes the decision to the route handler, not what the client sent', async () => {
    const res = await send(basic, '/api/orders', {
      method: 'POST',
      headers: [
        ['x-esper-decision', 'allow'],
        ['x-esper-decision-id', 'forged'],
      ],
    });
    const body = await res.json();
    expect(body.decision).toBe('allow');
    const answered = JSON.parse(runtime.requests.at(-1)!.response!.body!);
    expect(body.decisionId).toBe(answered.decision_id);
    expect(last().source.runtime).toBe('vercel-edge');
  });

  it('middleware.ts blocks', async () => {
    const res = await send(basic, '/block', { headers: [['accept', 'application/json']] });
    expect(res.status).toBe(403);
  });

  it('the composed middleware keeps its redirect and adds the runtime cookies', async () => {
    const res = await send(composed, '/account');
    expect(res.status).toBe(307);
    expect(new URL(res.headers.get('location')!).pathname).toBe('/login');
    const cookies = await send(composed, '/cookies');
    expect(cookies.headers.getSetCookie()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^rt_a=1/), expect.stringMatching(/^rt_b=2/)]),
    );
  });

  it('the composed middleware sends the login email and the form still reaches the app', async () => {
    const res = await send(composed, '/login', {
      method: 'POST',
      headers: [['content-type', 'application/x-www-form-urlencoded']],
      body: 'email=user%40example.com&password=hunter2',
    });
    expect(res.status).toBe(200);
    expect(last().fields).toEqual({ email: 'user@example.com' });
    expect(JSON.stringify(last())).not.toContain('hunter2');
  });

  it('the composed middleware fails closed on /checkout/**', async () => {
    const res = await send(composed, '/checkout/pay', {
      headers: [['accept', 'application/json']],
    });
    expect(res.status).toBe(403);
  });
});
