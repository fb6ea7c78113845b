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
  | { kind: 'chain'; appends: 'none' | 'first-line' | 'one-line' };

const STRATEGIES: Record<ClientIpPreset, Strategy> = {
  cloudflare: { kind: 'headers', names: ['cf-connecting-ip'] },
  vercel: { kind: 'headers', names: ['x-real-ip', 'x-vercel-forwarded-for'] },
  'aws-apigateway': { kind: 'chain', appends: 'none' },
  'aws-function-url': { kind: 'chain', appends: 'none' },
  direct: { kind: 'chain', appends: 'none' },
  // ALB appends to "the existing header" and is reported to merge a client's several lines
  // into one first; AWS does not say which line it appends to when they reach a target apart,
  // so several lines are not guessed at (docs/field-model.md#client-ip).
  'aws-alb': { kind: 'chain', appends: 'one-line' },
  // The Heroku router appends to the end of the first line only and passes the others on.
  heroku: { kind: 'chain', appends: 'first-line' },
};

/**
 * `forwardedFor`: the `x-forwarded-for` header lines as they arrived, in order, when the
 * platform keeps them apart (Node's `rawHeaders`, an ALB multi-value event). Without them the
 * lines can only be read joined, as `Headers` holds them.
 */
export type ClientIpResolver = (
  headers: Headers,
  remoteAddress: string | undefined,
  forwardedFor?: readonly string[],
) => string | undefined;

/** A `clientIp` option that cannot work; `option` names the entry at fault. */
export class ClientIpOptionError extends TypeError {
  constructor(
    readonly option: string,
    readonly detail: string,
  ) {
    super(`${option}: ${detail}`);
  }
}

/** RFC 9110 token: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function createClientIpResolver(options: ClientIpOptions = {}): ClientIpResolver {
  const trusted: Cidr[] = (options.trustedProxies ?? []).map((p, i) => {
    try {
      return parseCidr(p);
    } catch (err) {
      throw new ClientIpOptionError(`clientIp.trustedProxies[${i}]`, (err as Error).message);
    }
  });
  const header = options.trustedHeader;
  if (header !== undefined && (typeof header !== 'string' || !TOKEN.test(header))) {
    throw new ClientIpOptionError('clientIp.trustedHeader', `"${header}" is not a header name`);
  }
  if (header) return headerResolver([header.toLowerCase()]);
  const strategy = STRATEGIES[options.preset ?? 'direct'];
  return strategy.kind === 'headers'
    ? headerResolver(strategy.names)
    : chainResolver(strategy.appends, trusted);
}

function headerResolver(names: readonly string[]): ClientIpResolver {
  return (headers) => {
    for (const name of names) {
      const value = headers.get(name);
      if (!value) continue;
      const ip = parseIp(headerAddress(name, value));
      if (ip) return formatIp(ip);
    }
    return undefined;
  };
}

/**
 * The address in a header the platform (or the user's edge) writes. It sets one address; a
 * list means it did not write this header alone, except x-vercel-forwarded-for, whose first
 * entry is the client by definition, and RFC 7239 `Forwarded`, to which each proxy appends its
 * element: the last one is the edge's.
 */
function headerAddress(name: string, value: string): string | undefined {
  if (name === 'x-vercel-forwarded-for') return value.split(',')[0];
  if (name === 'forwarded') return lastForwardedFor(value);
  return value;
}

function chainResolver(appends: 'none' | 'first-line' | 'one-line', trusted: Cidr[]) {
  const resolve: ClientIpResolver = (headers, remoteAddress, lines) => {
    const forwarded = forwardedChain(appends, lines ?? joinedLines(headers));
    if (forwarded === undefined) return undefined;
    // The common case, a direct peer and no forwarding header, without walking a chain.
    // Without a forwarding header the request did not pass the platform's proxy, so the peer
    // itself is the client (local development behind no router).
    if (forwarded.length === 0) return remoteAddress ? normalizeIp(remoteAddress) : undefined;
    const appended = appends !== 'none';
    if (!appended && !remoteAddress) return undefined;
    const chain = appended ? forwarded : [...forwarded, remoteAddress!];
    for (let i = chain.length - 1; i >= 0; i--) {
      const ip = parseIp(chain[i]);
      if (!ip) return undefined;
      if (i === 0 || !trusted.some((c) => cidrContains(c, ip))) return formatIp(ip);
    }
    return undefined;
  };
  return resolve;
}

function joinedLines(headers: Headers): string[] {
  const xff = headers.get('x-forwarded-for');
  return xff ? [xff] : [];
}

/**
 * The x-forwarded-for entries, oldest first, whose last one the platform appended; undefined
 * when the lines cannot be read safely.
 */
function forwardedChain(
  appends: 'none' | 'first-line' | 'one-line',
  lines: readonly string[],
): string[] | undefined {
  if (appends === 'one-line' && lines.length > 1) return undefined;
  // Lines after the first never had the router's hop appended: they are the client's own.
  const read = appends === 'first-line' ? lines.slice(0, 1) : lines;
  return read.flatMap((line) =>
    line
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/**
 * The `for=` address of the last RFC 7239 element, or undefined when that element has none
 * usable (`unknown`, an obfuscated `_name`, no `for`, or text that is not RFC 7239). Quoted
 * strings are read whole, so a `,` or `;` inside quotes cannot start a new element.
 */
export function lastForwardedFor(value: string): string | undefined {
  const elements = splitForwarded(value);
  const last = elements?.at(-1);
  if (!last) return undefined;
  let node: string | undefined;
  for (const [name, v] of last) if (name === 'for') node = node === undefined ? v : '';
  return node ? forwardedNode(node) : undefined;
}

type Pairs = Array<[string, string]>;

/** Elements of pairs, or undefined when the value is not RFC 7239 syntax. */
function splitForwarded(value: string): Pairs[] | undefined {
  const elements: Pairs[] = [[]];
  let i = skipSpace(value, 0);
  for (;;) {
    const eq = value.indexOf('=', i);
    const name = eq === -1 ? '' : value.slice(i, eq).toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    const read = value[eq + 1] === '"' ? quoted(value, eq + 1) : bareToken(value, eq + 1);
    if (!read) return undefined;
    elements.at(-1)!.push([name, read.text]);
    i = skipSpace(value, read.end);
    if (i >= value.length) return elements;
    if (value[i] === ',') elements.push([]);
    else if (value[i] !== ';') return undefined;
    i = skipSpace(value, i + 1);
  }
}

function skipSpace(value: string, i: number): number {
  while (value[i] === ' ' || value[i] === '\t') i++;
  return i;
}

/** A quoted-string starting at `start` (the opening quote), with `\` escapes undone. */
function quoted(value: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let i = start + 1; i < value.length; i++) {
    if (value[i] === '"') return { text, end: i + 1 };
    if (value[i] === '\\') i++;
    if (i < value.length) text += value[i];
  }
  return undefined;
}

function bareToken(value: string, start: number): { text: string; end: number } | undefined {
  let end = start;
  while (end < value.length && !';, \t'.includes(value[end]!)) end++;
  const text = value.slice(start, end);
  return TOKEN.test(text) ? { text, end } : undefined;
}

/** RFC 7239 node: `1.2.3.4`, `1.2.3.4:80`, `[v6]` or `[v6]:port`; IPv6 only in brackets. */
function forwardedNode(node: string): string | undefined {
  let host = node;
  let port: string | undefined;
  if (node.startsWith('[')) {
    const end = node.indexOf(']');
    if (end === -1) return undefined;
    host = node.slice(1, end);
    const rest = node.slice(end + 1);
    if (rest && !rest.startsWith(':')) return undefined;
    if (rest) port = rest.slice(1);
    if (!host.includes(':') || host.includes('%')) return undefined;
  } else {
    const colon = node.indexOf(':');
    if (colon !== -1) [host, port] = [node.slice(0, colon), node.slice(colon + 1)];
    if (host.includes(':') || !/^[\d.]+$/.test(host)) return undefined;
  }
  if (port !== undefined && !/^(\d{1,5}|_[A-Za-z0-9._-]+)$/.test(port)) return undefined;
  return host;
}
