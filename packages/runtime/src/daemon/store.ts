/**
 * `runtime.xml`'s `<store>` made real for `esper run`: the counters `createHybrid` decides with.
 * `memory` keeps them in this process (the default bound needs no store of its own);
 * `redis` shares them with every daemon, app or function pointed at the same Redis, so
 * "5 logins in 1 minute" is 5 across all of them. The URL is never logged or shown whole.
 */
import type { Hybrid } from '@esper/hybrid';
import { createMemoryStore, type PolicyStore } from '@esper/policy';
import { createRedisStore } from '@esper/redis';
import { DEFAULT_STORE, redactRedisUrl, redisUrlOf, type StoreSettings } from './files.js';
import type { FileLogger } from './log.js';

/** What `/status` (and so `esper status`) says of the store. */
export type StoreStatus = (
  | { type: 'memory'; max_keys: number }
  | { type: 'redis'; url: string; url_env: string | null }
) & {
  /** `createHybrid`'s breaker around a given store; null when the default memory store counts. */
  breaker: {
    state: string;
    recent_failures: number;
    short_circuited: number;
    last_error: string | null;
  } | null;
};

export interface DaemonStore {
  /** For `createHybrid({ store })`; undefined: its own default memory store. */
  store: PolicyStore | undefined;
  status(hybrid: Hybrid): StoreStatus;
  close(): Promise<void>;
}

/**
 * Opens the store of `settings`. A `<url_env>` that is unset or not a Redis URL throws an
 * `EsperFileError` (file, line, field) before anything starts. A Redis that is down does not
 * stop the daemon: decisions fall back (`store_unavailable`) until it answers.
 */
export function openStore(
  settings: StoreSettings,
  logger: FileLogger,
  env: Record<string, string | undefined> = process.env,
): DaemonStore {
  let scrub = (message: string) => message;
  const breaker = (hybrid: Hybrid): StoreStatus['breaker'] => {
    const b = hybrid.status().store;
    return b
      ? {
          state: b.state,
          recent_failures: b.recentFailures,
          short_circuited: b.shortCircuited,
          last_error: b.lastError === undefined ? null : scrub(b.lastError),
        }
      : null;
  };
  if (settings.type === 'memory') {
    const { maxKeys } = settings;
    // The default bound is createHybrid's own store: no breaker, no deadline per decision.
    const own = maxKeys === DEFAULT_STORE.maxKeys ? undefined : createMemoryStore({ maxKeys });
    return {
      store: own,
      status: (hybrid) => ({ type: 'memory', max_keys: maxKeys, breaker: breaker(hybrid) }),
      close: async () => {},
    };
  }
  const url = redisUrlOf(settings, env);
  const shown = redactRedisUrl(url);
  scrub = scrubber(url);
  const urlEnv = settings.urlEnv?.name ?? null;
  const redis = createRedisStore({ url });
  redis.ready().then(
    () => logger.info({ store: shown }, 'redis store connected'),
    (err: Error) =>
      logger.warn(
        { store: shown, err: scrub(err.message) },
        'redis store not connected; decisions fall back until it answers',
      ),
  );
  return {
    store: redis,
    status: (hybrid) => ({ type: 'redis', url: shown, url_env: urlEnv, breaker: breaker(hybrid) }),
    close: () => redis.close(),
  };
}

/** Blanks the URL and its password out of a client's error message, should one quote them. */
function scrubber(url: string): (message: string) => string {
  const { password } = new URL(url);
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {}
  const secrets = [url, password, decoded].filter((p): p is string => !!p && p.length > 0);
  return (message) => secrets.reduce((m, secret) => m.split(secret).join('***'), message);
}
