import type { ClientIpPreset } from '@esper/core';

export function defaultPreset(workers: boolean): ClientIpPreset {
  // Workers: Cloudflare overwrites cf-connecting-ip. Elsewhere only the socket peer is known
  // to be true; headers such as x-forwarded-for need an explicit `clientIp` option.
  return workers ? 'cloudflare' : 'direct';
}

type Env = {
  incoming?: { socket?: { remoteAddress?: string } };
  server?: Env;
  requestIP?: (request: Request) => { address?: string } | null;
  remoteAddr?: { hostname?: string };
};

/**
 * The socket peer, read the way Hono's own `getConnInfo` helpers do for @hono/node-server,
 * Bun and Deno, without importing them (each import breaks the other runtimes).
 */
export function socketPeer(env: unknown, request: Request): string | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const e = env as Env;
  try {
    const node = e.incoming?.socket?.remoteAddress;
    if (typeof node === 'string') return node;
    const bun = e.server ?? e;
    if (typeof bun.requestIP === 'function') return bun.requestIP(request)?.address ?? undefined;
    const deno = e.remoteAddr?.hostname;
    if (typeof deno === 'string') return deno;
  } catch {}
  return undefined;
}
