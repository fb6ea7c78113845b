import fastify5, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastify4 from 'fastify4';
import { type EsperFastifyOptions, esper } from '../src/index.js';

export { type EsperFastifyOptions, esper, type FastifyInstance };

/** Both majors, resolved from this package so test/ can use them too. */
export const frameworks = { fastify4, fastify5 } as const;
export type FastifyName = keyof typeof frameworks;

export const KEY = { apiKey: 'fastify_key', secret: 'fastify_secret_0123456789abcdef' };

export interface Listening {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * A Fastify instance of either major with the plugin registered first; `routes` adds the app.
 * Fastify 4's types are not Fastify 5's: the instance is typed as 5's, which the tests use.
 */
export async function fastifyApp(
  name: FastifyName,
  options: EsperFastifyOptions,
  routes: (app: FastifyInstance) => void | Promise<void>,
  server: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app = (frameworks[name] as unknown as typeof fastify5)(server);
  await app.register(esper, options);
  await routes(app);
  return app;
}

/** Listens on a free port of 127.0.0.1. */
export async function listen(app: FastifyInstance): Promise<Listening> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    close: async () => {
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
}

/** Runtime-side view of a recorded call. */
export function seenBody(recorded: { body: unknown }) {
  return recorded.body as {
    request: {
      method: string;
      scheme: string;
      host: string;
      path: string;
      query?: string;
      client_ip?: string;
      headers: Record<string, string>;
    };
    source: { sdk: string; version: string; runtime: string };
  };
}

/** `@fastify/static` for each major (v8 for Fastify 5, v7 for Fastify 4), for test/routing. */
export { default as fastifyStatic5 } from '@fastify/static';
export { default as fastifyStatic4 } from 'fastify-static4';
