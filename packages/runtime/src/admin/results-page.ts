/** GET /results: every tenant's results as a small HTML page (the JSON is per tenant). */
import { escapeHtml, page } from '../server/html.js';
import type { TenantResults } from '../tenants/tenant-state.js';

function table(
  title: string,
  rows: Record<string, { observe: number; challenge: number; block: number; allow: number }>,
): string {
  const ids = Object.keys(rows).sort();
  if (ids.length === 0) return `<p>No ${escapeHtml(title.toLowerCase())} matched yet.</p>`;
  const body = ids
    .map((id) => {
      const r = rows[id]!;
      return `<tr><td>${escapeHtml(id)}</td><td>${r.observe}</td><td>${r.challenge}</td><td>${r.block}</td><td>${r.allow}</td></tr>`;
    })
    .join('\n');
  return `<table><caption>${escapeHtml(title)}</caption>
<tr><th>id</th><th>observe</th><th>challenge</th><th>block</th><th>allow</th></tr>
${body}</table>`;
}

export function resultsPage(tenants: readonly TenantResults[]): string {
  const sections = tenants.map((t) => {
    const d = t.decisions;
    return `<h2>Tenant ${escapeHtml(t.tenant_id)}</h2>
<p>${t.requests} requests: ${d.allow} allowed, ${d.challenge} challenged, ${d.block} blocked, ${d.monitor} monitored; ${t.solved} challenges solved, ${t.cleared} cleared by a clearance.</p>
${table('Policies', t.policies)}
${table('Rules', t.rules)}`;
  });
  return page('Esper mock results', sections.join('\n') || '<p>No tenants configured.</p>');
}
