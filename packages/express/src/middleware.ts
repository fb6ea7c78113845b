import type { IncomingMessage, ServerResponse } from 'node:http';
import { createEsper, type Esper, EsperConfigError, type EsperOptions } from '@esper/core';
import { createUndiciTransport, nodeSigner } from '@esper/core/node';
import { schemeOf, trustsProxy } from './client-ip.js';
import { forwardUpstream, routedTarget, toWebRequest } from './request.js';
import { appendResponseHeaders, sendResponse } from './response.js';
import type { ExpressRequest } from './types.js';

export const VERSION = '0.1.0';

/** `@esper/core`'s options; `runtime` and `sdk` are set by this package. */
export type EsperExpressOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

export interface EsperMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** The core client, e.g. for `cacheSize`. */
  readonly client: Esper;
  /** Closes the keep-alive connections to the runtime. */
  close(): Promise<void>;
}

/**
 * `app.use(esper())`. Invalid options throw an `EsperConfigError` here, at start-up; after that
 * the middleware never throws and never calls `next(err)`.
 */
export function esper(options: EsperExpressOptions = {}): EsperMiddleware {
  if (typeof options !== 'object' || options === null) {
    throw new EsperConfigError('options', 'expected an object');
  }
  const env = options.env ?? process.env;
  const preset = options.clientIp?.preset ?? (env.DYNO ? 'heroku' : 'direct');
  const logger = options.logger;
  const client = createEsper({
    ...options,
    clientIp: { ...options.clientIp, preset },
    runtime: env.DYNO ? 'heroku' : 'node',
    sdk: { name: '@esper/express', version: VERSION },
    // Importing undici takes 100–400 ms, more than a decision's budget: createEsper() starts
    // loading it in the background (the transport's warm-up), never on import or per request.
    transport:
      options.transport ??
      (options.fetch ? undefined : createUndiciTransport({ load: () => import('undici') })),
    // A `crypto` of the user's own (tests, a FIPS provider) keeps signing with it.
    signer: options.signer ?? (options.crypto ? undefined : nodeSigner),
  });

  /** Resolves to true when the request should go on to the app. */
  async function handle(req: ExpressRequest, res: ServerResponse): Promise<boolean> {
    try {
      const trusted = trustsProxy(req);
      const request = toWebRequest(req, schemeOf(req, trusted, preset));
      if (!request) {
        // No path Express would route on (e.g. `OPTIONS *`): nothing core could match
        // include/exclude or failClosedRoutes against faithfully, so it never reaches the app.
        res
          .writeHead(400, { 'content-type': 'text/plain', connection: 'close' })
          .end('Bad Request');
        return false;
      }
      const requestId = request.headers.get('x-request-id') ?? undefined;
      // With `trust proxy` set, Express already applied the user's trust rules to `req.ip`.
      const ip = trusted ? { clientIp: req.ip ?? '' } : { remoteAddress: req.socket.remoteAddress };
      // `pending` never rejects (core catches the hook) and Node keeps running it: nothing to hand off.
      const decision = await client.protect(request, { ...ip, requestId });
      req.esper = decision;
      const response = await client.respond(decision, request);
      if (response) {
        await sendResponse(res, response);
        return false;
      }
      forwardUpstream(req, client.upstreamHeaders(new Headers(), decision));
      appendResponseHeaders(res, decision.responseHeaders);
      return true;
    } catch (err) {
      logger?.error({ err }, 'esper: middleware failed');
      // Undecided (the request could not even be built): treat it as a fallback would.
      const target = routedTarget(req.originalUrl ?? req.url ?? '/') ?? '/';
      const blocked = req.esper ? req.esper.enforced : client.failsClosed(target.split('?')[0]!);
      if (!blocked) {
        // Whatever happened, the app never sees a client's own x-esper-* headers.
        if (!req.esper) forwardUpstream(req, new Headers());
        return !res.headersSent;
      }
      // An enforced decision stays enforced even when its response cannot be written.
      if (res.headersSent) res.destroy();
      else res.writeHead(403).end();
      return false;
    }
  }

  const middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    handle(req, res)
      .then((proceed) => proceed && next())
      // Express catches what its handlers throw, so this is a last resort against a crash.
      .catch((err: unknown) => logger?.error({ err }, 'esper: next() threw'));
  };
  return Object.assign(middleware, { client, close: () => client.close() });
}
