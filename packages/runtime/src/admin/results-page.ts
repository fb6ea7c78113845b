/**
 * The parts of the results page that only a policy runtime has: the counts of each policy and
 * rule split by operation mode (cloud, hybrid). The page itself is the results console
 * (`console/`), served at GET /results by `registerRuntimeRoutes`.
 */
import { escapeHtml } from '../server/html.js';
import type { PolicyResults, TenantResults } from '../tenants/tenant-state.js';

const COLUMNS = '<th>observe</th><th>challenge</th><th>block</th><th>allow</th>';

function cells(r: PolicyResults): string {
  return `<td>${r.observe}</td><td>${r.challenge}</td><td>${r.block}</td><td>${r.allow}</td>`;
}

/** The same counts, one row per policy or rule and operation mode (cloud, hybrid). */
export function byOperationMode(modes: TenantResults['by_operation_mode'] | undefined): string {
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
  return `<table data-table="by-operation-mode"><caption>By operation mode</caption>
<tr><th>id</th><th>mode</th>${COLUMNS}</tr>
${rows.join('\n')}</table>`;
}
