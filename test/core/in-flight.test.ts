import { createEsper, type EsperOptions, type Transport } from '@esper/core';
import { createUndiciTransport } from '@esper/core/node';
import { DEFAULT_TEST_KEY, type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let rt: MockRuntime;
beforeEach(async () => {
  rt = await startMockRuntime();
});
afterEach(() => rt.close());

const transports: Array<[string, () => Pick<EsperOptions, 'transport'>]> = [
  ['fetch', () => ({})],
  ['undici', () => ({ transport: createUndiciTransport({ load: () => import('undici') }) })],
];

describe.each(transports)('maxInFlight (%s transport)', (_, transport) => {
  const esper = (options: EsperOptions) =>
    createEsper({
      apiKey: DEFAULT_TEST_KEY.apiKey,
      secret: DEFAULT_TEST_KEY.secret,
      apiBase: rt.url,
      env: {},
      cache: false,
      ...transport(),
      ...options,
    });
  const burst = (n: number) =>
    Array.from({ length: n }, (_, i) => new Request(`https://app.example/p/${i}`));

  it('against a hanging runtime, sends only maxInFlight calls; every request decides on time', async () => {
    rt.script({ answer: { fault: 'hang' } });
    const e = esper({ maxInFlight: 2, timeoutMs: 200 });
    try {
      const started = performance.now();
      const decisions = await Promise.all(burst(6).map((r) => e.protect(r)));
      expect(performance.now() - started).toBeLessThan(600);
      expect(decisions.map((d) => d.reason)).toEqual(Array(6).fill('timeout'));
      // The four that waited for a slot past their deadline were never sent.
      await new Promise((r) => setTimeout(r, 100));
      expect(rt.requests).toHaveLength(2);
    } finally {
      await e.close();
    }
  });

  it('against a working runtime, the calls that wait get their turn and are answered', async () => {
    rt.script({ answer: { fault: 'delay', ms: 20 } });
    const e = esper({ maxInFlight: 1, timeoutMs: 2000 });
    try {
      const decisions = await Promise.all(burst(5).map((r) => e.protect(r)));
      expect(decisions.map((d) => d.source)).toEqual(Array(5).fill('remote'));
      expect(rt.requests).toHaveLength(5);
    } finally {
      await e.close();
    }
  });
});

describe('maxInFlight slots', () => {
  it('a call that never settles (its transport ignores the abort) frees its slot after a while', async () => {
    let sends = 0;
    const answer = JSON.stringify({ action: 'allow', decision_id: 'dec_1' });
    const transport: Transport = {
      send: () => {
        sends++;
        // The first two calls never settle, whatever happens to their signal.
        if (sends <= 2) return new Promise(() => {});
        return Promise.resolve({ status: 200, headers: new Headers(), body: answer });
      },
    };
    const e = createEsper({
      apiKey: 'k',
      secret: 's',
      apiBase: 'https://rt.example',
      env: {},
      cache: false,
      maxInFlight: 2,
      timeoutMs: 50,
      transport,
    });
    const first = await Promise.all(
      [1, 2, 3].map((i) => e.protect(new Request(`https://a.example/${i}`))),
    );
    expect(first.map((d) => d.reason)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(sends).toBe(2);
    await new Promise((r) => setTimeout(r, 1100));
    const later = await e.protect(new Request('https://a.example/later'));
    expect([later.source, later.decisionId, sends]).toEqual(['remote', 'dec_1', 3]);
  });
});
