/**
 * `createUpstashStore`: the same store and Lua script as `createRedisStore`, over Upstash's
 * HTTP API (`@upstash/redis`), for Vercel Edge, Cloudflare Workers and other fetch-only
 * runtimes. Web-standard: it never imports node-redis, nor `@upstash/redis` itself (you pass
 * your client). One EVALSHA per decision; EVAL when the server lacks the script (NOSCRIPT).
 */
import type { PolicyStore, RecordOptions, StoreBatch, StoreBatchResult } from '@esper/policy';
import {
  createScriptStore,
  isNoScript,
  SCRIPT,
  type ScriptStoreOptions,
  scriptSha,
} from './script.js';

export { SCRIPT, type ScriptStoreOptions, scriptSha } from './script.js';

/** What the store needs of an `@upstash/redis` `Redis` client. */
export interface UpstashScriptClient {
  evalsha(sha: string, keys: string[], args: string[]): Promise<unknown>;
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
}

export interface UpstashStoreOptions extends ScriptStoreOptions {
  /**
   * `new Redis({ url, token, retry: false })` from `@upstash/redis`: without retries, a failing
   * call fails at once and the decision falls back instead of waiting out its timeout.
   */
  redis: UpstashScriptClient;
}

export interface UpstashStore extends PolicyStore {
  record(batch: StoreBatch, nowMs: number, options?: RecordOptions): Promise<StoreBatchResult>;
}

export function createUpstashStore(options: UpstashStoreOptions): UpstashStore {
  const redis = options?.redis;
  if (typeof redis?.evalsha !== 'function' || typeof redis.eval !== 'function') {
    throw new TypeError('esper redis: `redis` must be an @upstash/redis client');
  }
  let sha: string | undefined;
  const loading = scriptSha().then((hex) => {
    sha = hex;
    return hex;
  });
  // No per-call abort: @upstash/redis takes a signal per client, not per command; the caller's
  // deadline (`@esper/hybrid`'s guard) bounds the wait.
  return createScriptStore(async (keys, args) => {
    try {
      return await redis.evalsha(sha ?? (await loading), keys, args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(SCRIPT, keys, args);
    }
  }, options);
}
