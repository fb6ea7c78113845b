import type { IncomingMessage, ServerResponse } from 'node:http';
import { createEsper, type Esper, EsperConfigError, type EsperOptions } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import {
  EXPRESS_ROUTING,
  expressRequestFacts,
  screenNodeRequest,
  withNodeTransport,
} from '@esper/core/node';
import { routedTarget } from './request.js';
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
      withNodeTransport(options, () => import('undici')),
      {
        preset,
        runtime: env.DYNO ? 'heroku' : 'node',
        sdk: { name: SDK_NAME, version: SDK_VERSION },
        // Express's defaults (`case sensitive routing`, `strict routing` off); see the README.
        routing: EXPRESS_ROUTING,
      },
    ),
  );

  /** Resolves to true when the request should go on to the app. */
  async function handle(req: ExpressRequest, res: ServerResponse): Promise<boolean> {
    // The path Express routes (from originalUrl, the mount path kept), and the client as the
    // app's `trust proxy` sees it; without it, core reads the raw x-forwarded-for lines.
    const screened = await screenNodeRequest(
      client,
      req,
      res,
      () => expressRequestFacts(req, preset, routedTarget),
      logger,
    );
    req.esper = screened.decision;
    return screened.proceed;
  }

  const middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    handle(req, res)
      .then((proceed) => proceed && next())
      // Express catches what its handlers throw, so this is a last resort against a crash.
      .catch((err: unknown) => logger?.error({ err }, 'esper: next() threw'));
  };
  return Object.assign(middleware, { client, close: () => client.close() });
}
