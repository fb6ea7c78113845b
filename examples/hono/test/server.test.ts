/**
 * The example as `npm run build && npm start` runs it: `tsc`, then the start script's command as
 * its own process, with PORT and the ESPER_* variables pointing at a real mock runtime on
 * loopback scripted by esper-mock.json.
 */
import { describe } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import {
  exampleDir,
  exampleServer,
  itDecidesTheMockRoutes,
  startScript,
  tsc,
} from '../../../test/helpers/example-server.js';
import { startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = exampleDir('hono');

/** A client connecting straight to the server, claiming another address in X-Forwarded-For. */
const example = exampleServer('hono', {
  build: () => tsc(DIR),
  start: (env) => startListeningExample({ cwd: DIR, args: startScript(DIR), env }),
});

describe('examples/hono on Node (@hono/node-server)', () => {
  itDecidesTheMockRoutes(example, {
    allows: "allows /: the route runs and sees c.get('esper')",
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    signed: {
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/hono', runtime: 'node' },
    },
  });
});

describe('examples/hono/README.md', () => {
  itShowsFilesAsTheyAre('hono', {
    title: 'shows the app and its Node entry point',
    files: ['src/app.ts', 'src/server.ts'],
  });
});

describeRootReadme('hono');
