import type { ClientIpPreset, ProtectFacts } from '@esper/core';
import { cloudflareGeo, onWorkers } from '@esper/core/adapter';
import { getRequestIP, type H3Event } from 'h3';
import { rawLines } from './request.js';

export type Env = Record<string, string | undefined>;

/**
 * Where the client IP comes from, by the Nitro preset the app was built for, told apart at run
 * time: Cloudflare presets run in workerd (Cloudflare overwrites `cf-connecting-ip`), Vercel
 * presets have `VERCEL` set (its proxy overwrites `x-real-ip`), Heroku has `DYNO` (its router
 * appends to `x-forwarded-for`). Anywhere else only the socket peer is known to be true.
 */
export function defaultPreset(env: Env): ClientIpPreset {
  if (onWorkers()) return 'cloudflare';
  if (env.VERCEL) return 'vercel';
  if (env.DYNO) return 'heroku';
  return 'direct';
}

/** What the platform vouches for: the peer, the raw forwarding lines, Cloudflare's facts. */
export function platformFacts(event: H3Event, preset: ClientIpPreset): ProtectFacts {
  const facts: ProtectFacts = {};
  if (preset !== 'cloudflare') {
    // Never `xForwardedFor: true`: that reads the client's own header. `context.clientAddress`
    // is set by server code only (an earlier handler or the platform entry), the peer by Node.
    facts.remoteAddress = getRequestIP(event);
    // The `x-forwarded-for` lines as received, where Node keeps them apart (`rawHeaders`).
    facts.forwardedFor = rawLines(event.node?.req?.rawHeaders)
      ?.filter(([name]) => name.toLowerCase() === 'x-forwarded-for')
      .map(([, value]) => value);
  } else {
    const cf = (event.context.cloudflare as { request?: { cf?: unknown } } | undefined)?.request;
    facts.geo = cloudflareGeo(cf?.cf);
    facts.requestId = event.headers.get('cf-ray') ?? undefined;
  }
  if (preset === 'vercel') facts.requestId = event.headers.get('x-vercel-id') ?? undefined;
  // h3 >= 1.11 (Nitro sets it on every event): the platform's waitUntil where there is one.
  const waitUntil = (event as { waitUntil?: (p: Promise<unknown>) => void }).waitUntil;
  if (typeof waitUntil === 'function') facts.waitUntil = (p) => waitUntil.call(event, p);
  return facts;
}
