/** The protected application every browser target serves: a page saying what it was told. */

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `decisionId` tells who decided: `dec_hyb_…` for a local (hybrid) decision. */
export function appHtml(path: string, decision: string | null, decisionId?: string | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>app</title></head>
<body><h1 id="path">${escapeHtml(path)}</h1><p id="decision">${escapeHtml(decision ?? 'none')}</p>
<p id="decision-id">${escapeHtml(decisionId ?? 'none')}</p></body></html>`;
}

/** As a Web handler, for the core server and the worker. */
export function appPage(request: Request): Response {
  const html = appHtml(
    new URL(request.url).pathname,
    request.headers.get('x-esper-decision'),
    request.headers.get('x-esper-decision-id'),
  );
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
}
