import { parseArgs } from 'node:util';
import {
  chooseAdminToken,
  gatherTenants,
  parseDifficulty,
  type SecretSources,
  TENANT_CLI_OPTIONS,
  TenantConfigError,
  tenantCliUsage,
  tenantStartupLines,
} from '@esper/runtime';
import { loadConfig, type MockConfigFile } from './config.js';
import { DEFAULT_TEST_KEY } from './controller.js';
import { type MockRuntime, type StartMockRuntimeOptions, startMockRuntime } from './server.js';
import type { MockKey, MockLogger } from './types.js';

/** The environment variable the admin token may come from. */
const ADMIN_TOKEN_ENV = 'ESPER_MOCK_ADMIN_TOKEN';

export const USAGE = `Usage: esper-mock [options]

A mock of the Esper runtime (protocol v1) for local development and tests.

Options:
  --port PORT              port to listen on (default 8787; 0 picks a free one)
  --host HOST              interface to bind (default 127.0.0.1)
  --key ID:SECRET[:SOURCE] accepted API key; repeatable (default esper_test_key:esper_test_secret:test)
                           SECRET may be env=NAME: read from environment variable NAME, so it
                           does not show in the process list
  --config FILE.json       keys, scripted answers and other options (see the README)
${tenantCliUsage(ADMIN_TOKEN_ENV)}
  --quiet                  do not log each request
  --help                   show this help
`;

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export type CliResult = { code: number } | { runtime: MockRuntime };

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

const SECRET_FROM_ENV = 'env=';

/** `ID:SECRET[:SOURCE]`; a SECRET of `env=NAME` is read from `env` (kept out of `ps`). */
export function parseKey(spec: string, env: NodeJS.ProcessEnv = process.env): MockKey {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    // The spec may hold a secret: name the shape, never echo it.
    throw new Error(`--key expects ID:SECRET[:SOURCE] or ID:env=NAME[:SOURCE] (key "${parts[0]}")`);
  }
  const [apiKey, given, sourceId] = parts as [string, string, string?];
  const secret = given.startsWith(SECRET_FROM_ENV) ? secretFromEnv(apiKey, given, env) : given;
  return sourceId ? { apiKey, secret, sourceId } : { apiKey, secret };
}

function secretFromEnv(apiKey: string, given: string, env: NodeJS.ProcessEnv): string {
  const name = given.slice(SECRET_FROM_ENV.length);
  const value = name ? env[name] : undefined;
  if (!value) {
    throw new Error(`--key ${apiKey}: environment variable ${name || '(none named)'} is not set`);
  }
  return value;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port expects 0-65535, got "${value}"`);
  return port;
}

function consoleLogger(io: CliIo): MockLogger {
  return {
    info: (message) => io.stdout(`${new Date().toISOString()} ${message}`),
    warn: (message) => io.stderr(`warn: ${message}`),
    error: (message) => io.stderr(`error: ${message}`),
  };
}

/** Where each key's secret and the admin token came from, to say so instead of printing them. */
interface Sources {
  keys: SecretSources;
  /** Undefined: generated for this run. */
  adminToken: string | undefined;
}

const DEFAULT_KEY_SOURCE =
  'uses DEFAULT_TEST_KEY.secret (the public test secret in the @esper/testing README)';

/** The options `argv` asks for, or `help` when it asks for the usage. */
async function optionsFrom(
  argv: string[],
  io: CliIo,
  sources: Sources,
): Promise<StartMockRuntimeOptions | 'help'> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string', multiple: true },
      config: { type: 'string' },
      ...TENANT_CLI_OPTIONS,
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const config: MockConfigFile = values.config ? await loadConfig(values.config) : {};
  const cliKeys = (values.key ?? []).map((spec) => parseKey(spec));
  for (const k of config.keys ?? [])
    sources.keys.set(k.apiKey, `secret in ${values.config} (keys)`);
  for (const [i, k] of cliKeys.entries()) {
    const fromEnv = values.key?.[i]?.split(':')[1]?.startsWith(SECRET_FROM_ENV);
    sources.keys.set(
      k.apiKey,
      fromEnv ? 'secret from the environment (--key)' : 'secret given with --key',
    );
  }
  const keys = [...(config.keys ?? []), ...cliKeys];
  const tenants = await gatherTenants(
    values,
    { tenants: config.tenants, file: values.config },
    sources.keys,
  );
  const admin = chooseAdminToken(
    values,
    { adminToken: config.adminToken, file: values.config },
    { name: ADMIN_TOKEN_ENV, value: process.env[ADMIN_TOKEN_ENV] },
  );
  sources.adminToken = admin.source;
  const challenge = { ...config.challenge };
  if (values.difficulty !== undefined) challenge.difficulty = parseDifficulty(values.difficulty);
  return {
    ...config,
    tenants,
    challenge,
    ...(admin.token !== undefined && { adminToken: admin.token }),
    // Tenants bring their own keys; the default test key is only added when nothing else is.
    keys: keys.length > 0 || tenants.length > 0 ? keys : [DEFAULT_TEST_KEY],
    port: values.port !== undefined ? parsePort(values.port) : (config.port ?? 8787),
    host: values.host ?? config.host ?? '127.0.0.1',
    ...(values.quiet ? {} : { logger: consoleLogger(io) }),
  };
}

/** Parses `argv` (without node and the script) and starts the mock; the bin wires signals. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<CliResult> {
  let options: StartMockRuntimeOptions;
  const sources: Sources = { keys: new Map(), adminToken: undefined };
  try {
    const parsed = await optionsFrom(argv, io, sources);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return { code: 0 };
    }
    options = parsed;
  } catch (err) {
    io.stderr(`esper-mock: ${(err as Error).message}`);
    io.stderr('Run esper-mock --help for usage.');
    return { code: 2 };
  }

  let runtime: MockRuntime;
  try {
    runtime = await startMockRuntime(options);
  } catch (err) {
    if (err instanceof TenantConfigError || !(err as NodeJS.ErrnoException).code) {
      io.stderr(`esper-mock: ${(err as Error).message}`);
      return { code: 2 };
    }
    io.stderr(
      `esper-mock: cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`,
    );
    return { code: 1 };
  }
  printStartup(io, runtime, sources);
  return { runtime };
}

/**
 * What to connect with, and never a key's secret: terminals and CI logs are kept and shared.
 * The tenant lines (admin token, results) are @esper/runtime's.
 */
function printStartup(io: CliIo, runtime: MockRuntime, sources: Sources): void {
  const accepted = [...runtime.controller.keys.values()];
  const key = accepted[0]!;
  const sourceOf = (apiKey: string) => sources.keys.get(apiKey) ?? DEFAULT_KEY_SOURCE;
  io.stdout(`esper-mock listening on ${runtime.url}`);
  io.stdout(`  ESPER_API_BASE=${runtime.url} ESPER_API_KEY=${key.apiKey}`);
  if (accepted.length === 1) {
    io.stdout(`  ESPER_API_SECRET: not printed; key ${key.apiKey} ${sourceOf(key.apiKey)}`);
  } else {
    io.stdout('  ESPER_API_SECRET: not printed; the secret of the key you use:');
    for (const k of accepted) io.stdout(`    key ${k.apiKey}: ${sourceOf(k.apiKey)}`);
  }
  const lines = tenantStartupLines({
    url: runtime.url,
    adminToken: runtime.adminToken,
    tenantIds: [...runtime.controller.tenants.keys()],
    adminTokenSource: sources.adminToken,
    adminTokenEnv: ADMIN_TOKEN_ENV,
  });
  for (const line of lines) io.stdout(line);
}
