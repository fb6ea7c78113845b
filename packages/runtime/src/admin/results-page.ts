/** GET /results: every tenant's results as a small HTML page (the JSON is per tenant). */
import { escapeHtml, page } from '../server/html.js';
import type { PolicyResults, TenantResults } from '../tenants/tenant-state.js';

const COLUMNS = '<th>observe</th><th>challenge</th><th>block</th><th>allow</th>';

function cells(r: PolicyResults): string {
  return `<td>${r.observe}</td><td>${r.challenge}</td><td>${r.block}</td><td>${r.allow}</td>`;
}

function table(title: string, rows: Record<string, PolicyResults>): string {
  const ids = Object.keys(rows).sort();
  if (ids.length === 0) return `<p>No ${escapeHtml(title.toLowerCase())} matched yet.</p>`;
  const body = ids.map((id) => `<tr><td>${escapeHtml(id)}</td>${cells(rows[id]!)}</tr>`).join('\n');
  return `<table><caption>${escapeHtml(title)}</caption>
<tr><th>id</th>${COLUMNS}</tr>
${body}</table>`;
}

/** The same counts, one row per policy or rule and operation mode (cloud, hybrid). */
function byOperationMode(modes: TenantResults['by_operation_mode'] | undefined): string {
  if (!modes) return '';
  const rows: string[] = [];
  for (const kind of ['policies', 'rules'] as const) {
    const ids = new Set([...Object.keys(modes.cloud[kind]), ...Object.keys(modes.hybrid[kind])]);
    for (const id of [...ids].sort()) {
      for (const mode of ['cloud', 'hybrid'] as const) {
        const r = modes[mode][kind][id];
        if (r) rows.push(`<tr><td>${escapeHtml(id)}</td><td>${mode}</td>${cells(r)}</tr>`);
      }
    }
  }
  if (rows.length === 0) return '';
  return `<table><caption>By operation mode</caption>
<tr><th>id</th><th>mode</th>${COLUMNS}</tr>
${rows.join('\n')}</table>`;
}

export function resultsPage(tenants: readonly TenantResults[]): string {
  const sections = tenants.map((t) => {
    const d = t.decisions;
    const modes = t.by_operation_mode;
    const split = modes ? ` (${modes.cloud.requests} cloud, ${modes.hybrid.requests} hybrid)` : '';
    return `<h2>Tenant ${escapeHtml(t.tenant_id)}</h2>
<p>${t.requests} requests${split}: ${d.allow} allowed, ${d.challenge} challenged, ${d.block} blocked, ${d.monitor} monitored; ${t.solved} challenges solved, ${t.cleared} cleared by a clearance.</p>
${table('Policies', t.policies)}
${table('Rules', t.rules)}
${byOperationMode(modes)}`;
  });
  return page('Esper mock results', sections.join('\n') || '<p>No tenants configured.</p>');
}
