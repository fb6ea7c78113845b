// Starts a Node example the way its platform does (a command line with PORT set) and waits
// for its "listening on http://localhost:PORT" line. PORT=0: any free port, the app prints it.
import { spawn } from 'node:child_process';

/**
 * @param {{ cwd: string, args: string[], env: Record<string, string> }} options
 * @returns {Promise<{ origin: string, stop: () => Promise<void> }>}
 */
export function startNodeServer({ cwd, args, env }) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // as Heroku and process managers do; the examples exit on it
    const late = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(late);
  };
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      const port = output.match(/listening on http:\/\/localhost:(\d+)/)?.[1];
      if (port) resolve({ origin: `http://127.0.0.1:${port}`, stop });
    });
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited (${code}):\n${output}`)),
    );
  });
}

/** Runs a build command to completion; its output is shown only when it fails. */
export function run(cwd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}
