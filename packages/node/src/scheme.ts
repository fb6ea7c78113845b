import { type ClientIpPreset, cidrContains, parseCidr, parseIp } from '@esper/core';
import type { NodeRequestLike } from '@esper/core/node';

/**
 * Whether the socket peer is one of the user's `clientIp.trustedProxies` (or
 * `ESPER_TRUSTED_PROXIES`, read as core reads it). Core has validated the list by now.
 */
export function trustedPeer(
  proxies: readonly string[] | undefined,
  env: Record<string, unknown>,
): (req: NodeRequestLike) => boolean {
  const list =
    proxies ??
    String(env.ESPER_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const cidrs = list.map((p) => parseCidr(p));
  return (req) => {
    const peer = parseIp(req.socket?.remoteAddress);
    return peer !== undefined && cidrs.some((c) => cidrContains(c, peer));
  };
}

/**
 * The scheme the client used: the socket's TLS, or `x-forwarded-proto` where something the user
 * named writes it: a trusted proxy as the peer, or the Heroku / ALB router (`preset`), which
 * overwrite it. Only `http` and `https`: any other value would make the decision URL unparseable.
 */
export function schemeOf(req: NodeRequestLike, trusted: boolean, preset: ClientIpPreset): string {
  if (trusted || preset === 'heroku' || preset === 'aws-alb') {
    const proto = req.headers['x-forwarded-proto'];
    if (proto === 'https' || proto === 'http') return proto;
  }
  return req.socket?.encrypted ? 'https' : 'http';
}
