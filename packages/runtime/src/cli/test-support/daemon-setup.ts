/**
 * Scaffolding of the daemon tests: an origin (this package's runtime on 127.0.0.1), a switch in
 * front of it that can pass, refuse, or forward and then lose the answer (a crash or a network
 * cut after origin counted a batch), and an initialised, synced `ESPER_HOME` pointed at it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type RuntimeServer, startRuntime } from '../../server/start.js';
import { QUICKSTART_TENANT } from '../../tenants/quickstart.js';
import type { TenantResults } from '../../tenants/tenant-state.js';
import { ADMIN_TOKEN, admin, WEB_KEY } from '../../test-support/tenant-calls.js';
import { type EsperProcess, esper, startEsper, tempHome } from './esper-cli.js';

/** `pass`; `down`: every call gets 503; `lose-events`: events reach origin, the answer is cut. */
export type SwitchMode = 'pass' | 'down' | 'lose-events';

export interface OriginSwitch {
  url: string;
  mode: SwitchMode;
  close(): Promise<void>;
}

export async function originSwitch(target: () => string): Promise<OriginSwitch> {
  const state = { mode: 'pass' as SwitchMode };
  const server: Server = createServer((req, res) => {
    if (state.mode === 'down') {
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":{"code":"down","message":"switch down"}}');
      return;
    }
    const lose = state.mode === 'lose-events' && req.url?.startsWith('/api/v1/hybrid/events');
    const upstream = request(
      `${target()}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        if (lose) {
          answer.resume();
          answer.once('end', () => res.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: SwitchMode) {
      state.mode = m;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function startOrigin(): Promise<RuntimeServer> {
  return startRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
}

export async function hybridResults(
  origin: RuntimeServer,
): Promise<TenantResults['by_operation_mode']['hybrid']> {
  const res = await admin(origin.url, '/tenants/quickstart/results');
  return ((await res.json()) as TenantResults).by_operation_mode.hybrid;
}

/** `esper init` (listening on a free port) and `esper sync`, against `apiBase`. */
export async function syncedHome(
  apiBase: string,
  limits: Record<string, number> = {},
): Promise<string> {
  const dir = tempHome();
  const flags = ['--api-base', apiBase, '--api-key', WEB_KEY.apiKey, '--tenant-id', 'quickstart'];
  const init = await esper(
    ['init', ...flags, '--listen', '127.0.0.1:0', '--api-secret', WEB_KEY.secret],
    { ESPER_HOME: dir },
  );
  expect(init.code, init.stderr).toBe(0);
  const runtimeXml = join(dir, 'runtime.xml');
  let xml = readFileSync(runtimeXml, 'utf8');
  for (const [name, value] of Object.entries(limits))
    xml = xml.replace(new RegExp(`<${name}>\\d+<`), `<${name}>${value}<`);
  writeFileSync(runtimeXml, xml);
  const sync = await esper(['sync'], { ESPER_HOME: dir });
  expect(sync.code, sync.stderr).toBe(0);
  return dir;
}

const started: EsperProcess[] = [];

/** Kills (SIGKILL) every daemon a test started and left running, e.g. after a failed assertion. */
export async function killLeftDaemons(): Promise<void> {
  for (const p of started.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
}

export async function startDaemonProcess(home: string): Promise<{ p: EsperProcess; url: string }> {
  const p = await startEsper(['run'], { ESPER_HOME: home });
  started.push(p);
  const [, url] = await p.waitFor(/listening on (http:\/\/\S+)/);
  return { p, url: url as string };
}

export interface StatusBody {
  snapshot: { version: string | null; sync_age_seconds: number | null };
  spool: { depth: number; sent: number; dropped: number };
  decisions: Record<string, number>;
}

export async function daemonStatus(url: string): Promise<StatusBody> {
  return (await (await fetch(`${url}/status`)).json()) as StatusBody;
}
