import type { ClientIpPreset } from '@esper/core';
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
  if (trusted && req.protocol) return req.protocol;
  if (preset === 'heroku' || preset === 'aws-alb') {
    const proto = req.headers['x-forwarded-proto'];
    if (proto === 'https' || proto === 'http') return proto;
  }
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}
