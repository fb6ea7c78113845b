// examples/express-heroku as a dyno runs it: its build script (tsc), then the Procfile's web
// command with PORT and DYNO set. The demo plays Heroku's router in front of it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';
import { appendHop } from '../reply.mjs';
import { forward } from './forward.mjs';

const DIR = fileURLToPath(new URL('../../../examples/express-heroku/', import.meta.url));

export default {
  name: 'express',
  platform: 'Express 5, Procfile web dyno (Heroku router)',
  sdk: '@esper/express',
  played: 'Heroku router: client address appended to X-Forwarded-For (DYNO=web.1)',
  /** @param {{ env: Record<string, string>, step: typeof import('../log.mjs').step }} ctx */
  async start({ env, step, built = false }) {
    if (!built)
      await step('express     build: tsc', () => runNode(DIR, ['node_modules/typescript/bin/tsc']));
    const web = readFileSync(`${DIR}Procfile`, 'utf8').match(/^web: node (.+)$/m)?.[1];
    if (!web) throw new Error('examples/express-heroku/Procfile has no "web: node …" line');
    // DYNO is what tells @esper/express it is on Heroku, so it trusts the router's hop.
    const server = await step(`express     start: Procfile "web: node ${web}"`, () =>
      startListeningExample({ cwd: DIR, args: web.split(' '), env: { ...env, DYNO: 'web.1' } }),
    );
    let seq = 0;
    return {
      /** Heroku's router appends the address it saw to X-Forwarded-For, whatever came before. */
      async send(req) {
        const headers = {
          ...req.headers,
          'x-forwarded-for': appendHop(req.spoof, req.ip),
          'x-forwarded-proto': 'https',
          'x-forwarded-port': '443',
          'x-request-id': `demo-${++seq}`,
        };
        return forward(server.origin, req, headers);
      },
      stop: server.stop,
    };
  },
};
