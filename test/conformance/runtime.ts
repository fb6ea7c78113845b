import { Buffer } from 'node:buffer';
import { connect, createServer, type Socket } from 'node:net';
import { type MockAnswer, type MockRuntime, startMockRuntime } from '@esper/testing';

export const TEST_KEY = {
  apiKey: 'conformance_key',
  secret: 'conformance_secret_0123456789abcdef',
  sourceId: 'conformance',
};

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

/** The mock runtime behind a TCP tap: `wire()` is every byte any client sent it. */
export interface ConformanceRuntime extends MockRuntime {
  wire(): Buffer;
}

/**
 * Starts the scripted runtime behind a byte-level tap. The mock only records parsed
 * headers and bodies; the tap sees what actually crossed the socket (request line, every
 * header line, chunked framing), so a secret sent in any header or encoding is caught.
 */
export async function startConformanceRuntime(): Promise<ConformanceRuntime> {
  const runtime = await startScriptedRuntime();
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const tap = createServer((client) => {
    const upstream = connect(runtime.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    // A client that aborts (timeout) must close the mock's side too, as a direct socket would.
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => tap.listen(0, '127.0.0.1', resolve));
  const port = (tap.address() as { port: number }).port;
  return {
    ...runtime,
    get requests() {
      return runtime.requests;
    },
    url: `http://127.0.0.1:${port}`,
    port,
    wire: () => Buffer.concat(chunks),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tap.close(() => resolve()));
      await runtime.close();
    },
  };
}
