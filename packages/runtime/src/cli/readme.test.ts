/**
 * The README's hybrid walk-through ("The esper CLI", "Walk-through"), run as written by bash
 * from the repository root, with the built `esper` bin: only its three ports are swapped for
 * free ones, and HOME is a temporary directory (so `~/.esper` is fresh).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const README = readFileSync(join(ROOT, 'packages/runtime/README.md'), 'utf8');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function walkthrough(): string {
  const m = /<!-- walkthrough -->\n```sh\n([\s\S]*?)```/.exec(README);
  if (!m?.[1]) throw new Error('no walk-through block in the README');
  return m[1];
}

it('the README walk-through works as written', { timeout: 180_000 }, async () => {
  const [origin, daemon, app] = [await freePort(), await freePort(), await freePort()];
  const script = walkthrough()
    .replaceAll(':8787', `:${origin}`)
    .replaceAll('--port 8787', `--port ${origin}`)
    .replaceAll(':8788', `:${daemon}`)
    .replaceAll(':3000', `:${app}`)
    .replaceAll('PORT=3000', `PORT=${app}`);
  const home = mkdtempSync(join(tmpdir(), 'esper-walkthrough-'));
  const env: Record<string, string | undefined> = { ...process.env, HOME: home };
  for (const name of Object.keys(env)) if (name.startsWith('ESPER_')) delete env[name];
  // Its own process group, so that whatever the script left running can be stopped with it.
  const child = spawn('bash', ['-e', '-c', script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // Nothing left: the script stopped everything it started.
  }
  expect(code, out).toBe(0);

  expect(out).toContain(`esper origin listening on http://127.0.0.1:${origin}`);
  expect(out).toContain(`esper init: wrote ${home}/.esper/config.yaml`);
  expect(statSync(join(home, '.esper', 'credentials.xml')).mode & 0o777).toBe(0o600);
  expect(out).not.toContain('esper_qs_web_secret_for_local_tests_only');
  expect(out).toContain('policies: +pol_login_burst +pol_foo_bar +pol_traffic_share (3 now)');
  expect(out).toMatch(/"hello":"world","decision":"allow","decisionId":"dec_hyb_/);
  expect(out).toMatch(/^403$/m);
  // The readiness loop's request, then the two of the traffic.
  expect(out).toMatch(/^decisions: (allow 2, block 1|block 1, allow 2)$/m);
  const console = JSON.parse(out.split('\n').find((l) => l.startsWith('{"title"')) ?? '{}');
  expect(console.scopes?.[0]?.totals).toMatchObject({ requests: 3, allow: 2, block: 1 });
  const results = JSON.parse(out.split('\n').find((l) => l.startsWith('{"tenant_id"')) ?? '{}');
  expect(results.by_operation_mode?.hybrid?.requests).toBe(3);
  expect(results.by_operation_mode?.cloud?.requests).toBe(0);
  expect(out).toContain('esper run: stopped (SIGTERM)');
});
