/**
 * The checks every consistency suite makes of one run's outcomes, whatever the store: each
 * decision was the store's, every count came back exactly once (the tenant total 1 … N, each
 * entity's counts 1 … n), and the actions match a replay of the same decisions, in the order
 * the store counted them, through one in-memory engine.
 */
import { expect } from 'vitest';
import { type Outcome, replay } from './plan.js';

export interface Exactness {
  allowed: number;
  expectedAllowed: number;
  blockedCount: number;
  blockedShare: number;
  overshoot: number;
  undershoot: number;
}

export async function checkExact(outcomes: Outcome[]): Promise<Exactness> {
  // Every decision was the store's: none fell back.
  expect(outcomes.filter((o) => o.reason !== 'local')).toEqual([]);
  // The tenant total each decision saw is 1 … N, each once: no increment lost or doubled.
  const { expected, totals } = await replay(outcomes);
  expect(totals).toEqual(Array.from({ length: outcomes.length }, (_, i) => i + 1));
  // Every entity's counts are likewise 1 … n across the instances.
  const perKey = new Map<string, number[]>();
  for (const o of outcomes) {
    o.windows!.forEach((key, i) => {
      const list = perKey.get(key) ?? [];
      list.push(o.counts![i]!);
      perKey.set(key, list);
    });
  }
  for (const [key, counts] of perKey) {
    expect(
      counts.sort((a, b) => a - b),
      key,
    ).toEqual(counts.map((_, i) => i + 1));
  }
  let overshoot = 0;
  let undershoot = 0;
  outcomes.forEach((o, i) => {
    const want = expected.at(i)!.action;
    if (o.action === 'allow' && want !== 'allow') overshoot++;
    if (o.action !== 'allow' && want === 'allow') undershoot++;
  });
  return {
    allowed: outcomes.filter((o) => o.action === 'allow').length,
    expectedAllowed: expected.filter((e) => e.action === 'allow').length,
    blockedCount: outcomes.filter((o) => o.policyId === 'pol_count').length,
    blockedShare: outcomes.filter((o) => o.policyId === 'pol_share').length,
    overshoot,
    undershoot,
  };
}
