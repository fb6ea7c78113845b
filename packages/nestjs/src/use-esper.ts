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
  type FastifyRouteLike,
  type FastifyRouterConfig,
  fastifyCoreRouting,
  fastifyPrefixRoots,
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
  getHttpAdapter(): {
    getType(): string;
    getInstance(): unknown;
    /** Fastify platform: sets what Nest's own first `onRequest` hook runs. */
    setOnRequestHook?(hook: NestOnRequest): unknown;
  };
  getHttpServer(): { once(event: 'close', listener: () => void): unknown };
}

type NestOnRequest = (
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  done: (err?: unknown) => void,
) => void;

interface FastifyInstanceLike {
  initialConfig: FastifyRouterConfig;
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): unknown;
  addHook(name: 'onClose', hook: () => Promise<void>): unknown;
  addHook(name: 'onRoute', hook: (route: FastifyRouteLike) => void): unknown;
}

export interface EsperNest {
  /** The core client, e.g. for `cacheSize`. */
  readonly client: Esper;
  /** Closes the keep-alive connections to the runtime (also done when the app closes). */
  close(): Promise<void>;
}

/**
 * Protects every request of a Nest app, 404s and static files included, before Nest's
 * middleware, guards, interceptors, pipes and handlers. Call it right after
 * `NestFactory.create()`, before `useStaticAssets()` and `listen()`. Express platform: an
 * Express middleware, `app.use()`; Fastify platform: Nest's first `onRequest` hook, so a
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
  // Nest puts its routes on Express in init() (listen() calls it): a middleware added after
  // them never runs for a route. Fastify builds route hooks at start, and refuses a late one.
  if (platform === 'express' && (app as { isInitialized?: boolean }).isInitialized === true) {
    throw new EsperConfigError('app', 'call useEsper(app) before app.init() and app.listen()');
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
    const roots = fastifyPrefixRoots();
    fastify.addHook('onRoute', roots.onRoute);
    const screened = new WeakSet<object>();
    const decide = async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
      screened.add(request.raw);
      const { proceed, decision } = await screen(request.raw, fastifyReplyResponse(reply), () =>
        fastifyRequestFacts(request, router, preset, roots),
      );
      // Nest's `@Req()` is Fastify's request here: the decision goes on both.
      (request as { esper?: Decision }).esper = decision;
      return proceed;
    };
    // Nest's own first `onRequest` hook, added with the instance: it runs ahead of Nest
    // middleware (`@fastify/middie`, registered in `NestFactory.create()`), so they never run
    // for a block nor see a client's own `x-esper-*`. A block is sent, `done` never called.
    adapter.setOnRequestHook?.((request, reply, done) => {
      decide(request, reply).then((proceed) => proceed && done(), done);
    });
    // Where that hook is missing or replaced later: a hook of our own, after the middleware.
    fastify.addHook('onRequest', async (request, reply) => {
      if (!screened.has(request.raw) && !(await decide(request, reply))) return reply;
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
