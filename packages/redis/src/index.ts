/**
 * `createRedisStore`: the policy engine's counters and state on Redis over TCP (node-redis),
 * shared by every instance, one EVALSHA per decision. Pass it to `createHybrid({ store })`.
 */

import type { PolicyStore, RecordOptions, StoreBatch, StoreBatchResult } from '@esper/policy';
import { createClient, type RedisClientOptions } from '@redis/client';
import {
  createScriptStore,
  isNoScript,
  SCRIPT,
  type ScriptStoreOptions,
  scriptSha,
} from './script.js';

export { SCRIPT, type ScriptStoreOptions, scriptSha } from './script.js';

interface EvalOptions {
  keys: string[];
  arguments: string[];
}

/**
 * What the store needs of a node-redis client: `createClient()`'s and `createCluster()`'s both
 * have it (a cluster routes the script by its first key; every key shares the tenant's slot).
 */
export interface RedisScriptClient {
  evalSha(sha: string, options: EvalOptions): Promise<unknown>;
  eval(script: string, options: EvalOptions): Promise<unknown>;
}

export interface RedisStoreOptions extends ScriptStoreOptions {
  /** A connected node-redis client (or cluster). Its owner connects, handles errors, closes. */
  client?: RedisScriptClient;
  /** Or: `redis://` URL the store connects to itself (and `close()` disconnects). */
  url?: string;
  /** Extra options for the client the store creates from `url`. */
  clientOptions?: Omit<RedisClientOptions, 'url'>;
}

export interface RedisStore extends PolicyStore {
  record(batch: StoreBatch, nowMs: number, options?: RecordOptions): Promise<StoreBatchResult>;
  /** Resolves once the store's own client (from `url`) is connected; at once with `client`. */
  ready(): Promise<void>;
  /** Disconnects the client the store created; leaves a given `client` alone. */
  close(): Promise<void>;
}

/**
 * EVALSHA, falling back to EVAL (which loads the script) when the server lacks it. No abort
 * signal per call: node-redis can only withdraw a command not yet written, and a connected
 * client writes at once (while disconnected, `disableOfflineQueue` fails commands at once); the
 * caller's deadline (`@esper/hybrid`'s guard) bounds the wait, and a per-call signal would cost
 * a client proxy per decision (a tenth of a loopback round trip).
 */
export function scriptRunner(client: RedisScriptClient) {
  let sha: string | undefined;
  const loading = scriptSha().then((hex) => {
    sha = hex;
    return hex;
  });
  return async (keys: string[], args: string[]) => {
    const options = { keys, arguments: args };
    try {
      return await client.evalSha(sha ?? (await loading), options);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return client.eval(SCRIPT, options);
    }
  };
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  if (!options?.client === !options?.url) {
    throw new TypeError('esper redis: pass exactly one of `client` and `url`');
  }
  let own: ReturnType<typeof createClient> | undefined;
  let connecting: Promise<unknown> | undefined;
  let client = options.client;
  if (!client) {
    own = createClient({
      // A request must not wait in a queue for a Redis that is down: fail, fall back, retry.
      disableOfflineQueue: true,
      ...options.clientOptions,
      url: options.url,
    });
    // node-redis emits reconnect errors; unheard, an 'error' event would end the process.
    own.on('error', () => {});
    connecting = own.connect();
    connecting.catch(() => {});
    client = own as unknown as RedisScriptClient;
  }
  const store = createScriptStore(scriptRunner(client), options);
  return {
    ...store,
    async ready() {
      await connecting;
    },
    async close() {
      if (!own) return;
      await connecting?.catch(() => {});
      if (own.isOpen) own.destroy();
    },
  };
}
