import { posix } from 'node:path';
import { type MockAnswer, type MockRuntime, startMockRuntime } from '@esper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY } from '../conformance/runtime.js';
import { APP_ROUTES } from './routes.js';

/**
 * Router parity: each target protects the same routes, and every variant spelling of a path is
 * sent to it. ONE oracle decides every cell: an app handler runs only if the runtime was asked
 * about a path that handler serves (in that router's own matching rules) and allowed it. The
 * mock blocks every protected route in the form the SDK must send it, so a protected handler
 * that runs at all means the runtime was asked about some other path: a bypass.
 */

/** How a target's router matches a route pattern against a path. */
export interface Semantics {
  caseSensitive: boolean;
  strict: boolean;
}

export interface Route {
  /** The name the app reports in `x-handler` (the route pattern, or `static:/<file>`). */
  handler: string;
  protected: boolean;
  /** Whether `path` (as the runtime received it) is one this handler serves. */
  serves(path: string): boolean;
  /**
   * An open handler the SDK legitimately runs without asking (a `.css` GET under the default
   * `excludeStaticAssets`). Never set on a protected route: those must always be decided.
   */
  unasked?: string;
}

/** A route in path-to-regexp's terms (`:name` is one segment), as Express and Hono write it. */
export function patternRoute(pattern: string, isProtected: boolean, s: Semantics): Route {
  const body = pattern
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  const re = new RegExp(`^${body}${s.strict ? '' : '/?'}$`, s.caseSensitive ? '' : 'i');
  return { handler: pattern, protected: isProtected, serves: (path) => re.test(path) };
}

/**
 * A file `express.static` serves: serve-static decodes the whole path (`%2f` included) and
 * joins it onto the root, which collapses `//`; the file system here is case-sensitive.
 */
export function staticRoute(file: string, isProtected: boolean, unasked?: string): Route {
  return {
    handler: `static:${file}`,
    protected: isProtected,
    unasked,
    serves(path) {
      try {
        return posix.normalize(decodeURIComponent(path)) === file;
      } catch {
        return false;
      }
    },
  };
}

/** The oracle's view of APP_ROUTES under `s`. */
export function appRoutes(s: Semantics): Route[] {
  return APP_ROUTES.map((r) => patternRoute(r.pattern, r.protected, s));
}

/**
 * The runtime's policy: block each protected route in the one form the SDK must send it
 * (Express: lower-cased, one trailing slash removed; everywhere else the exact path), allow
 * everything else. Exact string rules, as a tenant would write `request_path == "/admin"`.
 */
export function isProtectedPath(path: string): boolean {
  return ['/admin', '/login', '/secret.html'].includes(path) || /^\/panel\/[^/]+$/.test(path);
}

export interface Variant {
  /** The matrix row; unique. */
  name: string;
  /** The request target, sent byte for byte on the request line. */
  target: string;
  /** `path`/`rawPath` of a Lambda event; `null` where no AWS front door makes such an event. */
  lambda?: string | null;
  /** Which kind of row it is (printed by run.mjs). */
  group: string;
  /**
   * A control: what must happen on every target (or only where `staticFiles` is served).
   * Controls prove the app and the block rule both work, so the variants cannot pass vacuously.
   */
  control?: { handler: string | null; status: number; staticOnly?: boolean };
}

export const VARIANTS: Variant[] = [
  // Controls: the canonical paths.
  {
    group: 'control',
    name: '/public',
    target: '/public',
    control: { handler: '/public', status: 200 },
  },
  { group: 'control', name: '/admin', target: '/admin', control: { handler: null, status: 403 } },
  { group: 'control', name: '/login', target: '/login', control: { handler: null, status: 403 } },
  {
    group: 'control',
    name: '/panel/x',
    target: '/panel/x',
    control: { handler: null, status: 403 },
  },
  {
    group: 'control',
    name: '/secret.html',
    target: '/secret.html',
    control: { handler: null, status: 403, staticOnly: true },
  },
  {
    group: 'control',
    name: '/css/site.css',
    target: '/css/site.css',
    control: { handler: 'static:/css/site.css', status: 200, staticOnly: true },
  },
  // Case.
  { group: 'case', name: '/ADMIN', target: '/ADMIN' },
  { group: 'case', name: '/Login', target: '/Login' },
  { group: 'case', name: '/PANEL/x', target: '/PANEL/x' },
  { group: 'case', name: '/SECRET.html', target: '/SECRET.html' },
  // Trailing slashes.
  { group: 'trailing slash', name: '/admin/', target: '/admin/' },
  { group: 'trailing slash', name: '/admin//', target: '/admin//' },
  { group: 'trailing slash', name: '/panel/x/', target: '/panel/x/' },
  { group: 'trailing slash', name: '/ADMIN/', target: '/ADMIN/' },
  // Dot segments, raw.
  { group: 'dot segments', name: '/x/../admin', target: '/x/../admin' },
  { group: 'dot segments', name: '/admin/.', target: '/admin/.' },
  { group: 'dot segments', name: '/./admin', target: '/./admin' },
  { group: 'dot segments', name: '/panel/x/..', target: '/panel/x/..' },
  { group: 'dot segments', name: '/css/../secret.html', target: '/css/../secret.html' },
  // Dot segments, percent-encoded.
  { group: '%2e', name: '/x/%2e%2e/admin', target: '/x/%2e%2e/admin' },
  { group: '%2e', name: '/x/%2E%2e/admin', target: '/x/%2E%2e/admin' },
  { group: '%2e', name: '/x/.%2e/admin', target: '/x/.%2e/admin' },
  { group: '%2e', name: '/admin/%2e', target: '/admin/%2e' },
  { group: '%2e', name: '/panel/x/%2e%2e', target: '/panel/x/%2e%2e' },
  { group: '%2e', name: '/css/%2e%2e/secret.html', target: '/css/%2e%2e/secret.html' },
  // Double slashes.
  { group: 'double slash', name: '//admin', target: '//admin' },
  { group: 'double slash', name: '/panel//x', target: '/panel//x' },
  { group: 'double slash', name: '//secret.html', target: '//secret.html' },
  // Absolute-form request targets (a proxy's request line; Node and workerd accept them).
  {
    group: 'absolute-form',
    name: 'http://h/ADMIN',
    target: 'http://app.example/ADMIN',
    lambda: null,
  },
  {
    group: 'absolute-form',
    name: 'http://h/admin',
    target: 'http://app.example/admin',
    lambda: null,
  },
  {
    group: 'absolute-form',
    name: 'http://h:99999/admin',
    target: 'http://app.example:99999/admin',
    lambda: null,
  },
  // Matrix parameters (Tomcat/Jetty strip `;…`; do JS routers?).
  { group: 'matrix', name: '/admin;x=1', target: '/admin;x=1' },
  { group: 'matrix', name: '/admin;/', target: '/admin;/' },
  { group: 'matrix', name: '/panel;x=1/x', target: '/panel;x=1/x' },
  // Encoded slashes and backslashes.
  { group: '%2f', name: '/css%2f..%2fsecret.html', target: '/css%2f..%2fsecret.html' },
  { group: '%2f', name: '/admin%2f', target: '/admin%2f' },
  { group: '%2f', name: '/panel%2fx', target: '/panel%2fx' },
  { group: '%2f', name: '/%2fsecret.html', target: '/%2fsecret.html' },
  { group: '%2f', name: '/%5cadmin', target: '/%5cadmin' },
  // Escapes of unreserved characters (RFC 3986: equivalent to the character).
  { group: 'unreserved %XX', name: '/%61dmin', target: '/%61dmin' },
  { group: 'unreserved %XX', name: '/adm%49n', target: '/adm%49n' },
  { group: 'unreserved %XX', name: '/panel/%78', target: '/panel/%78' },
  { group: 'unreserved %XX', name: '/%73ecret.html', target: '/%73ecret.html' },
  { group: 'unreserved %XX', name: '/secret%2ehtml', target: '/secret%2ehtml' },
  // Escapes of escapes: a router that decodes twice (or a proxy, then the app) serves the
  // path the runtime never saw. And bytes no path should carry: NUL, overlong UTF-8 for `/`.
  { group: 'double-encoded', name: '/%2561dmin', target: '/%2561dmin' },
  { group: 'double-encoded', name: '/panel%252fx', target: '/panel%252fx' },
  { group: 'odd bytes', name: '/admin%00', target: '/admin%00' },
  { group: 'odd bytes', name: '/panel%c0%afx', target: '/panel%c0%afx' },
  // Backslashes (WHATWG URL reads `\` as `/` in special schemes; Node's url.parse too).
  { group: 'backslash', name: '/\\admin', target: '/\\admin' },
  { group: 'backslash', name: '\\admin', target: '\\admin' },
  { group: 'backslash', name: '/panel\\x', target: '/panel\\x' },
  { group: 'backslash', name: '/\\secret.html', target: '/\\secret.html' },
  // Fragments on the request line (no browser sends one; a raw client can). Node's parser
  // keeps them in req.url; Express's parseurl then falls back to url.parse, which drops the
  // fragment and turns every `\` before it into `/`.
  { group: 'fragment', name: '/admin#x', target: '/admin#x' },
  { group: 'fragment', name: '/ADMIN#x', target: '/ADMIN#x' },
  { group: 'fragment', name: '/secret.html#x', target: '/secret.html#x' },
  { group: 'fragment', name: '/admin\\#', target: '/admin\\#' },
  { group: 'fragment', name: '/panel\\x#', target: '/panel\\x#' },
  { group: 'fragment', name: '/\\secret.html#', target: '/\\secret.html#' },
  { group: 'fragment', name: '/x\\..\\admin#', target: '/x\\..\\admin#' },
  // A static-asset suffix: the SDK does not decide `.css` GETs by default (excludeStaticAssets).
  { group: 'asset suffix', name: '/panel/x.css', target: '/panel/x.css' },
  { group: 'asset suffix', name: '/admin#.css', target: '/admin#.css' },
];

/** What the target answered for one variant. */
export interface Served {
  status: number;
  /** `x-handler` of the response: which app handler ran, or null. */
  handler: string | null;
  /** The path the app routed on, as it reported it (undefined when no app code ran). */
  appPath?: string;
}

export interface RoutingInstance {
  send(variant: Variant, headers: Array<[string, string]>): Promise<Served>;
  close(): Promise<void>;
}

export interface RoutingTarget {
  name: string;
  routes: Route[];
  /** Serves `/secret.html` and `/css/site.css` (the static controls apply). */
  staticFiles?: boolean;
  /** Lambda: the variant is an event path, not a request line. */
  lambda?: boolean;
  /**
   * Cells with a known, reported bypass, by variant name, with the reason: they run as
   * expected failures (printed KNOWN); once fixed the cell fails until the entry is removed.
   */
  known?: Record<string, string>;
  start(runtimeUrl: string): Promise<RoutingInstance>;
}

export const KEY = { apiKey: TEST_KEY.apiKey, secret: TEST_KEY.secret };
export const KNOWN_SUFFIX = ' [known bug]';

declare module 'vitest' {
  interface TaskMeta {
    /** What run.mjs prints in the observation table. */
    routing?: {
      status: number;
      handler: string | null;
      appPath?: string;
      asked: Array<{ path: string; action: string }>;
    };
  }
}

interface Seen {
  request?: { path?: string; headers?: Record<string, string> };
}

export function runRouting(target: RoutingTarget) {
  describe(target.name, () => {
    let runtime: MockRuntime;
    let app: RoutingInstance;

    beforeAll(async () => {
      runtime = await startMockRuntime({
        keys: [TEST_KEY],
        maxRecordedRequests: 10_000,
        decide: (body): MockAnswer => {
          const path = (body as Seen).request?.path ?? '';
          return isProtectedPath(path)
            ? { action: 'block', policy_id: 'pol_routing' }
            : { action: 'allow' };
        },
      });
      app = await target.start(runtime.url);
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      await runtime?.close();
    });

    for (const [i, variant] of VARIANTS.entries()) {
      const na =
        (target.lambda && variant.lambda === null) ||
        (variant.control?.staticOnly && !target.staticFiles);
      const known = target.known?.[variant.name];
      const test = na ? it.skip : known ? it.fails : it;
      test(known ? `${variant.name}${KNOWN_SUFFIX}` : variant.name, async ({ task }) => {
        const id = `${target.name}-${i}-${Math.random().toString(36).slice(2, 10)}`;
        // A unique user agent too: the SDK's decision cache is keyed on IP and user agent.
        const served = await app.send(variant, [
          ['user-agent', `routing/${id}`],
          ['x-routing-id', id],
        ]);
        const calls = runtime.requests.filter(
          (r) => (r.body as Seen)?.request?.headers?.['x-routing-id'] === id,
        );
        const asked = calls.map((r) => ({
          path: (r.body as Seen).request?.path ?? '',
          action: String((r.answer as { action?: string } | undefined)?.action ?? 'none'),
        }));
        task.meta.routing = { ...served, asked };
        const detail = `${target.name} ${JSON.stringify(variant.target)} → ${served.status} handler=${served.handler} app path=${served.appPath} runtime asked=${JSON.stringify(asked)}`;

        if (served.handler !== null) {
          const route = target.routes.find((r) => r.handler === served.handler);
          expect(route, `unknown handler: ${detail}`).toBeDefined();
          // The oracle: the runtime allowed a path this very handler serves.
          const decided = asked.some((a) => a.action === 'allow' && route!.serves(a.path));
          if (!route!.unasked) expect(decided, `ran undecided: ${detail}`).toBe(true);
          // Hence (the runtime blocks every protected path) no protected handler ever runs.
          expect(route!.protected, `protected handler ran: ${detail}`).toBe(false);
        }
        if (variant.control) {
          expect(served.handler, detail).toBe(variant.control.handler);
          expect(served.status, detail).toBe(variant.control.status);
          if (variant.control.status === 403)
            expect(
              asked.map((a) => a.action),
              `blocked by the runtime: ${detail}`,
            ).toContain('block');
        }
      });
    }
  });
}
