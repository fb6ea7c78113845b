import type { IncomingMessage } from 'node:http';
import type { ClientIpPreset } from '@esper/core';
import { forwardedForLines, type NodeRequestFacts } from '@esper/core/node';
import parseurl from 'parseurl';

/** The parts of Express's request read here (Nest's Express platform, Express 5). */
export interface ExpressRequest extends IncomingMessage {
  app?: { get(setting: string): unknown };
  ip?: string;
  protocol?: string;
  originalUrl?: string;
}

/**
 * Express's routing: case-insensitive and non-strict unless the app turns `case sensitive
 * routing` / `strict routing` on; `express.static` (Nest's `useStaticAssets`) decodes `%2F`
 * and collapses `//`, which the router does not, so those are refused.
 */
export const EXPRESS_ROUTING = {
  caseSensitive: false,
  strict: false,
  ambiguousSlashes: 'refuse',
} as const;

/**
 * What Express routes `req` on (parsed with `parseurl`, as Express does: `/admin#x` is
 * `/admin`, absolute-form is its path) and the client as Express's `trust proxy` sees it:
 * with it set, `req.ip`; otherwise the socket peer and the raw `x-forwarded-for` lines.
 */
export function expressFacts(req: ExpressRequest, preset: ClientIpPreset): NodeRequestFacts {
  let target: string | undefined;
  try {
    const parsed = parseurl({ url: req.originalUrl ?? req.url ?? '/' } as IncomingMessage);
    if (parsed?.pathname?.startsWith('/')) target = parsed.pathname + (parsed.search ?? '');
  } catch {}
  const setting = req.app?.get('trust proxy');
  const trusted = setting !== undefined && setting !== false;
  const proto = req.headers['x-forwarded-proto'];
  const scheme =
    trusted && (req.protocol === 'https' || req.protocol === 'http')
      ? req.protocol
      : (preset === 'heroku' || preset === 'aws-alb') && (proto === 'https' || proto === 'http')
        ? proto
        : (req.socket as { encrypted?: boolean }).encrypted
          ? 'https'
          : 'http';
  return {
    target,
    scheme,
    ip: trusted
      ? { clientIp: trustedClientIp(req, preset) }
      : { remoteAddress: req.socket.remoteAddress, forwardedFor: forwardedForLines(req) },
  };
}

type TrustFn = (address: string, hop: number) => boolean;

/**
 * `req.ip`, except behind the Heroku router with several `x-forwarded-for` lines: Express
 * walks the joined lines, so a client's own second line would supply it; there the app's
 * compiled rules (`trust proxy fn`) walk the router's first line only, right to left.
 */
function trustedClientIp(req: ExpressRequest, preset: ClientIpPreset): string {
  const lines = forwardedForLines(req);
  if (preset !== 'heroku' || lines.length < 2) return req.ip ?? '';
  const trust = req.app?.get('trust proxy fn') as TrustFn | undefined;
  if (typeof trust !== 'function') return '';
  const chain = [
    req.socket.remoteAddress ?? '',
    ...lines[0]!
      .split(',')
      .map((s) => s.trim())
      .reverse(),
  ];
  let hop = 0;
  while (hop < chain.length - 1 && trust(chain[hop]!, hop)) hop++;
  return chain[hop]!;
}
