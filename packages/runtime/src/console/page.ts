/**
 * The results console as one HTML page. Every figure is rendered here as text, in tables and
 * totals a test (or a screen reader) can read; the charts are drawn in the browser by Chart.js
 * from the same data, embedded as JSON. Nothing a tenant or client chose reaches the page
 * unescaped: ids, names, entities and audit entries go through `escapeHtml`, and the embedded
 * JSON has every `<` escaped so it cannot close its script element.
 */
import { escapeHtml } from '../server/html.js';
import type { LatencyHistogram } from './activity.js';
import type { AuditRow, ConsoleScope, ConsoleSnapshot, PolicyRow } from './types.js';

const ACTIONS = ['allow', 'challenge', 'block', 'monitor'] as const;

export function formatMicros(us: number | undefined): string {
  if (us === undefined) return 'n/a';
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** The bucket labels of a latency histogram: `≤ 50 µs` … `> 1.00 s`. */
export function latencyLabels(h: LatencyHistogram): string[] {
  const last = h.boundsUs[h.boundsUs.length - 1];
  return [...h.boundsUs.map((b) => `≤ ${formatMicros(b)}`), `> ${formatMicros(last)}`];
}

function totals(scope: ConsoleScope): string {
  const t = scope.totals;
  const item = (name: string, value: number, label: string) =>
    `<li class="total ${name}"><span class="figure" data-figure="${name}">${value}</span> ${label}</li>`;
  return `<ul class="totals">
${item('requests', t.requests, 'decisions')}
${item('allow', t.allow, 'allowed')}
${item('challenge', t.challenge, 'challenged')}
${item('block', t.block, 'blocked')}
${item('monitor', t.monitor, 'monitored (not enforced)')}
</ul>`;
}

function policyTable(title: string, rows: PolicyRow[]): string {
  if (rows.length === 0) return `<p>No ${escapeHtml(title.toLowerCase())} matched yet.</p>`;
  const body = [...rows]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(
      (r) =>
        `<tr data-row="${escapeHtml(r.id)}"><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.id)}</td><td>${r.observe}</td><td>${r.challenge}</td><td>${r.block}</td><td>${r.allow}</td></tr>`,
    )
    .join('\n');
  return `<table data-table="${title.toLowerCase()}"><caption>${escapeHtml(title)}</caption>
<tr><th>name</th><th>id</th><th>observe</th><th>challenge</th><th>block</th><th>allow</th></tr>
${body}</table>`;
}

function entityTable(scope: ConsoleScope): string {
  if (scope.entities.length === 0) return '<p>No decisions yet.</p>';
  const rows = scope.entities
    .map(
      (e) =>
        `<tr data-row="${escapeHtml(e.entity)}"><td>${escapeHtml(e.entity)}</td><td>${e.requests}</td><td>${e.allow}</td><td>${e.challenge}</td><td>${e.block}</td><td>${e.monitor}</td></tr>`,
    )
    .join('\n');
  return `<table data-table="entities"><caption>By client IP, most decisions first</caption>
<tr><th>entity</th><th>decisions</th><th>allow</th><th>challenge</th><th>block</th><th>monitor</th></tr>
${rows}</table>`;
}

function latencySection(scope: ConsoleScope, index: number): string {
  const h = scope.latency;
  if (h.count === 0) return '<p>No decision latency recorded yet.</p>';
  const labels = latencyLabels(h);
  const rows = h.counts
    .map((n, i) => (n === 0 ? '' : `<tr><td>${escapeHtml(labels[i]!)}</td><td>${n}</td></tr>`))
    .join('');
  return `<p class="latency-summary">${h.count} decisions timed: p50 <span data-figure="p50">${escapeHtml(formatMicros(h.p50Us))}</span>, p99 <span data-figure="p99">${escapeHtml(formatMicros(h.p99Us))}</span>, max ${escapeHtml(formatMicros(h.maxUs))} (p50 and p99 are bucket bounds).</p>
<div class="chart small"><canvas id="latency-${index}" role="img" aria-label="Decision latency distribution"></canvas></div>
<details><summary>Latency buckets</summary><table data-table="latency"><tr><th>latency</th><th>decisions</th></tr>${rows}</table></details>`;
}

function syncSection(scope: ConsoleScope): string {
  const s = scope.sync;
  const rows = s.details
    .map((d) => `<tr><th>${escapeHtml(d.name)}</th><td>${escapeHtml(d.value)}</td></tr>`)
    .join('');
  return `<p class="sync ${s.ok ? 'ok' : 'attention'}">${escapeHtml(s.summary)}</p>
<table data-table="sync">${rows}</table>`;
}

function auditRow(a: AuditRow): string {
  return `<tr><td>${a.id}</td><td>${escapeHtml(a.at)}</td><td>${escapeHtml(a.actor)}</td><td>${escapeHtml(a.action)}</td><td>${escapeHtml(a.subject ?? '')}</td><td>${escapeHtml(a.version ?? '')}</td></tr>`;
}

function auditSection(scope: ConsoleScope): string {
  if (scope.audit.length === 0) return '<p>No changes recorded.</p>';
  return `<table data-table="audit"><tr><th>#</th><th>at</th><th>actor</th><th>change</th><th>object</th><th>version</th></tr>
${scope.audit.map(auditRow).join('\n')}</table>`;
}

function timelineTable(scope: ConsoleScope): string {
  const busy = scope.timeline.buckets.filter((b) => ACTIONS.some((a) => b[a] > 0));
  if (busy.length === 0) return '<p>No decisions in this window yet.</p>';
  const rows = busy
    .map(
      (b) =>
        `<tr><td>${escapeHtml(b.start)}</td>${ACTIONS.map((a) => `<td>${b[a]}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<details><summary>Per ${scope.timeline.bucketSeconds} s</summary><table data-table="timeline"><tr><th>from</th>${ACTIONS.map((a) => `<th>${a}</th>`).join('')}</tr>${rows}</table></details>`;
}

function section(scope: ConsoleScope, index: number): string {
  const notes = (scope.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
  const policies = scope.policies.filter((p) => p.kind === 'policy');
  const rules = scope.policies.filter((p) => p.kind === 'rule');
  return `<section class="scope" data-scope="${escapeHtml(scope.id)}">
<h2>${escapeHtml(scope.label)}</h2>
${notes}
${totals(scope)}
<h3>Decisions over time</h3>
<div class="chart"><canvas id="timeline-${index}" role="img" aria-label="Decisions per ${scope.timeline.bucketSeconds} seconds by action"></canvas></div>
${timelineTable(scope)}
<h3>Counts per policy and rule</h3>
${scope.policies.length > 0 ? `<div class="chart small"><canvas id="policies-${index}" role="img" aria-label="Counts per policy"></canvas></div>` : ''}
${policyTable('Policies', policies)}
${policyTable('Rules', rules)}
${scope.extraHtml ?? ''}
<h3>Top entities</h3>
${entityTable(scope)}
<h3>Decision latency</h3>
${latencySection(scope, index)}
<h3>Sync</h3>
${syncSection(scope)}
<h3>Audit log</h3>
${auditSection(scope)}
</section>`;
}

/** JSON inside a script element: `<` escaped, so no value can end the element. */
function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** What the charts need, nothing more (no HTML, no audit log). */
function chartData(snapshot: ConsoleSnapshot) {
  return snapshot.scopes.map((s) => ({
    timeline: s.timeline,
    // The tables' order: policies by id, then rules by id.
    policies: [...s.policies]
      .sort((a, b) => (a.kind !== b.kind ? (a.kind === 'policy' ? -1 : 1) : a.id < b.id ? -1 : 1))
      .map((p) => ({ ...p, name: p.kind === 'rule' ? `rule: ${p.name}` : p.name })),
    latency: { counts: s.latency.counts, labels: latencyLabels(s.latency) },
  }));
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;padding:0 1rem;color:#1d2330}
h1{margin-bottom:.25rem}h2{border-bottom:2px solid #e3e6ec;padding-bottom:.25rem;margin-top:2rem}h3{margin:1.5rem 0 .5rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d5d9e0;padding:.2rem .5rem;text-align:left}
caption{text-align:left;font-weight:600;padding:.25rem 0}
.totals{display:flex;gap:.75rem;flex-wrap:wrap;list-style:none;padding:0}
.total{border:1px solid #d5d9e0;border-radius:6px;padding:.4rem .8rem;min-width:7rem}
.total .figure{display:block;font-size:1.6rem;font-weight:700}
.allow .figure{color:#2e7d32}.challenge .figure{color:#b26a00}.block .figure{color:#c62828}.monitor .figure{color:#1565c0}
.chart{position:relative;height:260px}.chart.small{height:200px}
.sync.ok::before{content:"● ";color:#2e7d32}.sync.attention::before{content:"● ";color:#c62828}
.meta,.note{color:#555}`;

export function consolePage(snapshot: ConsoleSnapshot, assetBase: string): string {
  const sections = snapshot.scopes.map(section).join('\n') || '<p>No tenants configured.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(snapshot.title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head><body><h1>${escapeHtml(snapshot.title)}</h1>
<p class="meta">As of <time>${escapeHtml(snapshot.generatedAt)}</time>. Reload for newer figures.</p>
${sections}
<script type="application/json" id="console-data">${embeddedJson(chartData(snapshot))}</script>
<script src="${escapeHtml(assetBase)}/chart.umd.min.js"></script>
<script src="${escapeHtml(assetBase)}/console.js"></script>
</body></html>
`;
}
