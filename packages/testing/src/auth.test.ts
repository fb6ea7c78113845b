import { createHmac } from 'node:crypto';
import {
  canonicalString,
  createSigner,
  HEADER_API_KEY,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  sha256Hex,
} from '@esper/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockRuntime, startMockRuntime } from './server.js';
import { errorOf, sampleBody, signedPost } from './test-helpers.js';

let mock: MockRuntime;
let clock = Date.now();

beforeAll(async () => {
  mock = await startMockRuntime({
    keys: [
      { apiKey: 'esper_test_key', secret: 'esper_test_secret', sourceId: 'test' },
      { apiKey: 'other_key', secret: 'other_secret', trustLevel: 'high' },
    ],
    now: () => clock,
  });
});
afterEach(() => {
  mock.reset();
  clock = Date.now();
});
afterAll(() => mock.close());

describe('signature verification', () => {
  it('accepts a correctly signed request and records it', async () => {
    const body = sampleBody();
    const res = await signedPost(mock.url, body);
    expect(res.status).toBe(200);
    const decision = (await res.json()) as Record<string, unknown>;
    expect(decision).toMatchObject({
      action: 'allow',
      mode: 'live',
      ttl_seconds: 0,
      challenge: null,
    });
    expect(decision.decision_id).toMatch(/^dec_mock_/);
    expect(decision.response_headers).toEqual([]);
    expect(decision.upstream_headers).toEqual([]);

    expect(mock.requests).toHaveLength(1);
    const rec = mock.requests[0]!;
    expect(rec).toMatchObject({
      id: 1,
      method: 'POST',
      path: '/api/v1/runtime/mitigation',
      body,
      verification: { ok: true, keyId: 'esper_test_key' },
      validation: { ok: true },
      answer: { action: 'allow' },
      response: { status: 200 },
    });
    expect(rec.rawBody).toBe(JSON.stringify(body));
    expect(rec.headers[HEADER_API_KEY]).toBe('esper_test_key');
    expect(JSON.parse(rec.response!.body!)).toEqual(decision);
    expect(rec.respondedAt).toBeGreaterThanOrEqual(rec.receivedAt);
  });

  it('accepts every configured key', async () => {
    const res = await signedPost(mock.url, sampleBody(), {
      apiKey: 'other_key',
      secret: 'other_secret',
    });
    expect(res.status).toBe(200);
  });

  it('missing headers -> missing_credentials', async () => {
    for (const header of [HEADER_API_KEY, HEADER_TIMESTAMP, HEADER_SIGNATURE]) {
      const res = await signedPost(mock.url, sampleBody(), { omitHeaders: [header] });
      expect(res.status).toBe(401);
      const error = await errorOf(res);
      expect(error.code).toBe('missing_credentials');
      expect(error.message).toContain(header);
      expect(error.path).toBeUndefined();
    }
  });

  it('unknown key -> unknown_key', async () => {
    const res = await signedPost(mock.url, sampleBody(), {
      apiKey: 'nobody',
      secret: 'esper_test_secret',
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('unknown_key');
  });

  it('wrong secret -> bad_signature', async () => {
    const res = await signedPost(mock.url, sampleBody(), { secret: 'not the secret' });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('bad_signature');
  });

  it('body changed after signing -> bad_signature', async () => {
    const body = sampleBody();
    const altered = JSON.stringify({ ...body, fields: { email: 'attacker@example.com' } });
    const res = await signedPost(mock.url, body, { sendBody: altered });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('bad_signature');
  });

  it('signature over another path -> bad_signature', async () => {
    const res = await signedPost(mock.url, sampleBody(), {
      path: '/api/v1/runtime/mitigation?x=1',
    });
    // Signed and sent with the query: fine. Now sign one path, send another.
    expect(res.status).toBe(200);
    const body = JSON.stringify(sampleBody());
    const sign = await createSigner('esper_test_key', 'esper_test_secret');
    const headers = await sign(
      'POST',
      '/api/v1/runtime/other',
      body,
      Math.floor(Date.now() / 1000),
    );
    const res2 = await fetch(`${mock.url}/api/v1/runtime/mitigation`, {
      method: 'POST',
      headers,
      body,
    });
    expect((await errorOf(res2)).code).toBe('bad_signature');
  });

  it('malformed signature -> bad_signature', async () => {
    const res = await signedPost(mock.url, sampleBody(), {
      headers: { [HEADER_SIGNATURE]: 'v1=zz' },
    });
    expect((await errorOf(res)).code).toBe('bad_signature');
  });

  it('timestamp older than 5 minutes -> stale_timestamp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await signedPost(mock.url, sampleBody(), { timestamp: now - 301 });
    expect(old.status).toBe(401);
    expect((await errorOf(old)).code).toBe('stale_timestamp');
    const future = await signedPost(mock.url, sampleBody(), { timestamp: now + 301 });
    expect((await errorOf(future)).code).toBe('stale_timestamp');
    const edge = await signedPost(mock.url, sampleBody(), { timestamp: now - 299 });
    expect(edge.status).toBe(200);
  });

  it('uses the injected clock', async () => {
    const ts = Math.floor(Date.now() / 1000);
    clock = Date.now() + 10 * 60 * 1000;
    const res = await signedPost(mock.url, sampleBody(), { timestamp: ts });
    expect((await errorOf(res)).code).toBe('stale_timestamp');
    clock = Date.now();
    expect((await signedPost(mock.url, sampleBody(), { timestamp: ts })).status).toBe(200);
  });

  it('replayed idempotency key -> replayed_request, per API key', async () => {
    const body = sampleBody();
    expect((await signedPost(mock.url, body)).status).toBe(200);
    const again = await signedPost(mock.url, body);
    expect(again.status).toBe(401);
    expect((await errorOf(again)).code).toBe('replayed_request');
    // The same key under another API key is another tenant's request.
    expect(
      (await signedPost(mock.url, body, { apiKey: 'other_key', secret: 'other_secret' })).status,
    ).toBe(200);
  });

  it('forgets idempotency keys once their signatures have expired', async () => {
    const body = sampleBody();
    expect((await signedPost(mock.url, body)).status).toBe(200);
    clock = Date.now() + 301_000;
    const later = Math.floor(clock / 1000);
    expect((await signedPost(mock.url, body, { timestamp: later })).status).toBe(200);
  });

  it('reset() forgets idempotency keys', async () => {
    const body = sampleBody();
    expect((await signedPost(mock.url, body)).status).toBe(200);
    mock.reset();
    expect((await signedPost(mock.url, body)).status).toBe(200);
  });

  it('each failure has its own code', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = sampleBody();
    await signedPost(mock.url, body);
    const codes = [
      (await errorOf(await signedPost(mock.url, sampleBody(), { omitHeaders: [HEADER_SIGNATURE] })))
        .code,
      (await errorOf(await signedPost(mock.url, sampleBody(), { apiKey: 'x' }))).code,
      (await errorOf(await signedPost(mock.url, sampleBody(), { timestamp: now - 1000 }))).code,
      (await errorOf(await signedPost(mock.url, sampleBody(), { secret: 'x' }))).code,
      (await errorOf(await signedPost(mock.url, body))).code,
    ];
    expect(codes).toEqual([
      'missing_credentials',
      'unknown_key',
      'stale_timestamp',
      'bad_signature',
      'replayed_request',
    ]);
  });
});

describe('transport errors', () => {
  it('413 for a body over maxBodyBytes, before reading it all', async () => {
    const big = JSON.stringify(sampleBody({ clearance: 'x'.repeat(40 * 1024) }));
    const res = await signedPost(mock.url, big);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
    expect(mock.requests[0]!.rawBody).toBeUndefined();
  });

  it('405 for another method, 404 elsewhere, 200 on /healthz', async () => {
    const get = await fetch(`${mock.url}/api/v1/runtime/mitigation`);
    expect(get.status).toBe(405);
    expect((await errorOf(get)).code).toBe('method_not_allowed');
    const missing = await fetch(`${mock.url}/api/v2/nothing`);
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
    const health = await fetch(`${mock.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
  });

  it('400 invalid_json for a signed body that is not JSON', async () => {
    for (const text of ['{"observed_at":', '', 'null x']) {
      const res = await signedPost(mock.url, text);
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('invalid_json');
    }
  });

  it('400 invalid_json for a signed body that is not UTF-8', async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff":1}
    // The signer takes strings only, so sign these bytes with the exported canonical form.
    const path = '/api/v1/runtime/mitigation';
    const timestamp = Math.floor(Date.now() / 1000);
    const canonical = canonicalString({
      keyId: 'esper_test_key',
      method: 'POST',
      path,
      timestamp,
      bodySha256Hex: await sha256Hex(bytes),
    });
    const mac = createHmac('sha256', 'esper_test_secret').update(canonical).digest('hex');
    const res = await fetch(`${mock.url}${path}`, {
      method: 'POST',
      headers: {
        [HEADER_API_KEY]: 'esper_test_key',
        [HEADER_TIMESTAMP]: String(timestamp),
        [HEADER_SIGNATURE]: `v1=${mac}`,
      },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_json');
  });
});
