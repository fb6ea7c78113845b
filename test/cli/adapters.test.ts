/**
 * The examples' Express and Hono apps, unchanged, in cloud mode with `ESPER_API_BASE` pointed at
 * `esper run`: their decisions are the daemon's local ones (ids `dec_hyb_…`), origin's cloud
 * endpoint is never called, and every decision reaches origin's Results as a hybrid event.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hybridResults,
  killLeftDaemons,
  startDaemonProcess,
  startOrigin,
  syncedHome,
} from '../../packages/runtime/src/cli/test-support/daemon-setup.js';
import type { EsperProcess } from '../../packages/runtime/src/cli/test-support/esper-cli.js';
import { until } from '../../packages/runtime/src/cli/test-support/esper-cli.js';
import type { RuntimeServer } from '../../packages/runtime/src/server/start.js';
import { admin, WEB_KEY } from '../../packages/runtime/src/test-support/tenant-calls.js';
import { startListeningExample } from '../helpers/node-process.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An example's Node entry, bundled from the workspace sources. */
async function bundleExample(name: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), `esper-${name}-`)), 'server.mjs');
  await build({
    entryPoints: [join(ROOT, 'examples', name, 'src', 'server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@esper/source', 'module'],
    banner: {
      js: "import { createRequire as esperCreateRequire } from 'node:module'; const require = esperCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

let origin: RuntimeServer;
let daemon: { p: EsperProcess; url: string };
beforeAll(async () => {
  origin = await startOrigin();
  daemon = await startDaemonProcess(await syncedHome(origin.url));
});
afterAll(async () => {
  await daemon?.p.stop();
  await killLeftDaemons();
  await origin?.close();
});

describe.each(['express-heroku', 'hono'])('the %s example pointed at esper run', (example) => {
  it('gets local decisions with no code change', async () => {
    origin.reset();
    const app = await startListeningExample({
      cwd: join(ROOT, 'examples', example),
      args: [await bundleExample(example)],
      env: {
        ESPER_API_BASE: daemon.url,
        ESPER_API_KEY: WEB_KEY.apiKey,
        ESPER_API_SECRET: WEB_KEY.secret,
      },
    });
    try {
      const allowed = await fetch(`${app.origin}/`);
      expect(allowed.status).toBe(200);
      const body = (await allowed.json()) as { decision: string; decisionId: string };
      expect(body.decision).toBe('allow');
      expect(body.decisionId).toMatch(/^dec_hyb_/);
      const blocked = await fetch(`${app.origin}/?foo=bar`);
      expect(blocked.status).toBe(403);
      await until(
        async () => (await hybridResults(origin)).requests === 2,
        10_000,
        'hybrid events',
      );
      const results = (await (await admin(origin.url, '/tenants/quickstart/results')).json()) as {
        by_operation_mode: { cloud: { requests: number } };
      };
      expect(results.by_operation_mode.cloud.requests).toBe(0);
      expect((await hybridResults(origin)).policies.pol_foo_bar?.block).toBe(1);
    } finally {
      await app.stop();
    }
  });
});

// After every test above: these leave events in the daemon's spool that would arrive late.
describe.each(['express-heroku', 'hono'])('the %s example pointed at esper run', (example) => {
  it("sends a challenge to origin's page when ESPER_CHALLENGE_ORIGINS names origin", async () => {
    const env = { ESPER_API_BASE: daemon.url, ESPER_API_KEY: WEB_KEY.apiKey };
    const start = (extra: Record<string, string>) =>
      startListeningExample({
        cwd: join(ROOT, 'examples', example),
        args: [bundled],
        env: { ...env, ESPER_API_SECRET: WEB_KEY.secret, ...extra },
      });
    const bundled = await bundleExample(example);
    // pol_login_burst challenges a client's 6th POST /login in a minute; each app is its own client.
    const sixthLogin = async (origin: string, ua: string) => {
      let res: Response | undefined;
      for (let i = 0; i < 6; i++)
        res = await fetch(`${origin}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'user-agent': ua },
        });
      return res as Response;
    };
    const allowed = await start({ ESPER_CHALLENGE_ORIGINS: origin.url });
    const refused = await start({});
    try {
      // A POST is not a navigation: the SDK answers 403 with the page's URL in the body.
      const challenged = await sixthLogin(allowed.origin, `challenge-origins-${example}`);
      expect(challenged.status).toBe(403);
      const body = (await challenged.json()) as { error: string; challenge_url?: string };
      expect(body.error).toBe('challenge_required');
      const page = new URL(body.challenge_url ?? '');
      expect(page.origin).toBe(new URL(origin.url).origin);
      expect(page.pathname).toBe('/challenge');
      expect(page.searchParams.get('ticket')).toBeTruthy();
      // Without it the SDK will not send a browser off its API origin: the challenge is a block.
      const refusedRes = await sixthLogin(refused.origin, `no-challenge-origins-${example}`);
      expect(refusedRes.status).toBe(403);
      expect(((await refusedRes.json()) as { error: string }).error).toBe('blocked');
    } finally {
      await Promise.all([allowed.stop(), refused.stop()]);
    }
  });
});
