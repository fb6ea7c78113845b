/** The spool's file format under crashes: torn tails, acks, the bound, compaction. */
import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool, spoolFileStats } from './spool.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'esper-spool-'));
const event = (i: number, at = new Date().toISOString()) => ({
  event_id: `e${i}`,
  observed_at: at,
  n: i,
});
const never = () => false;
const ids = (body: string) =>
  (JSON.parse(body) as { events: Array<{ event_id: string }> }).events.map((e) => e.event_id);

describe('Spool', () => {
  it('keeps unconfirmed events across a reopen and forgets confirmed ones', () => {
    const dir = fresh();
    const a = new Spool(dir, 100);
    for (let i = 0; i < 5; i++) a.append(event(i));
    expect(a.flush()).toBe(5);
    const first = a.nextBatch(never)!;
    expect(ids(first.body)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    a.append(event(5));
    a.flush();
    a.confirm(first, first.count, 'sent');
    a.close(); // as a kill -9 would leave it: nothing more is written on close but the queue
    const b = new Spool(dir, 100);
    expect(ids(b.nextBatch(never)!.body)).toEqual(['e5']);
    expect(b.stats()).toMatchObject({ depth: 1, sent: 5, dropped: 0 });
    expect(spoolFileStats(dir)).toMatchObject({ depth: 1, sent: 5 });
  });

  it('cuts a torn last line (a crash mid-write) and keeps the whole ones', () => {
    const dir = fresh();
    const a = new Spool(dir, 100);
    a.append(event(1));
    a.flush();
    a.close();
    appendFileSync(join(dir, 'spool.log'), '{"event_id":"e2","obs');
    const b = new Spool(dir, 100);
    expect(ids(b.nextBatch(never)!.body)).toEqual(['e1']);
    expect(readFileSync(join(dir, 'spool.log'), 'utf8').endsWith('\n')).toBe(true);
  });

  it('past its bound drops the oldest, counts them, and says so in the ack file', () => {
    const dir = fresh();
    const s = new Spool(dir, 3);
    for (let i = 0; i < 10; i++) s.append(event(i));
    s.flush();
    expect(ids(s.nextBatch(never)!.body)).toEqual(['e7', 'e8', 'e9']);
    expect(s.stats()).toMatchObject({ depth: 3, dropped: 7 });
    expect(JSON.parse(readFileSync(join(dir, 'spool.ack'), 'utf8'))).toMatchObject({ dropped: 7 });
  });

  it('drops events too old for origin when their batch is confirmed', () => {
    const s = new Spool(fresh(), 100);
    s.append(event(1, new Date(0).toISOString()));
    s.append(event(2));
    s.flush();
    const batch = s.nextBatch((e) => e.observed_at === new Date(0).toISOString())!;
    expect(ids(batch.body)).toEqual(['e2']);
    s.confirm(batch, batch.count, 'sent');
    expect(s.stats()).toMatchObject({ depth: 0, sent: 1, dropped: 1 });
  });

  it('starts the log again once everything in it is confirmed (past 1 MiB)', () => {
    const dir = fresh();
    const s = new Spool(dir, 100_000);
    const pad = 'x'.repeat(1000);
    for (let i = 0; i < 1200; i++) s.append({ ...event(i), pad });
    s.flush();
    for (let b = s.nextBatch(never); b; b = s.nextBatch(never)) s.confirm(b, b.count, 'sent');
    expect(statSync(join(dir, 'spool.log')).size).toBe(0);
    expect(s.stats()).toMatchObject({ offset: 0, sent: 1200, depth: 0 });
    s.append(event(9));
    s.flush();
    s.close();
    expect(ids(new Spool(dir, 10).nextBatch(never)!.body)).toEqual(['e9']);
  });

  it('writes at once and fsyncs off the event loop with flush("background"), one fsync at a time', async () => {
    const dir = fresh();
    const s = new Spool(dir, 100);
    s.append(event(1));
    expect(s.flush('background')).toBe(1);
    // Written before flush returns (a crash of the process loses nothing the OS holds)…
    expect(ids(new Spool(dir, 100).nextBatch(never)!.body)).toEqual(['e1']);
    // …and a second flush while that fsync runs still writes (its fsync follows the first).
    s.append(event(2));
    expect(s.flush('background')).toBe(1);
    expect(s.depth()).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    s.close();
    expect(ids(new Spool(dir, 100).nextBatch(never)!.body)).toEqual(['e1', 'e2']);
  });

  it('skips more expired events than one batch reads and sends the live ones after them', () => {
    const dir = fresh();
    const s = new Spool(dir, 10_000);
    const old = new Date(Date.now() - 48 * 3600_000).toISOString();
    for (let i = 0; i < 2500; i++) s.append(event(i, old));
    s.append(event(9999));
    s.flush();
    const expired = (e: { observed_at?: string }) =>
      Date.now() - Date.parse(e.observed_at ?? '') > 24 * 3600_000;
    const batch = s.nextBatch(expired)!;
    expect(ids(batch.body)).toEqual(['e9999']);
    s.confirm(batch, batch.count, 'sent');
    expect(s.stats()).toMatchObject({ depth: 0, sent: 1, dropped: 2500 });
  });
});
