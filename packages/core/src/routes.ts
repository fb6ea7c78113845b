/** Route matching for include/exclude and per-route fail modes. */

/**
 * `'/login'` matches exactly; `*` matches within one path segment, `**` across segments
 * (`'/api/**'` also matches `/api` itself). A RegExp is tested against the pathname; a
 * function gets the pathname and the request.
 */
export type RoutePattern = string | RegExp | ((pathname: string, request: Request) => boolean);

export type RouteMatcher = (pathname: string, request: Request) => boolean;

/** How the application's router matches paths; see `EsperOptions.routing`. */
export interface Routing {
  /** `/Admin` and `/admin` are different routes. Default true. */
  caseSensitive: boolean;
  /** `/admin/` and `/admin` are different routes. Default true. */
  strict: boolean;
  /**
   * `refuse`: a path with `//`, `%2F` or `%5C` gets a 400 (see `hasAmbiguousSlash`), for
   * applications that serve files themselves. Default `keep`.
   */
  ambiguousSlashes: 'refuse' | 'keep';
}

/** Web-standard routers (Hono, Next.js, a Worker's own `URL` checks) match paths exactly. */
export const EXACT_ROUTING: Routing = {
  caseSensitive: true,
  strict: true,
  ambiguousSlashes: 'keep',
};

function globToRegExp(glob: string, routing: Routing): RegExp {
  // Patterns are spelled like the routes they protect and matched against `routePath`'s form.
  if (!routing.strict && glob.length > 1 && glob.endsWith('/')) glob = glob.slice(0, -1);
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        const atEnd = i + 2 === glob.length && re.endsWith('/');
        re = atEnd ? `${re.slice(0, -1)}(?:/.*)?` : `${re}.*`;
        i++;
      } else {
        re += '[^/]*';
      }
    } else {
      re += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`, routing.caseSensitive ? '' : 'i');
}

export function compileRoutes(
  patterns: readonly RoutePattern[] | undefined,
  option: string,
  routing: Routing = EXACT_ROUTING,
): RouteMatcher | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  const tests: RouteMatcher[] = patterns.map((p, i) => {
    if (typeof p === 'function') return p;
    if (p instanceof RegExp) {
      // A global or sticky RegExp keeps lastIndex between calls and would match every other time.
      const re = new RegExp(p.source, p.flags.replace(/[gy]/g, ''));
      return (pathname) => re.test(pathname);
    }
    if (typeof p === 'string' && p.startsWith('/')) {
      const re = globToRegExp(p, routing);
      return (pathname) => re.test(pathname);
    }
    throw new TypeError(`${option}[${i}] must be a path starting with "/", a RegExp or a function`);
  });
  return (pathname, request) => tests.some((t) => t(pathname, request));
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Decodes percent-escapes of unreserved characters (`/%61dmin` → `/admin`), as routers do before
 * matching, so a rule for `/admin` cannot be sidestepped by spelling it differently. Escapes of
 * reserved characters (`%2F`) keep their meaning and stay encoded.
 */
export function normalizePath(pathname: string): string {
  if (!pathname.includes('%')) return pathname;
  return pathname.replace(/%([0-9A-Fa-f]{2})/g, (match, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : match.toUpperCase();
  });
}

/** No route is longer than what the field model sends; cut first so any path costs the same. */
const MAX_ROUTE_PATH = 2048;

/**
 * The path as the application's router matches it: what include/exclude, failClosedRoutes and
 * the runtime's path rules are checked against. A case-insensitive router (Express's default)
 * serves `/ADMIN` from the `/admin` handler, and a non-strict one serves `/admin/` from it
 * too; both spellings must meet the rule written for `/admin`.
 */
export function routePath(pathname: string, routing: Routing): string {
  let path = normalizePath(
    pathname.length > MAX_ROUTE_PATH ? pathname.slice(0, MAX_ROUTE_PATH) : pathname,
  );
  if (!routing.caseSensitive) path = path.toLowerCase();
  // One slash only: non-strict routers (path-to-regexp's `/?`) ignore exactly one.
  if (!routing.strict && path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

// `.` or `..` as a whole segment, spelled with any mix of `.` and `%2e`, between `/`, `\`
// or their escapes (`%2f`, `%5c`).
const DOT_SEGMENT = /(?:^|\/|\\|%2f|%5c)(?:\.|%2e){1,2}(?=$|\/|\\|%2f|%5c|[?#;])/i;

/**
 * Whether a raw path holds a dot segment. Browsers resolve them before sending, so only a
 * hand-made request carries one, and routers disagree on it: Express routes `/panel/..` to a
 * `/panel/:file` handler, `serve-static` serves `/css/%2e%2e/secret.html` as `/secret.html`,
 * and the WHATWG URL parser decides it as `/`. No single path can stand for all of those, so
 * such a request is refused rather than decided on a path some handler does not serve.
 */
export function hasDotSegment(pathname: string): boolean {
  // The whole path: a segment past the length the field model keeps is still served.
  return DOT_SEGMENT.test(pathname);
}

/**
 * Framework build output and the well-known files at the root: paths no application route
 * serves, skipped by default.
 */
const BUILD_OUTPUT =
  /^\/(?:_next\/static\/|_next\/image(?:$|[/?])|favicon\.ico$|robots\.txt$|sitemap\.xml$)/;

/**
 * Any path ending in a static-file extension: skipped only with `excludeStaticAssets:
 * 'by-extension'`. Not the default: a client can append `.css` to reach a parameter route
 * (`/panel/:file` serves `/panel/x.css`), and a rule for it would then never be asked.
 */
const STATIC_EXTENSION =
  /\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|avif|bmp|woff2?|ttf|otf|eot|mp4|webm|mp3|wav|txt|webmanifest)$/i;

export type StaticAssets = boolean | 'by-extension';

/** Whether `excludeStaticAssets` skips this path (in `routePath` form). */
export function isStaticAsset(pathname: string, mode: StaticAssets = true): boolean {
  if (mode === false) return false;
  return (
    BUILD_OUTPUT.test(pathname) || (mode === 'by-extension' && STATIC_EXTENSION.test(pathname))
  );
}

// An empty segment, or a slash or backslash spelled as an escape.
const AMBIGUOUS_SLASH = /\/\/|%2f|%5c/i;

/**
 * Whether a raw path holds `//`, `%2F` or `%5C`. Routers read these literally (Express's
 * `/panel/:file` serves `/panel/a%2Fb`), while static-file servers decode and collapse them
 * (`express.static` and `serveStatic` serve `//secret.html` and `/%2fsecret.html` as
 * `/secret.html`): no single path stands for both, so where the application serves files
 * itself (`routing.ambiguousSlashes: 'refuse'`) such a request is refused.
 */
export function hasAmbiguousSlash(pathname: string): boolean {
  return AMBIGUOUS_SLASH.test(pathname);
}
