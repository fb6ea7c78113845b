import { expect, it } from 'vitest';
import { DecisionActivity } from './activity.js';
import { consolePage } from './page.js';
import type { ConsoleScope } from './types.js';

const EVIL = '</script><img src=x onerror=alert(1)>';

function scope(): ConsoleScope {
  const activity = new DecisionActivity({ now: () => 1_700_000_000_000 });
  activity.record({ action: 'block', mode: 'live', entity: EVIL, latencyUs: 120 });
  return {
    id: EVIL,
    label: `Tenant ${EVIL}`,
    totals: { requests: 1, allow: 0, challenge: 0, block: 1, monitor: 0 },
    timeline: {
      bucketSeconds: 10,
      buckets: activity.timeline(3).map(({ startMs, ...c }) => ({
        start: new Date(startMs).toISOString(),
        ...c,
      })),
    },
    policies: [
      { id: EVIL, name: EVIL, kind: 'policy', observe: 0, challenge: 0, block: 1, allow: 0 },
    ],
    entities: activity.topEntities(),
    latency: activity.latency(),
    sync: { ok: false, summary: EVIL, details: [{ name: EVIL, value: EVIL }] },
    audit: [{ id: 1, at: EVIL, actor: EVIL, action: 'policy.update', subject: EVIL }],
    notes: [EVIL],
  };
}

it('escapes everything a tenant or client chose, in the tables and in the embedded JSON', () => {
  const html = consolePage(
    { title: EVIL, generatedAt: '2026-01-01T00:00:00Z', scopes: [scope()] },
    '/results/assets',
  );
  expect(html).not.toContain('<img');
  // Exactly the page's own three script elements close: the JSON cannot end its element early.
  expect(html.match(/<\/script>/g)).toHaveLength(3);
  expect(html).toContain('\\u003c/script>\\u003cimg');
  expect(html).toContain('<span class="figure" data-figure="block">1</span>');
  expect(html).toContain('p50 <span data-figure="p50">120 µs</span>');
});

it('says so when there is nothing to show', () => {
  const empty: ConsoleScope = {
    ...scope(),
    totals: { requests: 0, allow: 0, challenge: 0, block: 0, monitor: 0 },
    policies: [],
    entities: [],
    latency: new DecisionActivity().latency(),
    audit: [],
    timeline: { bucketSeconds: 10, buckets: [] },
  };
  const html = consolePage({ title: 't', generatedAt: 'now', scopes: [empty] }, '/a');
  expect(html).toContain('No policies matched yet.');
  expect(html).toContain('No decisions yet.');
  expect(html).toContain('No decision latency recorded yet.');
  expect(html).toContain('No changes recorded.');
  expect(html).not.toContain('id="policies-0"');
});
