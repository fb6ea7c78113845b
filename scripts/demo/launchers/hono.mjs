// examples/hono on Node: its build script (tsc), then its start script's command, PORT set.
// No proxy in front: the client IP is the socket's peer, 127.0.0.1 for every client here, so
// clients differ by user agent only; a client-written X-Forwarded-For reaches it unchanged.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runNode, startListeningExample } from '../../../test/helpers/node-process.mjs';
import { forward } from './forward.mjs';

const DIR = fileURLToPath(new URL('../../../examples/hono/', import.meta.url));

export default {
  name: 'hono',
  platform: 'Hono on @hono/node-server (no proxy: IP = socket peer)',
  sdk: '@esper/hono',
  played: 'no proxy: every client is 127.0.0.1 (the socket), told apart by user agent',
  /** Every client reaches it from 127.0.0.1, whatever `ip` the traffic plan gives it. */
  sharedIp: '127.0.0.1',
  async start({ env, step, built = false }) {
    if (!built)
      await step('hono        build: tsc', () => runNode(DIR, ['node_modules/typescript/bin/tsc']));
    const scripts = JSON.parse(readFileSync(`${DIR}package.json`, 'utf8')).scripts;
    const start = scripts.start.match(/^node (.+)$/)?.[1];
    if (!start) throw new Error('examples/hono: the start script is not "node …"');
    const server = await step(`hono        start: npm start ("node ${start}")`, () =>
      startListeningExample({ cwd: DIR, args: start.split(' '), env }),
    );
    return {
      async send(req) {
        const headers = { ...req.headers };
        if (req.spoof) headers['x-forwarded-for'] = req.spoof;
        return forward(server.origin, req, headers);
      },
      stop: server.stop,
    };
  },
};
