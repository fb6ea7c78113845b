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

describe('pnpm demo (DEMO_SKIP=nextjs)', () => {
  it('runs four examples, each challenging, blocking and allowing its users; exits 0', async () => {
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
    ]);
    expect(tablesOf(html)).toEqual(printed.map((t) => t.cells));
    for (const t of printed) expect(html).toContain(t.title.replaceAll("'", '&#39;'));
    expect(html).toContain('pol_login_burst');
    expect(html).toContain('added p50');
    expect(html).toMatch(/<h2 class="ok">OK<\/h2>/);
    expect(html).not.toMatch(/No (rules|policies) matched/);
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
