import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockRuntime, startMockRuntime } from './server.js';
import { sampleBody, signedPost, waitFor } from './test-helpers.js';

let mock: MockRuntime;
beforeAll(async () => {
  mock = await startMockRuntime();
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

/** A mock of its own, so keep-alive sockets of other tests do not blur connection counts. */
async function withFreshMock(fn: (m: MockRuntime) => Promise<void>) {
  const m = await startMockRuntime();
  try {
    await fn(m);
  } finally {
    await m.close();
  }
}

describe('faults', () => {
  it('delay, then the given answer', async () => {
    // biome-ignore lint/suspicious/noThenProperty: `then` is the delay fault's documented field
    mock.script({ fault: 'delay', ms: 250, then: { action: 'block' } });
    const started = Date.now();
    const res = await signedPost(mock.url, sampleBody());
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(((await res.json()) as { action: string }).action).toBe('block');
    expect(mock.requests[0]!.answer).toMatchObject({ fault: 'delay', ms: 250 });
  });

  it('delay without then falls back to the default answer', async () => {
    mock.script({ fault: 'delay', ms: 20 });
    const res = await signedPost(mock.url, sampleBody());
    expect(((await res.json()) as { action: string }).action).toBe('allow');
  });

  it('delay outlasting the client timeout: the client aborts and the socket closes', async () => {
    await withFreshMock(async (m) => {
      m.script({ fault: 'delay', ms: 5000 });
      const err = await signedPost(m.url, sampleBody(), { signal: AbortSignal.timeout(100) }).catch(
        (e) => e,
      );
      expect((err as Error).name).toBe('TimeoutError');
      await waitFor(() => m.busyConnections() === 0, 2000, 'socket to close');
      expect(m.requests[0]!.aborted).toBe(true);
      expect(m.requests[0]!.response).toBeUndefined();
    });
  });

  it('hang: no answer until the client aborts, then no socket is left', async () => {
    await withFreshMock(async (m) => {
      m.script({ fault: 'hang' });
      const controller = new AbortController();
      const pending = signedPost(m.url, sampleBody(), { signal: controller.signal }).catch(
        (e) => e,
      );
      await m.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 150));
      expect(m.busyConnections()).toBe(1);
      expect(m.openConnections()).toBe(1);
      controller.abort();
      expect(((await pending) as Error).name).toBe('AbortError');
      await waitFor(() => m.busyConnections() === 0, 2000, 'socket to close');
      expect(m.requests[0]).toMatchObject({ aborted: true, response: { fault: 'hang' } });
    });
  });

  it('hang: close() ends the request and destroys the socket', async () => {
    const m = await startMockRuntime();
    m.script({ fault: 'hang' });
    const pending = signedPost(m.url, sampleBody()).catch((e) => e);
    await m.waitForRequests(1);
    expect(m.openConnections()).toBe(1);
    await m.close();
    expect(m.openConnections()).toBe(0);
    expect(await pending).toBeInstanceOf(Error);
    expect(m.requests[0]!.aborted).toBeUndefined();
  });

  it.each([500, 502, 503])('status %i', async (status) => {
    mock.script({ fault: 'status', status });
    const res = await signedPost(mock.url, sampleBody());
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({
      error: { code: 'mock_status', message: `scripted status ${status}` },
    });
  });

  it('status 429 with Retry-After', async () => {
    mock.script({ fault: 'status', status: 429, retryAfter: 30 });
    const res = await signedPost(mock.url, sampleBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('status with a custom body and headers, and without a body', async () => {
    mock.script({
      answer: {
        fault: 'status',
        status: 503,
        body: 'down',
        headers: { 'content-type': 'text/plain' },
      },
      times: 1,
    });
    const res = await signedPost(mock.url, sampleBody());
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('down');
    mock.script({ fault: 'status', status: 204 });
    const empty = await signedPost(mock.url, sampleBody());
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('malformed_json: 200 that does not parse', async () => {
    mock.script({ fault: 'malformed_json' });
    const res = await signedPost(mock.url, sampleBody());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await expect(res.json()).rejects.toThrow(SyntaxError);
  });

  it('unknown_action: 200, valid JSON, action quarantine', async () => {
    mock.script({ fault: 'unknown_action' });
    const res = await signedPost(mock.url, sampleBody());
    const body = (await res.json()) as { action: string; decision_id: string };
    expect(body.action).toBe('quarantine');
    expect(body.decision_id).toMatch(/^dec_mock_/);
  });

  it('reset: headers and part of the body, then the connection dies', async () => {
    await withFreshMock(async (m) => {
      m.script({ fault: 'reset' });
      const outcome = await signedPost(m.url, sampleBody())
        .then((res) => res.text())
        .then(
          (text) => ({ ok: true as const, text }),
          (err: Error) => ({ ok: false as const, err }),
        );
      expect(outcome.ok).toBe(false);
      await waitFor(() => m.busyConnections() === 0, 2000, 'socket to close');
      expect(m.requests[0]!.response).toMatchObject({ status: 200, fault: 'reset' });
      expect(m.requests[0]!.aborted).toBeUndefined();
    });
  });

  it('oversized: 1 MiB by default, with a content-length', async () => {
    mock.script({ fault: 'oversized' });
    const res = await signedPost(mock.url, sampleBody());
    expect(Number(res.headers.get('content-length'))).toBe(1024 * 1024);
    const text = await res.text();
    expect(text.length).toBe(1024 * 1024);
    expect((JSON.parse(text) as { action: string }).action).toBe('allow');
  });

  it.each([true, false])(
    'oversized (contentLength %s): a client that stops at 64 KiB',
    async (contentLength) => {
      await withFreshMock(async (m) => {
        m.script({ fault: 'oversized', bytes: 200_000, contentLength });
        const controller = new AbortController();
        const res = await signedPost(m.url, sampleBody(), { signal: controller.signal });
        expect(res.headers.get('content-length')).toBe(contentLength ? '200000' : null);
        const reader = res.body!.getReader();
        let read = 0;
        while (read <= 64 * 1024) {
          const { done, value } = await reader.read();
          if (done) break;
          read += value.byteLength;
        }
        expect(read).toBeGreaterThan(64 * 1024);
        controller.abort();
        await waitFor(() => m.busyConnections() === 0, 2000, 'socket to close');
      });
    },
  );

  it('slow_drip: headers at once, the body over totalMs', async () => {
    mock.script({ fault: 'slow_drip', totalMs: 600 });
    const started = Date.now();
    const res = await signedPost(mock.url, sampleBody());
    const headersAfter = Date.now() - started;
    expect(res.status).toBe(200);
    expect(headersAfter).toBeLessThan(300);
    const body = (await res.json()) as { action: string };
    expect(body.action).toBe('allow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('slow_drip: a client timeout mid-body closes the socket and stops the drip', async () => {
    await withFreshMock(async (m) => {
      m.script({ fault: 'slow_drip', intervalMs: 50 });
      const signal = AbortSignal.timeout(300);
      const res = await signedPost(m.url, sampleBody(), { signal });
      const err = await res.text().catch((e) => e);
      expect((err as Error).name).toBe('TimeoutError');
      await waitFor(() => m.busyConnections() === 0, 2000, 'socket to close');
      expect(m.requests[0]!.aborted).toBe(true);
    });
  });
});
