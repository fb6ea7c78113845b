import { createEsper, type Esper, EsperConfigError, type EsperOptions } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import {
  fastifyCoreRouting,
  fastifyPrefixRoots,
  fastifyReplyResponse,
  fastifyRequestFacts,
  fastifyRouting,
  screenNodeRequest,
  withNodeTransport,
} from '@esper/core/node';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `@esper/core`'s options; `runtime`, `sdk` and (from the instance) `routing` are set here. */
export type EsperFastifyOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

/**
 * Decides every request of the instance in an `onRequest` hook, 404s included: routing has
 * run, `rewriteUrl` too, and no body has been read. Not encapsulated (fastify-plugin), so it
 * covers the routes of every plugin registered after it.
 */
const plugin: FastifyPluginAsync<EsperFastifyOptions> = async (fastify, options) => {
  if (typeof options !== 'object' || options === null) {
    throw new EsperConfigError('options', 'expected an object');
  }
  const env = options.env ?? process.env;
  const preset = options.clientIp?.preset ?? (env.DYNO ? 'heroku' : 'direct');
  const routing = fastifyRouting(fastify.initialConfig);
  const client = createEsper(
    adapterOptions(
      withNodeTransport(options, () => import('undici')),
      {
        preset,
        runtime: env.DYNO ? 'heroku' : 'node',
        sdk: { name: SDK_NAME, version: SDK_VERSION },
        routing: fastifyCoreRouting(routing),
      },
    ),
  );
  fastify.decorate('esperClient', client);
  fastify.decorateRequest('esper', undefined);
  fastify.addHook('onClose', async () => client.close());
  const roots = fastifyPrefixRoots();
  fastify.addHook('onRoute', roots.onRoute);

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const screened = await screenNodeRequest(
      client,
      request.raw,
      // Fastify < 4.18 sends a Buffer, never a Uint8Array, as bytes.
      fastifyReplyResponse(reply, (body) =>
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      ),
      // The routed path, and the client as the instance's `trustProxy` sees it.
      () => fastifyRequestFacts(request, routing, preset, roots),
      options.logger ?? request.log,
    );
    request.esper = screened.decision;
    // Answered: returning the reply ends the request's lifecycle here, as Fastify documents.
    if (!screened.proceed) return reply;
  });
};

/** `await fastify.register(esper, options)`. */
export const esper = fp(plugin, { name: SDK_NAME, fastify: '4.x || 5.x' });

declare module 'fastify' {
  interface FastifyRequest {
    /** The decision for this request, set by the `esper` plugin's `onRequest` hook. */
    esper?: import('@esper/core').Decision;
  }
  interface FastifyInstance {
    /** The core client of the `esper` plugin, e.g. for `cacheSize`. */
    esperClient: Esper;
  }
}
