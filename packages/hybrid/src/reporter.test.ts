import { afterEach, describe, expect, it } from 'vitest';
import { createHybrid, type Hybrid } from './index.js';
import { OriginError } from './origin-client.js';
import { EventReporter, type HybridEvent } from './reporter.js';
import { recordingLogger, until, wireBody } from './test-support/helpers.js';
import { QS_KEY, startTestOrigin, type TestOrigin } from './test-support/origin.js';

function event(i: number): HybridEvent {
  return {
    event_id: `e${i}`,
    observed_at: '2026-11-30T00:00:00.000Z',
    action: 'allow',
    mode: 'live',
    request: { method: 'GET', path: `/${i}` },
  };
}

/** A reporter on a hand-driven clock, without timers: every send is one a push started. */
function reporter(send: (events: HybridEvent[]) => Promise<unknown>, maxQueue = 10_000) {
  const clock = { t: 1_000_000 };
  const logger = recordingLogger();
  const r = new EventReporter({
    send,
    now: () => clock.t,
    random: () => 1,
    logger,
    timers: false,
    maxQueue,
  });
  return { r, clock, logger };
}

describe('EventReporter', () => {
  it('sends a batch when 100 events are queued, not before', async () => {
    const batches: HybridEvent[][] = [];
    const { r } = reporter(async (events) => batches.push(events));
    for (let i = 0; i < 99; i++) expect(r.push(event(i))).toBeUndefined();
    expect(batches).toEqual([]);
    await r.push(event(99));
    expect(batches.map((b) => b.length)).toEqual([100]);
    expect(batches[0]?.[0]?.event_id).toBe('e0');
    expect(r.stats()).toEqual({ queued: 0, sent: 100, dropped: 0 });
  });

  it('sends a smaller batch once the oldest event is 1 s old', async () => {
    const batches: HybridEvent[][] = [];
    const { r, clock } = reporter(async (events) => batches.push(events));
    r.push(event(1));
    clock.t += 999;
    expect(r.push(event(2))).toBeUndefined();
    clock.t += 1;
    await r.push(event(3));
    expect(batches.map((b) => b.map((e) => e.event_id))).toEqual([['e1', 'e2', 'e3']]);
  });

  it('drops what does not fit in the queue, counts it, and says so once a minute', async () => {
    const { r, clock, logger } = reporter(() => new Promise(() => {}), 10);
    for (let i = 0; i < 15; i++) r.push(event(i));
    expect(r.stats()).toEqual({ queued: 10, sent: 0, dropped: 5 });
    expect(logger.at('warn')).toHaveLength(1);
    expect(logger.at('warn')[0]?.obj).toMatchObject({ dropped: 1, total: 1, maxQueue: 10 });
    clock.t += 59_999;
    // Dropped quietly; the queue's age sends its 10 events (a send that never ends).
    r.push(event(15));
    expect(logger.at('warn')).toHaveLength(1);
    expect(r.stats()).toEqual({ queued: 0, sent: 0, dropped: 6 });
    clock.t += 1;
    // A minute on, the next push says what was dropped quietly, even if it drops nothing.
    r.push(event(16));
    expect(logger.at('warn')).toHaveLength(2);
    expect(logger.at('warn')[1]?.obj).toMatchObject({ dropped: 5, total: 6 });
    for (let i = 17; i < 27; i++) r.push(event(i));
    expect(r.stats()).toEqual({ queued: 10, sent: 0, dropped: 7 });
    expect(logger.at('warn')).toHaveLength(2);
  });

  it('retries a failed batch first, after a backoff, losing nothing', async () => {
    let fail = true;
    const batches: string[][] = [];
    const { r, clock, logger } = reporter(async (events) => {
      batches.push(events.map((e) => e.event_id));
      if (fail) throw new OriginError(503, 'events: HTTP 503');
    });
    for (let i = 0; i < 100; i++) r.push(event(i));
    await r.flush();
    expect(r.stats()).toMatchObject({ queued: 100, sent: 0 });
    expect(logger.at('warn')[0]?.msg).toContain('retrying');
    fail = false;
    // Within the backoff (1 s for the first failure, random = 1): no new attempt.
    expect(r.push(event(100))).toBeUndefined();
    clock.t += 1000;
    await r.push(event(101));
    expect(batches[1]).toEqual(batches[0]);
    expect(r.stats()).toMatchObject({ queued: 2, sent: 100 });
  });

  it('drops a batch origin refuses (4xx): sending it again cannot help', async () => {
    const { r, logger } = reporter(async () => {
      throw new OriginError(400, 'events: HTTP 400 invalid_body');
    });
    for (let i = 0; i < 100; i++) r.push(event(i));
    await r.flush();
    expect(r.stats()).toEqual({ queued: 0, sent: 0, dropped: 100 });
    expect(logger.at('error')[0]?.msg).toContain('refused');
  });
});

describe('reporting to origin', () => {
  let origin: TestOrigin;
  let hybrid: Hybrid | undefined;
  afterEach(async () => {
    await hybrid?.close();
    await origin.close();
  });

  it('posts every local decision, signed, in batches, off the request path', async () => {
    origin = await startTestOrigin();
    origin.failEvents(1);
    hybrid = createHybrid({
      apiKey: QS_KEY.apiKey,
      secret: QS_KEY.secret,
      apiBase: origin.url,
      logger: recordingLogger(),
    });
    await hybrid.ready();
    const answers: Array<Record<string, unknown>> = [];
    for (const path of ['/', '/?foo=bar', '/articles/1']) {
      answers.push((await hybrid.decider.decide(wireBody('GET', path))) as Record<string, unknown>);
    }
    // Nothing was sent while deciding: the first batch leaves after 1 s, fails, is retried.
    expect(origin.batches).toEqual([]);
    await until(() => expect(origin.events).toHaveLength(3), 8000);
    expect(origin.batches).toEqual([3, 3]);
    const [allow, block] = origin.events;
    expect(block).toMatchObject({
      decision_id: answers[1]?.decision_id,
      action: 'block',
      mode: 'live',
      policy_id: 'pol_foo_bar',
      mitigation_id: 'mit_block',
      request: { method: 'GET', path: '/', client_ip: '203.0.113.10' },
    });
    expect(allow?.event_id).toMatch(/^[0-9a-f-]{36}$/);
    // Sent as columns, a decision no policy made reaches origin as `policy_id: null`.
    expect(allow?.policy_id).toBeNull();
    expect(allow?.latency_us).toBeGreaterThanOrEqual(0);
    // The origin counts a batch before its answer reaches the reporter: wait for that too.
    const reporting = hybrid;
    await until(() =>
      expect(reporting.status().events).toEqual({ queued: 0, sent: 3, dropped: 0 }),
    );
  });
});
