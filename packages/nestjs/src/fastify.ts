import type { ClientIpPreset, Routing } from '@esper/core';
import {
  forwardedForLines,
  type NodeRequestFacts,
  type NodeRequestLike,
  type NodeResponseLike,
} from '@esper/core/node';

/** The parts of Fastify's request and reply used here (Nest's Fastify platform, Fastify 5). */
export interface FastifyRequestLike {
  url: string;
  ip: string;
  raw: NodeRequestLike;
}
export interface FastifyReplyLike {
  statusCode: number;
  readonly sent: boolean;
  raw: { readonly headersSent: boolean; destroy(): unknown };
  getHeader(name: string): unknown;
  header(name: string, value: unknown): unknown;
  send(payload?: unknown): unknown;
}

interface RouterOptions {
  caseSensitive?: boolean;
  ignoreTrailingSlash?: boolean;
  ignoreDuplicateSlashes?: boolean;
  useSemicolonDelimiter?: boolean;
}
export type FastifyConfig = RouterOptions & { routerOptions?: RouterOptions };

/**
 * The router options of the instance (`initialConfig`): `routerOptions` and the top-level
 * spelling, each option in its widest form (deciding on a path the router would not serve only
 * decides more requests).
 */
export function fastifyRouting(config: FastifyConfig) {
  const both = config.routerOptions ? [config, config.routerOptions] : [config];
  return {
    caseSensitive: both.every((r) => r.caseSensitive !== false),
    ignoreTrailingSlash: both.some((r) => r.ignoreTrailingSlash === true),
    ignoreDuplicateSlashes: both.some((r) => r.ignoreDuplicateSlashes === true),
    // Absent in older Fastify 4 releases, whose router always ended the path at `;`.
    useSemicolonDelimiter:
      both.some((r) => r.useSemicolonDelimiter === true) ||
      config.useSemicolonDelimiter === undefined,
  };
}
type Router = ReturnType<typeof fastifyRouting>;

/** Core's routing for find-my-way; `//`, `%2F`, `%5C` refused (`useStaticAssets` collapses them). */
export function coreRouting(r: Router): Partial<Routing> {
  return {
    caseSensitive: r.caseSensitive,
    strict: !r.ignoreTrailingSlash,
    ambiguousSlashes: 'refuse',
  };
}

const ABSOLUTE_FORM = /^https?:\/\/[^/?#\\]+(?=\/)/;

/**
 * The path find-my-way routes `url` on, with its query: absolute-form authority dropped, the
 * path ended at `?`, `#` (and `;` under `useSemicolonDelimiter`), `//` collapsed under
 * `ignoreDuplicateSlashes`, KELVIN SIGN (`%E2%84%AA`, lower-cased to `k`) spelled `k` when
 * case-insensitive. No `/` path (`OPTIONS *`, `\admin`): undefined, refused.
 */
export function routedTarget(url: string, r: Router): string | undefined {
  let target = url;
  if (!target.startsWith('/')) {
    const authority = ABSOLUTE_FORM.exec(target);
    if (!authority) return undefined;
    target = target.slice(authority[0].length);
  }
  const end = target.slice(1).search(r.useSemicolonDelimiter ? /[?#;]/ : /[?#]/) + 1;
  let path = end === 0 ? target : target.slice(0, end);
  const rest = end === 0 ? '' : target.slice(end);
  const q = rest.indexOf('?');
  if (r.ignoreDuplicateSlashes) path = path.replace(/\/\/+/g, '/');
  if (!r.caseSensitive) path = path.replace(/%E2%84%AA/gi, 'k');
  return path + (q === -1 ? '' : rest.slice(q).split('#')[0]!);
}

/**
 * The client and scheme as the instance's `trustProxy` sees them: with it, Fastify defines
 * `ips` on its request prototype and `request.ip` is its walk of `x-forwarded-for`; the scheme
 * from `x-forwarded-proto` only when the rules vouch for the peer.
 */
export function fastifyFacts(
  request: FastifyRequestLike,
  r: Router,
  preset: ClientIpPreset,
): NodeRequestFacts {
  let walk: ((raw: object) => string[]) | undefined;
  for (let o: object | null = request; o && !walk; o = Object.getPrototypeOf(o)) {
    const getter = Object.getOwnPropertyDescriptor(o, 'ips')?.get;
    if (getter) walk = (raw) => getter.call({ raw }) as string[];
  }
  const socket = request.raw.socket;
  const sent = request.raw.headers['x-forwarded-proto'];
  const peerTrusted = walk?.({ headers: { 'x-forwarded-for': '0.0.0.0' }, socket }).length === 2;
  const proto =
    peerTrusted && typeof sent === 'string' ? sent.slice(sent.lastIndexOf(',') + 1).trim() : '';
  return {
    target: routedTarget(request.url, r),
    scheme: proto === 'https' || proto === 'http' ? proto : socket?.encrypted ? 'https' : 'http',
    ip: walk
      ? { clientIp: trustedIp(request, walk, preset) }
      : { remoteAddress: socket?.remoteAddress, forwardedFor: forwardedForLines(request.raw) },
  };
}

/** `request.ip`; behind the Heroku router the trust rules walk the router's first line only. */
function trustedIp(
  request: FastifyRequestLike,
  walk: (raw: object) => string[],
  preset: ClientIpPreset,
): string {
  const lines = forwardedForLines(request.raw);
  if (preset !== 'heroku' || lines.length < 2) return request.ip;
  const ips = walk({ headers: { 'x-forwarded-for': lines[0] }, socket: request.raw.socket });
  return ips[ips.length - 1] ?? '';
}

/** The reply as core's Node response: blocks go out through Fastify's reply API and hooks. */
export function replyResponse(reply: FastifyReplyLike): NodeResponseLike {
  return {
    get statusCode() {
      return reply.statusCode;
    },
    set statusCode(code: number) {
      reply.statusCode = code;
    },
    get headersSent() {
      return reply.sent || reply.raw.headersSent;
    },
    setHeader: (name, value) => reply.header(name, value),
    appendHeader(name, value) {
      const prev = reply.getHeader(name);
      if (prev === undefined || name.toLowerCase() === 'set-cookie') reply.header(name, value);
      else reply.header(name, [prev, value].flat());
    },
    end: (chunk) =>
      reply.send(chunk ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : undefined),
    destroy: () => reply.raw.destroy(),
  };
}
