/**
 * The event spool in `data/`: every local decision's event, appended to `spool.log` as one JSON
 * line and fsync'd in batches, before it is sent; `spool.ack` (replaced atomically) says how far
 * origin has confirmed. Each event carries its `event_id` from the moment it is spooled, so a
 * batch resent after a crash (sent, but the ack not yet written) is counted once: origin
 * remembers event ids for 24 hours. Bounded: past `maxEvents` unconfirmed events the oldest are
 * dropped and counted (`dropped`).
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

export interface SpoolState {
  /** Byte offset in `spool.log` up to which events are confirmed (or dropped). */
  offset: number;
  /** Events origin confirmed (accepted or duplicate), over the spool's life. */
  sent: number;
  /** Events dropped: over the bound, too old for origin, or refused by it. */
  dropped: number;
}

export interface SpoolBatch {
  /** `{"events":[…]}`, ready to sign and send. */
  body: string;
  count: number;
  /** Offset to confirm once origin took it. */
  end: number;
  /** Events in its stretch skipped as too old for origin (dropped when it is confirmed). */
  expired: number;
}

const MAX_BATCH_EVENTS = 1000;
const MAX_BATCH_BYTES = 1024 * 1024 - 64;

export class Spool {
  readonly logFile: string;
  readonly ackFile: string;
  private fd: number;
  private size: number;
  private state: SpoolState;
  /** [start, end) of each line not yet confirmed, oldest first. */
  private pending: Array<[number, number]> = [];
  private buffer: string[] = [];
  /** A background fsync is in flight (`flush('background')`). */
  private syncing = false;
  /** Written while that fsync ran: another follows it. */
  private unsynced = false;

  constructor(
    dir: string,
    private readonly maxEvents: number,
  ) {
    this.logFile = join(dir, 'spool.log');
    this.ackFile = join(dir, 'spool.ack');
    this.state = readAck(this.ackFile);
    this.fd = openSync(this.logFile, 'a+', 0o600);
    this.size = fstatSync(this.fd).size;
    this.recover();
  }

  /** Rebuilds the unconfirmed lines; a torn last line (a crash mid-write) is cut off. */
  private recover(): void {
    const text = this.size > 0 ? readFileSync(this.logFile) : Buffer.alloc(0);
    const lastNewline = text.lastIndexOf(10);
    if (lastNewline + 1 !== text.length) {
      ftruncateSync(this.fd, lastNewline + 1);
      fsyncSync(this.fd);
      this.size = lastNewline + 1;
    }
    // An ack past the end: the log was compacted and the crash came before the ack was reset.
    if (this.state.offset > this.size) this.state.offset = 0;
    let start = this.state.offset;
    while (start < this.size) {
      const end = text.indexOf(10, start) + 1;
      this.pending.push([start, end]);
      start = end;
    }
    this.trimToBound();
  }

  /** Queues one event; `flush()` writes and fsyncs everything queued. */
  append(event: object): void {
    this.buffer.push(`${JSON.stringify(event)}\n`);
  }

  queued(): number {
    return this.buffer.length;
  }

  /**
   * Writes the queued events in one write and one fsync. `background` (the daemon's 25 ms timer)
   * runs the fsync on libuv's thread pool instead of blocking the event loop for the disk, one at
   * a time (what is written meanwhile gets the next). Shutdown and the shipper flush synchronously.
   */
  flush(how: 'sync' | 'background' = 'sync'): number {
    if (this.buffer.length === 0) return 0;
    const lines = this.buffer;
    this.buffer = [];
    const bytes = Buffer.from(lines.join(''));
    writeSync(this.fd, bytes, 0, bytes.length, this.size);
    if (how === 'sync') fsyncSync(this.fd);
    else this.syncInBackground();
    let start = this.size;
    for (const line of lines) {
      const end = start + Buffer.byteLength(line);
      this.pending.push([start, end]);
      start = end;
    }
    this.size = start;
    this.trimToBound();
    return lines.length;
  }

  /** One fsync on the thread pool at a time; a write made meanwhile gets the next one. */
  private syncInBackground(): void {
    if (this.syncing) {
      this.unsynced = true;
      return;
    }
    this.syncing = true;
    this.unsynced = false;
    fsync(this.fd, () => {
      this.syncing = false;
      if (this.unsynced) this.syncInBackground();
    });
  }

  private trimToBound(): void {
    const over = this.pending.length - this.maxEvents;
    if (over <= 0) return;
    const last = this.pending[over - 1] as [number, number];
    this.pending.splice(0, over);
    this.state.dropped += over;
    this.state.offset = last[1];
    writeAck(this.ackFile, this.state);
  }

  /** Unconfirmed events, oldest first, up to the endpoint's limits; undefined when none. */
  nextBatch(isExpired: (event: { observed_at?: string }) => boolean): SpoolBatch | undefined {
    let expired = 0;
    while (this.pending.length > 0) {
      const parts: string[] = [];
      let bytes = 12;
      let end = this.state.offset;
      // The lines are contiguous in the log: one read for the whole stretch, not one per line.
      const stretch = this.readStretch();
      for (const [s, e] of this.pending) {
        if (parts.length >= MAX_BATCH_EVENTS || bytes + (e - s) > MAX_BATCH_BYTES) break;
        // Past what was read (expired lines do not count towards the batch): the next call's.
        if (e - stretch.start > stretch.text.length) break;
        const line = stretch.text
          .subarray(s - stretch.start, e - stretch.start)
          .toString()
          .trimEnd();
        end = e;
        if (isExpired({ observed_at: observedAt(line) })) {
          expired++;
          continue;
        }
        parts.push(line);
        bytes += e - s;
      }
      if (parts.length > 0) {
        return { body: `{"events":[${parts.join(',')}]}`, count: parts.length, end, expired };
      }
      // Only expired events in this stretch: drop them and look further.
      this.confirm({ body: '', count: 0, end, expired }, 0, 'sent');
      expired = 0;
    }
    return undefined;
  }

  /** The bytes of the first lines pending, up to what one batch can hold. */
  private readStretch(): { start: number; text: Buffer } {
    const first = this.pending[0] as [number, number];
    const last = this.pending[Math.min(this.pending.length, MAX_BATCH_EVENTS) - 1] as [
      number,
      number,
    ];
    const length = Math.min(last[1], first[0] + MAX_BATCH_BYTES + 1) - first[0];
    const text = Buffer.alloc(Math.max(length, first[1] - first[0]));
    readSync(this.fd, text, 0, text.length, first[0]);
    return { start: first[0], text };
  }

  /** Origin took the batch (`sent`), or it was dropped: move the ack past it, durably. */
  confirm(batch: SpoolBatch, count: number, as: 'sent' | 'dropped'): void {
    // A drop over the bound may have moved past this batch while it was in flight.
    if (batch.end > this.state.offset) {
      this.state.offset = batch.end;
      while (this.pending.length > 0 && (this.pending[0] as [number, number])[1] <= batch.end)
        this.pending.shift();
    }
    this.state[as] += count;
    this.state.dropped += batch.expired;
    writeAck(this.ackFile, this.state);
    this.compactIfDone();
  }

  /** Everything confirmed and nothing queued: start the log again from empty. */
  private compactIfDone(): void {
    if (this.pending.length > 0 || this.buffer.length > 0 || this.size < 1024 * 1024) return;
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.size = 0;
    this.state.offset = 0;
    writeAck(this.ackFile, this.state);
  }

  depth(): number {
    return this.pending.length + this.buffer.length;
  }

  stats(): SpoolState & { depth: number } {
    return { ...this.state, depth: this.depth() };
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function readAck(file: string): SpoolState {
  if (!existsSync(file)) return { offset: 0, sent: 0, dropped: 0 };
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Partial<SpoolState>;
    const n = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : 0);
    return { offset: n(json.offset), sent: n(json.sent), dropped: n(json.dropped) };
  } catch {
    // A torn ack cannot happen (atomic rename); a hand-edited one: resend everything, origin dedupes.
    return { offset: 0, sent: 0, dropped: 0 };
  }
}

function writeAck(file: string, state: SpoolState): void {
  writeFileAtomic(file, JSON.stringify(state), 0o600);
}

/** The spool's counters as the files say, for `esper status` when no daemon runs. */
export function spoolFileStats(dir: string): SpoolState & { depth: number } {
  const state = readAck(join(dir, 'spool.ack'));
  let depth = 0;
  try {
    const text = readFileSync(join(dir, 'spool.log'));
    for (let i = state.offset > text.length ? 0 : state.offset; i < text.length; i++)
      if (text[i] === 10) depth++;
  } catch {}
  return { ...state, depth };
}

/**
 * An event line's `observed_at`, without parsing the whole line: the spool writes each event with
 * `JSON.stringify`, `event_id` (a UUID) first and `observed_at` second, so the first match is it.
 */
function observedAt(line: string): string | undefined {
  return /"observed_at":"([^"]*)"/.exec(line)?.[1];
}
