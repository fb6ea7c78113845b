/**
 * The keep-alive undici transport for Node adapters (`@esper/core/node`). It is not in the
 * main entry so edge bundles never see it. undici itself (about 100 ms to import) is loaded by
 * the caller's `load` function, never at import time: `createEsper()` calls `warm()`, which
 * starts the load in the background so the first request's timeout is not spent on it. The
 * adapter passes `() => import('undici')` so the module resolves from its own dependencies.
 */
import { ResponseTooLargeError } from './errors.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';

interface UndiciBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

interface UndiciPool {
  request(options: {
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
  }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | undefined>;
    body: UndiciBody;
  }>;
  close(): Promise<void>;
}

/** The part of the `undici` module this transport uses. */
export interface UndiciModule {
  Pool: new (
    origin: string,
    options?: { connections?: number; keepAliveTimeout?: number; pipelining?: number },
  ) => UndiciPool;
}

export interface UndiciTransportOptions {
  /** Loads undici, e.g. `() => import('undici')`. */
  load: () => Promise<UndiciModule>;
  /** Sockets per runtime origin. Default 64. */
  connections?: number;
  /** How long an idle socket is kept for reuse. Default 30 s. */
  keepAliveTimeoutMs?: number;
}

export function createUndiciTransport(options: UndiciTransportOptions): Transport {
  const pools = new Map<string, Promise<UndiciPool>>();

  function poolFor(origin: string) {
    let pool = pools.get(origin);
    if (!pool) {
      pool = options.load().then(
        (undici) =>
          new undici.Pool(origin, {
            connections: options.connections ?? 64,
            keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
            pipelining: 1,
          }),
      );
      // A failed load is retried on the next request instead of being cached forever.
      pool.catch(() => pools.delete(origin));
      pools.set(origin, pool);
    }
    return pool;
  }

  return {
    warm(origin) {
      poolFor(origin).catch(() => {});
    },
    async send(req: TransportRequest): Promise<TransportResponse> {
      const url = new URL(req.url);
      const pool = await poolFor(url.origin);
      const res = await pool.request({
        path: url.pathname + url.search,
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
      });
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > req.maxResponseBytes) {
          res.body.destroy();
          throw new ResponseTooLargeError(req.maxResponseBytes);
        }
        chunks.push(chunk);
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const c of chunks) {
        bytes.set(c, offset);
        offset += c.byteLength;
      }
      const headers = res.headers;
      return {
        status: res.statusCode,
        headers: {
          get(name) {
            const v = headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        body: new TextDecoder().decode(bytes),
      };
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.allSettled(all.map(async (p) => (await p).close()));
    },
  };
}
