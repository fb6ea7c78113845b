import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, main } from './cli-main.js';
import type { MockRuntime } from './server.js';
import { sampleBody, signedPost } from './test-helpers.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = join(pkgDir, 'dist', 'cli.js');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) },
  };
}

let started: MockRuntime | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

function runtimeOf(result: CliResult): MockRuntime {
  if (!('runtime' in result)) throw new Error(`CLI exited with ${result.code}`);
  started = result.runtime;
  return result.runtime;
}

describe('main()', () => {
  it('--help prints the usage', async () => {
    const { out, io } = capture();
    expect(await main(['--help'], io)).toEqual({ code: 0 });
    expect(out.join('\n')).toMatch(/--key ID:SECRET\[:SOURCE\]/);
  });

  it('rejects unknown flags and bad values with exit code 2', async () => {
    for (const argv of [
      ['--nope'],
      ['--port', 'x'],
      ['--key', 'only-id'],
      ['--config', '/does/not/exist.json'],
    ]) {
      const { err, io } = capture();
      expect(await main(argv, io)).toEqual({ code: 2 });
      expect(err[0]).toMatch(/^esper-mock: /);
    }
  });

  it('starts with the default key and prints the URL, env vars and where the secret is', async () => {
    const { out, io } = capture();
    const mock = runtimeOf(await main(['--port', '0', '--quiet'], io));
    expect(out[0]).toBe(`esper-mock listening on ${mock.url}`);
    expect(out[1]).toBe(`  ESPER_API_BASE=${mock.url} ESPER_API_KEY=esper_test_key`);
    expect(out[2]).toBe(
      '  ESPER_API_SECRET: not printed; key esper_test_key uses DEFAULT_TEST_KEY.secret (the public test secret in the @esper/testing README)',
    );
    expect(out.join('\n')).not.toContain('esper_test_secret');
    expect((await signedPost(mock.url, sampleBody())).status).toBe(200);
  });

  it('--key and --config: keys, scripted answers, logging', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esper-mock-'));
    const config = join(dir, 'mock.json');
    writeFileSync(
      config,
      JSON.stringify({
        keys: [{ apiKey: 'from_config', secret: 'config_secret', sourceId: 'web' }],
        answers: [
          { match: { path: { regex: '^/admin' } }, answer: { action: 'block', reason: 'admin' } },
        ],
      }),
    );
    const { out, io } = capture();
    const mock = runtimeOf(
      await main(['--port', '0', '--config', config, '--key', 'cli_key:cli_secret:ci'], io),
    );
    expect(out[1]).toBe(`  ESPER_API_BASE=${mock.url} ESPER_API_KEY=from_config`);
    const printed = out.join('\n');
    expect(printed).toContain(`key from_config: secret in ${config} (keys)`);
    expect(printed).toContain('key cli_key: secret given with --key');
    for (const secret of ['config_secret', 'cli_secret']) expect(printed).not.toContain(secret);
    const body = sampleBody();
    const res = await signedPost(
      mock.url,
      { ...body, request: { ...body.request, path: '/admin/x' } },
      {
        apiKey: 'cli_key',
        secret: 'cli_secret',
      },
    );
    expect(((await res.json()) as { reason: string }).reason).toBe('admin');
    expect(out.at(-1)).toMatch(/ decide GET \/admin\/x -> block \(no policy\)$/);
  });
});

describe('--key ID:env=NAME', () => {
  it('reads the secret from the environment, says so, and never prints it', async () => {
    process.env.ESPER_MOCK_TEST_SECRET = 'secret_from_env_123';
    try {
      const { out, err, io } = capture();
      const result = await main(
        ['--port', '0', '--quiet', '--key', 'env_key:env=ESPER_MOCK_TEST_SECRET'],
        io,
      );
      expect(err).toEqual([]);
      const mock = runtimeOf(result);
      const printed = out.join('\n');
      expect(printed).toContain('key env_key secret from the environment (--key)');
      expect(printed).not.toContain('secret_from_env_123');
      const creds = { apiKey: 'env_key', secret: 'secret_from_env_123' };
      expect((await signedPost(mock.url, sampleBody(), creds)).status).toBe(200);
      const wrong = { apiKey: 'env_key', secret: 'env=ESPER_MOCK_TEST_SECRET' };
      expect((await signedPost(mock.url, sampleBody(), wrong)).status).toBe(401);
    } finally {
      delete process.env.ESPER_MOCK_TEST_SECRET;
    }
  });

  it('refuses an unset variable by name, and a bad spec without echoing its secret', async () => {
    for (const [argv, message] of [
      [['--key', 'k:env=ESPER_MOCK_UNSET_VAR'], /ESPER_MOCK_UNSET_VAR is not set/],
      [['--key', 'k:env='], /\(none named\) is not set/],
      [['--key', 'k:s3cr3t:a:b'], /key "k"/],
    ] as const) {
      const { err, io } = capture();
      expect(await main([...argv], io)).toEqual({ code: 2 });
      expect(err[0]).toMatch(message);
      expect(err.join('\n')).not.toContain('s3cr3t');
    }
  });
});

function distIsFresh(): boolean {
  try {
    const built = statSync(cliPath).mtimeMs;
    const srcDir = join(pkgDir, 'src');
    return readdirSync(srcDir)
      .filter((f) => !f.endsWith('.test.ts') && f !== 'test-helpers.ts')
      .every((f) => statSync(join(srcDir, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

describe('esper-mock binary', () => {
  let child: ChildProcess | undefined;
  let binary = cliPath;

  beforeAll(async () => {
    if (distIsFresh()) return;
    // A full `pnpm build` takes tens of seconds; bundle just the CLI: workspace packages from
    // their sources, other deps external (they resolve from this package's node_modules).
    binary = join(pkgDir, 'node_modules', '.cache', 'esper-mock-test', 'cli.js');
    await build({
      entryPoints: [join(pkgDir, 'src', 'cli.ts')],
      outfile: binary,
      bundle: true,
      conditions: ['@esper/source'],
      plugins: [
        {
          name: 'external-but-workspace',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@esper/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
      platform: 'node',
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
    });
  });

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it.skipIf(!distIsFresh())('dist/cli.js keeps its shebang and is executable', () => {
    expect(readFileSync(cliPath, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(cliPath).mode & 0o111).not.toBe(0);
  });

  it('starts, prints its URL, answers /healthz and exits 0 on SIGTERM', async () => {
    const proc = spawn(process.execPath, [binary, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const url = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(buffer);
        if (match) resolve(match[1]!);
      });
      let stderr = '';
      proc.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      proc.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      proc.once('exit', (code) => resolve(code)),
    );
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
