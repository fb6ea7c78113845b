/**
 * `consoleRoutes`: mounts the results console on a runtime's Hono app, the way
 * `registerRuntimeRoutes` mounts the rest:
 *   GET <path>                  the page (admin token: Bearer, x-esper-admin-token, or Basic)
 *   GET <path>/data.json        the same figures as JSON (admin token)
 *   GET <path>/assets/*.js      Chart.js (from node_modules, as shipped) and the page's script;
 *                               public, they hold no data
 * Reading only, so Basic credentials (what a browser offers) are accepted, as for the admin
 * pages. The page's CSP allows scripts from its own origin and nothing else.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { checkAdmin } from '../admin/admin-auth.js';
import { errorBody } from '../protocol/answers.js';
import type { RuntimeContext, RuntimeEnv } from '../server/env.js';
import { CONSOLE_SCRIPT } from './client-script.js';
import { consolePage } from './page.js';
import type { ConsoleDataSource } from './types.js';

export interface ConsoleRouteOptions {
  source: ConsoleDataSource;
  /** The admin token (or a function reading it, for a token that can change). */
  adminToken: string | (() => string);
  /** Where the console lives. Default `/results`. */
  path?: string;
  /** `realm` of the Basic challenge. Default `esper admin`. */
  realm?: string;
}

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NO_STORE = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

let chartJs: Buffer | undefined;

/** Chart.js's UMD build as the package ships it, read once. */
export function chartJsSource(): Buffer {
  if (chartJs) return chartJs;
  // __filename in the CommonJS build, import.meta.url in the ES module one.
  const here = typeof __filename === 'string' ? __filename : import.meta.url;
  const main = createRequire(here).resolve('chart.js');
  chartJs = readFileSync(join(dirname(main), 'chart.umd.min.js'));
  return chartJs;
}

function unauthorized(c: RuntimeContext, realm: string): Response {
  c.header('www-authenticate', `Basic realm="${realm}", charset="UTF-8"`);
  return c.body(errorBody('unauthorized', 'the results console needs the admin token'), 401, {
    'content-type': 'application/json',
    ...NO_STORE,
  });
}

export function consoleRoutes(app: Hono<RuntimeEnv>, options: ConsoleRouteOptions): void {
  const path = (options.path ?? '/results').replace(/\/+$/, '');
  const realm = options.realm ?? 'esper admin';
  const token = () =>
    typeof options.adminToken === 'function' ? options.adminToken() : options.adminToken;
  const guard = async (c: RuntimeContext, next: () => Promise<void>) => {
    const auth = checkAdmin(
      {
        authorization: c.req.header('authorization'),
        tokenHeader: c.req.header('x-esper-admin-token'),
        actor: c.req.header('x-esper-actor'),
        allowBasic: true,
      },
      token(),
    );
    if (!auth.ok) return unauthorized(c, realm);
    await next();
  };

  app.get(path, guard, async (c) => {
    const snapshot = await options.source.read();
    return c.body(consolePage(snapshot, `${path}/assets`), 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      ...NO_STORE,
    });
  });
  app.get(`${path}/data.json`, guard, async (c) =>
    c.body(JSON.stringify(await options.source.read()), 200, {
      'content-type': 'application/json',
      ...NO_STORE,
    }),
  );
  const script = (body: string | Buffer) => (c: RuntimeContext) =>
    c.body(new Uint8Array(typeof body === 'string' ? Buffer.from(body) : body), 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
  app.get(`${path}/assets/console.js`, script(CONSOLE_SCRIPT));
  app.get(`${path}/assets/chart.umd.min.js`, (c) => script(chartJsSource())(c));
}
