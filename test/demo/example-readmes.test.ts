/**
 * Every example README's "Run it locally" section, done as it says, so that its stated outputs
 * cannot drift from what really happens: `npx esper-mock --config esper-mock.json` in the
 * example folder (its printed lines are compared too), the example started as its `npm run dev`
 * (or `npm run invoke`) does with the settings file the README copies, then each documented
 * `curl` (real curl when installed) or `npm run invoke` line, whose status (and JSON start, and
 * challenge redirect) must be what its `# …` comment says.
 *
 * The only changes: ports (the mock and the app take free ones; the README's are rewritten to
 * them), and the settings file is a temporary copy instead of .env/.dev.vars in the folder.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bunBinary } from '../../packages/fetch/src/test-support/runtimes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HAS_CURL = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;

const tmp = mkdtempSync(join(tmpdir(), 'esper-readmes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Stops, newest first, whatever a test started. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop();
});

// ---------- the README ----------

/** The shell blocks of the README's "Run it locally" section, one array of lines each. */
function runSection(readme: string): string[][] {
  const start = readme.indexOf('\n## Run it locally');
  expect(start, 'a "## Run it locally" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd().split('\n'));
}

/** `command   # comment` → both parts (a `#` inside quotes is not a comment here). */
function split(line: string): { command: string; comment: string } {
  const at = line.search(/\s#\s/);
  return at === -1
    ? { command: line.trim(), comment: '' }
    : { command: line.slice(0, at).trim(), comment: line.slice(at).replace(/^\s#\s*/, '') };
}

/** Words of a command line, with '…' and "…" quoting (all the READMEs use). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

type Expectation = { status: number; jsonStart?: string; challengePage: boolean };

/** What a `# …` comment states: a status, maybe the start of a JSON body, maybe a redirect. */
function expectation(comment: string, line: string): Expectation {
  const status = comment.match(/\b([1-5]\d\d)\b/)?.[1];
  if (!status) throw new Error(`this README line states no status: ${line}`);
  const json = comment.match(/(\{[^…]*)…\}/)?.[1];
  return {
    status: Number(status),
    ...(json ? { jsonStart: json } : {}),
    challengePage: /challenge page/.test(comment),
  };
}

function check(
  line: string,
  want: Expectation,
  got: { status: number; body: string; location: string | undefined },
  mockUrl: string,
) {
  expect(got.status, `${line}\n${got.body.slice(0, 300)}`).toBe(want.status);
  if (want.jsonStart !== undefined)
    expect(got.body.trimStart().startsWith(want.jsonStart), `${line}\n${got.body}`).toBe(true);
  if (want.challengePage)
    expect(got.location ?? '', line).toMatch(new RegExp(`^${mockUrl}/challenge\\?`));
}

// ---------- processes ----------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a long-running command in its own process group (npx and npm start children) and
 * resolves once `ready` matches its output. Stopped with SIGTERM, as a terminal's Ctrl-C would.
 */
/**
 * The environment a user's shell would give the README's commands: none of the npm and pnpm
 * settings a package-manager script passes its children (`pnpm test` sets `npm_config_*`
 * values that npm 11 warns about on every `npx`, before the mock's first line).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('npm_config_') || lower.startsWith('pnpm_config_')) delete env[name];
  }
  return env;
}

function start(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; ready: RegExp; limitMs?: number },
): Promise<{ output: () => string; match: RegExpMatchArray }> {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: userEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {}
    const late = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(late);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} ${args.join(' ')}: not ready:\n${output}`)),
      options.limitMs ?? 30_000,
    );
    const onData = (d: Buffer) => {
      output += d;
      const match = output.match(options.ready);
      if (match) {
        clearTimeout(timer);
        resolve({ output: () => output, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code}):\n${output}`));
    });
  });
}

/** Runs a command to completion; throws with its output if it fails. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(command, args, {
    cwd,
    env: userEnv(env),
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * The README's `npx esper-mock …` line (or, in the hybrid examples, `npx esper origin …`, the
 * origin stand-in they sync from), run as written plus `--port 0`; its output checked.
 */
async function startMock(dir: string, blocks: string[][]) {
  const block = blocks.find((b) => /^(npx|bunx) esper(-mock| origin) /.test(b[0] ?? ''));
  if (!block) throw new Error('no `npx esper-mock` or `npx esper origin` block');
  const [runner, ...args] = words(split(block[0]!).command);
  // `--yes=false`: the bin the workspace install linked; never installs a package of that name.
  // The lines the README shows under the command, with its port 8787; ready once all of them
  // are out (they may arrive in separate writes).
  const shown = block.slice(1).map((l) => l.replace(/^# ?/, ''));
  // `bunx` (the Bun example): `bun x`, with Bun's binary.
  const [command, ...first] = runner === 'bunx' ? [bunBinary(), 'x'] : ['npx', '--yes=false'];
  const mock = await start(command!, [...first, ...args, '--port', '0'], {
    cwd: dir,
    ready: new RegExp(
      `listening on (http://127\\.0\\.0\\.1:(\\d+))\\n(?:.*\\n){${shown.length - 1}}`,
    ),
  });
  const [, url, port] = mock.match;
  const printed = mock.output().split('\n').slice(0, shown.length);
  expect(printed).toEqual(shown.map((l) => l.replaceAll('8787', port!)));
  return url!;
}

/** The settings file the README copies (`cp X.example X`), with the mock's real address. */
function settings(dir: string, example: string, mockUrl: string) {
  const text = readFileSync(join(dir, example), 'utf8').replaceAll(
    'http://127.0.0.1:8787',
    mockUrl,
  );
  expect(text).toContain(mockUrl);
  const file = join(
    tmp,
    `${dir.split('/').filter(Boolean).at(-1)}${example.replace('.example', '')}`,
  );
  writeFileSync(file, text);
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const pair = line.match(/^\s*([A-Z0-9_]+)=(.*)$/);
    if (pair) vars[pair[1]!] = pair[2]!;
  }
  return { file, vars };
}

/** A README `curl` line against the app at `origin` instead of the README's host:port. */
async function curl(line: string, origin: string) {
  const args = words(split(line).command).slice(1);
  const at = args.findIndex((a) => /^https?:\/\//.test(a));
  const url = new URL(args[at]!);
  const target = `${origin}${url.pathname}${url.search}`;
  if (HAS_CURL) {
    const out = run('curl', ['-s', ...args.map((a, i) => (i === at ? target : a))], ROOT);
    const [head = '', ...rest] = out.split(/\r?\n\r?\n/);
    return {
      status: Number(head.match(/^HTTP\/[\d.]+ (\d+)/)?.[1]),
      location: head.match(/^location: (.*?)\r?$/im)?.[1],
      body: rest.join('\n\n'),
    };
  }
  // No curl here: what curl sends by default, plus the line's -H headers.
  const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'curl/8.14.1' };
  for (const [i, a] of args.entries()) {
    if (a !== '-H') continue;
    const [name, ...value] = (args[i + 1] ?? '').split(':');
    headers[name!.trim().toLowerCase()] = value.join(':').trim();
  }
  const res = await fetch(target, { headers, redirect: 'manual' });
  return {
    status: res.status,
    location: res.headers.get('location') ?? undefined,
    body: await res.text(),
  };
}

/** Starts the example's app (see each entry), returns its origin. */
type App = (dir: string, mockUrl: string) => Promise<string>;

/** `cp .env.example .env` + `npm run dev`: "tsc && node --env-file=.env dist/server.js". */
const nodeDev: App = async (dir, mockUrl) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  expect(pkg.scripts.dev).toBe('tsc && node --env-file=.env dist/server.js');
  run(process.execPath, ['node_modules/typescript/bin/tsc'], dir);
  const { file } = settings(dir, '.env.example', mockUrl);
  const port = await freePort();
  await start(process.execPath, [`--env-file=${file}`, 'dist/server.js'], {
    cwd: dir,
    env: { PORT: String(port) },
    ready: /listening on/,
  });
  return `http://localhost:${port}`;
};

/** `cp .dev.vars.example .dev.vars` + `npm run dev` (scripts/dev.mjs: .dev.vars as bindings). */
const workerDev: App = async (dir, mockUrl) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  expect(pkg.scripts.dev).toBe('node scripts/dev.mjs');
  const { file } = settings(dir, '.dev.vars.example', mockUrl);
  const port = await freePort();
  // scripts/dev.mjs reads .dev.vars from the folder: the same, with the temporary copy.
  const script = `import { readDevVars, startWorker } from './scripts/local.mjs';
const { mf, url } = await startWorker({ bindings: readDevVars(${JSON.stringify(file)}), port: ${port} });
console.log('worker listening on ' + url);
process.on('SIGTERM', () => mf.dispose().then(() => process.exit(0)));`;
  await start(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    ready: /worker listening on/,
  });
  return `http://127.0.0.1:${port}`;
};

/**
 * `cp .env.example .env`, `npm run build` (the build script's command, from node_modules/.bin),
 * then the README's `node --env-file=.env <entry>`.
 */
const nodeBuilt =
  (entry: string, limitMs = 60_000): App =>
  async (dir, mockUrl) => {
    const steps = runSection(readFileSync(join(dir, 'README.md'), 'utf8'))
      .flat()
      .map((line) => split(line).command);
    expect(steps).toEqual(
      expect.arrayContaining(['npm run build', `node --env-file=.env ${entry}`]),
    );
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const [bin, ...args] = (pkg.scripts.build as string).split(' ');
    run(join(dir, 'node_modules/.bin', bin!), args, dir);
    const { file } = settings(dir, '.env.example', mockUrl);
    const port = await freePort();
    await start(process.execPath, [`--env-file=${file}`, entry], {
      cwd: dir,
      env: { PORT: String(port) },
      ready: /listening on/i,
      limitMs,
    });
    return `http://localhost:${port}`;
  };

const APPS: Record<string, { app?: App; lines: RegExp; limitMs?: number }> = {
  'cloudflare-worker': { app: workerDev, lines: /^curl / },
  // Hybrid mode: synced from `npx esper origin`, every request decided in the app.
  'cloudflare-worker-hybrid': { app: workerDev, lines: /^curl / },
  'express-heroku': { app: nodeDev, lines: /^curl / },
  'express-hybrid': { app: nodeDev, lines: /^curl / },
  hono: { app: nodeDev, lines: /^curl / },
  koa: { app: nodeDev, lines: /^curl / },
  nextjs: {
    /** `cp .env.example .env.local` + `npm run dev` ("next dev"). */
    app: async (dir, mockUrl) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.scripts.dev).toBe('next dev');
      // The environment wins over .env.local in Next, so no file is written in the folder.
      const { vars } = settings(dir, '.env.example', mockUrl);
      const port = await freePort();
      await start(
        process.execPath,
        ['node_modules/next/dist/bin/next', 'dev', '-p', String(port)],
        {
          cwd: dir,
          env: { ...vars, NEXT_TELEMETRY_DISABLED: '1' },
          ready: /Ready in/,
          limitMs: 60_000,
        },
      );
      return `http://localhost:${port}`;
    },
    lines: /^curl /,
  },
  // `npm run invoke -- …` runs each function once; no server.
  lambda: { lines: /^npm run invoke -- / },
  bun: {
    /** `cp .env.example .env` + `bun src/server.ts`, in the real Bun. */
    app: async (dir, mockUrl) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.scripts.start).toBe('bun src/server.ts');
      // The environment wins over .env in Bun, so no file is written in the folder.
      const { vars } = settings(dir, '.env.example', mockUrl);
      const port = await freePort();
      await start(bunBinary(), ['src/server.ts'], {
        cwd: dir,
        env: { ...vars, PORT: String(port) },
        ready: /listening on/,
      });
      return `http://localhost:${port}`;
    },
    lines: /^curl /,
  },
  fastify: { app: nodeBuilt('dist/server.js'), lines: /^curl / },
  // `npm start`'s platform, Express (`npm run start:fastify` is the example's own test's).
  nestjs: { app: nodeBuilt('dist/main.js'), lines: /^curl / },
  sveltekit: { app: nodeBuilt('build/index.js'), lines: /^curl /, limitMs: 240_000 },
  astro: { app: nodeBuilt('dist/server/entry.mjs'), lines: /^curl /, limitMs: 240_000 },
  nuxt: { app: nodeBuilt('.output/server/index.mjs'), lines: /^curl /, limitMs: 300_000 },
  'react-router': { app: nodeBuilt('server.js'), lines: /^curl /, limitMs: 240_000 },
};

describe('example READMEs: "Run it locally" as written', () => {
  for (const [name, { app, lines, limitMs = 90_000 }] of Object.entries(APPS)) {
    it(
      `examples/${name}: every documented request gets the stated answer`,
      async () => {
        const dir = join(ROOT, 'examples', name, '/');
        const blocks = runSection(readFileSync(join(dir, 'README.md'), 'utf8'));
        const documented = blocks.flat().filter((l) => lines.test(l));
        // Allowed, challenged (as an API client) and blocked, at least.
        expect(documented.length, 'documented requests').toBeGreaterThanOrEqual(3);
        const mockUrl = await startMock(dir, blocks);

        if (app) {
          const origin = await app(dir, mockUrl);
          for (const line of documented) {
            const want = expectation(split(line).comment, line);
            check(line, want, await curl(line, origin), mockUrl);
          }
          return;
        }
        // Lambda: the README's `export …` settings, then each `npm run invoke -- …` as written.
        const exported = blocks.flat().find((l) => l.startsWith('export '));
        if (!exported) throw new Error('no `export ESPER_…` line');
        const env: Record<string, string> = {};
        for (const pair of words(exported).slice(1)) {
          const [key, ...value] = pair.split('=');
          env[key!] = value.join('=').replaceAll('http://127.0.0.1:8787', mockUrl);
        }
        expect(env.ESPER_API_BASE).toBe(mockUrl);
        for (const line of documented) {
          const want = expectation(split(line).comment, line);
          const out = run('npm', ['run', '-s', ...words(split(line).command).slice(2)], dir, env);
          const result = JSON.parse(out) as {
            statusCode: number;
            body?: string;
            headers?: Record<string, string>;
          };
          check(
            line,
            want,
            {
              status: result.statusCode,
              body: result.body ?? '',
              location: result.headers?.location,
            },
            mockUrl,
          );
        }
      },
      limitMs,
    );
  }
});
