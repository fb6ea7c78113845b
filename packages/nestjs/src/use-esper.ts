import {
  createEsper,
  type Decision,
  type Esper,
  EsperConfigError,
  type EsperOptions,
} from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import {
  EXPRESS_ROUTING,
  type ExpressRequestLike,
  expressRequestFacts,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type FastifyRouterConfig,
  fastifyCoreRouting,
  fastifyReplyResponse,
  fastifyRequestFacts,
  fastifyRouting,
  type NodeRequestFacts,
  type NodeRequestLike,
  type NodeResponseLike,
  screenNodeRequest,
  withNodeTransport,
} from '@esper/core/node';
import { expressTarget } from './express.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `@esper/core`'s options; `runtime`, `sdk` and (from the platform) `routing` are set here. */
export type EsperNestOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

/** The part of a Nest application used here (`INestApplication`, either platform). */
export interface NestAppLike {
  use(...args: unknown[]): unknown;
  getHttpAdapter(): { getType(): string; getInstance(): unknown };
  getHttpServer(): { once(event: 'close', listener: () => void): unknown };
}

interface FastifyInstanceLike {
  initialConfig: FastifyRouterConfig;
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): unknown;
  addHook(name: 'onClose', hook: () => Promise<void>): unknown;
}

export interface EsperNest {
  /** The core client, e.g. for `cacheSize`. */
  readonly client: Esper;
  /** Closes the keep-alive connections to the runtime (also done when the app closes). */
  close(): Promise<void>;
}

/**
 * Protects every request of a Nest app, 404s and static files included, before Nest's
 * middleware (Express), guards, interceptors, pipes and handlers. Call it right after
 * `NestFactory.create()`, before `useStaticAssets()` and `listen()`. Express platform: an
 * Express middleware, `app.use()`; Fastify platform: an `onRequest` hook on the instance, so a
 * block goes out through the reply and the runtime's cookies join the app's. Each decides on
 * the path its router routes. Invalid options throw an `EsperConfigError` here.
 */
export function useEsper(app: NestAppLike, options: EsperNestOptions = {}): EsperNest {
  if (typeof options !== 'object' || options === null) {
    throw new EsperConfigError('options', 'expected an object');
  }
  const env = options.env ?? process.env;
  const preset = options.clientIp?.preset ?? (env.DYNO ? 'heroku' : 'direct');
  const adapter = app.getHttpAdapter();
  const platform = adapter.getType();
  if (platform !== 'express' && platform !== 'fastify') {
    throw new EsperConfigError('app', `unsupported Nest platform "${platform}"`);
  }
  const fastify = platform === 'fastify' ? (adapter.getInstance() as FastifyInstanceLike) : null;
  const router = fastify ? fastifyRouting(fastify.initialConfig) : undefined;
  const client = createEsper(
    adapterOptions(
      withNodeTransport(options, () => import('undici')),
      {
        preset,
        runtime: env.DYNO ? 'heroku' : 'node',
        sdk: { name: SDK_NAME, version: SDK_VERSION },
        routing: router ? fastifyCoreRouting(router) : EXPRESS_ROUTING,
      },
    ),
  );
  const logger = options.logger;
  const screen = async (
    req: NodeRequestLike & { esper?: Decision },
    res: NodeResponseLike,
    facts: () => NodeRequestFacts,
  ) => {
    const screened = await screenNodeRequest(client, req, res, facts, logger);
    req.esper = screened.decision;
    return screened;
  };

  if (fastify && router) {
    fastify.addHook('onRequest', async (request, reply) => {
      const screened = await screen(request.raw, fastifyReplyResponse(reply), () =>
        fastifyRequestFacts(request, router, preset),
      );
      // Nest's `@Req()` is Fastify's request here: the decision goes on both.
      (request as { esper?: Decision }).esper = screened.decision;
      if (!screened.proceed) return reply;
    });
    fastify.addHook('onClose', () => client.close());
  } else {
    app.use((req: ExpressRequestLike, res: NodeResponseLike, next: () => void) => {
      screen(req, res, () => expressRequestFacts(req, preset, expressTarget))
        .then((screened) => screened.proceed && next())
        .catch((err: unknown) => logger?.error({ err }, 'esper: next() threw'));
    });
    app.getHttpServer().once('close', () => void client.close());
  }
  return { client, close: () => client.close() };
}

/** The decision on a request of either platform (`@Req() req`), or undefined. */
export function esperOf(request: object): Decision | undefined {
  return (request as { esper?: Decision }).esper;
}
