import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS } from '@esper/core';
import {
  type ChallengeStore,
  type ClearanceSigner,
  DEFAULT_CHALLENGE,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REPLAY_ENTRIES,
  PolicyRuntime,
  ReplayGuard,
  type TenantState,
} from '@esper/runtime';
import { DEFAULT_ANSWER, isFault } from './answers.js';
import { matches } from './match.js';
import type {
  DecideContext,
  DecideFunction,
  MitigationBody,
  MockAnswer,
  MockKey,
  MockLogger,
  MockRuntimeOptions,
  MockScript,
  RecordedRequest,
  RecordedResponse,
  ScriptHandle,
} from './types.js';

export const DEFAULT_TEST_KEY: Readonly<MockKey> = Object.freeze({
  apiKey: 'esper_test_key',
  secret: 'esper_test_secret',
  sourceId: 'test',
});

// Where they were defined before @esper/runtime existed; still exported from here.
export { DEFAULT_CHALLENGE, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REPLAY_ENTRIES };

interface ScriptEntry {
  script: MockScript;
  hits: number;
  removed: boolean;
}

interface Sleeper {
  timer: ReturnType<typeof setTimeout>;
  resolve: (completed: boolean) => void;
}

interface Waiter {
  count: number;
  resolve: (requests: RecordedRequest[]) => void;
}

/** Control characters (and line separators) escaped, so a path cannot forge log lines. */
function printable(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line per answered call: the protected request (method and path, never the query, which
 * may carry a clearance token) and what it got, e.g. `decide GET /login -> block (pol_x)`.
 * Calls refused before their body was understood are named by the mock's own route.
 */
function logLine(
  rec: RecordedRequest,
  response: RecordedResponse,
): { text: string; action?: string; policyId?: string | null } {
  const request = (rec.body as { request?: { method?: unknown; path?: unknown } } | undefined)
    ?.request;
  const sent = jsonObject(response.body);
  const error = (sent?.error as { code?: unknown } | undefined)?.code;
  const outcome = response.fault
    ? `${response.status} (fault ${response.fault})`
    : typeof error === 'string'
      ? `${response.status} ${error}`
      : undefined;
  if (typeof request?.method !== 'string' || typeof request.path !== 'string') {
    return { text: `${rec.method} ${rec.path} -> ${outcome ?? response.status}` };
  }
  const what = `decide ${printable(request.method)} ${printable(request.path)}`;
  if (outcome !== undefined || typeof sent?.action !== 'string') {
    return { text: `${what} -> ${outcome ?? response.status}` };
  }
  const policyId = typeof sent.policy_id === 'string' ? sent.policy_id : null;
  const action = sent.mode === 'monitor' ? `monitor, would ${sent.action}` : sent.action;
  return {
    text: `${what} -> ${printable(action)} (${policyId === null ? 'no policy' : printable(policyId)})`,
    action: sent.action,
    policyId,
  };
}

function toScript(input: MockScript | MockAnswer): MockScript {
  return 'answer' in input ? input : { answer: input };
}

/**
 * The keys the mock accepts: `keys` (by default `defaultKey`, unless tenants bring their own),
 * then every tenant's, each id at most once.
 */
function acceptedKeys(
  options: MockRuntimeOptions,
  defaultKey: Readonly<MockKey>,
  tenantKeys: ReadonlyMap<string, MockKey>,
): Map<string, MockKey> {
  const keys = new Map<string, MockKey>();
  const add = (key: MockKey) => {
    // Two owners for one key id would make the tenant (and the secret) ambiguous.
    if (keys.has(key.apiKey)) throw new Error(`API key ${key.apiKey} is configured twice`);
    keys.set(key.apiKey, key);
  };
  for (const k of options.keys ?? (tenantKeys.size > 0 ? [] : [defaultKey])) add({ ...k });
  for (const k of tenantKeys.values()) add(k);
  return keys;
}

/**
 * The mock's state, shared by the Hono app and the server wrapper: keys, scripts, recorded
 * requests, seen idempotency keys and pending timers. Tenants, challenges and the admin token
 * are the policy runtime's (`runtime`, from @esper/runtime), whose routes the app also serves.
 */
export class MockController {
  readonly keys: ReadonlyMap<string, MockKey>;
  readonly toleranceSeconds: number;
  readonly maxBodyBytes: number;
  readonly validateBody: boolean;
  readonly replayProtection: boolean;
  readonly logger: MockLogger;
  readonly replay: ReplayGuard;
  /** Live idempotency keys remembered per API key before calls are refused (429). */
  readonly maxReplayEntries: number;
  readonly now: () => number;
  /** Decides for tenants; serves the challenge page, admin API and results. */
  readonly runtime: PolicyRuntime;
  /** Tenants decided by their policies, by tenant id. */
  readonly tenants: ReadonlyMap<string, TenantState>;
  /** Set while the mock shuts down, so sockets it destroys are not taken for client aborts. */
  closing = false;

  private readonly initialScripts: readonly MockScript[];
  private readonly decide: DecideFunction | undefined;
  private readonly defaultAnswer: MockAnswer;
  private readonly maxRecorded: number;
  private scripts: ScriptEntry[] = [];
  private recorded: RecordedRequest[] = [];
  private sequence = 0;
  private readonly sleepers = new Set<Sleeper>();
  private waiters: Waiter[] = [];

  constructor(options: MockRuntimeOptions = {}) {
    const now = options.now ?? Date.now;
    const logger = options.logger ?? {};
    this.runtime = new PolicyRuntime({ ...options, now, logger });
    this.keys = acceptedKeys(options, DEFAULT_TEST_KEY, this.runtime.keys);
    this.tenants = new Map(this.runtime.tenants.list().map((t) => [t.id, t]));
    this.toleranceSeconds =
      options.signatureToleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.validateBody = options.validateBody ?? true;
    this.replayProtection = options.replayProtection ?? true;
    this.logger = logger;
    this.now = now;
    this.maxReplayEntries = options.maxReplayEntries ?? DEFAULT_MAX_REPLAY_ENTRIES;
    this.replay = new ReplayGuard(this.toleranceSeconds * 1000, this.maxReplayEntries);
    this.initialScripts = options.answers ?? [];
    this.decide = options.decide;
    this.defaultAnswer = options.defaultAnswer ?? DEFAULT_ANSWER;
    this.maxRecorded = options.maxRecordedRequests ?? 1000;
    this.scripts = this.initialScripts.map((script) => ({ script, hits: 0, removed: false }));
  }

  /** Pending challenges of policy decisions (the runtime's). */
  get challenges(): ChallengeStore {
    return this.runtime.challenges;
  }

  /** Challenge settings (the runtime's). */
  get challenge(): PolicyRuntime['challenge'] {
    return this.runtime.challenge;
  }

  /** Cache lifetimes the policy answers carry (challenges and monitor answers: always 0). */
  get decisionTtl(): PolicyRuntime['decisionTtl'] {
    return this.runtime.decisionTtl;
  }

  /** Bearer token (or Basic password) of the admin API; random unless configured. */
  get adminToken(): string {
    return this.runtime.adminToken;
  }

  /** Signs and verifies clearance tokens (the runtime's). */
  clearanceSigner(): Promise<ClearanceSigner> {
    return this.runtime.clearanceSigner();
  }

  /** Recorded calls, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  /** Adds a scripted answer after the existing ones. A bare answer matches every request. */
  script(input: MockScript | MockAnswer): ScriptHandle {
    const entry: ScriptEntry = { script: toScript(input), hits: 0, removed: false };
    this.scripts.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
      get remaining() {
        const times = entry.script.times;
        return times === undefined ? Number.POSITIVE_INFINITY : Math.max(0, times - entry.hits);
      },
      remove: () => {
        entry.removed = true;
        this.scripts = this.scripts.filter((e) => e !== entry);
      },
    };
  }

  /**
   * Forgets requests, run-time scripts and idempotency keys; `options.answers` start over.
   * Tenants go back to their configured rules with fresh counters, results and audit logs,
   * and pending challenges are dropped.
   */
  reset(): void {
    this.recorded = [];
    this.sequence = 0;
    this.scripts = this.initialScripts.map((script) => ({ script, hits: 0, removed: false }));
    this.replay.clear();
    this.runtime.reset();
  }

  async chooseAnswer(body: MitigationBody, ctx: DecideContext): Promise<MockAnswer> {
    for (const entry of this.scripts) {
      const { times } = entry.script;
      if (entry.removed || (times !== undefined && entry.hits >= times)) continue;
      if (!matches(entry.script.match, body, ctx)) continue;
      entry.hits += 1;
      return entry.script.answer;
    }
    return this.fallbackAnswer(body, ctx);
  }

  /**
   * `decide`, then the policies of the key's tenant, then the default answer: also what a
   * `delay` without `then` answers with.
   */
  async fallbackAnswer(body: MitigationBody, ctx: DecideContext): Promise<MockAnswer> {
    const decided = this.decide ? await this.decide(body, ctx) : undefined;
    if (decided) return decided;
    const tenant = this.runtime.tenantOf(ctx.key);
    return tenant ? this.runtime.decide(tenant, body, ctx.key) : this.defaultAnswer;
  }

  record(init: Omit<RecordedRequest, 'id' | 'receivedAt'>): RecordedRequest {
    this.sequence += 1;
    const rec: RecordedRequest = { id: this.sequence, receivedAt: Date.now(), ...init };
    this.recorded.push(rec);
    if (this.recorded.length > this.maxRecorded) this.recorded.shift();
    this.waiters = this.waiters.filter((w) => {
      if (this.recorded.length < w.count) return true;
      w.resolve([...this.recorded]);
      return false;
    });
    return rec;
  }

  respond(rec: RecordedRequest, response: RecordedResponse): void {
    rec.response = response;
    rec.respondedAt = Date.now();
    if (!this.logger.info) return;
    const line = logLine(rec, response);
    this.logger.info(line.text, {
      id: rec.id,
      status: response.status,
      action: line.action ?? (rec.answer && !isFault(rec.answer) ? rec.answer.action : undefined),
      ...(line.policyId !== undefined && { policy_id: line.policyId }),
    });
  }

  /** Resolves once at least `count` requests are recorded (since the last reset). */
  waitForRequests(count = 1, timeoutMs = 5000): Promise<RecordedRequest[]> {
    if (this.recorded.length >= count) return Promise.resolve([...this.recorded]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve: (requests) => {
          clearTimeout(timer);
          resolve(requests);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${count} request(s), got ${this.recorded.length}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Resolves true after `ms`, or false as soon as `signal` aborts or the mock is disposed, so
   * no fault leaves a timer behind that would keep a test process alive.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted || this.closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(() => finish(true), ms),
        resolve: (completed) => finish(completed),
      };
      const onAbort = () => finish(false);
      const finish = (completed: boolean) => {
        clearTimeout(sleeper.timer);
        this.sleepers.delete(sleeper);
        signal?.removeEventListener('abort', onAbort);
        resolve(completed);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.add(sleeper);
    });
  }

  /** Ends every pending sleep (delays, drips, hangs without a Node socket). */
  dispose(): void {
    this.closing = true;
    for (const sleeper of [...this.sleepers]) sleeper.resolve(false);
  }
}
