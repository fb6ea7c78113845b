// The demo's hybrid pass, as a customer runs it: the `esper` CLI of @esper/runtime, each command
// its own process. `esper origin --quickstart` stands in for Esper's cloud (the same quickstart
// tenant, serving the policies and taking the reported decisions); `esper init`, `esper sync`
// and `esper run` make the local daemon the adapters are pointed at (cloud mode, ESPER_API_BASE
// = the daemon: no code change). Everything the report says about this pass's origin side comes
// from origin's results API.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode, startNodeProcess } from '../../test/helpers/node-process.mjs';
import { TENANT } from './runtime.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `esper` bin (dist/cli.js of @esper/runtime: `pnpm build` first, as for the examples). */
export const ESPER = 'packages/runtime/bin/esper.js';
const KEY = TENANT.api_keys[0];

/** Starts `esper <args>` and resolves with the process and the first match of `pattern`. */
export async function startEsper(args, env, pattern) {
  const p = startNodeProcess({ cwd: ROOT, args: [ESPER, ...args], env });
  let onExit;
  const match = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`esper ${args[0]}: ${p.output()}`)), 30_000);
    const check = () => {
      const m = p.output().match(pattern);
      if (!m) return;
      clearTimeout(timer);
      resolve(m);
    };
    p.child.stdout.on('data', check);
    onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`esper ${args.join(' ')} exited (${code}):\n${p.output()}`));
    };
    p.child.once('exit', onExit);
  }).finally(() => p.child.off('exit', onExit));
  return { ...p, match };
}

/**
 * `esper origin`, then `esper init` + `esper sync` + `esper run` in a fresh ESPER_HOME.
 * `stop()` sends SIGTERM to the daemon (it drains and sends its spool) and then to origin.
 */
export async function startHybrid({ step }) {
  const adminToken = randomBytes(18).toString('base64url');
  const origin = await step('hybrid      start: esper origin --quickstart', () =>
    startEsper(
      ['origin', '--quickstart', '--port', '0'],
      { ESPER_ORIGIN_ADMIN_TOKEN: adminToken },
      /listening on (http:\/\/\S+)/,
    ),
  );
  const originUrl = origin.match[1];
  const home = mkdtempSync(join(tmpdir(), 'esper-demo-home-'));
  const env = { ESPER_HOME: home, ESPER_API_SECRET: KEY.secret };
  const init = ['init', '--api-base', originUrl, '--api-key', KEY.apiKey];
  init.push('--tenant-id', TENANT.tenant_id, '--listen', '127.0.0.1:0');
  await step('hybrid      esper init, esper sync', async () => {
    await runNode(ROOT, [ESPER, ...init], env);
    await runNode(ROOT, [ESPER, 'sync'], env);
  });
  const daemon = await step('hybrid      start: esper run', () =>
    startEsper(['run'], env, /listening on (http:\/\/\S+)/),
  );
  const url = daemon.match[1];
  const admin = { authorization: `Bearer ${adminToken}` };
  let stopped = false;
  return {
    originUrl,
    url,
    adminToken,
    apiKey: KEY.apiKey,
    /**
     * What the adapters read: the daemon in place of Esper's cloud, the same key, and origin
     * as a challenge origin (a local challenge's page is origin's, not the daemon's).
     */
    env: {
      ESPER_API_BASE: url,
      ESPER_API_KEY: KEY.apiKey,
      ESPER_API_SECRET: KEY.secret,
      ESPER_CHALLENGE_ORIGINS: originUrl,
    },
    /** `/status` of the running daemon (`esper status` prints it). */
    status: async () => (await fetch(`${url}/status`)).json(),
    /** SIGTERM: the daemon drains and sends every spooled decision to origin before it exits. */
    async stopDaemon() {
      if (stopped) return;
      stopped = true;
      await daemon.stop();
      rmSync(home, { recursive: true, force: true });
    },
    /** Origin's GET /tenants/quickstart/results (decisions split by operation mode). */
    async results() {
      const res = await fetch(`${originUrl}/tenants/${TENANT.tenant_id}/results`, {
        headers: admin,
      });
      if (!res.ok) throw new Error(`origin results: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async close() {
      await this.stopDaemon();
      await origin.stop();
    },
  };
}
