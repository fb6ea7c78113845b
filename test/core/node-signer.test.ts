import * as nodeCrypto from 'node:crypto';
import { createEsper, createSigner, verifySignature } from '@esper/core';
import { createNodeSigner, createUndiciTransport, nodeSigner } from '@esper/core/node';
import { DEFAULT_TEST_KEY, startMockRuntime } from '@esper/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const PATH = '/api/v1/runtime/mitigation';

describe('the node:crypto signer', () => {
  it('signs exactly as the WebCrypto signer does, and verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }),
        fc.string({ maxLength: 2000, unit: 'binary' }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        async (keyId, secret, body, ts) => {
          const web = await createSigner(keyId, secret);
          const node = createNodeSigner(nodeCrypto)(keyId, secret);
          const headers = await node('POST', PATH, body, ts);
          expect(headers).toEqual(await web('POST', PATH, body, ts));
          const result = await verifySignature({
            method: 'POST',
            path: PATH,
            body,
            headers,
            secretFor: (id) => (id === keyId ? secret : undefined),
            now: ts * 1000,
          });
          expect(result.ok).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('nodeSigner loads node:crypto itself, with or without process.getBuiltinModule', async () => {
    const web = await createSigner('key_1', 'sekret');
    const expected = await web('POST', PATH, '{"a":1}', 1_790_000_000);
    expect(
      await (await nodeSigner('key_1', 'sekret'))('POST', PATH, '{"a":1}', 1_790_000_000),
    ).toEqual(expected);
    const proc = process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined; // Node 20.0-20.15 have none: the module is imported
    try {
      const sign = await nodeSigner('key_1', 'sekret');
      expect(await sign('POST', PATH, '{"a":1}', 1_790_000_000)).toEqual(expected);
    } finally {
      proc.getBuiltinModule = saved;
    }
  });

  it('is accepted by the runtime through the undici transport', async () => {
    const rt = await startMockRuntime();
    const esper = createEsper({
      apiKey: DEFAULT_TEST_KEY.apiKey,
      secret: DEFAULT_TEST_KEY.secret,
      apiBase: rt.url,
      env: {},
      signer: nodeSigner,
      transport: createUndiciTransport({ load: () => import('undici') }),
    });
    try {
      const d = await esper.protect(new Request('https://app.example/page'));
      expect([d.source, d.reason]).toEqual(['remote', 'runtime']);
    } finally {
      await esper.close();
      await rt.close();
    }
  });

  it('a signer that fails gives an internal fallback, and the next request tries again', async () => {
    const rt = await startMockRuntime();
    let calls = 0;
    const esper = createEsper({
      apiKey: DEFAULT_TEST_KEY.apiKey,
      secret: DEFAULT_TEST_KEY.secret,
      apiBase: rt.url,
      env: {},
      signer: (keyId, secret) => {
        if (++calls === 1) throw new Error('no key store yet');
        return createNodeSigner(nodeCrypto)(keyId, secret);
      },
    });
    try {
      const first = await esper.protect(new Request('https://app.example/a'));
      expect([first.source, first.reason, first.action]).toEqual(['fallback', 'internal', 'allow']);
      expect(first.message).toBe('signing failed: no key store yet');
      const second = await esper.protect(new Request('https://app.example/b'));
      expect([second.source, calls]).toEqual(['remote', 2]);
    } finally {
      await esper.close();
      await rt.close();
    }
  });
});
