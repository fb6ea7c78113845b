/**
 * What the results console shows, as plain data: whoever mounts the console (the origin
 * stand-in, `esper run`, `esper capture run`) implements `ConsoleDataSource` over its own state.
 * The page renders every figure as text (tables) and draws the charts from the same JSON, so
 * what a chart shows is what the tables say.
 */
import type { ActionCounts, EntityCounts, LatencyHistogram } from './activity.js';

export type { ActionCounts, EntityCounts, LatencyHistogram } from './activity.js';

/** Counts of one policy or rule by what its matches did (as the results JSON counts them). */
export interface PolicyRow {
  id: string;
  /** The definition's `name`; the id when none is known. */
  name: string;
  kind: 'policy' | 'rule';
  observe: number;
  challenge: number;
  block: number;
  allow: number;
}

export interface AuditRow {
  id: number;
  /** RFC 3339. */
  at: string;
  actor: string;
  /** e.g. `policy.update`. */
  action: string;
  /** The changed object's id. */
  subject?: string;
  /** The configuration version once the change applied. */
  version?: string;
}

export interface SyncStatus {
  /** False when something needs attention (stale, last sync failed). */
  ok: boolean;
  /** One line: what this process syncs and how it stands. */
  summary: string;
  details: Array<{ name: string; value: string }>;
}

/** One tenant (or the one process) on the page. */
export interface ConsoleScope {
  id: string;
  /** Heading, e.g. `Tenant quickstart`. */
  label: string;
  /** Every decision counted, by what was done (`monitor`: recorded, not enforced). */
  totals: ActionCounts & { requests: number };
  /** Decisions over time, oldest bucket first. */
  timeline: { bucketSeconds: number; buckets: Array<ActionCounts & { start: string }> };
  policies: PolicyRow[];
  /** The busiest entities (entity key, else client IP), most requests first. */
  entities: EntityCounts[];
  latency: LatencyHistogram;
  sync: SyncStatus;
  /** Newest first. */
  audit: AuditRow[];
  /**
   * Extra lines above the figures (e.g. the origin's split between cloud and hybrid decisions,
   * solved challenges): plain text, escaped when shown.
   */
  notes?: string[];
  /** Extra tables as HTML this package rendered itself (the origin's by-operation-mode table). */
  extraHtml?: string;
}

export interface ConsoleSnapshot {
  title: string;
  /** RFC 3339. */
  generatedAt: string;
  scopes: ConsoleScope[];
}

export interface ConsoleDataSource {
  read(): ConsoleSnapshot | Promise<ConsoleSnapshot>;
}
