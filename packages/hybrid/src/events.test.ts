import { validateEventBatch } from '@esper/runtime';
import { describe, expect, it } from 'vitest';
import {
  type EventRecord,
  eventBodies,
  eventColumns,
  eventIdPrefix,
  MAX_BATCH_EVENTS,
  wireEvent,
} from './events.js';

function record(seq: number, path = `/${seq}`): EventRecord {
  return {
    seq,
    observedAt: '2026-11-30T00:00:00.000Z',
    decisionId: `dec_hyb_${seq}`,
    action: 'block',
    mode: 'live',
    policyId: seq % 2 ? 'pol_foo_bar' : null,
    mitigationId: seq % 2 ? 'mit_block' : null,
    method: 'GET',
    path,
    clientIp: seq % 3 ? '203.0.113.10' : undefined,
    latencyUs: 7,
  };
}

/** A body as the runtime reads it: the columns checked and expanded to rows. */
function decode(b: Uint8Array): Array<Record<string, unknown>> {
  const json = JSON.parse(new TextDecoder().decode(b));
  expect(Object.keys(json)).toEqual(['columns']);
  const checked = validateEventBatch(json, { earliestMs: 0, latestMs: 8.64e15 });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.events as unknown as Array<Record<string, unknown>>;
}

describe('events', () => {
  it('ids: one random prefix per process, a counter, UUID-shaped and distinct', () => {
    const a = eventIdPrefix(globalThis.crypto);
    const b = eventIdPrefix(globalThis.crypto);
    expect(a).not.toBe(b);
    const ids = [0, 1, 0xfff, 2 ** 40].map((n) => wireEvent(a, record(n)).event_id);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('wire events carry the protocol fields, optional ones only when set', () => {
    expect(wireEvent('p-', record(1))).toEqual({
      event_id: 'p-000000000001',
      observed_at: '2026-11-30T00:00:00.000Z',
      decision_id: 'dec_hyb_1',
      action: 'block',
      mode: 'live',
      policy_id: 'pol_foo_bar',
      mitigation_id: 'mit_block',
      request: { method: 'GET', path: '/1', client_ip: '203.0.113.10' },
      latency_us: 7,
    });
    const plain = wireEvent('p-', record(0));
    expect(plain).not.toHaveProperty('policy_id');
    expect(plain).not.toHaveProperty('mitigation_id');
    expect(plain.request).toEqual({ method: 'GET', path: '/0' });
  });

  it('one body per batch; split under the byte limit, every event once, in order', () => {
    const small = eventBodies('p-', [record(0), record(1), record(2)]);
    expect(small).toHaveLength(1);
    expect(decode(small[0] as Uint8Array).map((e) => e.event_id)).toEqual([
      'p-000000000000',
      'p-000000000001',
      'p-000000000002',
    ]);
    // 1,000 events with 4 KiB paths (non-ASCII: 3 bytes a character) are far over 1 MiB.
    const records = Array.from({ length: 1000 }, (_, i) => record(i, `/${'é'.repeat(1400)}`));
    const bodies = eventBodies('p-', records);
    expect(bodies.length).toBeGreaterThan(1);
    for (const b of bodies) expect(b.length).toBeLessThanOrEqual(1024 * 1024);
    const ids = bodies.flatMap((b) => decode(b).map((e) => e.event_id));
    expect(ids).toEqual(records.map((r) => wireEvent('p-', r).event_id));
  });

  it('columns: the runtime expands them to exactly the rows, at a third of the bytes', () => {
    const prefix = eventIdPrefix(globalThis.crypto);
    // Out-of-order times and a gap in the counter (a dropped event) round-trip too.
    const records = [0, 1, 2, 5, 6, 9].map((n) => ({
      ...record(n),
      observedAt: new Date(Date.UTC(2026, 10, 30) + (n % 4) * 7).toISOString(),
    }));
    const rows = records.map((r) => {
      const e = wireEvent(prefix, r) as unknown as Record<string, unknown>;
      return { policy_id: null, mitigation_id: null, ...e };
    });
    const [body] = eventBodies(prefix, records);
    expect(decode(body as Uint8Array)).toEqual(rows);
    const c = eventColumns(prefix, records);
    expect(c.event_seq).toEqual([0, 1, 1, 3, 1, 3]);
    expect(c.strings).toEqual(['block', 'live', 'GET', 'pol_foo_bar', 'mit_block']);
    expect(c.policy_id).toEqual([-1, 3, -1, 3, -1, 3]);
    const many = Array.from({ length: MAX_BATCH_EVENTS }, (_, i) => record(i));
    const columns = eventBodies(prefix, many)[0] as Uint8Array;
    const asRows = new TextEncoder().encode(
      JSON.stringify({ events: many.map((r) => wireEvent(prefix, r)) }),
    );
    expect(columns.length).toBeLessThan(asRows.length / 2.5);
  });
});
