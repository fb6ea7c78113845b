import type { ClientIpPreset } from '@esper/core';
import { forwardedForLines, type NodeRequestLike } from '@esper/core/node';

/** The parts of Fastify's request read here (the same in Fastify 4 and 5). */
export interface FastifyRequestLike {
  url: string;
  ip: string;
  ips?: string[];
  raw: NodeRequestLike;
}

type Walk = (raw: Pick<NodeRequestLike, 'headers' | 'socket'>) => string[];

/**
 * Fastify's own trust rules as a function, or undefined when the instance does not trust
 * proxies. With `trustProxy` set, Fastify defines `ips` (proxy-addr's walk of `this.raw` with
 * the compiled rules) on its request prototype; it exposes the rules no other way. Calling
 * that getter on a request of our own making applies them to the headers we choose.
 */
export function trustWalk(request: FastifyRequestLike): Walk | undefined {
  for (let o: object | null = request; o !== null; o = Object.getPrototypeOf(o)) {
    const getter = Object.getOwnPropertyDescriptor(o, 'ips')?.get;
    if (getter) return (raw) => getter.call({ raw }) as string[];
  }
  return undefined;
}

/**
 * The client IP when the instance trusts proxies: `request.ip`, Fastify's walk of the joined
 * `x-forwarded-for`. Behind the Heroku router a client's own second line would supply it
 * (the router appends to the first line only), so there the walk covers the first line.
 */
export function trustedClientIp(
  request: FastifyRequestLike,
  walk: Walk,
  preset: ClientIpPreset,
): string {
  const lines = forwardedForLines(request.raw);
  if (preset !== 'heroku' || lines.length < 2) return request.ip;
  const ips = walk({ headers: { 'x-forwarded-for': lines[0] }, socket: request.raw.socket });
  return ips[ips.length - 1] ?? '';
}

/**
 * The scheme the client used. `x-forwarded-proto` (its last entry, as Fastify 5 reads it) is
 * believed only from a peer the trust rules vouch for (Fastify 4's `request.protocol` believes
 * any client) or where the router overwrites it (Heroku, ALB).
 */
export function schemeOf(
  request: FastifyRequestLike,
  walk: Walk | undefined,
  preset: ClientIpPreset,
): string {
  const header = request.raw.headers['x-forwarded-proto'];
  const sent = typeof header === 'string' ? header : undefined;
  const peerTrusted =
    walk !== undefined &&
    walk({ headers: { 'x-forwarded-for': '0.0.0.0' }, socket: request.raw.socket }).length > 1;
  const proto = peerTrusted ? sent?.slice(sent.lastIndexOf(',') + 1).trim() : undefined;
  if (proto === 'https' || proto === 'http') return proto;
  if (preset === 'heroku' || preset === 'aws-alb') {
    if (sent === 'https' || sent === 'http') return sent;
  }
  return request.raw.socket?.encrypted ? 'https' : 'http';
}
