/**
 * The one Lua script a decision costs, and the `PolicyStore` built on it. Web-standard: the
 * TCP store (`./index.ts`, node-redis) and the HTTP one (`./upstash.ts`) only differ in how
 * they send `EVALSHA`.
 *
 * A sliding window is a hash of time cells, `<prefix>{<tenant>}:w:<seconds>:<entity key>`: one
 * field per cell (1/60 of the window, as the in-memory store), holding that cell's count. The
 * script adds the event to the current cell, drops cells that left the window, sums the rest
 * and sets the key's TTL to the window, so a key outlives its last event by one window and no
 * longer. State is a hash per entity, `<prefix>{<tenant>}:s:<scope>:<entity key>`. Every key of
 * a tenant shares the hash tag `{<tenant>}`, so one script's keys sit in one Redis Cluster slot,
 * and every key is passed in KEYS.
 */
import type {
  PolicyStore,
  RecordOptions,
  Scope,
  StoreBatch,
  StoreBatchResult,
} from '@esper/policy';

/**
 * KEYS: the window keys, then the state keys. ARGV: op (`r` record, `s` set state), then for
 * `r`: now (ms), window count, state count, (window ms, cells, 1 to count or 0 to read) per
 * window, the field per state read; for `s`: field, TTL ms, and the value (absent: delete).
 * A state value comes back as `=value` (nil when unset): a client that parses string replies
 * as JSON (Upstash's does) leaves it alone.
 */
export const SCRIPT = `
if ARGV[1] == 's' then
  if ARGV[4] then
    redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
  else
    redis.call('HDEL', KEYS[1], ARGV[2])
  end
  return 1
end
local now = tonumber(ARGV[2])
local nw = tonumber(ARGV[3])
local ns = tonumber(ARGV[4])
local out = {}
local a = 5
for i = 1, nw do
  local key = KEYS[i]
  local wms = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  local cell = math.floor(now * n / wms)
  local oldest = cell - n
  if ARGV[a + 2] == '1' then
    redis.call('HINCRBY', key, cell, 1)
    redis.call('PEXPIRE', key, wms)
  end
  a = a + 3
  local cells = redis.call('HGETALL', key)
  local total = 0
  local stale = {}
  for j = 1, #cells, 2 do
    if tonumber(cells[j]) > oldest then
      total = total + tonumber(cells[j + 1])
    else
      stale[#stale + 1] = cells[j]
    end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  out[i] = total
end
for j = 1, ns do
  local v = redis.call('HGET', KEYS[nw + j], ARGV[a])
  a = a + 1
  if v then out[nw + j] = '=' .. v else out[nw + j] = false end
end
return out
`;

/** The one `crypto.subtle` call this needs (the DOM's `Crypto` type is not in every user's lib). */
interface DigestCrypto {
  readonly subtle: object;
}
type Digest = (algorithm: string, data: Uint8Array) => Promise<ArrayBuffer>;

/** SHA-1 of the script, hex: what EVALSHA names it by (crypto.subtle, so Web-standard). */
export async function scriptSha(crypto: DigestCrypto = globalThis.crypto) {
  const subtle = crypto.subtle as { digest: Digest };
  const digest = await subtle.digest('SHA-1', new TextEncoder().encode(SCRIPT));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Runs the script once: EVALSHA, and EVAL when the server does not have it (NOSCRIPT). */
export type RunScript = (
  keys: string[],
  args: string[],
  signal: AbortSignal | undefined,
) => Promise<unknown>;

export interface ScriptStoreOptions {
  /** Put before every key; default `esper:`. */
  prefix?: string;
  /** Cells per window (each window is exact to one cell). Default 60. */
  cells?: number;
  /** State fields expire this long after their last write. Default 30 days. */
  stateTtlSeconds?: number;
}

/** `true` for a NOSCRIPT error, whichever client raised it. */
export function isNoScript(err: unknown): boolean {
  return String((err as { message?: unknown } | null)?.message ?? err).includes('NOSCRIPT');
}

/** The tenant is the engine key's part before the first `|` (tenant ids cannot hold one). */
function split(key: string): [tenant: string, rest: string] {
  const bar = key.indexOf('|');
  return bar === -1 ? [key, ''] : [key.slice(0, bar), key.slice(bar + 1)];
}

/** A `PolicyStore` whose every call is one run of the script. */
export function createScriptStore(
  run: RunScript,
  options: ScriptStoreOptions = {},
): PolicyStore & {
  record(batch: StoreBatch, nowMs: number, options?: RecordOptions): Promise<StoreBatchResult>;
} {
  const prefix = options.prefix ?? 'esper:';
  const cells = options.cells ?? 60;
  const stateTtlMs = String((options.stateTtlSeconds ?? 30 * 86_400) * 1000);
  if (!(Number.isInteger(cells) && cells > 0)) throw new RangeError('cells must be > 0');
  const cellsArg = String(cells);

  const windowKey = (key: string, windowSeconds: number) => {
    const [tenant, rest] = split(key);
    return `${prefix}{${tenant}}:w:${windowSeconds}:${rest}`;
  };
  const stateKey = (scope: Scope, key: string) => {
    const [tenant, rest] = split(key);
    return `${prefix}{${tenant}}:s:${scope}:${rest}`;
  };
  const windowArgs = (windowSeconds: number, count: boolean, args: string[]) => {
    args.push(String(windowSeconds * 1000), cellsArg, count ? '1' : '0');
  };

  async function window(key: string, windowSeconds: number, nowMs: number, count: boolean) {
    const args = ['r', String(nowMs), '1', '0'];
    windowArgs(windowSeconds, count, args);
    const reply = (await run([windowKey(key, windowSeconds)], args, undefined)) as unknown[];
    return Number(reply[0]);
  }

  return {
    incrementWindow: (key, windowSeconds, nowMs) => window(key, windowSeconds, nowMs, true),
    countWindow: (key, windowSeconds, nowMs) => window(key, windowSeconds, nowMs, false),
    async getState(scope, key, field) {
      const reply = (await run(
        [stateKey(scope, key)],
        ['r', '0', '0', '1', field],
        undefined,
      )) as unknown[];
      return stateValue(reply[0]);
    },
    async setState(scope, key, field, value) {
      const args = ['s', field, stateTtlMs];
      if (value !== undefined) args.push(value);
      await run([stateKey(scope, key)], args, undefined);
    },
    async record(batch, nowMs, recordOptions) {
      const { windows, state } = batch;
      const keys: string[] = [];
      const args = ['r', String(nowMs), String(windows.length), String(state.length)];
      for (const w of windows) {
        keys.push(windowKey(w.key, w.windowSeconds));
        windowArgs(w.windowSeconds, true, args);
      }
      for (const r of state) {
        keys.push(stateKey(r.scope, r.key));
        args.push(r.field);
      }
      const reply = (await run(keys, args, recordOptions?.signal)) as unknown[];
      if (!Array.isArray(reply)) throw new Error('esper redis: unexpected script reply');
      const counts = new Array<number>(windows.length);
      for (let i = 0; i < windows.length; i++) counts[i] = Number(reply[i]);
      const values = new Array<string | undefined>(state.length);
      for (let j = 0; j < state.length; j++) values[j] = stateValue(reply[windows.length + j]);
      return { counts, state: values };
    },
  };
}

function stateValue(reply: unknown): string | undefined {
  return typeof reply === 'string' && reply.startsWith('=') ? reply.slice(1) : undefined;
}
