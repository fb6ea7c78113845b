import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { CallAbort } from './call-abort.js';
import { resolveConfig } from './config.js';
import { InFlightLimiter } from './in-flight.js';
import { createRuntimeCall, type Failure, signerSlot } from './runtime-call.js';
import { signedHeaders } from './signing.js';
import type { TransportRequest, TransportResponse } from './transport.js';

const config = resolveConfig({ apiKey: 'k', secret: 's', apiBase: 'http://127.0.0.1:1', env: {} });
const timedOut: Failure = { failure: 'timeout', message: 'late' };

function call(answer: (req: TransportRequest) => TransportResponse | Promise<TransportResponse>) {
  const sent: TransportRequest[] = [];
  const backoff = new Backoff(
    () => 0,
    () => 1,
  );
  const ask = createRuntimeCall({
    config,
    transport: {
      send: async (req) => {
        sent.push(req);
        return answer(req);
      },
    },
    signer: signerSlot(() => () => signedHeaders('k', 0, 'ab'), 'k', 's'),
    limiter: new InFlightLimiter(4),
    backoff,
    now: () => 0,
    sdkHeader: 'sdk/1 (test)',
    timedOut,
  });
  const go = () => ask('{}', new CallAbort(), performance.now() + 1000, { passed: false });
  return { go, ask, sent, backoff };
}
const res = (status: number, body = '', headers: Record<string, string> = {}) => ({
  status,
  body,
  headers: new Headers(headers),
});

describe('createRuntimeCall', () => {
  it('sends the signed body with the SDK header and reads the answer', async () => {
    const { go, sent } = call(() => res(200, '{"action":"block"}'));
    expect(await go()).toMatchObject({ answer: { action: 'block' } });
    expect(sent[0]!.headers).toMatchObject({
      'x-esper-api-key': 'k',
      'x-esper-signature': 'v1=ab',
      'x-esper-sdk': 'sdk/1 (test)',
    });
    expect(sent[0]!.url).toBe('http://127.0.0.1:1/api/v1/runtime/mitigation');
  });

  it('maps statuses to failures with the runtime error code', async () => {
    const { go } = call(() => res(401, '{"error":{"code":"bad_signature"}}'));
    expect(await go()).toEqual({
      failure: 'bad_status',
      status: 401,
      message: 'runtime answered 401 (bad_signature)',
    });
  });

  it('a 429 starts the backoff', async () => {
    const { go, backoff } = call(() => res(429, '', { 'retry-after': '1' }));
    expect(await go()).toMatchObject({ failure: 'bad_status', status: 429 });
    expect(backoff.active()).toBe(true);
  });

  it('a transport error is a network failure; a bad body a bad response', async () => {
    expect(await call(() => Promise.reject(new Error('ECONNRESET'))).go()).toEqual({
      failure: 'network',
      message: 'ECONNRESET',
    });
    expect(await call(() => res(200, 'nope')).go()).toMatchObject({ failure: 'bad_response' });
  });

  it('never sends a call whose deadline passed while it was being signed', async () => {
    const { ask, sent } = call(() => res(200, '{"action":"allow"}'));
    const late = await ask('{}', new CallAbort(), performance.now() - 1, { passed: false });
    expect(late).toBe(timedOut);
    expect(sent).toHaveLength(0);
  });

  it('a signer that fails to start is an internal failure, and is started again next time', async () => {
    let starts = 0;
    const signer = signerSlot(
      async () => {
        if (++starts === 1) throw new Error('no key');
        return () => signedHeaders('k', 0, '');
      },
      'k',
      's',
    );
    await expect(signer()).rejects.toThrow('no key');
    await Promise.resolve();
    await expect(signer()).resolves.toBeTypeOf('function');
    expect(starts).toBe(2);
  });
});
