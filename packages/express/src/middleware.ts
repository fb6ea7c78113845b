import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createEsper,
  type Decision,
  type Esper,
  EsperConfigError,
  type EsperOptions,
} from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import { createUndiciTransport, nodeSigner } from '@esper/core/node';
import { forwardedForLines, schemeOf, trustedClientIp, trustsProxy } from './client-ip.js';
import { forwardUpstream, pathOf, routedTarget, toWebRequest } from './request.js';
import { appendResponseHeaders, sendResponse } from './response.js';
import type { ExpressRequest } from './types.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

export { VERSION } from './version.js';

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
  const client = createEsper(
    adapterOptions(
      {
        ...options,
        // Importing undici takes 100–400 ms, more than a decision's budget: createEsper()
        // starts loading it in the background (the transport's warm-up), never on import or
        // per request.
        transport:
          options.transport ??
          (options.fetch ? undefined : createUndiciTransport({ load: () => import('undici') })),
        // A `crypto` of the user's own (tests, a FIPS provider) keeps signing with it.
        signer: options.signer ?? (options.crypto ? undefined : nodeSigner),
      },
      {
        preset,
        runtime: env.DYNO ? 'heroku' : 'node',
        sdk: { name: SDK_NAME, version: SDK_VERSION },
        // Express's defaults: `case sensitive routing` and `strict routing` off, in the app
        // and in every `express.Router()` unless each one turns them on; see the README.
        // `express.static` decodes `%2F` and collapses `//`, which the router does not.
        routing: { caseSensitive: false, strict: false, ambiguousSlashes: 'refuse' },
      },
    ),
  );

  /** Resolves to true when the request should go on to the app. */
  async function handle(req: ExpressRequest, res: ServerResponse): Promise<boolean> {
    // originalUrl: under app.use('/mount', …) req.url has lost the mount path.
    const target = routedTarget(req.originalUrl ?? req.url ?? '/');
    let request: Request | undefined;
    try {
      const trusted = trustsProxy(req);
      request = toWebRequest(req, schemeOf(req, trusted, preset), target);
      if (!request || target === undefined) {
        // No path Express would route on (e.g. `OPTIONS *`): nothing core could match
        // include/exclude or failClosedRoutes against faithfully, so it never reaches the app.
        res
          .writeHead(400, { 'content-type': 'text/plain', connection: 'close' })
          .end('Bad Request');
        return false;
      }
      const requestId = request.headers.get('x-request-id') ?? undefined;
      // With `trust proxy` set, the app's own trust rules pick the IP; otherwise core reads the
      // raw x-forwarded-for lines the way the preset's platform writes them.
      const ip = trusted
        ? { clientIp: trustedClientIp(req, preset) }
        : { remoteAddress: req.socket.remoteAddress, forwardedFor: forwardedForLines(req) };
      // The raw path: Express routes on it as sent, dot segments and escapes included.
      const path = pathOf(target);
      // `pending` never rejects (core catches the hook) and Node keeps running it: nothing to hand off.
      const decision = await client.protect(request, { ...ip, requestId, path });
      req.esper = decision;
      return await apply(req, res, decision, request);
    } catch (err) {
      logger?.error({ err }, 'esper: middleware failed');
      // Undecided (the request could not be built, or applying the decision threw): core's
      // fallback decides, and the app never sees the client's own x-esper-* headers.
      forwardUpstream(req, new Headers());
      const decision =
        req.esper?.enforced === true
          ? req.esper
          : client.screenFailed(pathOf(target ?? '/'), err, request);
      req.esper = decision;
      if (!decision.enforced) return !res.headersSent;
      // An enforced decision stays enforced even when its response cannot be written.
      if (res.headersSent) res.destroy();
      else res.writeHead(403, { 'cache-control': 'no-store' }).end();
      return false;
    }
  }

  async function apply(
    req: ExpressRequest,
    res: ServerResponse,
    decision: Decision,
    request: Request,
  ): Promise<boolean> {
    const response = await client.respond(decision, request);
    if (response) {
      await sendResponse(res, response);
      return false;
    }
    forwardUpstream(req, client.upstreamHeaders(new Headers(), decision));
    appendResponseHeaders(res, decision.responseHeaders);
    return true;
  }

  const middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    handle(req, res)
      .then((proceed) => proceed && next())
      // Express catches what its handlers throw, so this is a last resort against a crash.
      .catch((err: unknown) => logger?.error({ err }, 'esper: next() threw'));
  };
  return Object.assign(middleware, { client, close: () => client.close() });
}
