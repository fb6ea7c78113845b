import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createEsperNode, type EsperKoaState, type EsperNodeOptions } from '@esper/node';
import { Koa, polka, Router } from '../../../packages/node/test/frameworks.js';
import { listen } from '../../../packages/node/test/server.js';
import { contractOptions } from '../../helpers/contract-options.js';
import { appendingProxy, serverTarget } from '../../helpers/server-target.js';
import { hybridOf } from '../fixtures/hybrid.js';
import { APP_CONTRACT, type Target, type TargetOptions, targetEnv } from '../target.js';

/** The contract app's answer, from the request headers the app received. */
function contractBody(path: string, headers: IncomingMessage['headers']) {
  const get = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' ? v : null;
  };
  return JSON.stringify({
    path,
    decision: get('x-esper-decision'),
    decisionId: get('x-esper-decision-id'),
    mode: get('x-esper-mode'),
    upstream: get('x-upstream-test'),
  });
}

function contractApp(req: IncomingMessage, res: ServerResponse, path: string) {
  req.resume(); // the body, unread by the app, is drained
  res.setHeader('content-type', 'application/json');
  res.appendHeader('set-cookie', APP_CONTRACT.appCookie);
  res.end(contractBody(path, req.headers));
}

type Listener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * One of @esper/node's servers with the contract app, in this process. `proxied`: a reverse
 * proxy on 127.0.0.1 (named in ESPER_TRUSTED_PROXIES) appends the client's address to
 * x-forwarded-for and sets x-forwarded-proto, as nginx's `$proxy_add_x_forwarded_for` does;
 * otherwise the client connects directly and its IP is the socket peer, 127.0.0.1.
 */
function nodeTarget(
  name: string,
  proxied: boolean,
  app: (options: EsperNodeOptions) => { listener: Listener; close(): Promise<void> },
): Target {
  return serverTarget({
    name,
    // The proxy: appends the client's address, and sets the scheme.
    ...(proxied && { platform: appendingProxy({ 'x-forwarded-proto': 'https' }) }),
    async start(o: TargetOptions) {
      const hybrid = await hybridOf(o);
      const made = app({
        // Configured the way a server is: ESPER_* in its environment.
        env: { ...targetEnv(o), ...(proxied && { ESPER_TRUSTED_PROXIES: '127.0.0.1' }) },
        ...contractOptions(hybrid?.decider),
      });
      const server = await listen(createServer(made.listener));
      return {
        origin: server.url,
        async stop() {
          await server.close();
          await made.close();
          await hybrid?.close();
        },
      };
    },
  });
}

/** A plain node:http server behind a reverse proxy, with a hand router on `req.url`. */
export const nodeHttpTarget = nodeTarget('node-http', true, (options) => {
  const esper = createEsperNode(options);
  return {
    listener: esper.handler((req, res) => {
      contractApp(req, res, new URL(req.url ?? '/', 'http://localhost').pathname);
    }),
    close: () => esper.close(),
  };
});

/** Koa 3 with @koa/router, clients connecting directly. */
export const koaTarget = nodeTarget('koa', false, (options) => {
  const esper = createEsperNode(options);
  const app = new Koa<EsperKoaState>();
  app.use(esper.koa);
  const router = new Router<EsperKoaState>();
  router.all('/{*rest}', (ctx) => {
    ctx.req.resume();
    ctx.cookies.set('app', '1', { path: '/', httpOnly: false });
    ctx.body = contractBody(ctx.path, ctx.req.headers);
    ctx.type = 'application/json';
  });
  app.use(router.routes());
  return { listener: app.callback(), close: () => esper.close() };
});

/** Polka 1 with esper.middleware, clients connecting directly. */
export const polkaTarget = nodeTarget('polka', false, (options) => {
  const esper = createEsperNode(options);
  const app = polka().use(esper.middleware);
  app.all('*', (req, res) => contractApp(req, res, req.path));
  return { listener: app.handler as never, close: () => esper.close() };
});
