/**
 * The example as Heroku runs it: `tsc` (the build script), then the Procfile's web command as
 * its own process, with PORT and DYNO set as on a dyno and the ESPER_* config vars pointing at
 * a real mock runtime on loopback scripted by esper-mock.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeRootReadme, itShowsFilesAsTheyAre } from '../../../test/helpers/example-readme.js';
import {
  exampleDir,
  exampleServer,
  itDecidesTheMockRoutes,
  tsc,
} from '../../../test/helpers/example-server.js';
import { startListeningExample } from '../../../test/helpers/node-process.mjs';

const DIR = exampleDir('express-heroku');
const read = (file: string) => readFileSync(`${DIR}${file}`, 'utf8');

/** Plays the Heroku router: it appends the address it saw to whatever X-Forwarded-For came. */
const example = exampleServer('express-heroku', {
  forwardedFor: '203.0.113.99, 198.51.100.11',
  build: () => tsc(DIR),
  start(env) {
    const web = read('Procfile').match(/^web: node (.+)$/m)?.[1];
    if (!web) throw new Error('Procfile has no "web: node …" line');
    return startListeningExample({
      cwd: DIR,
      args: web.split(' '),
      env: { ...env, DYNO: 'web.1' },
    });
  },
});

describe('examples/express-heroku, as a dyno runs it', () => {
  itDecidesTheMockRoutes(example, {
    allows: 'allows /: the route runs and sees req.esper',
    // The router's hop, not the address the client wrote to the left of it.
    signed: {
      request: { path: '/', client_ip: '198.51.100.11' },
      source: { sdk: '@esper/express', runtime: 'heroku' },
    },
  });
});

describe('examples/express-heroku: README and Heroku files', () => {
  const readme = read('README.md');
  itShowsFilesAsTheyAre('express-heroku', {
    title: 'shows the server and the Procfile',
    files: ['src/server.ts', 'Procfile'],
  });
  it('app.json asks for every ESPER_* variable the README tells to set', () => {
    const env = Object.keys(JSON.parse(read('app.json')).env);
    expect(env).toEqual(expect.arrayContaining(['ESPER_API_KEY', 'ESPER_API_SECRET']));
    for (const name of readme.match(/heroku config:set (.*)/)?.[1]?.match(/ESPER_\w+/g) ?? []) {
      expect(env).toContain(name);
    }
  });
});

describeRootReadme('express-heroku');
