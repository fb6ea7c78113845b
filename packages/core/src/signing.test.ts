import { describe, expect, it } from 'vitest';
import { canonicalString, createSigner, sha256Hex, verifySignature } from './signing.js';

const NOW = 1_790_000_000_000;
const path = '/api/v1/runtime/mitigation';

async function signed(body = '{"a":1}', secret = 'sekret', ts = Math.floor(NOW / 1000)) {
  const sign = await createSigner('key_1', secret);
  return { body, headers: await sign('POST', path, body, ts) };
}

const verify = (
  body: string,
  headers: Record<string, string>,
  extra: Partial<Parameters<typeof verifySignature>[0]> = {},
) =>
  verifySignature({
    method: 'POST',
    path,
    body,
    headers,
    secretFor: (id) => (id === 'key_1' ? 'sekret' : undefined),
    now: NOW,
    ...extra,
  });

describe('signing', () => {
  it('has a fixed canonical form', async () => {
    expect(await sha256Hex('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(
      canonicalString({
        keyId: 'k',
        method: 'post',
        path: '/p?q=1',
        timestamp: 1,
        bodySha256Hex: 'ab',
      }),
    ).toBe('ESPER-HMAC-SHA256-V1\nk\nPOST\n/p?q=1\n1\nab');
  });

  it('round-trips and never puts the secret in a header', async () => {
    const { body, headers } = await signed();
    expect(JSON.stringify(headers)).not.toContain('sekret');
    expect(headers['x-esper-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(await verify(body, headers)).toEqual({ ok: true, keyId: 'key_1' });
  });

  it('matches a known HMAC vector', async () => {
    // hex(HMAC-SHA256("sekret", canonical)) computed independently with openssl.
    const { headers } = await signed('{}', 'sekret', 1_790_000_000);
    expect(headers['x-esper-signature']).toBe(`v1=${EXPECTED_VECTOR}`);
  });

  it.each([
    [
      'a body changed after signing',
      async () => {
        const s = await signed();
        return verify('{"a":2}', s.headers);
      },
      'bad_signature',
    ],
    [
      'a wrong secret',
      async () => {
        const s = await signed('{}', 'other');
        return verify(s.body, s.headers);
      },
      'bad_signature',
    ],
    [
      'a timestamp 301 s old',
      async () => {
        const s = await signed('{}', 'sekret', Math.floor(NOW / 1000) - 301);
        return verify(s.body, s.headers);
      },
      'stale_timestamp',
    ],
    [
      'a timestamp 301 s ahead',
      async () => {
        const s = await signed('{}', 'sekret', Math.floor(NOW / 1000) + 301);
        return verify(s.body, s.headers);
      },
      'stale_timestamp',
    ],
    [
      'an unknown key',
      async () => {
        const s = await signed();
        return verify(s.body, { ...s.headers, 'x-esper-api-key': 'nope' });
      },
      'unknown_key',
    ],
    [
      'a missing signature',
      async () => {
        const s = await signed();
        const { 'x-esper-signature': _, ...rest } = s.headers;
        return verify(s.body, rest);
      },
      'missing_credentials',
    ],
    [
      'a malformed signature',
      async () => {
        const s = await signed();
        return verify(s.body, { ...s.headers, 'x-esper-signature': 'v1=zz' });
      },
      'bad_signature',
    ],
    [
      'a truncated signature',
      async () => {
        const s = await signed();
        return verify(s.body, {
          ...s.headers,
          'x-esper-signature': s.headers['x-esper-signature']!.slice(0, 40),
        });
      },
      'bad_signature',
    ],
    [
      'another method',
      async () => {
        const s = await signed();
        return verify(s.body, s.headers, { method: 'PUT' });
      },
      'bad_signature',
    ],
    [
      'another path',
      async () => {
        const s = await signed();
        return verify(s.body, s.headers, { path: '/x' });
      },
      'bad_signature',
    ],
    [
      'a non-numeric timestamp',
      async () => {
        const s = await signed();
        return verify(s.body, { ...s.headers, 'x-esper-timestamp': '1e9' });
      },
      'stale_timestamp',
    ],
  ])('refuses %s', async (_name, run, code) => {
    const result = await run();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe(code);
  });

  it('accepts a Headers object and binary body', async () => {
    const { body, headers } = await signed();
    expect(
      (await verify(new TextEncoder().encode(body) as never, new Headers(headers) as never)).ok,
    ).toBe(true);
  });
});

const EXPECTED_VECTOR = '8be17c2ac015b8c06f333257b30fdf3e5b0db62edb6abd15ddfd4cdc35d51554';
