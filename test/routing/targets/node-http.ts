import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createEsperNode, type EsperKoaState, type EsperNodeOptions } from '@esper/node';
import { Koa, polka, Router } from '../../../packages/node/test/frameworks.js';
import { listen } from '../../../packages/node/test/server.js';
import { sendRaw } from '../../helpers/routing-target.js';
import { APP_ROUTES } from '../routes.js';
import { appRoutes, KEY, type RoutingTarget, type Semantics } from '../routing.js';

/** Koa's @koa/router and Polka (trouter/regexparam) defaults: case-insensitive, one optional `/`. */
const LOOSE: Semantics = { caseSensitive: false, strict: false };
const EXACT: Semantics = { caseSensitive: true, strict: true };

function report(res: ServerResponse, handler: string | null, path: string) {
  res.statusCode = handler ? 200 : 404;
  if (handler) res.setHeader('x-handler', handler);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ handler, path }));
}

type App = (options: EsperNodeOptions) => {
  listener: (req: IncomingMessage, res: ServerResponse) => unknown;
  close(): Promise<void>;
};

function nodeTarget(name: string, semantics: Semantics, app: App): RoutingTarget {
  return {
    name,
    routes: appRoutes(semantics),
    async start(runtimeUrl) {
      const { listener, close } = app({
        ...KEY,
        apiBase: runtimeUrl,
        env: {},
        timeoutMs: 2_000, // this suite is about paths, not the clock
        // The router's semantics, stated as the README tells users to.
        ...(semantics === LOOSE && { routing: { caseSensitive: false, strict: false } }),
      });
      const server = await listen(createServer(listener));
      return {
        send: sendRaw(server.url),
        async close() {
          await server.close();
          await close();
        },
      };
    },
  };
}

/**
 * A hand router on `new URL(req.url, base)`, as Node's docs write one: exact matching, and the
 * most liberal parser of all (`\` read as `/`, dot segments resolved, `//x` read as a host).
 */
export const nodeHttpRouting = nodeTarget('node-http', EXACT, (options) => {
  const esper = createEsperNode(options);
  const routes = appRoutes(EXACT);
  return {
    listener: esper.handler((req, res) => {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      report(res, routes.find((r) => r.serves(pathname))?.handler ?? null, pathname);
    }),
    close: () => esper.close(),
  };
});

/** A hand router on the raw `req.url` up to `?`: what Node hands the app, unparsed. */
export const nodeHttpRawRouting = nodeTarget('node-http-raw', EXACT, (options) => {
  const esper = createEsperNode(options);
  const routes = appRoutes(EXACT);
  return {
    listener: esper.handler((req, res) => {
      const pathname = (req.url ?? '/').split('?')[0]!;
      report(res, routes.find((r) => r.serves(pathname))?.handler ?? null, pathname);
    }),
    close: () => esper.close(),
  };
});

/** Koa 3 with @koa/router's defaults, routing on `ctx.path` (parseurl). */
export const koaRouting = nodeTarget('koa', LOOSE, (options) => {
  const esper = createEsperNode(options);
  const app = new Koa<EsperKoaState>();
  app.use(esper.koa);
  const router = new Router();
  for (const { pattern } of APP_ROUTES) {
    router.get(pattern, (ctx) => {
      ctx.set('x-handler', pattern);
      ctx.body = { handler: pattern, path: ctx.path };
    });
  }
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { handler: null, path: ctx.path };
  });
  return { listener: app.callback(), close: () => esper.close() };
});

/** Polka 1 (next) with its defaults, routing on @polka/url's raw path. */
export const polkaRouting = nodeTarget('polka', LOOSE, (options) => {
  const esper = createEsperNode(options);
  const app = polka({ onNoMatch: (req, res) => report(res, null, req.path) });
  app.use(esper.middleware);
  for (const { pattern } of APP_ROUTES) {
    app.get(pattern, (req, res) => report(res, pattern, req.path));
  }
  return { listener: app.handler as never, close: () => esper.close() };
});
