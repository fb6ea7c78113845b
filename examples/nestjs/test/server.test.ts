/**
 * The example as a host runs it: `tsc` (the build script, with decorator metadata), then
 * `node dist/main.js` as its own process on each of Nest's platforms, with the ESPER_*
 * settings pointing at a real mock runtime on loopback scripted by esper-mock.json.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import { exampleRuntime } from '../../../test/helpers/example-runtime.js';
import {
  exampleDir,
  exampleGet,
  itDecidesTheMockRoutes,
  tsc,
} from '../../../test/helpers/example-server.js';
import type { ListeningExample } from '../../../test/helpers/node-process.mjs';
import { startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = exampleDir('nestjs');
const runtime = exampleRuntime('nestjs');

beforeAll(async () => {
  await runtime.start();
  await tsc(DIR);
}, 60_000);

afterAll(() => runtime.close());

describe.each(['express', 'fastify'])('examples/nestjs on the %s platform', (platform) => {
  let server: ListeningExample | undefined;
  const get = exampleGet(() => server!.origin, '6.6.6.6');

  beforeAll(async () => {
    server = await startListeningExample({
      cwd: DIR,
      args: ['dist/main.js'],
      env: { ...runtime.env(), PLATFORM: platform },
    });
  }, 60_000);
  afterAll(() => server?.stop()); // SIGTERM: the app must exit on its own

  itDecidesTheMockRoutes(
    { runtime, get },
    {
      allows: 'allows /: the controller gets the decision',
      // No proxy trusted: the socket's peer, not what the client wrote.
      signed: {
        request: { path: '/', client_ip: '127.0.0.1' },
        source: { sdk: '@esper/nestjs', runtime: 'node' },
      },
      blocks: 'blocks /admin (no such route: a 404 is decided too) and /?foo=bar with a 403',
    },
  );
});

describe('examples/nestjs: README', () => {
  itShowsFilesAsTheyAre('nestjs', {
    title: 'shows the bootstrap and the controller',
    files: ['src/main.ts', 'src/app.controller.ts'],
  });
});

describeRootReadme('nestjs');
