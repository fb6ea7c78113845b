/**
 * A Node framework's own proxy-trust rules (Express's `trust proxy`, Fastify's `trustProxy`)
 * applied the way core reads `x-forwarded-*`: the client IP behind the Heroku router, and
 * when `x-forwarded-proto` may be believed. Framework-independent; each framework hands over
 * its rules as a `ProxyWalk`.
 */
import type { ClientIpPreset } from './client-ip.js';
import { forwardedForLines, type NodeRequestLike } from './node-http.js';

/** A compiled trust rule as Express's `trust proxy fn` and proxy-addr take it. */
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * The app's trust rules walked over one `x-forwarded-for` value, as proxy-addr's `all()` does:
 * the socket peer, then each hop right to left while the one before it is trusted. The last
 * address is the client.
 */
export type ProxyWalk = (forwardedFor: string) => string[];

/** A `ProxyWalk` from a trust function and the socket peer (proxy-addr's own walk). */
export function trustWalk(peer: string | undefined, trust: TrustFn): ProxyWalk {
  return (forwardedFor) => {
    const chain = [
      peer ?? '',
      ...forwardedFor
        .split(',')
        .map((s) => s.trim())
        .reverse(),
    ];
    let hop = 0;
    while (hop < chain.length - 1 && trust(chain[hop]!, hop)) hop++;
    return chain.slice(0, hop + 1);
  };
}

/**
 * The client IP under the app's trust rules: `ip`, the framework's walk of the joined
 * `x-forwarded-for` lines. Behind the Heroku router, which appends to the first line only, a
 * client's own second line would supply it: there the rules walk the first line alone, and
 * without rules to walk with there is no IP ('') rather than the framework's.
 */
export function trustedClientIp(
  req: NodeRequestLike,
  preset: ClientIpPreset,
  ip: string | undefined,
  walk: ProxyWalk | undefined,
): string {
  const lines = forwardedForLines(req);
  if (preset !== 'heroku' || lines.length < 2) return ip ?? '';
  const ips = walk?.(lines[0]!) ?? [];
  return ips[ips.length - 1] ?? '';
}

/**
 * `x-forwarded-proto`'s last entry (the hop next to us), when the trust rules vouch for the
 * socket peer; otherwise undefined.
 */
export function trustedProto(
  req: NodeRequestLike,
  walk: ProxyWalk | undefined,
): string | undefined {
  const sent = req.headers['x-forwarded-proto'];
  if (walk === undefined || typeof sent !== 'string') return undefined;
  if (walk('0.0.0.0').length < 2) return undefined;
  return sent.slice(sent.lastIndexOf(',') + 1).trim();
}

/**
 * The scheme the client used: `proto` (what the app's trust rules let the framework believe)
 * when it is http(s), else `x-forwarded-proto` where the router overwrites it (Heroku, ALB),
 * else the socket's. Anything but http(s) would make the decision URL unparseable, and an
 * unparseable request must never skip the check.
 */
export function believedScheme(
  req: NodeRequestLike,
  preset: ClientIpPreset,
  proto: string | undefined,
): 'http' | 'https' {
  if (proto === 'https' || proto === 'http') return proto;
  if (preset === 'heroku' || preset === 'aws-alb') {
    const sent = req.headers['x-forwarded-proto'];
    if (sent === 'https' || sent === 'http') return sent;
  }
  return req.socket?.encrypted ? 'https' : 'http';
}
