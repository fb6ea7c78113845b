/**
 * Fastify, for every adapter on it (`@esper/fastify`, NestJS's Fastify platform): find-my-way's
 * routed path from the instance's `initialConfig`, the client and scheme under its
 * `trustProxy`, and the reply as core's Node response. Fastify's types are declared
 * structurally (the parts read here are the same in Fastify 4 and 5).
 */
import type { ClientIpPreset } from './client-ip.js';
import {
  forwardedForLines,
  type NodeRequestFacts,
  type NodeRequestLike,
  type NodeResponseLike,
} from './node-http.js';
import { believedScheme, type ProxyWalk, trustedClientIp, trustedProto } from './node-trust.js';
import type { Routing } from './routes.js';

/** The find-my-way options of a Fastify instance that change which path a request routes to. */
export interface FastifyRouting {
  caseSensitive: boolean;
  ignoreTrailingSlash: boolean;
  ignoreDuplicateSlashes: boolean;
  useSemicolonDelimiter: boolean;
}

/** The part of `fastify.initialConfig` read here. */
export type FastifyRouterConfig = Partial<FastifyRouting> & {
  routerOptions?: Partial<FastifyRouting>;
};

/** The parts of Fastify's request read here. */
export interface FastifyRequestLike {
  url: string;
  ip: string;
  raw: NodeRequestLike;
  /** The matched route (Fastify >= 4.10); `url` undefined on a 404. */
  routeOptions?: { url?: string };
}

/** What an `onRoute` hook is given, the parts read here. */
export interface FastifyRouteLike {
  url?: string;
  routePath?: string;
  prefix?: string;
  prefixTrailingSlash?: string;
}

/**
 * The prefixed plugins' `/` routes, which Fastify serves at `/prefix` and `/prefix/` alike
 * (`prefixTrailingSlash: 'both'`, its default): `onRoute` hears of the `/prefix` one only, and
 * the matched route's `url` is `/prefix/` (Fastify 4) or `/prefix` (Fastify 5) for the other.
 * `twinned(url)` says whether a request matched to `url` with a trailing slash was served by
 * such a route, so it is decided on `/prefix`, the path its rules are written for.
 */
export function fastifyPrefixRoots() {
  const roots = new Set<string>();
  return {
    onRoute(route: FastifyRouteLike): void {
      const both = (route.prefixTrailingSlash ?? 'both') === 'both';
      if (both && route.routePath === '' && route.prefix && route.url) roots.add(route.url);
    },
    twinned: (url: string | undefined): boolean =>
      url !== undefined && (roots.has(url) || (url.endsWith('/') && roots.has(url.slice(0, -1)))),
  };
}

export type FastifyPrefixRoots = ReturnType<typeof fastifyPrefixRoots>;

/** The parts of Fastify's reply used here. */
export interface FastifyReplyLike {
  statusCode: number;
  readonly sent: boolean;
  raw: { readonly headersSent: boolean; destroy(): unknown };
  getHeader(name: string): unknown;
  header(name: string, value: unknown): unknown;
  send(payload?: unknown): unknown;
}

/**
 * The router options as the instance was created with them (`initialConfig`, defaults filled
 * in): Fastify 5's `routerOptions`, and the top-level spelling (Fastify 4; deprecated in 5,
 * where it fills what `routerOptions` leaves out). Each option is taken in its widest form from
 * either place: deciding on a path the router would not serve only decides more requests.
 * Fastify 4 splits paths at `;` by default, Fastify 5 does not.
 */
export function fastifyRouting(initialConfig: FastifyRouterConfig): FastifyRouting {
  const both = initialConfig.routerOptions
    ? [initialConfig, initialConfig.routerOptions]
    : [initialConfig];
  return {
    caseSensitive: both.every((r) => r.caseSensitive !== false),
    ignoreTrailingSlash: both.some((r) => r.ignoreTrailingSlash === true),
    ignoreDuplicateSlashes: both.some((r) => r.ignoreDuplicateSlashes === true),
    // Absent in older Fastify 4 releases, whose router always ended the path at `;`.
    useSemicolonDelimiter:
      both.some((r) => r.useSemicolonDelimiter === true) ||
      initialConfig.useSemicolonDelimiter === undefined,
  };
}

/**
 * Core's `routing` for these options. Case and one trailing slash are core's to fold, on the
 * path and on the rules alike. `//`, `%2F` and `%5C` are refused: `@fastify/static` (a `/*`
 * route, Nest's `useStaticAssets`) decodes and collapses them and would serve `//secret.html`
 * as `/secret.html`.
 */
export function fastifyCoreRouting(r: FastifyRouting): Partial<Routing> {
  return {
    caseSensitive: r.caseSensitive,
    strict: !r.ignoreTrailingSlash,
    ambiguousSlashes: 'refuse',
  };
}

// An absolute-form target's scheme and authority. Fastify 4's find-my-way strips exactly this
// (its regex is lower-case `https?://` up to the first `/`); Fastify 5's parses it, same result.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#\\]+(?=\/)/;

/**
 * The path find-my-way routes `url` (`request.url`, after `rewriteUrl`) on, with its query:
 * the absolute-form authority dropped, the path ended at the first `?` or `#` (and `;` under
 * `useSemicolonDelimiter`: Fastify 4 routes `/admin;x=1` to `/admin`), `//` collapsed under
 * `ignoreDuplicateSlashes`, KELVIN SIGN spelled `k` when case-insensitive. A target that does
 * not yield a `/` path (`OPTIONS *`, `\admin`, which Fastify 4's router would match as
 * `/admin`) is undefined: refused, never decided on another path than the one the router serves.
 */
export function fastifyRoutedTarget(url: string, r: FastifyRouting): string | undefined {
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
  const query = q === -1 ? '' : rest.slice(q).split('#')[0]!;
  if (r.ignoreDuplicateSlashes) path = path.replace(/\/\/+/g, '/');
  // A case-insensitive find-my-way lower-cases the decoded path, and KELVIN SIGN (the one
  // character whose lower case is ASCII) becomes `k`: `/%E2%84%AAiosk` is routed to `/kiosk`.
  if (!r.caseSensitive) path = path.replace(/%E2%84%AA/gi, 'k');
  return path + query;
}

/**
 * Fastify's own trust rules as a walk, or undefined when the instance does not trust proxies.
 * With `trustProxy` set, Fastify defines `ips` (proxy-addr's walk of `this.raw` with the
 * compiled rules) on its request prototype; it exposes the rules no other way. Calling that
 * getter on a request of our own making applies them to the header we choose.
 */
export function fastifyTrust(request: FastifyRequestLike): ProxyWalk | undefined {
  const socket = request.raw.socket;
  for (let o: object | null = request; o !== null; o = Object.getPrototypeOf(o)) {
    const getter = Object.getOwnPropertyDescriptor(o, 'ips')?.get;
    if (getter) {
      return (xff) => getter.call({ raw: { headers: { 'x-forwarded-for': xff }, socket } });
    }
  }
  return undefined;
}

/**
 * What core needs to know about a Fastify request: the routed path, the scheme (a trusted
 * peer's `x-forwarded-proto`, as Fastify 5 reads it; Fastify 4's `request.protocol` believes
 * any client) and the client. With `trustProxy` set the instance's own rules pick the IP
 * (`request.ip`); otherwise core reads the raw `x-forwarded-for` lines the way the preset's
 * platform writes them.
 */
export function fastifyRequestFacts(
  request: FastifyRequestLike,
  routing: FastifyRouting,
  preset: ClientIpPreset,
  roots?: FastifyPrefixRoots,
): NodeRequestFacts {
  const raw = request.raw;
  const walk = fastifyTrust(request);
  let target = fastifyRoutedTarget(request.url, routing);
  // `/prefix/`, served by the prefixed plugin's `/` route: decided as `/prefix`.
  if (target && roots?.twinned(request.routeOptions?.url)) {
    target = target.replace(/^([^?]+)\/(?=\?|$)/, '$1');
  }
  return {
    target,
    scheme: believedScheme(raw, preset, trustedProto(raw, walk)),
    ip: walk
      ? { clientIp: trustedClientIp(raw, preset, request.ip, walk) }
      : { remoteAddress: raw.socket?.remoteAddress, forwardedFor: forwardedForLines(raw) },
  };
}

/**
 * The reply as core's Node response: what core writes goes through Fastify's reply API, so a
 * block or challenge is sent like any reply (onSend and onResponse hooks, the request log,
 * `reply.elapsedTime`), and the runtime's headers on an allowed request join the app's own
 * (Fastify appends each `set-cookie`; the reply's headers are written over `reply.raw`'s).
 * The body goes out as a `Uint8Array` (Fastify >= 4.18 sends typed arrays as it sends Buffers);
 * `payload` converts it for an older Fastify.
 */
export function fastifyReplyResponse(
  reply: FastifyReplyLike,
  payload: (body: Uint8Array) => unknown = (body) => body,
): NodeResponseLike {
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
    end: (chunk) => reply.send(chunk ? payload(chunk) : undefined),
    destroy: () => reply.raw.destroy(),
  };
}
