/** The per-request log line names the protected request and what was decided for it. */
import { afterEach, describe, expect, it } from 'vitest';
import { decide, quickstart } from '../../runtime/src/test-support/tenant-calls.js';
import { type MockRuntime, startMockRuntime } from './server.js';
import { sampleBody, signedPost } from './test-helpers.js';

let mock: MockRuntime | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function logged(start: (lines: string[]) => Promise<MockRuntime>) {
  const lines: string[] = [];
  mock = await start(lines);
  return lines;
}

describe('request log', () => {
  it('a policy decision: method, path, action and policy id; never the query', async () => {
    const lines = await logged((l) =>
      startMockRuntime({ tenants: [quickstart()], logger: { info: (m) => l.push(m) } }),
    );
    await decide(mock!.url, { path: '/search', query: 'foo=bar&token=s3cret' });
    await decide(mock!.url, { path: '/' });
    expect(lines).toEqual([
      'decide GET /search -> block (pol_foo_bar)',
      'decide GET / -> allow (no policy)',
    ]);
  });

  it('a monitor answer says what it would do', async () => {
    const lines = await logged((l) =>
      startMockRuntime({
        answers: [{ answer: { action: 'block', mode: 'monitor', policy_id: 'pol_watch' } }],
        logger: { info: (m) => l.push(m) },
      }),
    );
    await signedPost(mock!.url, sampleBody());
    expect(lines).toEqual(['decide GET /login -> monitor, would block (pol_watch)']);
  });

  it('faults and refusals: the fault, or the status and error code', async () => {
    const lines = await logged((l) =>
      startMockRuntime({
        answers: [{ answer: { fault: 'status', status: 503 } }],
        logger: { info: (m) => l.push(m) },
      }),
    );
    await signedPost(mock!.url, sampleBody());
    await signedPost(mock!.url, sampleBody(), { secret: 'wrong' });
    expect(lines).toEqual([
      'decide GET /login -> 503 (fault status)',
      'POST /api/v1/runtime/mitigation -> 401 bad_signature',
    ]);
  });

  it('control characters in a path cannot forge log lines', async () => {
    const lines = await logged((l) =>
      startMockRuntime({ validateBody: false, logger: { info: (m) => l.push(m) } }),
    );
    const body = sampleBody();
    await signedPost(mock!.url, { ...body, request: { ...body.request, path: '/a\nFAKE line' } });
    expect(lines).toEqual(['decide GET /a\\nFAKE line -> allow (no policy)']);
  });
});
