import { randomUUID } from 'node:crypto';
import type { EsperNestOptions } from '../../../packages/nestjs/src/index.js';
import { contractController, type Platform, startNest } from '../../../packages/nestjs/test/app.js';
import { hybridOf } from '../fixtures/hybrid.js';
import {
  APP_CONTRACT,
  type Target,
  type TargetOptions,
  targetEnv,
  toTargetResponse,
} from '../target.js';

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
  const app = {
    failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
    fields: (request: Request) => ({ email: request.headers.get(APP_CONTRACT.fieldsHeader) }),
    ...(decider && { decider }),
  };
  if (platform === 'express') return { ...app, env: targetEnv({ ...o, hybrid: undefined }) };
  return {
    ...app,
    apiKey: o.apiKey,
    secret: o.secret,
    apiBase: o.runtimeUrl,
    mode: o.mode,
    timeoutMs: o.timeoutMs,
    env: {},
  };
}

export const TRUST = {
  express: { 'trust proxy': 'loopback' },
  fastify: { trustProxy: '127.0.0.1' },
};

function nestTarget(platform: Platform): Target {
  return {
    name: `nestjs-${platform}`,
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
        async request(req) {
          // The proxy: appends the peer it saw, and sets the scheme and a request id.
          const headers = new Headers(req.headers);
          const sent = headers.get('x-forwarded-for');
          headers.set('x-forwarded-for', sent ? `${sent}, ${req.platformIp}` : req.platformIp);
          headers.set('x-forwarded-proto', 'https');
          headers.set('x-request-id', randomUUID());
          const res = await fetch(server.url + req.path, {
            method: req.method ?? 'GET',
            headers,
            body: req.body,
            redirect: 'manual',
          });
          return toTargetResponse(res);
        },
        expectedClientIp: (platformIp) => platformIp,
        async close() {
          await server.close();
          await hybrid?.close();
        },
      };
    },
  };
}

export const nestExpressTarget = nestTarget('express');
export const nestFastifyTarget = nestTarget('fastify');
