import type { ClientIpPreset } from '@esper/core';
import { forwardedForLines } from '@esper/core/node';
import type { ExpressRequest } from './types.js';

/** True when the app set `trust proxy`: Express then already applied the user's trust rules. */
export function trustsProxy(req: ExpressRequest): boolean {
  const setting = req.app?.get('trust proxy');
  return setting !== undefined && setting !== false;
}

/**
 * The scheme the client used. `x-forwarded-proto` is believed only where the router overwrites
 * it (Heroku, ALB) or where Express's `trust proxy` vouches for the hop that sent it.
 */
export function schemeOf(req: ExpressRequest, trusted: boolean, preset: ClientIpPreset): string {
  // Express takes `req.protocol` from X-Forwarded-Proto as sent: anything but http(s) would
  // make the decision URL unparseable, and an unparseable request must never skip the check.
  if (trusted && (req.protocol === 'https' || req.protocol === 'http')) return req.protocol;
  if (preset === 'heroku' || preset === 'aws-alb') {
    const proto = req.headers['x-forwarded-proto'];
    if (proto === 'https' || proto === 'http') return proto;
  }
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

type TrustFn = (address: string, hop: number) => boolean;

/**
 * The client IP under `trust proxy`. Express computes `req.ip` from the joined lines, so behind
 * the Heroku router a client's own second line would supply it; there the app's trust rules
 * (`trust proxy fn`, compiled by Express) walk only the first line, right to left from the
 * peer, as Express's proxy-addr walks the whole header.
 */
export function trustedClientIp(req: ExpressRequest, preset: ClientIpPreset): string {
  const lines = forwardedForLines(req);
  const trust = req.app?.get('trust proxy fn') as TrustFn | undefined;
  if (preset !== 'heroku' || lines.length < 2) return req.ip ?? '';
  // Without Express's compiled rules there is nothing to walk with: no IP rather than req.ip.
  if (typeof trust !== 'function') return '';
  const entries = lines[0]!.split(',').map((s) => s.trim());
  const chain = [req.socket.remoteAddress ?? '', ...entries.reverse()];
  for (let hop = 0; hop < chain.length - 1; hop++) {
    if (!trust(chain[hop]!, hop)) return chain[hop]!;
  }
  return chain[chain.length - 1]!;
}
