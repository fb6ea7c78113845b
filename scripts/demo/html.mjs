// .demo/results.html: what the demo printed at the end, as a page. It is made from the same
// sections (the same table cells, the same sentences) as the terminal output, so the two can
// never disagree; it does not copy the mock runtime's own /results page.

const escapeHtml = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** A figure column is right-aligned, as in the terminal. */
const numeric = (rows, i) =>
  rows.length > 0 &&
  rows.every((row) => typeof row[i] === 'number' || /^[\d.+-]+( ms)?$|^—$/.test(String(row[i])));

function htmlTable([head, rows]) {
  const align = head.map((_, i) => (numeric(rows, i) ? ' class="n"' : ''));
  const tr = (cells, tag) =>
    `<tr>${cells.map((c, i) => `<${tag}${align[i]}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table>\n<thead>${tr(head, 'th')}</thead>\n<tbody>\n${rows.map((r) => tr(r, 'td')).join('\n')}\n</tbody>\n</table>`;
}

const prose = (text) => `<pre class="prose">${escapeHtml(text.replace(/^\s*\n|\s+$/g, ''))}</pre>`;

/**
 * @param {{
 *   title: string,
 *   intro: string,
 *   sections: Array<{ title: string, table: [string[], unknown[][]], after?: string }>,
 *   notes: string[],
 *   verdict: { ok: boolean, lines: string[] },
 * }} report
 */
export function resultsPage({ title, intro, sections, notes, verdict }) {
  const body = sections
    .map(
      (s) =>
        `<h2>${escapeHtml(s.title)}</h2>\n${htmlTable(s.table)}${s.after ? `\n${prose(s.after)}` : ''}`,
    )
    .join('\n');
  const noticed = notes.length
    ? `<h2>Noticed (not failures)</h2>\n<ul>\n${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>`
    : '';
  const result = `<h2 class="${verdict.ok ? 'ok' : 'failed'}">${verdict.ok ? 'OK' : 'FAILED'}</h2>\n<ul>\n${verdict.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}\n</ul>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; max-width: 70rem; color: #1b1f24; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { padding: 0.2rem 0.7rem; border-bottom: 1px solid #d8dee4; text-align: left; }
th.n, td.n { text-align: right; font-variant-numeric: tabular-nums; }
pre.prose { white-space: pre-wrap; font: inherit; color: #57606a; }
h2.ok { color: #1a7f37; } h2.failed { color: #cf222e; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${prose(intro)}
${body}
${noticed}
${result}
</body>
</html>
`;
}

/** The cells of every table of a results page, in order (for checks). */
export function tablesOf(html) {
  const fromHtml = (s) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) =>
    [...t[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => fromHtml(c[1])),
    ),
  );
}
