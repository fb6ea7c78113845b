import { randomUUID } from 'node:crypto';
import type { EsperNestOptions } from '../../../packages/nestjs/src/index.js';
import { contractController, type Platform, startNest } from '../../../packages/nestjs/test/app.js';
import { contractOptions, settingsInCode } from '../../helpers/contract-options.js';
import { appendingProxy, serverTarget } from '../../helpers/server-target.js';
import { hybridOf } from '../fixtures/hybrid.js';
import { type Target, type TargetOptions, targetEnv } from '../target.js';

/**
 * A real Nest 11 app (`useEsper` right after `NestFactory.create()`, one catch-all controller)
 * behind a proxy on loopback that appends the peer it saw to `x-forwarded-for`, trusted the
 * platform's way: `trust proxy: 'loopback'` (Express) or `trustProxy: '127.0.0.1'` (Fastify).
 * `nestjs-express` is configured by `ESPER_*` variables, `nestjs-fastify` in code.
 */
export function nestOptions(
  platform: Platform,
  o: TargetOptions,
  decider: EsperNestOptions['decider'],
): EsperNestOptions {
  const app = contractOptions(decider);
  if (platform === 'express') return { ...app, env: targetEnv({ ...o, hybrid: undefined }) };
  return { ...app, ...settingsInCode(o), env: {} };
}

export const TRUST = {
  express: { 'trust proxy': 'loopback' },
  fastify: { trustProxy: '127.0.0.1' },
};

/** The proxy: appends the peer it saw, and sets the scheme and a request id. */
const proxy = appendingProxy({ 'x-forwarded-proto': 'https', 'x-request-id': randomUUID });

function nestTarget(platform: Platform): Target {
  return serverTarget({
    name: `nestjs-${platform}`,
    platform: proxy,
    async start(o) {
      const hybrid = await hybridOf(o);
      const server = await startNest({
        platform,
        esper: nestOptions(platform, o, hybrid?.decider),
        controllers: [contractController(platform)],
        express: TRUST.express,
        fastify: TRUST.fastify,
      });
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

export const nestExpressTarget = nestTarget('express');
export const nestFastifyTarget = nestTarget('fastify');
