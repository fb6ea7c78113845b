import { randomUUID } from 'node:crypto';
import { type EsperExpressOptions, esper } from '@esper/express';
import { type FrameworkName, frameworks, listen } from '../../../packages/express/test/server.js';
import { hybridOf } from '../fixtures/hybrid.js';
import { APP_CONTRACT, type Target, type TargetOptions, toTargetResponse } from '../target.js';

/**
 * Express behind the Heroku router. `express4` is configured in code with the `heroku` preset;
 * `express5` the way a Heroku app is: config vars (`ESPER_*`) and `DYNO` in its environment.
 */
function options(
  name: FrameworkName,
  o: TargetOptions,
  decider: EsperExpressOptions['decider'],
): EsperExpressOptions {
  const app = {
    failClosedRoutes: [...APP_CONTRACT.failClosedRoutes],
    fields: (request: Request) => ({ email: request.headers.get(APP_CONTRACT.fieldsHeader) }),
    ...(decider && { decider }),
  };
  if (name === 'express4') {
    return {
      ...app,
      apiKey: o.apiKey,
      secret: o.secret,
      apiBase: o.runtimeUrl,
      mode: o.mode,
      timeoutMs: o.timeoutMs,
      clientIp: { preset: 'heroku' },
    };
  }
  return {
    ...app,
    env: {
      DYNO: 'web.1',
      ESPER_API_KEY: o.apiKey,
      ESPER_API_SECRET: o.secret,
      ESPER_API_BASE: o.runtimeUrl,
      ESPER_MODE: o.mode,
      ESPER_TIMEOUT_MS: String(o.timeoutMs),
    },
  };
}

function expressTarget(name: FrameworkName): Target {
  return {
    name,
    async start(o) {
      const express = frameworks[name];
      const hybrid = await hybridOf(o);
      const middleware = esper(options(name, o, hybrid?.decider));
      const app = express();
      app.use(middleware);
      app.use(express.json());
      app.use((req, res) => {
        res.cookie('app', '1');
        res.json({
          path: req.path,
          decision: req.get('x-esper-decision') ?? null,
          decisionId: req.get('x-esper-decision-id') ?? null,
          mode: req.get('x-esper-mode') ?? null,
          upstream: req.get('x-upstream-test') ?? null,
        });
      });
      const server = await listen(app);
      return {
        async request(req) {
          // The router: appends the peer it saw, and sets the scheme and a request id.
          const headers = new Headers(req.headers);
          const sent = headers.get('x-forwarded-for');
          headers.set('x-forwarded-for', sent ? `${sent}, ${req.platformIp}` : req.platformIp);
          headers.set('x-forwarded-proto', 'https');
          headers.set('x-forwarded-port', '443');
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
          await middleware.close();
          await hybrid?.close();
        },
      };
    },
  };
}

export const express4Target = expressTarget('express4');
export const express5Target = expressTarget('express5');
