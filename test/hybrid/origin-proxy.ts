/**
 * A faulty network between a hybrid edge and the real runtime: an HTTP proxy on 127.0.0.1 that
 * forwards to the runtime unchanged, or makes the snapshot or events endpoint hang, fail, or
 * answer a rewritten (corrupt, invalid) snapshot. The runtime itself stays correct: it cannot
 * be made to serve an invalid snapshot, since its admin API validates every change.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENTS_PATH, SNAPSHOT_PATH } from '@esper/runtime';

export type SnapshotFault =
  | { kind: 'pass' }
  | { kind: 'hang' }
  | { kind: 'status'; status: number }
  /** Asks origin for the full snapshot (no If-None-Match) and answers `rewrite(json)` instead. */
  | { kind: 'rewrite'; rewrite: (json: Record<string, unknown>) => unknown };

export type EventsFault = { kind: 'pass' } | { kind: 'hang' } | { kind: 'status'; status: number };

export interface ProxiedCall {
  path: string;
  status: number | 'hung';
  ifNoneMatch?: string;
}

export interface OriginProxy {
  readonly url: string;
  snapshot: SnapshotFault;
  events: EventsFault;
  readonly calls: ProxiedCall[];
  /** Requests held by a `hang` fault right now. */
  readonly hanging: number;
  /** Lets every held request through to origin. */
  release(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

export async function startOriginProxy(target: () => string): Promise<OriginProxy> {
  const held = new Set<() => void>();
  const calls: ProxiedCall[] = [];

  async function forward(req: IncomingMessage, body: Buffer, dropEtag = false) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (HOP.has(name) || value === undefined) continue;
      if (dropEtag && name === 'if-none-match') continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    return fetch(target() + req.url, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body),
    });
  }

  async function reply(res: ServerResponse, response: Response, text?: string) {
    const out = text ?? Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'etag', 'cache-control', 'retry-after']) {
      const v = response.headers.get(name);
      if (v !== null) headers[name] = v;
    }
    res.writeHead(response.status, headers).end(out);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const ifNoneMatch = req.headers['if-none-match'];
    const fault: SnapshotFault | EventsFault =
      path === SNAPSHOT_PATH
        ? proxy.snapshot
        : path === EVENTS_PATH
          ? proxy.events
          : { kind: 'pass' };
    const record = (status: number | 'hung') => {
      calls.push({ path, status, ...(ifNoneMatch !== undefined && { ifNoneMatch }) });
    };
    if (fault.kind === 'hang') {
      record('hung');
      await new Promise<void>((resume) => {
        const done = () => {
          held.delete(done);
          resume();
        };
        held.add(done);
        // A client that gives up (its timeout) ends the hang too.
        res.on('close', done);
      });
      if (res.destroyed || res.writableEnded) return;
      return reply(res, await forward(req, body));
    }
    if (fault.kind === 'status') {
      record(fault.status);
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 'proxy_fault', message: 'injected' } }));
    }
    if (fault.kind === 'rewrite') {
      const upstream = await forward(req, body, true);
      const json = (await upstream.json()) as Record<string, unknown>;
      const rewritten = fault.rewrite(json);
      const text = typeof rewritten === 'string' ? rewritten : JSON.stringify(rewritten);
      record(upstream.status);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(text);
    }
    const upstream = await forward(req, body);
    record(upstream.status);
    return reply(res, upstream);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: OriginProxy = {
    url: `http://127.0.0.1:${port}`,
    snapshot: { kind: 'pass' },
    events: { kind: 'pass' },
    calls,
    get hanging() {
      return held.size;
    },
    release() {
      for (const done of [...held]) done();
    },
    async close() {
      proxy.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
