import { Buffer } from 'node:buffer';
import { connect, createServer, type Socket } from 'node:net';
import { type RuntimeServer, startRuntime, type TenantResults } from '@esper/runtime';
import { type MockAnswer, type MockRuntime, startMockRuntime } from '@esper/testing';
import { CONFORMANCE_TENANT, TENANT_ID, TEST_KEY } from './tenant.js';

export { TEST_KEY };

const cookiesAnswer = {
  action: 'allow' as const,
  response_headers: [
    ['set-cookie', 'rt_a=1; Path=/; HttpOnly'],
    ['set-cookie', 'rt_b=2; Path=/; HttpOnly'],
  ] as Array<[string, string]>,
  upstream_headers: [['x-upstream-test', 'from-runtime']] as Array<[string, string]>,
};

/**
 * Challenge URLs a compromised or buggy runtime could send, none on the API base's origin
 * (`origin` is that origin, e.g. `http://127.0.0.1:4321`): a browser must never be redirected
 * to any of them. Scenario "challenge to a foreign origin is blocked" answers `/redirect/<i>`.
 */
export function foreignChallengeUrls(origin: string): string[] {
  const { host, hostname, port } = new URL(origin);
  return [
    'https://evil.example/challenge',
    `https://${hostname}.evil.example/challenge`, // look-alike: our host as a subdomain
    `http://${host}@evil.example/challenge`, // our host:port as userinfo
    `http://${hostname}:${Number(port) + 1}/challenge`, // same host, another port
    `https://${host}/challenge`, // same host and port, other scheme
    `http://localhost:${port}/challenge`, // same machine, other origin
    '//evil.example/challenge', // protocol-relative
    '/\\evil.example/challenge', // browsers read "/\" as "//"
    'javascript:alert(document.domain)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    `https:evil.example/${host}`,
  ];
}

/** One runtime answers every scenario, by path, so targets in other processes need no scripting. */
async function startScriptedRuntime(): Promise<MockRuntime> {
  return startMockRuntime({
    keys: [TEST_KEY],
    answers: [
      { match: { path: '/block' }, answer: { action: 'block', policy_id: 'pol_block' } },
      {
        match: { path: '/challenge' },
        answer: { action: 'challenge', policy_id: 'pol_challenge' },
      },
      { match: { path: '/slow' }, answer: { fault: 'hang' } },
      { match: { path: /^\/checkout\// }, answer: { fault: 'hang' } },
      { match: { path: '/cookies' }, answer: cookiesAnswer },
      {
        match: { path: /^\/cached\// },
        answer: {
          action: 'block',
          ttl_seconds: 60,
          cache_scope: 'client',
          policy_id: 'pol_cached',
        },
      },
    ],
    decide(body, ctx): MockAnswer | undefined {
      const redirect = /^\/redirect\/(\d+)$/.exec(body.request.path);
      if (!redirect) return undefined;
      const url = foreignChallengeUrls(ctx.origin)[Number(redirect[1])];
      return { action: 'challenge', policy_id: 'pol_foreign', challenge: { url: url! } };
    },
  });
}

/** A TCP tap in front of a server: every byte clients sent, and a switch that cuts them off. */
interface Tap {
  url: string;
  port: number;
  wire(): Buffer;
  /** While true, every request is cut off before it reaches the server (the network is down). */
  down: boolean;
  /** The request lines cut off while down, in order. */
  refused: string[];
  close(): Promise<void>;
}

/**
 * The tap sees what actually crossed the socket (request line, every header line, chunked
 * framing), so a secret sent in any header or encoding is caught. A request arriving while
 * `down` (on a new or a kept-alive connection) is answered by a reset, as an unreachable
 * server's would be.
 */
async function startTap(upstreamPort: number): Promise<Tap> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => {
      if (tap.down) {
        tap.refused.push(chunk.toString('latin1').split('\r\n', 1)[0]!);
        client.destroy();
        upstream.destroy();
        return;
      }
      chunks.push(chunk);
      upstream.write(chunk);
    });
    client.once('end', () => upstream.end());
    upstream.pipe(client);
    // A client that aborts (timeout) must close the server's side too, as a direct socket would.
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const tap: Tap = {
    url: `http://127.0.0.1:${port}`,
    port,
    wire: () => Buffer.concat(chunks),
    down: false,
    refused: [],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return tap;
}

/** The mock runtime behind a TCP tap: `wire()` is every byte any client sent it. */
export interface ConformanceRuntime extends MockRuntime {
  wire(): Buffer;
}

/** Starts the scripted runtime (the cloud column's) behind a byte-level tap. */
export async function startConformanceRuntime(): Promise<ConformanceRuntime> {
  const runtime = await startScriptedRuntime();
  const tap = await startTap(runtime.port);
  return {
    ...runtime,
    get requests() {
      return runtime.requests;
    },
    url: tap.url,
    port: tap.port,
    wire: tap.wire,
    async close() {
      await tap.close();
      await runtime.close();
    },
  };
}

/**
 * The hybrid column's origin: the real `@esper/runtime` serving the conformance tenant
 * (./tenant.ts), behind the same tap. Adapters sync its snapshot and report events to it.
 */
export interface ConformanceOrigin extends Omit<Tap, 'close'> {
  server: RuntimeServer;
  /** The admin API (`/tenants/…`), with the origin's admin token; not through the tap. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  results(): Promise<TenantResults>;
  close(): Promise<void>;
}

export async function startConformanceOrigin(): Promise<ConformanceOrigin> {
  const server = await startRuntime({ tenants: [CONFORMANCE_TENANT] });
  const tap = await startTap(server.port);
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const origin: ConformanceOrigin = {
    server,
    get url() {
      return tap.url;
    },
    port: tap.port,
    wire: tap.wire,
    get down() {
      return tap.down;
    },
    set down(value: boolean) {
      tap.down = value;
    },
    refused: tap.refused,
    admin,
    async results() {
      const res = await admin('GET', `/tenants/${TENANT_ID}/results`);
      if (res.status !== 200) throw new Error(`results: HTTP ${res.status}`);
      return (await res.json()) as TenantResults;
    },
    async close() {
      await tap.close();
      await server.close();
    },
  };
  return origin;
}
