/**
 * A conformance target that is a real HTTP server (a built app in its own process, or a Node
 * server in this one) with the platform played in front of it: the proxy or router rewrites
 * the client's forwarding headers, then the request goes on over loopback as it came
 * (`redirect: 'manual'`: the scenarios read redirects themselves). Also the ways such a server
 * is started and waited for: a `{"port":N}` line (startPortServer), a "listening" line
 * (listeningOrigin), a probe on a port it was given (startOnFreePort).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type Target,
  type TargetOptions,
  type TargetRequest,
  type TargetResponse,
  toTargetResponse,
} from '../conformance/target.js';
import {
  freePort,
  type NodeCommand,
  type NodeProcess,
  startNodeProcess,
  waitUntilAnswering,
} from './node-process.mjs';

/** A server a target (or a suite) reaches on loopback. */
export interface RunningServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  stop(): Promise<void>;
}

/** What the platform in front does to the headers the client sent, having seen `platformIp`. */
export type Platform = (headers: Headers, platformIp: string) => void;

/**
 * A reverse proxy that appends the address it saw to X-Forwarded-For (nginx's
 * `$proxy_add_x_forwarded_for`, the Heroku router) and sets `set` (a function: a fresh value
 * per request). An empty `platformIp` is a request that reached the server without passing it.
 */
export function appendingProxy(set: Record<string, string | (() => string)> = {}): Platform {
  return (headers, platformIp) => {
    if (!platformIp) return;
    const sent = headers.get('x-forwarded-for');
    headers.set('x-forwarded-for', sent ? `${sent}, ${platformIp}` : platformIp);
    for (const [name, value] of Object.entries(set)) {
      headers.set(name, typeof value === 'string' ? value : value());
    }
  };
}

/** `req` sent to `origin` through `platform` (none: the client connects directly). */
export async function forward(
  origin: string,
  req: TargetRequest,
  platform?: Platform,
): Promise<TargetResponse> {
  const headers = new Headers(req.headers);
  platform?.(headers, req.platformIp);
  const res = await fetch(origin + req.path, {
    method: req.method ?? 'GET',
    headers,
    body: req.body,
    redirect: 'manual',
  });
  return toTargetResponse(res);
}

export interface ServerTargetSpec {
  name: string;
  limitations?: Record<string, string>;
  /** Starts the server for one column (cloud or hybrid): `targetEnv(options)` for a built app. */
  start(options: TargetOptions): Promise<RunningServer>;
  /**
   * The platform in front, whose address the adapter is configured to believe: the client IP is
   * `platformIp`. None: clients connect directly, the client IP is the socket peer, 127.0.0.1,
   * whatever `platformIp` says, and client-sent forwarding headers reach the app unchanged.
   */
  platform?: Platform;
}

/** A Target from "start this server; here is the platform in front of it". */
export function serverTarget({ name, limitations, start, platform }: ServerTargetSpec): Target {
  return {
    name,
    ...(limitations && { limitations }),
    async start(options) {
      const server = await start(options);
      return {
        request: (req) => forward(server.origin, req, platform),
        expectedClientIp: (platformIp) => (platform ? platformIp : '127.0.0.1'),
        close: () => server.stop(),
      };
    },
  };
}

export interface PortServer extends RunningServer {
  child: ChildProcess;
}

/**
 * Runs `command args` (Node by default) with exactly `env` (nothing inherited: give PATH) and
 * waits for the `{"port":N}` line the server prints on stdout once it listens. `stop()` sends
 * SIGTERM, waits for the exit, then runs `cleanup`.
 */
export async function startPortServer(
  name: string,
  { command = process.execPath, args, cwd, env }: PortCommand,
  cleanup?: () => Promise<void>,
): Promise<PortServer> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"port":')) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await cleanup?.();
    },
  };
}

export interface PortCommand {
  command?: string;
  args: string[];
  cwd?: string;
  env: Record<string, string | undefined>;
}

/** `code` (a bundled server) as `server.mjs` in a new temp dir; `remove()` deletes the dir. */
export async function writeServerFile(prefix: string, code: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = join(dir, 'server.mjs');
  await writeFile(file, code);
  return { dir, file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The origin of `app` once it printed `listening` (group 1: the port, or `port` when the
 * server was told it); rejects with its output if it exits first.
 */
export function listeningOrigin(
  app: NodeProcess,
  name: string,
  listening: RegExp,
  port?: number,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    app.child.stdout.on('data', () => {
      const found = app.output().match(listening);
      if (found) resolve(`http://127.0.0.1:${port ?? found[1]}`);
    });
    app.child.once('error', reject);
    app.child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}):\n${app.output()}`)),
    );
  });
}

/**
 * `node <args>` in `cwd` with `env`, HOST and PORT (a free port of 127.0.0.1) added, once a GET
 * of `probe` (a path) answers; stopped if it never does.
 */
export async function startOnFreePort(
  command: NodeCommand,
  name: string,
  probe: string,
): Promise<RunningServer & { process: NodeProcess }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const app = startNodeProcess({
    ...command,
    env: { ...command.env, HOST: '127.0.0.1', PORT: String(port) },
  });
  try {
    await waitUntilAnswering(app, name, () => fetch(origin + probe));
  } catch (err) {
    await app.stop();
    throw err;
  }
  return { origin, process: app, stop: app.stop };
}
