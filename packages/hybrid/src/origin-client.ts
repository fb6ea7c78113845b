/**
 * Signed calls to origin's hybrid endpoints, signed exactly like runtime calls
 * (docs/protocol.md): the snapshot `GET` signs an empty body, the events `POST` its JSON.
 */
import {
  canonicalString,
  HEADER_SDK,
  type SignedHeaders,
  sha256Hex,
  signedHeaders,
  type WebCrypto,
  type WebCryptoKey,
} from '@esper/core';

export const SNAPSHOT_PATH = '/api/v1/hybrid/snapshot';
export const EVENTS_PATH = '/api/v1/hybrid/events';
const SDK = '@esper/hybrid/0.1.0';

export interface OriginClientOptions {
  apiKey: string;
  secret: string;
  apiBase: URL;
  fetch: typeof fetch;
  crypto: WebCrypto;
  now: () => number;
  timeoutMs: number;
  /** Added to every call's target (and so signed), e.g. `tenant_id` for origin to check. */
  query?: Record<string, string>;
  /** `x-esper-sdk`; default `@esper/hybrid/<version>`. */
  sdk?: string;
}

export interface OriginClient {
  /** The snapshot, or `undefined` when origin says it has not changed (304). */
  snapshot(etag: string | undefined): Promise<{ body: unknown; etag?: string } | undefined>;
  /**
   * Posts one batch, its JSON body already UTF-8 encoded (hashed and sent as these bytes);
   * resolves with origin's answer, rejects with `OriginError` on a bad status.
   */
  events(body: Uint8Array<ArrayBuffer>): Promise<{ accepted?: number; duplicates?: number }>;
}

/** A status origin answered with; `retryable` is false when sending again cannot help (4xx). */
export class OriginError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Origin's `error.code`, when it answered one. */
    readonly code?: string,
    /** `Retry-After`, in seconds, when origin sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'OriginError';
  }
  get retryable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

async function failure(response: Response, what: string): Promise<OriginError> {
  const text = await response.text().catch(() => '');
  let detail = text.slice(0, 200);
  let code: string | undefined;
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (typeof error?.code === 'string') {
      code = error.code;
      detail = `${code}: ${error.message ?? ''}`;
    }
  } catch {}
  const retry = Number(response.headers.get('retry-after'));
  return new OriginError(
    response.status,
    `${what}: HTTP ${response.status} ${detail}`,
    code,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

/**
 * Core's signature (`canonicalString`, HMAC-SHA256) over a body given as bytes: a batch is
 * encoded once, then hashed and sent as those bytes. The key is imported once per client.
 */
function createBytesSigner(keyId: string, secret: string, subtle: WebCrypto['subtle']) {
  let key: Promise<WebCryptoKey> | undefined;
  return async (method: string, path: string, body: Uint8Array, timestamp: number) => {
    key ??= subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const bodySha256Hex = await sha256Hex(body, subtle);
    const canonical = canonicalString({ keyId, method, path, timestamp, bodySha256Hex });
    const mac = await subtle.sign('HMAC', await key, encoder.encode(canonical));
    return signedHeaders(keyId, timestamp, toHex(mac));
  };
}

export function createOriginClient(options: OriginClientOptions): OriginClient {
  const { apiBase, now } = options;
  const sign = createBytesSigner(options.apiKey, options.secret, options.crypto.subtle);
  // Signed paths are the request target as sent: the API base's own path prefix included.
  const prefix = apiBase.pathname.replace(/\/+$/, '');
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';

  async function call(
    method: string,
    path: string,
    body: Uint8Array<ArrayBuffer>,
    extra: HeadersInit,
  ) {
    const target = prefix + path + query;
    const signed: SignedHeaders = await sign(method, target, body, Math.floor(now() / 1000));
    const headers = new Headers(extra);
    for (const [name, value] of Object.entries(signed)) headers.set(name, value);
    headers.set(HEADER_SDK, options.sdk ?? SDK);
    return options.fetch(new URL(target, apiBase.origin), {
      method,
      headers,
      body: method === 'GET' ? undefined : body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  }

  return {
    async snapshot(etag) {
      const response = await call('GET', SNAPSHOT_PATH, EMPTY, {
        accept: 'application/json',
        ...(etag !== undefined && { 'if-none-match': etag }),
      });
      if (response.status === 304) return undefined;
      if (response.status !== 200) throw await failure(response, 'snapshot');
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new Error('snapshot: body is not JSON');
      }
      return { body, etag: response.headers.get('etag') ?? undefined };
    },
    async events(body) {
      const response = await call('POST', EVENTS_PATH, body, {
        'content-type': 'application/json',
      });
      if (response.status < 200 || response.status > 299) throw await failure(response, 'events');
      return (await response.json().catch(() => ({}))) as {
        accepted?: number;
        duplicates?: number;
      };
    },
  };
}
