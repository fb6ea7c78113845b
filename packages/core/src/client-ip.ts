import { type Cidr, cidrContains, formatIp, normalizeIp, parseCidr, parseIp } from './ip.js';

/**
 * Where the client IP comes from, per platform. Each preset trusts only what that platform
 * itself writes; see docs/field-model.md#client-ip.
 */
export type ClientIpPreset =
  | 'cloudflare'
  | 'vercel'
  | 'aws-apigateway'
  | 'aws-function-url'
  | 'aws-alb'
  | 'heroku'
  | 'direct';

export const CLIENT_IP_PRESETS: readonly ClientIpPreset[] = [
  'cloudflare',
  'vercel',
  'aws-apigateway',
  'aws-function-url',
  'aws-alb',
  'heroku',
  'direct',
];

export interface ClientIpOptions {
  preset?: ClientIpPreset;
  /**
   * Proxies (IPs or CIDRs) you run in front of the app. `x-forwarded-for` is read right to
   * left from the platform's address, skipping these; the first other address is the client.
   */
  trustedProxies?: readonly string[];
  /** A header your own edge always overwrites (e.g. `true-client-ip`); trusted as is. */
  trustedHeader?: string;
}

type Strategy =
  | { kind: 'headers'; names: readonly string[] }
  | { kind: 'chain'; platformAppends: boolean };

const STRATEGIES: Record<ClientIpPreset, Strategy> = {
  cloudflare: { kind: 'headers', names: ['cf-connecting-ip'] },
  vercel: { kind: 'headers', names: ['x-real-ip', 'x-vercel-forwarded-for'] },
  'aws-apigateway': { kind: 'chain', platformAppends: false },
  'aws-function-url': { kind: 'chain', platformAppends: false },
  direct: { kind: 'chain', platformAppends: false },
  // ALB and the Heroku router append the address they saw to x-forwarded-for.
  'aws-alb': { kind: 'chain', platformAppends: true },
  heroku: { kind: 'chain', platformAppends: true },
};

export type ClientIpResolver = (
  headers: Headers,
  remoteAddress: string | undefined,
) => string | undefined;

export function createClientIpResolver(options: ClientIpOptions = {}): ClientIpResolver {
  const trusted: Cidr[] = (options.trustedProxies ?? []).map((p) => parseCidr(p));
  const strategy: Strategy = options.trustedHeader
    ? { kind: 'headers', names: [options.trustedHeader.toLowerCase()] }
    : STRATEGIES[options.preset ?? 'direct'];

  if (strategy.kind === 'headers') {
    return (headers) => {
      for (const name of strategy.names) {
        // The platform sets one address; a list means it did not write this header alone,
        // except x-vercel-forwarded-for whose first entry is the client by definition.
        const value = headers.get(name);
        if (!value) continue;
        const first = name === 'x-vercel-forwarded-for' ? value.split(',')[0] : value;
        const ip = parseIp(first);
        if (ip) return formatIp(ip);
      }
      return undefined;
    };
  }

  return (headers, remoteAddress) => {
    const xff = headers.get('x-forwarded-for');
    // The common case, a direct peer and no forwarding header, without building a chain.
    if (!xff) return remoteAddress ? normalizeIp(remoteAddress) : undefined;
    const forwarded = xff
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // Without a forwarding header the request did not pass the platform's proxy, so the
    // peer itself is the client (local development behind no router).
    const appended = strategy.platformAppends && forwarded.length > 0;
    if (!appended && !remoteAddress) return undefined;
    const chain = appended ? forwarded : [...forwarded, remoteAddress!];
    let i = chain.length - 1;
    while (i >= 0) {
      const ip = parseIp(chain[i]);
      if (!ip) return undefined;
      if (i === 0 || !trusted.some((c) => cidrContains(c, ip))) return formatIp(ip);
      i--;
    }
    return undefined;
  };
}
