/**
 * The example as a server runs it: `tsc` (the build script), then `node dist/server.js` as its
 * own process with PORT and the ESPER_* settings pointing at a real mock runtime on loopback
 * scripted by esper-mock.json. No proxy in front: the client IP is the socket peer.
 */
import { describe, expect } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import {
  exampleDir,
  exampleServer,
  itDecidesTheMockRoutes,
  tsc,
} from '../../../test/helpers/example-server.js';
import { startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = exampleDir('koa');

/** A client claiming another address: with no trusted proxy, it is ignored. */
const example = exampleServer('koa', {
  build: () => tsc(DIR),
  start: (env) => startListeningExample({ cwd: DIR, args: ['dist/server.js'], env }),
});

describe('examples/koa, as node runs it', () => {
  itDecidesTheMockRoutes(example, {
    allows: 'allows /: the route runs and sees ctx.state.esper',
    signed: {
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/node', runtime: 'node' },
    },
    blocks: 'blocks /admin, and /ADMIN/ (which @koa/router serves from /admin) as /admin',
    async alsoBlocked() {
      const upper = await example.get('/ADMIN/', 'application/json');
      expect(upper.status).toBe(403);
      example.runtime.expectSignedCall({ request: { path: '/admin' } });
    },
  });
});

describe('examples/koa: README', () => {
  itShowsFilesAsTheyAre('koa', { title: 'shows the server', files: ['src/server.ts'] });
});

describeRootReadme('koa');
