/**
 * The results console's data on a policy runtime (the origin stand-in: `esper origin`,
 * `esper-mock --tenant`): per tenant, the results counters, names from its configuration, the
 * activity its state records (cloud decisions and accepted hybrid events), what it serves to
 * hybrid runtimes, and its audit log.
 */

import { byOperationMode } from '../admin/results-page.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { AuditEntry, PolicyResults, TenantState } from '../tenants/tenant-state.js';
import { DecisionActivity } from './activity.js';
import type { AuditRow, ConsoleDataSource, ConsoleScope, PolicyRow } from './types.js';

const SUBJECT_KEYS = [
  'rule_id',
  'policy_id',
  'action_id',
  'entity_definition_id',
  'mitigation_id',
] as const;

function auditRow(e: AuditEntry): AuditRow {
  const key = SUBJECT_KEYS.find((k) => e[k] !== undefined);
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    ...(key && { subject: e[key] }),
    ...(e.version !== undefined && { version: e.version }),
  };
}

function rows(
  kind: 'policy' | 'rule',
  counts: Record<string, PolicyResults>,
  names: Map<string, string>,
): PolicyRow[] {
  return Object.entries(counts).map(([id, c]) => ({ id, name: names.get(id) ?? id, kind, ...c }));
}

const idle = new DecisionActivity();

function scopeOf(tenant: TenantState, bucketsShown: number): ConsoleScope {
  const r = tenant.snapshot();
  const config = tenant.config;
  const names = new Map<string, string>();
  for (const p of config.policies ?? []) names.set(p.policy_id, p.name);
  for (const rule of config.rules ?? []) names.set(rule.rule_id, rule.name);
  const activity = tenant.activity ?? idle;
  const hybrid = r.by_operation_mode.hybrid;
  const d = r.decisions;
  return {
    id: tenant.id,
    label: `Tenant ${tenant.id}`,
    totals: { requests: r.requests, ...d },
    timeline: {
      bucketSeconds: activity.bucketMs / 1000,
      buckets: activity.recentTimeline(bucketsShown).map(({ startMs, ...c }) => ({
        start: new Date(startMs).toISOString(),
        ...c,
      })),
    },
    policies: [...rows('policy', r.policies, names), ...rows('rule', r.rules, names)],
    entities: activity.topEntities(10),
    latency: activity.latency(),
    sync: {
      ok: true,
      summary: `Origin: serving configuration ${tenant.version} to hybrid runtimes.`,
      details: [
        { name: 'configuration version', value: tenant.version },
        { name: 'decisions made here (cloud)', value: String(r.by_operation_mode.cloud.requests) },
        { name: 'decisions reported by hybrid runtimes', value: String(hybrid.requests) },
      ],
    },
    audit: tenant.auditLog().map(auditRow).reverse(),
    notes: [
      `${r.requests} requests (${r.by_operation_mode.cloud.requests} cloud, ${hybrid.requests} hybrid): ${d.allow} allowed, ${d.challenge} challenged, ${d.block} blocked, ${d.monitor} monitored; ${r.solved} challenges solved, ${r.cleared} cleared by a clearance.`,
    ],
    extraHtml: byOperationMode(r.by_operation_mode),
  };
}

/** Every tenant of `runtime`, with the last `bucketsShown` timeline buckets (default 60). */
export function runtimeConsoleSource(
  runtime: PolicyRuntime,
  title = 'Esper results',
  bucketsShown = 60,
): ConsoleDataSource {
  return {
    read: () => ({
      title,
      generatedAt: new Date(runtime.now()).toISOString(),
      scopes: runtime.tenants.list().map((t) => scopeOf(t, bucketsShown)),
    }),
  };
}
