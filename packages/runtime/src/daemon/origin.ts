/**
 * Signed calls from the hybrid runtime to origin (docs/hybrid.md): `GET /api/v1/hybrid/snapshot`
 * with `If-None-Match`, and `POST /api/v1/hybrid/events`. Signed like runtime calls, with the
 * key of `credentials.xml`; the target signed is the API base's path plus the endpoint's.
 */
import { createSigner } from '@esper/core';
import { EVENTS_PATH, SNAPSHOT_PATH } from '../hybrid/hybrid-routes.js';
import type { EsperConfig, EsperCredentials } from './files.js';

export const USER_AGENT = 'esper-cli/0.1.0';

export class OriginStatusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'OriginStatusError';
  }
}

export interface OriginCalls {
  snapshot(
    etag: string | undefined,
  ): Promise<{ status: 304 } | { status: 200; json: unknown; etag: string | undefined }>;
  events(body: string): Promise<{ accepted: number; duplicates: number }>;
}

async function failure(res: Response, what: string): Promise<OriginStatusError> {
  const text = await res.text().catch(() => '');
  let code: string | undefined;
  let message = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code;
    message = `${code}: ${parsed.error?.message}`;
  } catch {}
  const retry = Number(res.headers.get('retry-after'));
  return new OriginStatusError(
    res.status,
    code,
    `${what}: HTTP ${res.status} ${message}`,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

export function originCalls(
  config: EsperConfig,
  credentials: EsperCredentials,
  timeoutMs = 10_000,
): OriginCalls {
  const base = new URL(config.apiBase);
  const prefix = base.pathname.replace(/\/+$/, '');
  const signer = createSigner(credentials.apiKey, credentials.secret);
  async function call(method: string, path: string, body: string, headers: Record<string, string>) {
    // The tenant named in config.yaml is checked by origin against the key's (403 wrong_tenant).
    const target = `${prefix}${path}?tenant_id=${encodeURIComponent(config.tenantId)}`;
    const sign = await signer;
    const signed = await sign(method, target, body, Math.floor(Date.now() / 1000));
    return fetch(new URL(target, base.origin), {
      method,
      headers: { ...headers, ...signed, 'user-agent': USER_AGENT },
      body: method === 'GET' ? undefined : body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }
  return {
    async snapshot(etag) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (etag) headers['if-none-match'] = etag;
      const res = await call('GET', SNAPSHOT_PATH, '', headers);
      if (res.status === 304) return { status: 304 };
      if (res.status !== 200) throw await failure(res, 'snapshot');
      return { status: 200, json: await res.json(), etag: res.headers.get('etag') ?? undefined };
    },
    async events(body) {
      const res = await call('POST', EVENTS_PATH, body, { 'content-type': 'application/json' });
      if (res.status !== 200) throw await failure(res, 'events');
      const answer = (await res.json()) as { accepted?: number; duplicates?: number };
      return { accepted: answer.accepted ?? 0, duplicates: answer.duplicates ?? 0 };
    },
  };
}
