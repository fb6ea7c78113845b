/** Route matching for include/exclude and per-route fail modes. */

/**
 * `'/login'` matches exactly; `*` matches within one path segment, `**` across segments
 * (`'/api/**'` also matches `/api` itself). A RegExp is tested against the pathname; a
 * function gets the pathname and the request.
 */
export type RoutePattern = string | RegExp | ((pathname: string, request: Request) => boolean);

export type RouteMatcher = (pathname: string, request: Request) => boolean;

function globToRegExp(glob: string): RegExp {
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
  return new RegExp(`^${re}$`);
}

export function compileRoutes(
  patterns: readonly RoutePattern[] | undefined,
  option: string,
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
      const re = globToRegExp(p);
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

/** Static files that never need a decision: framework build output and common asset types. */
const STATIC_ASSET =
  /^\/(?:_next\/static\/|_next\/image|favicon\.ico$|robots\.txt$|sitemap\.xml$)|\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|avif|bmp|woff2?|ttf|otf|eot|mp4|webm|mp3|wav|txt|webmanifest)$/i;

export function isStaticAsset(pathname: string): boolean {
  return STATIC_ASSET.test(pathname);
}
