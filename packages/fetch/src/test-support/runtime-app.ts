/**
 * An app for src/runtimes.test.ts, served by `Bun.serve` or `Deno.serve` on 127.0.0.1 (prints
 * `{"port":N}`): what a handler does with the platform behind `withEsper`. `/ip` reads the
 * socket peer the platform's way, `/ws` upgrades to a WebSocket, anything else goes to a Hono
 * app whose `/admin` names itself.
 */
import { Hono } from 'hono';
import { runtimeRequest, withEsper } from '../index.js';

type BunServer = {
  requestIP(r: Request): { address: string } | null;
  upgrade(r: Request): boolean;
};
type DenoInfo = { remoteAddr: { hostname: string } };
type Serve = (options: object, handler?: unknown) => { port: number };
const { Bun, Deno } = globalThis as unknown as {
  Bun?: { serve: Serve };
  Deno?: {
    serve: Serve;
    upgradeWebSocket(r: Request): { response: Response; socket: WebSocket };
  };
};

const hono = new Hono();
hono.get('/admin', (c) => c.text('admin ran'));

const handler = withEsper((request: Request, platform: BunServer | DenoInfo) => {
  const path = new URL(request.url).pathname;
  if (path === '/ip') {
    const ip = Deno
      ? (platform as DenoInfo).remoteAddr.hostname
      : (platform as BunServer).requestIP(request)?.address;
    return Response.json({ ip, decision: request.headers.get('x-esper-decision') });
  }
  if (path === '/ws') {
    if (!Deno)
      return (platform as BunServer).upgrade(request)
        ? undefined
        : new Response('no', { status: 500 });
    const { response, socket } = Deno.upgradeWebSocket(runtimeRequest(request));
    socket.onopen = () => socket.send('hello');
    return response;
  }
  return hono.fetch(request, platform);
});

const listening = (port: number) => console.log(JSON.stringify({ port }));
if (Deno) {
  Deno.serve(
    { hostname: '127.0.0.1', port: 0, onListen: (a: { port: number }) => listening(a.port) },
    handler,
  );
} else {
  const websocket = { open: (ws: { send(m: string): void }) => ws.send('hello'), message() {} };
  listening(Bun!.serve({ hostname: '127.0.0.1', port: 0, fetch: handler, websocket }).port);
}
