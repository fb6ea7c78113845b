// Turns what the clients saw and what the runtime answered into the final tables and the
// pass/fail checks. Every figure comes from this run's records; nothing is assumed.

/**
 * What happened to one request:
 * - challenge / block: the example answered with the SDK's challenge or block response;
 * - allow: it reached the application and the runtime's answer was a live allow;
 * - observe: it reached the application although the runtime's answer was not a plain allow
 *   (a Monitor policy answers mode "monitor"; with DEMO_MODE=monitor the SDK enforces nothing);
 * - fail-open: it reached the application with no answer from the runtime (timeout, error);
 * - skipped: a static asset the SDK let through without asking the runtime.
 */
export function classify(record, answer) {
  const { request, reply } = record;
  if (reply.decision === 'challenge' || reply.decision === 'block') return reply.decision;
  if (request.role === 'static') return 'skipped';
  if (answer?.status !== 200) return 'fail-open';
  if (answer.mode === 'monitor' || answer.action !== 'allow') return 'observe';
  return 'allow';
}

const emptyCounts = () => ({
  allow: 0,
  observe: 0,
  challenge: 0,
  block: 0,
  'fail-open': 0,
  skipped: 0,
});

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Counts, latency and problems of one adapter. */
export function summarize(adapter, records, answers, runtimeUrl) {
  const counts = emptyCounts();
  /** The same counts per kind of client (user, scraper, …). */
  const byRole = {};
  let answered = 0;
  const problems = [];
  const notes = [];
  const protectedMs = new Map();
  const staticMs = new Map();
  for (const record of records) {
    const { request: r, reply } = record;
    const answer = answers.get(r.id);
    const what = classify(record, answer);
    counts[what]++;
    byRole[r.role] ??= emptyCounts();
    byRole[r.role][what]++;
    if (answer) answered++;
    const label = `${r.role} ${r.method} ${r.path} → ${reply.status} ${what}`;
    if (r.role === 'user' && what !== 'allow' && what !== 'observe')
      problems.push(`a normal user's request was not allowed by the runtime: ${label}`);
    if (r.role === 'static' && answer)
      problems.push(`a static asset reached the runtime (the latency baseline is void): ${label}`);
    if (what === 'challenge' && !challengeReplyOk(r, reply, runtimeUrl))
      problems.push(
        `a challenge did not have the expected form: ${label} (${reply.location ?? reply.body.slice(0, 80)})`,
      );
    if ((what === 'challenge' || what === 'block') && answer?.action !== what)
      notes.push(
        `enforced ${what} but the runtime answered ${answer?.action ?? 'nothing'}: ${label}`,
      );
    if (r.expect !== 'any' && r.role !== 'user' && r.role !== 'static') {
      const seen = what === 'observe' ? 'allow' : what;
      if (seen !== r.expect) notes.push(`expected ${r.expect}: ${label}`);
    }
    if (r.pair !== undefined && r.role === 'user' && what === 'allow')
      protectedMs.set(r.pair, record.ms);
    if (r.pair !== undefined && r.role === 'static') staticMs.set(r.pair, record.ms);
  }
  const added = [];
  for (const [pair, ms] of protectedMs) if (staticMs.has(pair)) added.push(ms - staticMs.get(pair));
  const statics = [...staticMs.values()];
  const latency = added.length
    ? {
        pairs: added.length,
        p50: percentile(added, 50),
        p99: percentile(added, 99),
        baselineP50: percentile(statics, 50),
      }
    : null;
  if (counts.challenge === 0) problems.push('no request was challenged');
  if (counts.block === 0) problems.push('no request was blocked');
  return {
    adapter: adapter.name,
    platform: adapter.platform,
    requests: records.length,
    answered,
    counts,
    byRole,
    latency,
    problems,
    notes,
  };
}

/** A browser is sent to the runtime's challenge page; an API client gets JSON it can act on. */
function challengeReplyOk(request, reply, runtimeUrl) {
  if (request.headers.accept.includes('text/html'))
    return reply.status === 302 && (reply.location ?? '').startsWith(`${runtimeUrl}/challenge?`);
  try {
    return reply.status === 403 && JSON.parse(reply.body).error === 'challenge_required';
  } catch {
    return false;
  }
}

/** A plain-text table; numbers right-aligned. */
export function table(head, rows) {
  const cells = [head, ...rows].map((row) => row.map((c) => String(c)));
  const width = head.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const numeric = head.map((_, i) =>
    rows.every((row) => typeof row[i] === 'number' || /^[\d.+-]+( ms)?$|^—$/.test(String(row[i]))),
  );
  const fmt = (row) =>
    row
      .map((c, i) => (numeric[i] ? c.padStart(width[i]) : c.padEnd(width[i])))
      .join('  ')
      .trimEnd();
  return [
    fmt(cells[0]),
    width.map((w) => '─'.repeat(w)).join('  '),
    ...cells.slice(1).map(fmt),
  ].join('\n');
}

const ms = (v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} ms`;

/** The adapters table: [head, rows], the same cells in the terminal and in results.html. */
export function adapterRows(summaries) {
  return [
    [
      'adapter',
      'requests',
      'allow',
      'observe',
      'challenge',
      'block',
      'fail-open',
      'skipped',
      'added p50',
      'added p99',
      'pairs',
      'baseline p50',
    ],
    summaries.map((s) => [
      s.adapter,
      s.requests,
      s.counts.allow,
      s.counts.observe,
      s.counts.challenge,
      s.counts.block,
      s.counts['fail-open'],
      s.counts.skipped,
      s.latency ? ms(s.latency.p50) : '—',
      s.latency ? ms(s.latency.p99) : '—',
      s.latency ? s.latency.pairs : 0,
      s.latency ? `${s.latency.baselineP50.toFixed(1)} ms` : '—',
    ]),
  ];
}

export const adapterTable = (summaries) => table(...adapterRows(summaries));

/** Every adapter's clients of one kind together: what happened to a scraper, a stuffer, … */
export function roleRows(summaries) {
  const total = {};
  for (const s of summaries) {
    for (const [role, c] of Object.entries(s.byRole)) {
      total[role] ??= emptyCounts();
      for (const k of Object.keys(c)) total[role][k] += c[k];
    }
  }
  const columns = ['allow', 'observe', 'challenge', 'block', 'fail-open', 'skipped'];
  return [
    ['client', 'requests', ...columns],
    Object.entries(total).map(([role, c]) => [
      role,
      columns.reduce((n, k) => n + c[k], 0),
      ...columns.map((k) => c[k]),
    ]),
  ];
}

export const roleTable = (summaries) => table(...roleRows(summaries));

export function policyRows(results, tenant) {
  const names = Object.fromEntries(tenant.policies.map((p) => [p.policy_id, p.name]));
  const ids = [
    ...new Set([...tenant.policies.map((p) => p.policy_id), ...Object.keys(results.policies)]),
  ].sort();
  return [
    ['policy', 'observe', 'challenge', 'block', 'allow', 'name'],
    ids.map((id) => {
      const r = results.policies[id] ?? { observe: 0, challenge: 0, block: 0, allow: 0 };
      return [id, r.observe, r.challenge, r.block, r.allow, names[id] ?? '(rule)'];
    }),
  ];
}

export const policyTable = (results, tenant) => table(...policyRows(results, tenant));

// ---- the hybrid pass -----------------------------------------------------------------------

/**
 * One adapter in the hybrid pass, from what its clients saw: there is no per-request record of
 * the local decisions (the daemon and the proxy report them to origin by count), so a request
 * that reached the application counts as allow, a Monitor decision included.
 */
export function summarizeHybrid(adapter, records, originUrl) {
  const counts = { allow: 0, challenge: 0, block: 0, skipped: 0 };
  const problems = [];
  const protectedMs = new Map();
  const staticMs = new Map();
  let asBlock = 0;
  for (const { request: r, reply, ms } of records) {
    const what =
      reply.decision === 'challenge' || reply.decision === 'block'
        ? reply.decision
        : r.role === 'static'
          ? 'skipped'
          : 'allow';
    counts[what]++;
    const label = `${r.role} ${r.method} ${r.path} → ${reply.status} ${what}`;
    if (r.role === 'user' && what !== 'allow')
      problems.push(`a normal user's request was not allowed: ${label}`);
    if (what === 'allow' && reply.status >= 500)
      problems.push(`the application did not answer: ${label}`);
    // A local challenge names origin's hosted page. The proxy's api base is origin, so it sends
    // a browser there; an SDK whose apiBase is the daemon answers it like a block instead: it
    // follows challenge URLs on apiBase's origin only (or challengeOrigins: code, no env var).
    if (what === 'challenge' && !challengeAt(r, reply, originUrl)) {
      if (reply.status === 403 && /"error":"blocked"|Access denied/.test(reply.body)) asBlock++;
      else
        problems.push(
          `a challenge did not have the expected form: ${label} (${reply.location ?? reply.body.slice(0, 120)})`,
        );
    }
    if (r.pair !== undefined && r.role === 'user' && what === 'allow') protectedMs.set(r.pair, ms);
    if (r.pair !== undefined && r.role === 'static') staticMs.set(r.pair, ms);
  }
  if (counts.challenge === 0) problems.push('no request was challenged');
  if (counts.block === 0) problems.push('no request was blocked');
  const notes = [];
  if (asBlock > 0)
    notes.push(
      `${asBlock} of ${counts.challenge} challenges answered 403 like a block, not sent to origin's page: the challenge URL is on origin (${originUrl}), apiBase is esper run, and the SDK follows challenge URLs on apiBase's origin only (challengeOrigins has no environment variable)`,
    );
  return {
    adapter: adapter.name,
    requests: records.length,
    /** Requests a local decider decided: all but the static assets. */
    decided: records.filter((x) => x.request.role !== 'static').length,
    counts,
    latency: pairLatency(protectedMs, staticMs),
    problems,
    notes,
  };
}

function challengeAt(request, reply, originUrl) {
  if (request.headers.accept.includes('text/html'))
    return reply.status === 302 && (reply.location ?? '').startsWith(`${originUrl}/challenge?`);
  return challengeReplyOk(request, reply, originUrl);
}

/** Added latency over the pairs (protected request − its static asset), as `summarize` does. */
function pairLatency(protectedMs, staticMs) {
  const added = [];
  for (const [pair, ms] of protectedMs) if (staticMs.has(pair)) added.push(ms - staticMs.get(pair));
  return added.length
    ? { pairs: added.length, p50: percentile(added, 50), p99: percentile(added, 99) }
    : null;
}

export function hybridRows(summaries) {
  return [
    ['adapter', 'requests', 'allow', 'challenge', 'block', 'skipped', 'decided locally'],
    summaries.map((s) => [
      s.adapter,
      s.requests,
      s.counts.allow,
      s.counts.challenge,
      s.counts.block,
      s.counts.skipped,
      s.decided,
    ]),
  ];
}

/** Cloud and hybrid added latency side by side, per adapter (— where a pass did not run it). */
export function latencyRows(cloud, hybrid) {
  const names = [...new Set([...cloud, ...hybrid].map((s) => s.adapter))];
  const of = (list, name) => list.find((s) => s.adapter === name)?.latency;
  const cell = (l, k) => (l ? ms(l[k]) : '—');
  return [
    ['adapter', 'cloud p50', 'cloud p99', 'hybrid p50', 'hybrid p99', 'pairs'],
    names.map((n) => {
      const c = of(cloud, n);
      const h = of(hybrid, n);
      return [
        n,
        cell(c, 'p50'),
        cell(c, 'p99'),
        cell(h, 'p50'),
        cell(h, 'p99'),
        `${c?.pairs ?? 0} / ${h?.pairs ?? 0}`,
      ];
    }),
  ];
}

/**
 * Origin's counts against the traffic: every request the hybrid pass sent but the static assets
 * was decided once, locally (by `esper run` for the adapters, by the proxy for capture), and
 * reported; origin must count exactly those, all as hybrid, none as cloud, and as many
 * challenges and blocks as the clients got.
 */
export function originCheck(results, summaries, mode) {
  const hybrid = results.by_operation_mode?.hybrid ?? { requests: 0, decisions: {} };
  const cloud = results.by_operation_mode?.cloud ?? { requests: 0 };
  const sent = summaries.reduce((n, s) => n + s.decided, 0);
  const stopped = summaries.reduce((n, s) => n + s.counts.challenge + s.counts.block, 0);
  const d = hybrid.decisions ?? {};
  const atOrigin = (d.challenge ?? 0) + (d.block ?? 0);
  const problems = [];
  if (hybrid.requests !== sent)
    problems.push(`origin counted ${hybrid.requests} hybrid decisions; the traffic had ${sent}`);
  if (cloud.requests !== 0)
    problems.push(`origin counted ${cloud.requests} cloud decisions; the pass made none`);
  // With ESPER_MODE=monitor the SDKs enforce nothing that origin counts as challenge or block.
  if (mode === 'live' && atOrigin !== stopped)
    problems.push(`origin counted ${atOrigin} challenges + blocks; the clients got ${stopped}`);
  const line = `  origin (esper origin, GET /tenants/quickstart/results): ${hybrid.requests} hybrid decisions (${Object.entries(
    d,
  )
    .map(([k, v]) => `${v} ${k}`)
    .join(
      ', ',
    )}), ${cloud.requests} cloud; the traffic had ${sent} requests to decide, ${stopped} of
  them challenged or blocked${problems.length ? '.' : ': the same counts, so every local decision arrived once.'}`;
  return { problems, line };
}
