/**
 * What `esper run` shows on the results console (`/console`): its own decisions since it
 * started (totals, timeline, counts per policy and rule by name, top entities, latency), the
 * sync and spool state. The console's login is a token made per run and kept in
 * `data/console-token` (0600): never printed, never the API key's secret.
 */
import { randomBytes } from 'node:crypto';
import type { HybridStatus } from '@esper/hybrid';
import type { PolicyAnswer } from '@esper/policy';
import { DecisionActivity } from '../console/activity.js';
import type { ConsoleDataSource, ConsoleScope, PolicyRow } from '../console/types.js';
import { writeFileAtomic } from './atomic.js';
import { readCache } from './cache.js';
import type { SpoolState } from './spool.js';

export class DaemonActivity {
  readonly activity = new DecisionActivity();
  readonly totals = { requests: 0, allow: 0, challenge: 0, block: 0, monitor: 0 };
  private readonly rows = new Map<string, Omit<PolicyRow, 'name' | 'kind'>>();

  record(answer: PolicyAnswer, clientIp: string | undefined, latencyUs: number): void {
    const monitor = answer.mode === 'monitor';
    this.totals.requests++;
    this.totals[monitor ? 'monitor' : answer.action]++;
    this.activity.record({ action: answer.action, mode: answer.mode, entity: clientIp, latencyUs });
    if (answer.policy_id === null) return;
    const row = this.rows.get(answer.policy_id) ?? {
      id: answer.policy_id,
      observe: 0,
      challenge: 0,
      block: 0,
      allow: 0,
    };
    this.rows.set(answer.policy_id, row);
    row[monitor ? 'observe' : answer.action]++;
  }

  /** Rows named from the cached snapshot's definitions (the id when it has none). */
  policyRows(snapshotFile: string): PolicyRow[] {
    const names = new Map<string, { name: string; kind: 'policy' | 'rule' }>();
    const cached = readCache(snapshotFile);
    if (cached.ok) {
      const { policies = [], rules = [] } = cached.value.snapshot.config;
      for (const p of policies)
        names.set(p.policy_id, { name: p.name ?? p.policy_id, kind: 'policy' });
      for (const r of rules) names.set(r.rule_id, { name: r.name ?? r.rule_id, kind: 'rule' });
    }
    return [...this.rows.values()].map((r) => ({
      ...r,
      ...(names.get(r.id) ?? { name: r.id, kind: 'policy' }),
    }));
  }
}

/** A fresh token for this run, written 0600 where `esper status` and the README point. */
export function newConsoleToken(file: string): string {
  const token = randomBytes(24).toString('base64url');
  writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}

export interface DaemonConsoleDeps {
  activity: DaemonActivity;
  hybrid: { status(): HybridStatus };
  spool: () => SpoolState & { depth: number };
  snapshotFile: string;
  apiBase: string;
  tenantId: string;
  enforcement: string;
}

export function daemonConsoleSource(d: DaemonConsoleDeps): ConsoleDataSource {
  return {
    read() {
      const { activity } = d.activity;
      const h = d.hybrid.status();
      const s = d.spool();
      const scope: ConsoleScope = {
        id: d.tenantId,
        label: `Tenant ${d.tenantId} (this esper run)`,
        totals: { ...d.activity.totals },
        timeline: {
          bucketSeconds: activity.bucketMs / 1000,
          buckets: activity.timeline(60).map(({ startMs, ...counts }) => ({
            start: new Date(startMs).toISOString(),
            ...counts,
          })),
        },
        policies: d.activity.policyRows(d.snapshotFile),
        entities: activity.topEntities(10),
        latency: activity.latency(),
        sync: {
          ok: !h.stale && h.lastError === undefined,
          summary: h.stale
            ? `stale: no confirmation from ${d.apiBase} for over 3 poll intervals`
            : `in sync with ${d.apiBase}`,
          details: [
            { name: 'configuration version', value: h.version ?? 'none' },
            {
              name: 'last confirmed by origin',
              value: h.syncedAt === undefined ? 'never' : new Date(h.syncedAt).toISOString(),
            },
            { name: 'last error', value: h.lastError ?? 'none' },
            {
              name: 'events spooled',
              value: `${s.depth} waiting, ${s.sent} sent, ${s.dropped} dropped`,
            },
          ],
        },
        // The audit log lives at origin (docs/hybrid.md, "What stays cloud-only").
        audit: [],
        notes: [
          `Decided locally, enforcement ${d.enforcement}; every decision is reported to ${d.apiBase}.`,
        ],
      };
      return {
        title: 'esper run: results',
        generatedAt: new Date().toISOString(),
        scopes: [scope],
      };
    },
  };
}
