import { EsperConfigError } from '@esper/core';
import { createMemoryStore, type PolicyStore } from '@esper/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHybrid, type Hybrid, type HybridOptions } from './index.js';
import { recordingLogger, until, wireBody } from './test-support/helpers.js';
import {
  QS_KEY,
  quickstartSnapshot,
  startTestOrigin,
  type TestOrigin,
} from './test-support/origin.js';

let origin: TestOrigin;
const open: Hybrid[] = [];

beforeEach(async () => {
  origin = await startTestOrigin();
});
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await origin.close();
});

function hybrid(extra: Partial<HybridOptions> = {}) {
  const logger = recordingLogger();
  const h = createHybrid({
    apiKey: QS_KEY.apiKey,
    secret: QS_KEY.secret,
    apiBase: origin.url,
    pollIntervalMs: 40,
    reportEvents: false,
    logger,
    ...extra,
  });
  open.push(h);
  return { h, logger };
}

const fooBar = () => wireBody('GET', '/?foo=bar');
const fooBaz = () => wireBody('GET', '/?foo=baz');
/** v2 blocks `?foo=baz` instead of `?foo=bar`. */
const v2 = () =>
  quickstartSnapshot('v2', (config) => {
    config.policies[1].clauses[0].match.FieldCmp.value = 'baz';
  });

describe('sync', () => {
  it('fetches at creation, then polls with If-None-Match and takes 304 as confirmation', async () => {
    const { h } = hybrid();
    await h.ready();
    expect(h.status()).toMatchObject({ version: 'v1', source: 'origin', stale: false });
    const first = h.status().syncedAt!;
    await until(() => expect(origin.snapshotCalls.length).toBeGreaterThanOrEqual(3));
    expect(origin.snapshotCalls[0]).toEqual({ ifNoneMatch: undefined, status: 200 });
    expect(origin.snapshotCalls.slice(1, 3)).toEqual([
      { ifNoneMatch: '"v1"', status: 304 },
      { ifNoneMatch: '"v1"', status: 304 },
    ]);
    await until(() => expect(h.status().syncedAt).toBeGreaterThan(first));
    expect(h.status().version).toBe('v1');
  });

  it('takes a new version within a poll interval, whole', async () => {
    const { h, logger } = hybrid();
    await h.ready();
    expect(((await h.decider.decide(fooBar())) as { action: string }).action).toBe('block');
    origin.serve(v2());
    await until(() => expect(h.status().version).toBe('v2'));
    expect(((await h.decider.decide(fooBar())) as { action: string }).action).toBe('allow');
    expect(((await h.decider.decide(fooBaz())) as { action: string }).action).toBe('block');
    expect(logger.at('info').map((l) => l.obj)).toContainEqual({ version: 'v2', previous: 'v1' });
  });

  it('decides each request with exactly one snapshot, even when a swap lands mid-decision', async () => {
    // A store that holds the first count until released: the decision is mid-evaluation.
    const memory = createMemoryStore();
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let hold = false;
    const store: PolicyStore = {
      async incrementWindow(key, windowSeconds, nowMs) {
        if (hold) await gate;
        return memory.incrementWindow(key, windowSeconds, nowMs);
      },
      countWindow: (key, windowSeconds, nowMs) => memory.countWindow(key, windowSeconds, nowMs),
      getState: (scope, key, field) => memory.getState(scope, key, field),
      setState: (scope, key, field, value) => memory.setState(scope, key, field, value),
    };
    const { h } = hybrid({ store });
    await h.ready();
    hold = true;
    const pending = h.decider.decide(fooBar()) as Promise<Record<string, unknown>>;
    origin.serve(v2());
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await until(() => expect(h.status().version).toBe('v2'));
    expect(settled).toBe(false);
    hold = false;
    release?.();
    // Begun under v1 (which blocks ?foo=bar), finished under v1, though v2 now decides.
    expect(await pending).toMatchObject({ action: 'block', policy_id: 'pol_foo_bar' });
    expect(await h.decider.decide(fooBar())).toMatchObject({ action: 'allow' });
  });

  it('keeps the last-known-good when origin serves an invalid snapshot, naming the JSON path', async () => {
    const { h, logger } = hybrid();
    await h.ready();
    origin.serve(
      quickstartSnapshot('v2', (config) => {
        config.policies[0].window.window_seconds = 'sixty';
      }),
    );
    await until(() => expect(h.status().lastError).toContain('invalid snapshot'));
    expect(h.status().lastError).toContain('$.config.policies[0].window');
    expect(h.status().version).toBe('v1');
    expect(((await h.decider.decide(fooBar())) as { action: string }).action).toBe('block');
    const warning = logger.at('warn').find((l) => l.msg.includes('$.config.policies[0]'));
    expect(warning?.msg).toContain('deciding with snapshot v1');
    // Fixed at origin: taken at the next poll, and the error is cleared.
    origin.serve(v2());
    await until(() => expect(h.status().version).toBe('v2'));
    expect(h.status().lastError).toBeUndefined();
  });

  it('keeps deciding while origin is down, says how stale, backs off, and recovers', async () => {
    const { h, logger } = hybrid();
    await h.ready();
    origin.down(503);
    const callsAtOutage = origin.snapshotCalls.length;
    await until(() => expect(h.status().stale).toBe(true));
    expect(h.status().lastError).toContain('HTTP 503');
    expect(((await h.decider.decide(fooBar())) as { action: string }).action).toBe('block');
    expect(logger.at('warn').at(-1)?.msg).toMatch(
      /deciding with snapshot v1, last confirmed \d+ s ago/,
    );
    expect(logger.at('warn').at(-1)?.obj.staleMs).toBeGreaterThan(0);
    // Backoff starts at min(1 s, interval) = 40 ms and doubles: far fewer calls than polling.
    await new Promise((r) => setTimeout(r, 600));
    const during = origin.snapshotCalls.length - callsAtOutage;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(6);
    origin.serve(v2());
    await until(() => expect(h.status()).toMatchObject({ version: 'v2', stale: false }), 10_000);
  });

  it('never makes a request wait for a slow origin', async () => {
    const { h } = hybrid({ refresh: 'requests' });
    await h.ready();
    origin.delay(1000);
    await new Promise((r) => setTimeout(r, 60));
    const handed: Promise<unknown>[] = [];
    const started = performance.now();
    const answer = await h.decider.decide(fooBar(), { waitUntil: (p) => handed.push(p) });
    expect(performance.now() - started).toBeLessThan(100);
    expect(answer).toMatchObject({ action: 'block' });
    // The poll it started is still waiting on origin.
    expect(handed).toHaveLength(1);
    let done = false;
    void handed[0]?.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    origin.delay(0);
    await handed[0];
  });

  it('refuses a snapshot signed for nobody: a wrong secret is a sync error, not a crash', async () => {
    const { h } = hybrid({ secret: 'not-the-secret' });
    await expect(h.ready()).rejects.toThrow(/no snapshot.*HTTP 401/);
    await expect(h.decider.decide(fooBar())).rejects.toThrow(/no snapshot yet/);
  });

  it('polls only when a request finds it due with refresh: requests, handing the work to waitUntil', async () => {
    const { h } = hybrid({ refresh: 'requests' });
    await new Promise((r) => setTimeout(r, 100));
    expect(origin.snapshotCalls).toEqual([]);
    const handed: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => handed.push(p);
    await expect(h.decider.decide(fooBar(), { waitUntil })).rejects.toThrow(/no snapshot yet/);
    expect(handed).toHaveLength(1);
    await handed[0];
    expect(h.status().version).toBe('v1');
    // Not due yet: no call. Due after the interval: one call, again handed over.
    await h.decider.decide(fooBar(), { waitUntil });
    expect(handed).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    await h.decider.decide(fooBar(), { waitUntil });
    expect(handed).toHaveLength(2);
    await handed[1];
    expect(origin.snapshotCalls.map((c) => c.status)).toEqual([200, 304]);
  });
});

describe('bootstrap', () => {
  it('decides before the first sync, while origin is down at start', async () => {
    origin.down(503);
    const { h } = hybrid({ bootstrap: quickstartSnapshot('bundled') });
    const answer = (await h.decider.decide(fooBar())) as Record<string, unknown>;
    expect(answer).toMatchObject({ action: 'block', policy_id: 'pol_foo_bar' });
    await h.ready();
    expect(h.status()).toMatchObject({ version: 'bundled', source: 'bootstrap', stale: true });
    origin.serve(v2());
    await until(
      () => expect(h.status()).toMatchObject({ version: 'v2', source: 'origin' }),
      10_000,
    );
  });

  it("asks origin with the bootstrap's version, so an unchanged tenant costs a 304", async () => {
    const { h } = hybrid({ bootstrap: quickstartSnapshot('v1') });
    await h.ready();
    expect(origin.snapshotCalls[0]).toEqual({ ifNoneMatch: '"v1"', status: 304 });
    expect(h.status()).toMatchObject({ version: 'v1', source: 'bootstrap', stale: false });
  });

  it('asks with bootstrapEtag when given: an ETag that says more than the version still 304s', async () => {
    origin.serve(quickstartSnapshot('v1'), '.k7');
    const { h } = hybrid({ bootstrap: quickstartSnapshot('v1'), bootstrapEtag: '"v1.k7"' });
    await h.ready();
    expect(origin.snapshotCalls[0]).toEqual({ ifNoneMatch: '"v1.k7"', status: 304 });
    // Without it the version alone does not match, and the whole snapshot comes again.
    const { h: plain } = hybrid({ bootstrap: quickstartSnapshot('v1') });
    await plain.ready();
    expect(origin.snapshotCalls[1]).toEqual({ ifNoneMatch: '"v1"', status: 200 });
  });

  it('refuses a bootstrapEtag that is not an entity tag, naming the option', () => {
    for (const bad of ['v1', '"a"b"', 42]) {
      expect(() =>
        hybrid({ bootstrap: quickstartSnapshot('v1'), bootstrapEtag: bad as string }),
      ).toThrow(EsperConfigError);
    }
  });

  it('refuses an invalid bootstrap at creation, with its JSON path', () => {
    const bad = quickstartSnapshot('x', (config) => {
      config.mitigations[0].mode = 'Explode';
    });
    expect(() => hybrid({ bootstrap: bad })).toThrow(EsperConfigError);
    expect(() => hybrid({ bootstrap: bad })).toThrow('$.config.mitigations[0].mode');
  });

  it('without a bootstrap and before a snapshot, decide throws (core falls back)', async () => {
    origin.down(503);
    const { h } = hybrid();
    await expect(h.decider.decide(fooBar())).rejects.toThrow(/no snapshot yet/);
    await expect(h.ready()).rejects.toThrow(/HTTP 503/);
  });
});

describe('options', () => {
  it('refuses what cannot work, at creation', () => {
    expect(() => hybrid({ apiKey: '' })).toThrow(/apiKey/);
    expect(() => hybrid({ apiBase: 'http://esper.example.com' })).toThrow(/https/);
    expect(() => hybrid({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
  });
});
