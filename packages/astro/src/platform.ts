import { onWorkers } from '@esper/core/adapter';
import type { APIContext } from 'astro';

type PeerStore = { getStore(): string | undefined; enterWith(peer: string): void };
type NodeProcess = { getBuiltinModule?: (id: string) => unknown };
type Channels = { subscribe(name: string, fn: (message: unknown) => void): void };
type Hooks = { AsyncLocalStorage: new () => PeerStore };

let peers: PeerStore | undefined;
let watching = false;

/**
 * On Node, remembers each HTTP request's socket peer for the code it runs. Astro 5's
 * `clientAddress` on @astrojs/node is the first `x-forwarded-for` entry when the client sent
 * one, so it cannot be trusted there; the socket can. Node's `http.server.request.start`
 * channel is published just before the server's request handler runs, in its async context.
 * Built-ins through `process.getBuiltinModule` (Node 20.16+): no `node:` import for bundlers.
 */
export function watchSocketPeers(): void {
  if (watching) return;
  watching = true;
  const get = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule;
  if (onWorkers() || typeof get !== 'function') return;
  try {
    const channels = get('node:diagnostics_channel') as Channels;
    const store = new (get('node:async_hooks') as Hooks).AsyncLocalStorage();
    channels.subscribe('http.server.request.start', (message) => {
      const socket = (message as { socket?: { remoteAddress?: string } }).socket;
      store.enterWith(socket?.remoteAddress ?? '');
    });
    peers = store;
  } catch {
    // Not Node's http module (Bun, Deno): `clientAddress` below.
  }
}

/**
 * The address the platform vouches for: the Node socket peer when one was seen; else Astro's
 * `clientAddress` (Cloudflare: `cf-connecting-ip`; Deno, Netlify: the connection), except on
 * Node when the request carries `x-forwarded-for`, since Astro 5 then takes it from the
 * client's own header. `clientAddress` throws on prerendered routes: undefined.
 */
export function remoteAddressOf(context: APIContext): string | undefined {
  const peer = peers?.getStore();
  if (peer !== undefined) return peer || undefined;
  if (!onWorkers() && isNode() && context.request.headers.has('x-forwarded-for')) return undefined;
  try {
    return context.clientAddress || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether this is Astro prerendering a route at build time, with no client behind it: Astro's
 * own request for that has a `headers` accessor of its own (it warns on use), and no Node HTTP
 * request is in flight. A prerendered route reached over HTTP (`astro dev` renders them on
 * demand) is decided like any other request.
 */
export function renderingPrerendered(context: APIContext): boolean {
  if (!context.isPrerendered || onWorkers() || peers?.getStore() !== undefined) return false;
  return typeof Object.getOwnPropertyDescriptor(context.request, 'headers')?.get === 'function';
}

function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.Deno === undefined;
}

type Runtime = { runtime?: { ctx?: { waitUntil?: (p: Promise<unknown>) => void } } };

/** @astrojs/cloudflare puts the Worker's execution context on `locals.runtime.ctx`. */
export function waitUntilOf(context: APIContext): ((p: Promise<unknown>) => void) | undefined {
  const ctx = (context.locals as Runtime).runtime?.ctx;
  if (typeof ctx?.waitUntil !== 'function') return undefined;
  return (p) => ctx.waitUntil!(p);
}
