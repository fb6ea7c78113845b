/**
 * Test-only: Upstash's REST protocol on 127.0.0.1, onto a real Redis. `@upstash/redis` POSTs
 * a command as a JSON array (`["EVALSHA", sha, "2", …]`) with `Authorization: Bearer <token>`;
 * the answer is `{ "result": … }` (strings base64 when the request says `Upstash-Encoding:
 * base64`, the client's default) or, for a Redis error, HTTP 400 `{ "error": "…" }`.
 * `/pipeline` (the client's auto-pipelining: several callers' commands in one request) takes an
 * array of commands and answers an array of `{ result }` / `{ error }`.
 */
import { createServer, type Server } from 'node:http';
import { createClient } from '@redis/client';

export interface UpstashBridge {
  url: string;
  token: string;
  /** Commands forwarded so far. */
  readonly commands: number;
  close(): Promise<void>;
}

function encode(value: unknown, base64: boolean): unknown {
  if (typeof value === 'string') return base64 ? Buffer.from(value).toString('base64') : value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  return value ?? null;
}

export async function startUpstashBridge(
  redisUrl: string,
  token = 'test-token',
): Promise<UpstashBridge> {
  const redis = createClient({ url: redisUrl, disableOfflineQueue: true });
  redis.on('error', () => {});
  await redis.connect();
  let commands = 0;
  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${token}`) {
      return reply(401, { error: 'Unauthorized' });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let command: unknown;
    try {
      command = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(400, { error: 'ERR invalid JSON' });
    }
    const base64 = req.headers['upstash-encoding'] === 'base64';
    const run = async (args: unknown[]) => {
      commands++;
      try {
        return { result: encode(await redis.sendCommand(args.map(String)), base64) };
      } catch (err) {
        return { error: (err as Error).message };
      }
    };
    // `/pipeline` (the client's auto-pipelining): an array of commands, each answered apart.
    if (req.url === '/pipeline') {
      if (!Array.isArray(command) || !command.every((c) => Array.isArray(c) && c.length > 0)) {
        return reply(400, { error: 'ERR expected an array of command arrays' });
      }
      return reply(200, await Promise.all(command.map((c: unknown[]) => run(c))));
    }
    if (!Array.isArray(command) || command.length === 0) {
      return reply(400, { error: 'ERR expected a command array' });
    }
    const answer = await run(command);
    reply('error' in answer ? 400 : 200, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    get commands() {
      return commands;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (redis.isOpen) redis.destroy();
    },
  };
}
