import type { Routing } from '@esper/core';

/** The find-my-way options of a Fastify instance that change which path a request routes to. */
export interface FastifyRouting {
  caseSensitive: boolean;
  ignoreTrailingSlash: boolean;
  ignoreDuplicateSlashes: boolean;
  useSemicolonDelimiter: boolean;
}

type Config = Partial<FastifyRouting> & { routerOptions?: Partial<FastifyRouting> };

/**
 * The router options as the instance was created with them (`fastify.initialConfig`, defaults
 * filled in): Fastify 5's `routerOptions`, and the top-level spelling (Fastify 4; deprecated in
 * 5, where it fills what `routerOptions` leaves out). Each option is taken in its widest form
 * from either place: deciding on a path the router would not serve only decides more requests.
 * Fastify 4 splits paths at `;` by default, Fastify 5 does not.
 */
export function routingOf(initialConfig: Config): FastifyRouting {
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
 * route) decodes and collapses them and would serve `//secret.html` as `/secret.html`.
 */
export function coreRouting(r: FastifyRouting): Partial<Routing> {
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
 * `ignoreDuplicateSlashes`, KELVIN SIGN spelled `k` when case-insensitive. A target that does not yield a `/` path (`OPTIONS *`, `\admin`,
 * which Fastify 4's router would match as `/admin`) is undefined: refused, never decided on
 * another path than the one the router serves.
 */
export function routedTarget(url: string, r: FastifyRouting): string | undefined {
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
