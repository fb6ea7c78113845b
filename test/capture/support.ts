/**
 * Scaffolding of the `esper capture run` tests: the application that cannot be changed (a real
 * Node server with streaming, cookie, header-echo, slow and WebSocket routes), an origin that
 * serves the policies (`startRuntime`), and a capture in front of the one with the other.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type Capture,
  type CaptureIo,
  parseCaptureArgs,
  QUICKSTART_TENANT,
  type RuntimeServer,
  startCapture,
  startRuntime,
} from '@esper/runtime';
import { WebSocketServer } from 'ws';

export const KEY = QUICKSTART_TENANT.api_keys[0]!;

/** The quickstart tenant with its block policy (`?foo=bar`) and a rule challenging /members. */
export function captureTenant() {
  const tenant = structuredClone(QUICKSTART_TENANT) as unknown as {
    policies: Array<{ policy_id: string }>;
    rules?: unknown[];
  };
  tenant.policies = tenant.policies.filter((p) => p.policy_id === 'pol_foo_bar');
  tenant.rules = [
    {
      rule_id: 'r_members',
      tenant_id: 'quickstart',
      name: 'Challenge every visit to /members',
      enabled: true,
      priority: 10,
      expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/members' } },
      outcome: 'Challenge',
    },
  ];
  return tenant;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface Upstream {
  url: string;
  /** Every request the application got, in order. */
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  /** Resolved when the first chunk of an upload arrived (before the client sent the rest). */
  firstUploadChunk: Deferred<void>;
  /** The download route writes its second chunk only once this is resolved. */
  releaseDownload: Deferred<void>;
  close(): Promise<void>;
}

function listenOn(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

export async function startUpstream(): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const state = { firstUploadChunk: deferred<void>(), releaseDownload: deferred<void>() };
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/upload') {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        if (size === 0) state.firstUploadChunk.resolve();
        size += chunk.length;
        hash.update(chunk);
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ size, sha256: hash.digest('hex') }));
      });
      return;
    }
    if (path === '/download') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk;');
      state.releaseDownload.promise.then(() => res.end('second chunk'));
      return;
    }
    if (path === '/cookies') {
      res.setHeader('set-cookie', [
        'a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly',
        'b=2; Path=/; Secure',
      ]);
      res.end('cookies');
      return;
    }
    if (path === '/slow') return; // never answers: the proxy's timeout must
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket, req) => {
    socket.send(`hello ${req.headers['x-esper-decision'] ?? 'undecided'}`);
    socket.on('message', (data) => socket.send(`echo ${data.toString()}`));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const url = await listenOn(server);
  return {
    url,
    seen,
    ...state,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function startOrigin(): Promise<RuntimeServer> {
  return startRuntime({ tenants: [captureTenant()], adminToken: 'capture-test-admin-token' });
}

export interface Lines {
  io: Pick<CaptureIo, 'stdout' | 'stderr' | 'env'>;
  stdout: string[];
  stderr: string[];
}

export function collectingIo(): Lines {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    io: { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), env: {} },
    stdout,
    stderr,
  };
}

/** `esper capture run <flags>` in this process, with the key in the environment. */
export async function capture(
  origin: RuntimeServer,
  upstream: string,
  flags: string[],
  lines = collectingIo(),
): Promise<Capture> {
  const env = { ...lines.io.env, ESPER_API_KEY: KEY.apiKey, ESPER_API_SECRET: KEY.secret };
  const options = parseCaptureArgs(
    ['--upstream', upstream, '--listen', '127.0.0.1:0', '--api-base', origin.url, ...flags],
    env,
  );
  if (options === 'help') throw new Error('unexpected help');
  return startCapture(options, { ...lines.io, env });
}
