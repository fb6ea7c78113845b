/**
 * `pnpm demo` as a user runs it (scripts/demo.mjs in its own process), without the Next.js
 * example: `next build` alone takes ~35 s cold, and examples/nextjs's own test builds it too.
 * The demo writes summary.json next to results.html; the assertions read it and the exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, no declarations
import { tablesOf } from '../../scripts/demo/html.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Counts = Record<'allow' | 'observe' | 'challenge' | 'block' | 'fail-open' | 'skipped', number>;
type Summary = {
  mode: string;
  adapters: Array<{
    adapter: string;
    requests: number;
    answered: number;
    counts: Counts;
    byRole: Record<string, Counts>;
    problems: string[];
  }>;
  results: {
    requests: number;
    policies: Record<string, { observe: number; challenge: number; block: number }>;
  };
  hybrid?: {
    summaries: Array<{
      adapter: string;
      requests: number;
      decided: number;
      counts: Record<'allow' | 'challenge' | 'block' | 'skipped', number>;
      latency: { pairs: number; p50: number; p99: number } | null;
      problems: string[];
    }>;
    results: {
      by_operation_mode: Record<
        'cloud' | 'hybrid',
        { requests: number; decisions: Record<string, number> }
      >;
    };
    check: { problems: string[] };
  };
  failures: string[];
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the demo with these settings; killed (and so failing) if it outlives `limitMs`. */
function demo(env: Record<string, string>, limitMs: number) {
  const out = mkdtempSync(join(tmpdir(), 'esper-demo-'));
  dirs.push(out);
  return new Promise<{ code: number | null; output: string; out: string }>((resolve) => {
    const child = spawn(process.execPath, ['scripts/demo.mjs'], {
      cwd: ROOT,
      env: { ...process.env, ...env, DEMO_OUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // SIGTERM lets the demo stop the servers it started.
    const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, out });
    });
  });
}

/**
 * The tables the demo printed at the end: a title line, a blank line, the header, a ─ rule,
 * the rows (cells are separated by two spaces or more).
 */
function printedTables(output: string) {
  const lines = output.split('\n');
  const tables: Array<{ title: string; cells: string[][] }> = [];
  for (const [i, l] of lines.entries()) {
    if (!/^─+( +─+)*$/.test(l)) continue;
    const rows = [lines[i - 1]!];
    for (let j = i + 1; j < lines.length && lines[j]!.trim() !== ''; j++) rows.push(lines[j]!);
    tables.push({
      title: lines[i - 3]!.trim(),
      cells: rows.map((r) => r.trim().split(/ {2,}/)),
    });
  }
  return tables;
}

const readSummary = (out: string): Summary =>
  JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));

/**
 * The hybrid pass: the same adapters pointed at `esper run`, a plain app behind `esper capture
 * run --enforce`. What the clients saw, against what `esper origin` counted: every request but
 * the static assets decided once locally and reported, none in cloud mode.
 */
function checkHybridPass(summary: Summary, printed: ReturnType<typeof printedTables>) {
  const hybrid = summary.hybrid!;
  expect(hybrid.summaries.map((s) => s.adapter)).toEqual([
    'cloudflare',
    'lambda',
    'express',
    'hono',
    'capture',
  ]);
  for (const s of hybrid.summaries) {
    expect(s.problems, s.adapter).toEqual([]);
    expect(s.counts.challenge, s.adapter).toBeGreaterThan(0);
    expect(s.counts.block, s.adapter).toBeGreaterThan(0);
    expect(s.counts.allow, s.adapter).toBeGreaterThan(0);
    expect(s.decided, s.adapter).toBe(s.requests - s.counts.skipped);
    expect(s.latency?.pairs, s.adapter).toBeGreaterThan(0);
  }
  const { cloud, hybrid: local } = hybrid.results.by_operation_mode;
  const sent = hybrid.summaries.reduce((n, s) => n + s.requests - s.counts.skipped, 0);
  const stopped = hybrid.summaries.reduce((n, s) => n + s.counts.challenge + s.counts.block, 0);
  expect(local.requests).toBe(sent);
  expect(cloud.requests).toBe(0);
  expect((local.decisions.challenge ?? 0) + (local.decisions.block ?? 0)).toBe(stopped);
  expect(hybrid.check.problems).toEqual([]);
  // Cloud and hybrid latency side by side: a row per adapter, capture hybrid only.
  const latency = printed.at(-1)!.cells;
  expect(latency[0]).toEqual([
    'adapter',
    'cloud p50',
    'cloud p99',
    'hybrid p50',
    'hybrid p99',
    'pairs',
  ]);
  for (const row of latency.slice(1, 5))
    expect(row.slice(1, 5).every((c) => /ms$/.test(c!))).toBe(true);
  expect(latency[5]?.slice(0, 3)).toEqual(['capture', '—', '—']);
}

describe('pnpm demo (DEMO_SKIP=nextjs)', () => {
  it('runs four examples, each challenging, blocking and allowing its users, in the cloud and the hybrid pass; exits 0', async () => {
    const { code, output, out } = await demo({ DEMO_SKIP: 'nextjs' }, 85_000);
    expect(code, output).toBe(0);
    const summary = readSummary(out);
    expect(summary.failures).toEqual([]);
    expect(summary.adapters.map((a) => a.adapter)).toEqual([
      'cloudflare',
      'lambda',
      'express',
      'hono',
    ]);
    for (const a of summary.adapters) {
      expect(a.problems, a.adapter).toEqual([]);
      expect(a.counts.challenge, a.adapter).toBeGreaterThan(0);
      expect(a.counts.block, a.adapter).toBeGreaterThan(0);
      // Every normal user's request went through, decided by the runtime (no fail-open).
      const users = a.byRole.user!;
      expect(users.allow + users.observe, a.adapter).toBe(
        Object.values(users).reduce((n, v) => n + v, 0),
      );
      // Static assets never reached the runtime, so the latency baseline holds.
      expect(a.counts.skipped, a.adapter).toBe(a.byRole.static?.skipped);
    }
    // The runtime's own results agree: every policy decided something, and every request the
    // adapters sent was counted there.
    const { policies } = summary.results;
    expect(policies.pol_login_burst?.challenge).toBeGreaterThan(0);
    expect(policies.pol_foo_bar?.block).toBeGreaterThan(0);
    expect(policies.pol_traffic_share?.observe).toBeGreaterThan(0);
    expect(summary.results.requests).toBe(summary.adapters.reduce((n, a) => n + a.answered, 0));
    expect(output).toMatch(/^OK: every adapter/m);
    // results.html is the terminal's report: the same tables, cell for cell, and its verdict.
    const html = readFileSync(join(out, 'results.html'), 'utf8');
    const printed = printedTables(output);
    expect(printed.map((t) => t.title)).toEqual([
      expect.stringMatching(/^Adapters/),
      expect.stringMatching(/^Clients/),
      expect.stringMatching(/^Policies/),
      expect.stringMatching(/^Hybrid pass/),
      expect.stringMatching(/^Latency: cloud vs hybrid/),
    ]);
    expect(tablesOf(html)).toEqual(printed.map((t) => t.cells));
    for (const t of printed) expect(html).toContain(t.title.replaceAll("'", '&#39;'));
    expect(html).toContain('pol_login_burst');
    expect(html).toContain('added p50');
    expect(html).toMatch(/<h2 class="ok">OK<\/h2>/);
    expect(html).not.toMatch(/No (rules|policies) matched/);
    checkHybridPass(summary, printed);
  }, 90_000);

  it('exits 1 and says what is missing when nothing is enforced (DEMO_MODE=monitor)', async () => {
    const { code, output, out } = await demo({ DEMO_ONLY: 'hono', DEMO_MODE: 'monitor' }, 55_000);
    expect(code, output).toBe(1);
    expect(output).toContain('hono: no request was challenged');
    expect(output).toContain('hono: no request was blocked');
    const html = readFileSync(join(out, 'results.html'), 'utf8');
    expect(html).toMatch(/<h2 class="failed">FAILED<\/h2>/);
    expect(html).toContain('hono: no request was challenged');
    expect(tablesOf(html)).toEqual(printedTables(output).map((t) => t.cells));
    const [hono] = readSummary(out).adapters;
    expect(hono?.counts.challenge).toBe(0);
    // The runtime did decide to challenge and block; the examples only observed it.
    expect(hono?.counts.observe).toBeGreaterThan(0);
  }, 60_000);
});
