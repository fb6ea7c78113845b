/**
 * What `esper capture run` records of its decisions: totals, counts per deciding policy, the
 * console's activity (timeline, entities, latency), and one JSON line per challenge or block
 * (enforced or, in monitor mode, what would have been done). `consoleSource` shows it all on the
 * results console.
 */
import type { Decision } from '@esper/core';
import type { HybridStatus } from '@esper/hybrid';
import { type ActionCounts, DecisionActivity } from '../console/activity.js';
import type { ConsoleDataSource, PolicyRow, SyncStatus } from '../console/types.js';

export interface RecordedRequest {
  method: string;
  path: string;
}

export class CaptureRecorder {
  readonly activity: DecisionActivity;
  readonly totals: ActionCounts & { requests: number } = {
    requests: 0,
    allow: 0,
    challenge: 0,
    block: 0,
    monitor: 0,
  };
  /** Fallback decisions (the decider failed or timed out), by reason. */
  readonly fallbacks = new Map<string, number>();
  private readonly policies = new Map<string, PolicyRow>();

  /**
   * `enforce`: whether the proxy applies decisions. Without it core marks every decision
   * `monitor`; an allow is still counted as an allow, a challenge or block as monitored.
   */
  constructor(
    private readonly writeLine: (line: string) => void,
    private readonly enforce: boolean,
    now: () => number = Date.now,
  ) {
    this.activity = new DecisionActivity({ now });
  }

  record(decision: Decision, request: RecordedRequest): void {
    const monitor = decision.mode === 'monitor' && (this.enforce || decision.action !== 'allow');
    this.totals.requests += 1;
    this.totals[monitor ? 'monitor' : decision.action] += 1;
    if (decision.source === 'fallback') {
      this.fallbacks.set(decision.reason, (this.fallbacks.get(decision.reason) ?? 0) + 1);
    }
    this.activity.record({
      action: decision.action,
      mode: monitor ? 'monitor' : 'live',
      entity: decision.clientIp,
      latencyUs: Math.round(decision.latencyMs * 1000),
    });
    if (decision.policyId) {
      const row = this.policies.get(decision.policyId) ?? {
        id: decision.policyId,
        name: decision.policyId,
        kind: 'policy' as const,
        observe: 0,
        challenge: 0,
        block: 0,
        allow: 0,
      };
      this.policies.set(decision.policyId, row);
      row[monitor ? 'observe' : decision.action] += 1;
    }
    if (decision.action !== 'allow') this.writeLine(decisionLine(decision, request));
  }

  policyRows(): PolicyRow[] {
    return [...this.policies.values()].map((r) => ({ ...r }));
  }

  /** One line for the periodic and final report. */
  summary(): string {
    const t = this.totals;
    const fallbacks = [...this.fallbacks].map(([reason, n]) => `${n} ${reason}`).join(', ');
    return `${t.requests} decisions: ${t.allow} allowed, ${t.challenge} challenged, ${t.block} blocked, ${t.monitor} monitored${fallbacks ? `; fallbacks: ${fallbacks}` : ''}`;
  }
}

/** One JSON line: never a header, cookie or body; the path without its query. */
function decisionLine(decision: Decision, request: RecordedRequest): string {
  return JSON.stringify({
    at: new Date().toISOString(),
    decision: decision.action,
    enforced: decision.enforced,
    mode: decision.mode,
    policy_id: decision.policyId ?? null,
    decision_id: decision.decisionId ?? null,
    source: decision.source,
    reason: decision.reason,
    method: request.method,
    path: request.path,
    client_ip: decision.clientIp ?? null,
  });
}

function syncOf(status: HybridStatus, apiBase: string): SyncStatus {
  const synced = status.syncedAt === undefined ? 'never' : new Date(status.syncedAt).toISOString();
  const { queued, sent, dropped } = status.events;
  return {
    ok: !status.stale && status.lastError === undefined,
    summary: status.stale
      ? `stale: no confirmation from ${apiBase} for over 3 poll intervals`
      : `in sync with ${apiBase}`,
    details: [
      { name: 'configuration version', value: status.version ?? 'none' },
      { name: 'from', value: status.source ?? 'nothing yet' },
      { name: 'last confirmed by origin', value: synced },
      { name: 'last error', value: status.lastError ?? 'none' },
      { name: 'decisions reported', value: `${sent} sent, ${queued} queued, ${dropped} dropped` },
    ],
  };
}

export function captureConsoleSource(
  recorder: CaptureRecorder,
  hybrid: { status(): HybridStatus },
  labels: { apiBase: string; upstream: string; enforce: boolean; tenantId?: string },
): ConsoleDataSource {
  return {
    read() {
      const activity = recorder.activity;
      return {
        title: 'esper capture: results',
        generatedAt: new Date().toISOString(),
        scopes: [
          {
            id: labels.tenantId ?? 'capture',
            label: labels.tenantId ? `Tenant ${labels.tenantId}` : 'This proxy',
            totals: { ...recorder.totals },
            timeline: {
              bucketSeconds: activity.bucketMs / 1000,
              buckets: activity.recentTimeline(60).map(({ startMs, ...counts }) => ({
                start: new Date(startMs).toISOString(),
                ...counts,
              })),
            },
            policies: recorder.policyRows(),
            entities: activity.topEntities(10),
            latency: activity.latency(),
            sync: syncOf(hybrid.status(), labels.apiBase),
            audit: [],
            notes: [
              `In front of ${labels.upstream}: ${labels.enforce ? 'enforcing (blocks and challenges applied)' : 'monitor mode (decisions recorded and reported, nothing blocked)'}.`,
            ],
          },
        ],
      };
    },
  };
}
