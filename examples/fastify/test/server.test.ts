/**
 * The example as a host runs it: `tsc` (the build script), then `node dist/server.js` as its
 * own process, with the ESPER_* settings pointing at a real mock runtime on loopback scripted
 * by esper-mock.json.
 */
import { describe } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import {
  exampleDir,
  exampleServer,
  itDecidesTheMockRoutes,
  tsc,
} from '../../../test/helpers/example-server.js';
import { startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = exampleDir('fastify');
const example = exampleServer('fastify', {
  forwardedFor: '6.6.6.6',
  build: () => tsc(DIR),
  start: (env) => startListeningExample({ cwd: DIR, args: ['dist/server.js'], env }),
});

describe('examples/fastify, built and started', () => {
  itDecidesTheMockRoutes(example, {
    allows: 'allows /: the handler runs and sees request.esper',
    // No trustProxy: the socket's peer, not what the client wrote.
    signed: {
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/fastify', runtime: 'node' },
    },
    blocks: 'blocks /admin (a 404 route) and /?foo=bar with a 403',
  });
});

describe('examples/fastify: README', () => {
  itShowsFilesAsTheyAre('fastify', {
    title: 'shows the server',
    files: ['src/server.ts'],
  });
});

describeRootReadme('fastify');
