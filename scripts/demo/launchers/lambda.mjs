// examples/lambda: its build script (esbuild, template.yaml's settings), then its two functions
// invoked like the Lambda runtime does (scripts/demo/lambda-host.mjs, a process of its own with
// the function's environment). Requests rotate over the three front doors the example
// supports: HTTP API and Function URL (src/handler.ts), REST API with Middy (src/middy.ts).
import { fork } from 'node:child_process';
import { buildFunctions } from '../../../examples/lambda/scripts/build.mjs';
import { httpApiEvent, restApiEvent } from '../../../examples/lambda/scripts/events.mjs';
import { appendHop, fromLambdaResult } from '../reply.mjs';

const HOST = new URL('../lambda-host.mjs', import.meta.url);

/**
 * The event API Gateway or the Function URL sends: `sourceIp` is the address AWS saw, and like
 * every AWS front door it appends that address to the client's X-Forwarded-For.
 */
function eventFor(door, req) {
  const base = { method: req.method, path: req.path, headers: req.headers, sourceIp: req.ip };
  const xff = appendHop(req.spoof, req.ip);
  if (door === 'rest') {
    const e = restApiEvent(base);
    // The sample's own User-Agent, Accept, … (capitalised) would sit next to this client's
    // (lower-case) as a second value: a REST API passes on one header per name, the client's.
    const ours = new Set(Object.keys(req.headers));
    for (const map of [e.headers, e.multiValueHeaders]) {
      for (const name of Object.keys(map)) {
        if (name !== name.toLowerCase() && ours.has(name.toLowerCase())) delete map[name];
      }
    }
    e.headers['X-Forwarded-For'] = xff;
    e.multiValueHeaders['X-Forwarded-For'] = [xff];
    if (req.body) e.body = req.body;
    return e;
  }
  const e = httpApiEvent(base, { functionUrl: door === 'function-url' });
  e.headers['x-forwarded-for'] = xff;
  if (req.body) {
    e.headers['content-length'] = String(Buffer.byteLength(req.body));
    Object.assign(e, { body: req.body, isBase64Encoded: false });
  }
  return e;
}

const DOORS = [
  ['http-api', 'handler'],
  ['function-url', 'handler'],
  ['rest', 'middy'],
];

export default {
  name: 'lambda',
  platform: 'Lambda: HTTP API, Function URL, REST API + Middy (events + context)',
  sdk: '@esper/lambda',
  played: 'sourceIp := client address, appended to X-Forwarded-For; 3 front doors in turn',
  async start({ env, step, built = false }) {
    if (!built)
      await step('lambda      build: esbuild (template.yaml settings)', () => buildFunctions());
    const host = fork(HOST, [], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let output = '';
    host.stdout.on('data', (d) => (output += d));
    host.stderr.on('data', (d) => (output += d));
    const pending = new Map();
    let seq = 0;
    await step('lambda      start: runtime process, cold start', () => {
      return new Promise((resolve, reject) => {
        host.once('exit', (code) => reject(new Error(`lambda host exited (${code}):\n${output}`)));
        host.on('message', (m) => {
          if (m.ready) return resolve();
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (m.error) p?.reject(new Error(m.error));
          else p?.resolve(m.result);
        });
      });
    });
    const exited = new Promise((resolve) => host.once('exit', resolve));
    let turn = 0;
    return {
      /** `door` picks the front door; by default each request takes the next one in turn. */
      async send(req) {
        const [door, fn] = DOORS[(req.door ?? turn++) % DOORS.length];
        const id = ++seq;
        const result = await new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          host.send({ id, fn, event: eventFor(door, req) });
        });
        return fromLambdaResult(result);
      },
      async stop() {
        if (host.exitCode !== null || host.signalCode !== null) return;
        host.kill('SIGTERM');
        await exited;
      },
    };
  },
};
