/**
 * Signed calls from the hybrid runtime to origin (docs/hybrid.md): `GET /api/v1/hybrid/snapshot`
 * with `If-None-Match`, and `POST /api/v1/hybrid/events`, through `@esper/hybrid`'s origin
 * client (signed like runtime calls), with the key of `credentials.xml` and the tenant of
 * `config.yaml` (origin checks it against the key's: 403 wrong_tenant).
 */
import type { WebCrypto } from '@esper/core';
import { createOriginClient } from '@esper/hybrid';
import type { EsperConfig, EsperCredentials } from './files.js';

export const USER_AGENT = 'esper-cli/0.1.0';

export interface OriginCalls {
  snapshot(
    etag: string | undefined,
  ): Promise<{ status: 304 } | { status: 200; json: unknown; etag: string | undefined }>;
  events(body: string): Promise<{ accepted: number; duplicates: number }>;
}

export function originCalls(
  config: EsperConfig,
  credentials: EsperCredentials,
  timeoutMs = 10_000,
): OriginCalls {
  const client = createOriginClient({
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    apiBase: new URL(config.apiBase),
    fetch: (input, init) => fetch(input, init),
    crypto: globalThis.crypto as unknown as WebCrypto,
    now: Date.now,
    timeoutMs,
    query: { tenant_id: config.tenantId },
    sdk: USER_AGENT,
  });
  const encoder = new TextEncoder();
  return {
    async snapshot(etag) {
      const answer = await client.snapshot(etag);
      if (answer === undefined) return { status: 304 };
      return { status: 200, json: answer.body, etag: answer.etag };
    },
    async events(body) {
      const answer = await client.events(encoder.encode(body));
      return { accepted: answer.accepted ?? 0, duplicates: answer.duplicates ?? 0 };
    },
  };
}
