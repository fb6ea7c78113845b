import { randomUUID } from 'node:crypto';
import { type EsperExpressOptions, esper } from '@esper/express';
import { type FrameworkName, frameworks, listen } from '../../../packages/express/test/server.js';
import { contractOptions, settingsInCode } from '../../helpers/contract-options.js';
import { appendingProxy, serverTarget } from '../../helpers/server-target.js';
import { hybridOf } from '../fixtures/hybrid.js';
import type { Target, TargetOptions } from '../target.js';

/**
 * Express behind the Heroku router. `express4` is configured in code with the `heroku` preset;
 * `express5` the way a Heroku app is: config vars (`ESPER_*`) and `DYNO` in its environment.
 */
function options(
  name: FrameworkName,
  o: TargetOptions,
  decider: EsperExpressOptions['decider'],
): EsperExpressOptions {
  const app = contractOptions(decider);
  if (name === 'express4') return { ...app, ...settingsInCode(o), clientIp: { preset: 'heroku' } };
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

/** The Heroku router: appends the peer it saw, and sets the scheme, the port and a request id. */
const herokuRouter = appendingProxy({
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-request-id': randomUUID,
});

function expressTarget(name: FrameworkName): Target {
  return serverTarget({
    name,
    platform: herokuRouter,
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
        origin: server.url,
        async stop() {
          await server.close();
          await middleware.close();
          await hybrid?.close();
        },
      };
    },
  });
}

export const express4Target = expressTarget('express4');
export const express5Target = expressTarget('express5');
