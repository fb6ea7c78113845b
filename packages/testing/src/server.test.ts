import { createSigner } from '@esper/core';
import { describe, expect, it, vi } from 'vitest';
import { createMockRuntimeApp } from './app.js';
import { DEFAULT_TEST_KEY, MockController } from './controller.js';
import { MITIGATION_PATH } from './mitigation.js';
import { startMockRuntime } from './server.js';
import { sampleBody, signedPost } from './test-helpers.js';

describe('startMockRuntime', () => {
  it('listens on 127.0.0.1 on a free port by default', async () => {
    const mock = await startMockRuntime();
    try {
      expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
      expect((await fetch(`${mock.url}/healthz`)).status).toBe(200);
    } finally {
      await mock.close();
    }
  });

  it('close() destroys keep-alive sockets and is safe to call twice', async () => {
    const mock = await startMockRuntime();
    await Promise.all(
      [1, 2, 3].map(() => signedPost(mock.url, sampleBody()).then((r) => r.text())),
    );
    expect(mock.openConnections()).toBeGreaterThan(0);
    expect(mock.busyConnections()).toBe(0);
    await mock.close();
    expect(mock.openConnections()).toBe(0);
    await mock.close();
    await expect(fetch(`${mock.url}/healthz`)).rejects.toThrow();
  });

  it('waitForRequests resolves once enough requests arrived, or times out', async () => {
    const mock = await startMockRuntime();
    try {
      const waiting = mock.waitForRequests(2);
      await signedPost(mock.url, sampleBody());
      await signedPost(mock.url, sampleBody());
      expect(await waiting).toHaveLength(2);
      await expect(mock.waitForRequests(3, 50)).rejects.toThrow(/timed out/);
    } finally {
      await mock.close();
    }
  });

  it('keeps at most maxRecordedRequests and logs each answer', async () => {
    const info = vi.fn();
    const mock = await startMockRuntime({ maxRecordedRequests: 2, logger: { info } });
    try {
      for (let i = 0; i < 3; i++) await signedPost(mock.url, sampleBody());
      expect(mock.requests.map((r) => r.id)).toEqual([2, 3]);
      expect(info).toHaveBeenCalledTimes(3);
      expect(info.mock.calls[0]![0]).toBe('decide GET /login -> allow (no policy)');
      expect(info.mock.calls[0]![1]).toMatchObject({ status: 200, action: 'allow' });
    } finally {
      await mock.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const mock = await startMockRuntime();
    try {
      await expect(startMockRuntime({ port: mock.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await mock.close();
    }
  });
});

describe('createMockRuntimeApp without a Node server', () => {
  async function signedRequest(body: unknown) {
    const text = JSON.stringify(body);
    const sign = await createSigner(DEFAULT_TEST_KEY.apiKey, DEFAULT_TEST_KEY.secret);
    const headers = await sign('POST', MITIGATION_PATH, text, Math.floor(Date.now() / 1000));
    return new Request(`http://mock.local${MITIGATION_PATH}`, {
      method: 'POST',
      headers,
      body: text,
    });
  }

  it('answers through app.request(), sharing state with its controller', async () => {
    const ctl = new MockController();
    const app = createMockRuntimeApp(ctl);
    ctl.script({ action: 'challenge' });
    const res = await app.request(await signedRequest(sampleBody()));
    const decision = (await res.json()) as { challenge: { url: string } };
    expect(decision.challenge.url).toMatch(/^http:\/\/mock\.local\/challenge\?d=dec_mock_/);
    expect(ctl.requests).toHaveLength(1);
  });

  it('falls back to web streams for reset and hang', async () => {
    const ctl = new MockController();
    const app = createMockRuntimeApp(ctl);
    ctl.script({ answer: { fault: 'reset' }, times: 1 });
    const reset = await app.request(await signedRequest(sampleBody()));
    await expect(reset.text()).rejects.toThrow(/mock reset/);

    ctl.script({ fault: 'hang' });
    const pending = app.request(await signedRequest(sampleBody()));
    await ctl.waitForRequests(2);
    ctl.dispose();
    expect((await pending).status).toBe(504);
  });
});
