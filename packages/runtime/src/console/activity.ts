/**
 * What the results console shows over time, kept in bounded memory: decisions per time bucket by
 * what was done (allow, challenge, block, or monitor when recorded and not enforced), the busiest
 * entities, and a histogram of decision latency. One `DecisionActivity` per tenant (origin) or
 * per process (`esper capture run`); recording is a few additions and one map update.
 */

export type ActivityAction = 'allow' | 'challenge' | 'block';

/** One decision as the console counts it. */
export interface ActivityEvent {
  /** When it was decided, clock milliseconds. Default: the recorder's clock. */
  atMs?: number;
  action: ActivityAction;
  /** `monitor`: recorded, not enforced; counted under `monitor` whatever the action. */
  mode: 'live' | 'monitor';
  /** Who the decision was about: the deciding clause's entity key, else the client IP. */
  entity?: string | undefined;
  /** Time spent deciding, microseconds; absent when unknown. */
  latencyUs?: number | undefined;
}

export interface ActionCounts {
  allow: number;
  challenge: number;
  block: number;
  monitor: number;
}

export interface TimelineBucket extends ActionCounts {
  /** Start of the bucket, clock milliseconds. */
  startMs: number;
}

export interface EntityCounts extends ActionCounts {
  entity: string;
  requests: number;
}

export interface LatencyHistogram {
  /** Upper bounds of the buckets in microseconds; the last bucket (`counts` has one more) is open. */
  boundsUs: readonly number[];
  counts: number[];
  count: number;
  /** Estimated from the buckets (each bucket's upper bound); undefined with no sample. */
  p50Us?: number;
  p99Us?: number;
  maxUs?: number;
}

export interface ActivityOptions {
  now?: () => number;
  /** Width of a timeline bucket. Default 10 000 (10 s). */
  bucketMs?: number;
  /** Buckets kept. Default 180 (30 minutes of 10 s buckets). */
  buckets?: number;
  /** Distinct entities counted at once; past it the least busy half is dropped. Default 10 000. */
  maxEntities?: number;
}

/** 50 µs to 1 s, roughly 1-2-5 per decade: decisions are sub-millisecond to tens of ms. */
export const LATENCY_BOUNDS_US: readonly number[] = [
  50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
  1_000_000,
];

const emptyCounts = (): ActionCounts => ({ allow: 0, challenge: 0, block: 0, monitor: 0 });

function bucketOf(event: ActivityEvent): keyof ActionCounts {
  return event.mode === 'monitor' ? 'monitor' : event.action;
}

export class DecisionActivity {
  readonly bucketMs: number;
  private readonly size: number;
  private readonly maxEntities: number;
  private readonly now: () => number;
  /** Ring of buckets; `slots[i]` holds bucket number `index[i]` (start = number × bucketMs). */
  private slots: ActionCounts[] = [];
  private index: number[] = [];
  private entities = new Map<string, EntityCounts>();
  private latencyCounts: number[] = [];
  private latencyMax = 0;
  private droppedEntities = 0;

  constructor(options: ActivityOptions = {}) {
    this.now = options.now ?? Date.now;
    this.bucketMs = options.bucketMs ?? 10_000;
    this.size = options.buckets ?? 180;
    this.maxEntities = options.maxEntities ?? 10_000;
    for (const [name, value] of Object.entries({
      bucketMs: this.bucketMs,
      buckets: this.size,
      maxEntities: this.maxEntities,
    })) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be a positive integer`);
    }
    this.reset();
  }

  reset(): void {
    this.slots = Array.from({ length: this.size }, emptyCounts);
    this.index = new Array<number>(this.size).fill(-1);
    this.entities.clear();
    this.latencyCounts = new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0);
    this.latencyMax = 0;
    this.droppedEntities = 0;
  }

  record(event: ActivityEvent): void {
    const at = event.atMs ?? this.now();
    const column = bucketOf(event);
    const n = Math.floor(at / this.bucketMs);
    const i = ((n % this.size) + this.size) % this.size;
    // An event older than what the ring holds is not drawn (its bucket was reused).
    if (this.index[i] !== n) {
      if (this.index[i]! > n) return;
      this.slots[i] = emptyCounts();
      this.index[i] = n;
    }
    this.slots[i]![column] += 1;
    if (event.entity) this.countEntity(event.entity, column);
    const us = event.latencyUs;
    if (us !== undefined && Number.isFinite(us) && us >= 0) {
      let b = 0;
      while (b < LATENCY_BOUNDS_US.length && us > LATENCY_BOUNDS_US[b]!) b++;
      this.latencyCounts[b]! += 1;
      if (us > this.latencyMax) this.latencyMax = us;
    }
  }

  private countEntity(entity: string, column: keyof ActionCounts): void {
    let counts = this.entities.get(entity);
    if (!counts) {
      if (this.entities.size >= this.maxEntities) this.prune();
      counts = { entity, requests: 0, ...emptyCounts() };
      this.entities.set(entity, counts);
    }
    counts.requests += 1;
    counts[column] += 1;
  }

  /** Keeps the busiest half: bounded memory, and the top of the list stays right in practice. */
  private prune(): void {
    const kept = [...this.entities.values()]
      .sort((a, b) => b.requests - a.requests)
      .slice(0, Math.floor(this.maxEntities / 2));
    this.droppedEntities += this.entities.size - kept.length;
    this.entities = new Map(kept.map((e) => [e.entity, e]));
  }

  /** The last `count` buckets up to now, oldest first, empty ones included. */
  timeline(count = this.size): TimelineBucket[] {
    const last = Math.floor(this.now() / this.bucketMs);
    const out: TimelineBucket[] = [];
    for (let n = last - Math.min(count, this.size) + 1; n <= last; n++) {
      const i = ((n % this.size) + this.size) % this.size;
      const counts = this.index[i] === n ? this.slots[i]! : emptyCounts();
      out.push({ startMs: n * this.bucketMs, ...counts });
    }
    return out;
  }

  /**
   * Like `timeline(max)`, without the empty buckets before the first decision in it (but at
   * least `min` buckets): a chart of a fresh process is not a flat line with a bar at the end.
   */
  recentTimeline(max = this.size, min = 12): TimelineBucket[] {
    const buckets = this.timeline(max);
    const first = buckets.findIndex((b) => b.allow + b.challenge + b.block + b.monitor > 0);
    const from = first === -1 ? buckets.length - min : Math.min(first, buckets.length - min);
    return buckets.slice(Math.max(0, from));
  }

  /** The busiest entities, most requests first (ties by name). */
  topEntities(count = 10): EntityCounts[] {
    return [...this.entities.values()]
      .sort((a, b) => b.requests - a.requests || (a.entity < b.entity ? -1 : 1))
      .slice(0, count)
      .map((e) => ({ ...e }));
  }

  /** Entities forgotten to stay within `maxEntities`. */
  get entitiesDropped(): number {
    return this.droppedEntities;
  }

  latency(): LatencyHistogram {
    const counts = [...this.latencyCounts];
    const count = counts.reduce((a, b) => a + b, 0);
    const histogram: LatencyHistogram = { boundsUs: LATENCY_BOUNDS_US, counts, count };
    if (count === 0) return histogram;
    const quantile = (q: number) => {
      const rank = Math.ceil(q * count);
      let seen = 0;
      for (let b = 0; b < counts.length; b++) {
        seen += counts[b]!;
        if (seen >= rank) return Math.min(LATENCY_BOUNDS_US[b] ?? this.latencyMax, this.latencyMax);
      }
      return this.latencyMax;
    };
    return { ...histogram, p50Us: quantile(0.5), p99Us: quantile(0.99), maxUs: this.latencyMax };
  }
}
