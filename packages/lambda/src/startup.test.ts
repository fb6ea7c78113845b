import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
// Node 24 registers a module in require.cache before running it; only a loaded one counts.
const UNDICI_LOADED = `Object.entries(require.cache).some(([f, m]) => f.includes('/undici/') && m.loaded)`;

describe('start-up (the built package, in a fresh process)', () => {
  it.each([
    ['CommonJS', `const { withEsper } = require('@esper/lambda');`, 'require'],
    [
      'ES module',
      `const { withEsper } = await import('@esper/lambda');
       const require = (await import('node:module')).createRequire(process.cwd() + '/');`,
      'import',
    ],
  ])(
    '%s: importing does not load undici; creating a handler loads it at once, synchronously',
    async (_, load) => {
      const script = `${load}
      const before = ${UNDICI_LOADED};
      withEsper(async () => ({ statusCode: 200 }), { apiKey: 'k', secret: 's', apiBase: 'http://127.0.0.1:9', env: {} });
      console.log(JSON.stringify([before, ${UNDICI_LOADED}]));
      process.exit(0);`;
      const args = load.includes('await') ? ['--input-type=module', '-e', script] : ['-e', script];
      const { stdout } = await run(process.execPath, args, { cwd: pkgDir });
      expect(JSON.parse(stdout)).toEqual([false, true]);
    },
  );
});
