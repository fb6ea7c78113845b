/**
 * Shared by this package's tests (and @esper/testing's, by relative path): a valid v1 body, a
 * signed call to a runtime's mitigation endpoint over real loopback, and reading an error body.
 */
import { createSigner } from '@esper/core';
import { MITIGATION_PATH } from '../protocol/mitigation-call.js';
import type { MitigationBody } from '../protocol/types.js';

let sequence = 0;

/** A valid v1 body: a unique idempotency key, every optional part present. */
export function sampleBody(overrides: Partial<MitigationBody> = {}): MitigationBody {
  sequence += 1;
  return {
    observed_at: new Date().toISOString(),
    idempotency_key: `test-${process.pid}-${sequence}-${Math.random().toString(36).slice(2)}`,
    request: {
      method: 'GET',
      scheme: 'https',
      host: 'app.example.com',
      path: '/login',
      query: 'next=%2Fhome',
      client_ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0 test',
      headers: { accept: 'text/html', 'user-agent': 'Mozilla/5.0 test' },
      redacted_headers: { cookie: { length: 58, names: ['sid', '_ga'] } },
    },
    return_url: 'https://app.example.com/login?next=%2Fhome',
    fields: { email: 'user@example.com' },
    source: { sdk: '@esper/core', version: '0.1.0', runtime: 'node' },
    ...overrides,
  };
}

export interface SignedPostOptions {
  apiKey: string;
  secret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sent instead of the signed body (to test tampering). */
  sendBody?: string;
  path?: string;
  headers?: Record<string, string>;
  omitHeaders?: string[];
  signal?: AbortSignal;
}

export async function signedPost(baseUrl: string, body: unknown, opts: SignedPostOptions) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const path = opts.path ?? MITIGATION_PATH;
  const sign = await createSigner(opts.apiKey, opts.secret);
  const signed: Record<string, string> = await sign(
    'POST',
    path,
    text,
    opts.timestamp ?? Math.floor(Date.now() / 1000),
  );
  for (const name of opts.omitHeaders ?? []) delete signed[name];
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed, ...opts.headers },
    body: opts.sendBody ?? text,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

export async function errorOf(
  res: Response,
): Promise<{ code: string; message: string; path?: string }> {
  const json = (await res.json()) as { error: { code: string; message: string; path?: string } };
  return json.error;
}
