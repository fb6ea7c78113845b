// Starting and stopping an example (or a fixture app) in its own Node process, the way its
// platform does: the example tests, the conformance targets and the demo's launchers share it.
// JavaScript, so that the demo (plain Node, no TypeScript) can import it; node-process.d.mts
// gives the tests its types.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free port on 127.0.0.1 (bound, then released), for a server that must be told its port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node <args>` in `cwd` with `env` added to this process's environment, its output
 * collected for the error messages. `stop()` sends SIGTERM, as Heroku and process managers do:
 * every example must exit on it by itself. One still running 5 s later is killed and `stop()`
 * rejects, so a test fails on it rather than waiting for its hook timeout.
 * @param {{ cwd: string, args: string[], env: Record<string, string | undefined> }} options
 */
export function startNodeProcess({ cwd, args, env }) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    /** Everything it has printed so far, stdout and stderr together. */
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let killed = false;
      const late = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(late);
      if (killed) throw new Error(`${args.join(' ')} did not exit on SIGTERM:\n${output}`);
    },
  };
}

/**
 * Runs a build command (`node <args>`) to completion; its output is shown only when it fails.
 * @param {string} cwd
 * @param {string[]} args
 * @param {Record<string, string>} [env] added to this process's environment
 * @returns {Promise<string>} the command's output
 */
export async function runNode(cwd, args, env = {}) {
  const build = startNodeProcess({ cwd, args, env });
  const code = await new Promise((resolve, reject) => {
    build.child.once('error', reject);
    build.child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}):\n${build.output()}`);
  return build.output();
}

/**
 * Starts a Node example as its platform runs it (a command line with PORT set) and waits for
 * its "listening on http://localhost:PORT" line. PORT=0: any free port, the app prints it.
 * @param {{ cwd: string, args: string[], env: Record<string, string | undefined> }} options
 */
export function startListeningExample({ cwd, args, env }) {
  const app = startNodeProcess({ cwd, args, env: { ...env, PORT: '0' } });
  return new Promise((resolve, reject) => {
    app.child.stdout.on('data', () => {
      const port = app.output().match(/listening on http:\/\/localhost:(\d+)/)?.[1];
      if (port) resolve({ origin: `http://127.0.0.1:${port}`, stop: app.stop });
    });
    app.child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited (${code}):\n${app.output()}`)),
    );
  });
}

/**
 * Polls `ready` every 200 ms until it resolves, for a server that prints no ready line (`next
 * start`); fails as soon as the process exits, or after 60 s, with what it printed.
 * @param {ReturnType<typeof startNodeProcess>} app
 * @param {string} name what the error messages call it
 * @param {() => Promise<unknown>} ready
 */
export async function waitUntilAnswering(app, name, ready) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (app.child.exitCode !== null) throw new Error(`${name} exited:\n${app.output()}`);
    try {
      await ready();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${name} did not answer: ${err}\n${app.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
