import { randomUUID } from 'node:crypto';
import {
  type EsperFastifyOptions,
  type FastifyInstance,
  type FastifyName,
  fastifyApp,
  listen,
} from '../../../packages/fastify/test/server.js';
import { contractOptions, settingsInCode } from '../../helpers/contract-options.js';
import { appendingProxy, serverTarget } from '../../helpers/server-target.js';
import { hybridOf } from '../fixtures/hybrid.js';
import { APP_CONTRACT, type Target, type TargetOptions, targetEnv } from '../target.js';

/**
 * Fastify behind a proxy that appends the peer it saw to `x-forwarded-for` and sets the scheme.
 * `fastify4` plays the Heroku router, configured in code (`clientIp: { preset: 'heroku' }`, no
 * `trustProxy`: core reads the router's line); `fastify5` is configured by `ESPER_*` variables
 * and trusts its proxy the Fastify way (`trustProxy: '127.0.0.1'`), so `request.ip` is used.
 */
function options(
  name: FastifyName,
  o: TargetOptions,
  decider: EsperFastifyOptions['decider'],
): EsperFastifyOptions {
  const app = contractOptions(decider);
  if (name === 'fastify4') return { ...app, ...settingsInCode(o), clientIp: { preset: 'heroku' } };
  return { ...app, env: targetEnv({ ...o, hybrid: undefined }) };
}

/** The conformance app as Fastify routes: every method and path, body parsed as JSON. */
export async function conformanceFastify(
  name: FastifyName,
  esperOptions: EsperFastifyOptions,
  server: { trustProxy?: string } = {},
): Promise<FastifyInstance> {
  return fastifyApp(
    name,
    esperOptions,
    (app) => {
      app.all('*', async (request, reply) => {
        reply.header('set-cookie', APP_CONTRACT.appCookie);
        return {
          path: request.url.split('?')[0],
          decision: request.headers['x-esper-decision'] ?? null,
          decisionId: request.headers['x-esper-decision-id'] ?? null,
          mode: request.headers['x-esper-mode'] ?? null,
          upstream: request.headers['x-upstream-test'] ?? null,
        };
      });
    },
    server,
  );
}

/** The proxy: appends the peer it saw, and sets the scheme and a request id. */
const proxy = appendingProxy({ 'x-forwarded-proto': 'https', 'x-request-id': randomUUID });

function fastifyTarget(name: FastifyName): Target {
  return serverTarget({
    name,
    platform: proxy,
    async start(o) {
      const hybrid = await hybridOf(o);
      const app = await conformanceFastify(
        name,
        options(name, o, hybrid?.decider),
        name === 'fastify5' ? { trustProxy: '127.0.0.1' } : {},
      );
      const server = await listen(app);
      return {
        origin: server.url,
        async stop() {
          await server.close();
          await hybrid?.close();
        },
      };
    },
  });
}

export const fastify4Target = fastifyTarget('fastify4');
export const fastify5Target = fastifyTarget('fastify5');
