import { createServer } from 'node:net';
import { type MockAnswer, type MockRuntime, startMockRuntime } from '@esper/testing';
import { TEST_KEY } from '../conformance/runtime.js';

/** The runtime faults of the matrix, by name; `refused` is a closed port, not an answer. */
export const FAULTS: Record<string, MockAnswer | 'refused'> = {
  hang: { fault: 'hang' },
  refused: 'refused',
  reset: { fault: 'reset' },
  'status 500': { fault: 'status', status: 500 },
  'status 502': { fault: 'status', status: 502, body: '<html>502 Bad Gateway</html>' },
  'status 429': { fault: 'status', status: 429, retryAfter: 1 },
  'invalid JSON': { fault: 'malformed_json' },
  'unknown action': { fault: 'unknown_action' },
  oversized: { fault: 'oversized' },
  'oversized, chunked': { fault: 'oversized', contentLength: false },
  // Far beyond the timeout: the SDK must stop reading, not wait for the last byte.
  'slow drip': { fault: 'slow_drip', totalMs: 5_000 },
};

/**
 * Client-sent headers the URL parser refuses to build a Request from, by matrix column: a Host
 * with a port over 65535 or an IPv4 address that is none, and (Express with `trust proxy`
 * reads `req.protocol` from it) a scheme that is no scheme. Run where the Host reaches the
 * adapter (`MatrixOptions.badRequests`).
 */
export const BAD_REQUESTS: Record<string, Array<[string, string]>> = {
  'bad Host :99999': [['host', 'app.example:99999']],
  'bad Host 1.2.3.999': [['host', '1.2.3.999']],
  'bad X-Forwarded-Proto': [['x-forwarded-proto', 'javascript']],
};

/** A client claiming a decision of its own: the SDK's own request headers, forged. */
export const FORGED_DECISION: Array<[string, string]> = [
  ['x-esper-decision', 'forged'],
  ['x-esper-decision-id', 'forged'],
  ['x-esper-mode', 'forged'],
];

/** URL-safe path segment for a fault name. */
export const slug = (fault: string) => fault.replace(/[^a-z0-9]+/gi, '-');

/**
 * `/f/<fault>` and `/checkout/f/<fault>` (a fail-closed route) answer with that fault;
 * anything else is a normal decision, so recovery is checked against the real runtime:
 * `/after` is allowed with a decision id, `/after-block` blocked.
 */
export function startFaultRuntime(port = 0): Promise<MockRuntime> {
  const answers = Object.entries(FAULTS).flatMap(([name, answer]) =>
    answer === 'refused'
      ? []
      : // Case-insensitive: Express's adapter sends the path lower-cased, as Express routes it.
        [{ match: { path: new RegExp(`^(/checkout)?/f/${slug(name)}$`, 'i') }, answer }],
  );
  return startMockRuntime({
    port,
    keys: [TEST_KEY],
    answers: [
      ...answers,
      { match: { path: '/after-block' }, answer: { action: 'block', policy_id: 'pol_after' } },
    ],
  });
}

/** A port nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
