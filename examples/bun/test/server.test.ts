/**
 * The example as `bun run start` runs it: the start script's command in the real Bun (the
 * binary of the `bun` package), as its own process, with PORT and the ESPER_* variables pointing
 * at a real mock runtime on loopback scripted by esper-mock.json. Bun resolves `@esper/fetch`
 * through node_modules to the built package, as in a user's app.
 */
import { spawn } from 'node:child_process';
import { describe, expect } from 'vitest';
import { bunBinary } from '../../../packages/fetch/src/test-support/runtimes.js';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import {
  exampleDir,
  exampleServer,
  itDecidesTheMockRoutes,
  startScript,
} from '../../../test/helpers/example-server.js';

const DIR = exampleDir('bun');

async function startBun(env: Record<string, string>) {
  const child = spawn(bunBinary(), startScript(DIR, 'bun'), {
    cwd: DIR,
    env: { PATH: process.env.PATH, HOME: DIR, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      const port = output.match(/listening on http:\/\/localhost:(\d+)/)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => reject(new Error(`bun exited (${code}):\n${output}`)));
  });
  return {
    origin,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM'); // the app must exit on its own
      expect(await exited).toBe(0);
    },
  };
}

const example = exampleServer('bun', { start: startBun });

describe('examples/bun in the real Bun', () => {
  itDecidesTheMockRoutes(example, {
    allows: 'allows /: the handler runs and sees the decision',
    idKey: 'id',
    // The socket's peer: X-Forwarded-For is written by the client here, so it is not believed.
    signed: {
      request: { path: '/', client_ip: '127.0.0.1' },
      source: { sdk: '@esper/fetch', runtime: 'bun' },
    },
  });
});

describe('examples/bun/README.md', () => {
  itShowsFilesAsTheyAre('bun', { title: 'shows the server', files: ['src/server.ts'] });
});

describeRootReadme('bun');
