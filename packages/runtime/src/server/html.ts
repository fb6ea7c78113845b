/** Text and attribute values for HTML: every character that could end a context is escaped. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Headers of every HTML page the runtime serves; `scriptNonce` allows its one inline script. */
export function pageHeaders(scriptNonce?: string): Record<string, string> {
  const script = scriptNonce ? `'nonce-${scriptNonce}'` : "'none'";
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'none'; script-src ${script}; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'`,
  };
}

export function page(
  title: string,
  body: string,
  script?: { nonce: string; code: string },
): string {
  const js = script ? `<script nonce="${script.nonce}">${script.code}</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}${js}</body></html>
`;
}
