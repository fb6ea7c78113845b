/**
 * The keep-alive undici transport for Node adapters (`@esper/core/node`). It is not in the
 * main entry so edge bundles never see it. undici itself (about 100 ms to import) is loaded by
 * the caller's `load` function, never at import time: `createEsper()` calls `warm()`, which
 * starts the load in the background so the first request's timeout is not spent on it. The
 * adapter passes `() => import('undici')` so the module resolves from its own dependencies.
 */
import type { AbortEmitter } from './call-abort.js';
import { ResponseTooLargeError } from './errors.js';
import {
  canonicalString,
  createSigner,
  type Signer,
  type SignerFactory,
  signedHeaders,
} from './signing.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';

interface NodeDigest {
  update(data: string): NodeDigest;
  digest(encoding: 'hex'): string;
}

/** The part of `node:crypto` the Node signer uses; adapters pass the module itself. */
export interface NodeCryptoModule {
  createHash(algorithm: 'sha256'): NodeDigest;
  createHmac(algorithm: 'sha256', key: string): NodeDigest;
}

/**
 * A signer on node:crypto, synchronous: on Node 20 a WebCrypto digest + HMAC costs more CPU
 * than the rest of a decision (each call is a thread-pool job and a promise), and under a
 * burst those jobs queue behind each other past the timeout. Same canonical form and output
 * as the WebCrypto signer. Usage: `signer: createNodeSigner(await import('node:crypto'))`, or
 * `signer: nodeSigner`, which loads node:crypto itself.
 */
export function createNodeSigner(
  nodeCrypto: NodeCryptoModule,
): (keyId: string, secret: string) => Signer {
  return (keyId, secret) => (method, path, body, timestamp) => {
    const bodySha256Hex = nodeCrypto.createHash('sha256').update(body).digest('hex');
    const canonical = canonicalString({ keyId, method, path, timestamp, bodySha256Hex });
    const mac = nodeCrypto.createHmac('sha256', secret).update(canonical).digest('hex');
    return signedHeaders(keyId, timestamp, mac);
  };
}

// A variable, so that this file compiles without Node's types; bundlers leave builtins alone.
const NODE_CRYPTO = 'node:crypto';

function loadNodeCrypto(): NodeCryptoModule | Promise<NodeCryptoModule> {
  // process.getBuiltinModule (Node >= 20.16) hands over the module Node already loaded. An ESM
  // import of node:crypto builds its namespace, touching every lazy export: several ms of start-up
  // (bench/import-costs.mjs).
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const loaded = p?.getBuiltinModule?.(NODE_CRYPTO) as NodeCryptoModule | undefined;
  return loaded ?? (import(NODE_CRYPTO) as Promise<NodeCryptoModule>);
}

/**
 * `createNodeSigner` on node:crypto, which it obtains when the client is created (not when
 * this module is imported). What `@esper/express` and `@esper/lambda` pass as `signer`.
 */
export const nodeSigner: SignerFactory = async (keyId, secret) => {
  let nodeCrypto: NodeCryptoModule;
  try {
    nodeCrypto = await loadNodeCrypto();
  } catch {
    // A bundler that cannot follow the import (only on Node < 20.16): WebCrypto still signs.
    return createSigner(keyId, secret);
  }
  return createNodeSigner(nodeCrypto)(keyId, secret);
};

interface UndiciBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
  text(): Promise<string>;
}

interface UndiciPool {
  request(options: {
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal | AbortEmitter;
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

const decoder = new TextDecoder();

/** Reads an undici body, giving up (and destroying it) past `limit` bytes. */
async function readCapped(body: UndiciBody, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return decoder.decode(bytes);
}

export function createUndiciTransport(options: UndiciTransportOptions): Transport {
  const pools = new Map<string, Promise<UndiciPool>>();
  // The runtime URL is the same on every call: parsed once, not per request.
  let last: { href: string; origin: string; path: string } | undefined;
  const target = (href: string) => {
    if (last?.href !== href) {
      const url = new URL(href);
      last = { href, origin: url.origin, path: url.pathname + url.search };
    }
    return last;
  };

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
      const url = target(req.url);
      const pool = await poolFor(url.origin);
      const res = await pool.request({
        path: url.path,
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.abort ?? req.signal,
      });
      const headers = res.headers;
      const declared = Number(headers['content-length']);
      if (declared > req.maxResponseBytes) {
        res.body.destroy();
        throw new ResponseTooLargeError(req.maxResponseBytes);
      }
      return {
        status: res.statusCode,
        headers: {
          get(name) {
            const v = headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        // undici never decompresses, so a declared length bounds what text() reads.
        body:
          headers['content-length'] !== undefined && Number.isFinite(declared)
            ? await res.body.text()
            : await readCapped(res.body, req.maxResponseBytes),
      };
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.allSettled(all.map(async (p) => (await p).close()));
    },
  };
}

export {
  EXPRESS_ROUTING,
  type ExpressRequestLike,
  expressRequestFacts,
  expressTrustsProxy,
} from './node-express.js';
export {
  type FastifyPrefixRoots,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type FastifyRouteLike,
  type FastifyRouterConfig,
  type FastifyRouting,
  fastifyCoreRouting,
  fastifyPrefixRoots,
  fastifyReplyResponse,
  fastifyRequestFacts,
  fastifyRoutedTarget,
  fastifyRouting,
  fastifyTrust,
} from './node-fastify.js';
export {
  appendNodeResponseHeaders,
  forwardedForLines,
  forwardUpstream,
  type NodeRequestFacts,
  type NodeRequestLike,
  type NodeResponseLike,
  type NodeScreening,
  nodeWebRequest,
  pathOfTarget,
  screenNodeRequest,
  sendNodeResponse,
  withNodeTransport,
} from './node-http.js';
export {
  believedScheme,
  type ProxyWalk,
  type TrustFn,
  trustedClientIp,
  trustedProto,
  trustWalk,
} from './node-trust.js';
