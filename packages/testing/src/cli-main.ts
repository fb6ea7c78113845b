import { parseArgs } from 'node:util';
import { loadConfig, loadTenant, type MockConfigFile } from './config.js';
import { DEFAULT_TEST_KEY } from './controller.js';
import { QUICKSTART_TENANT } from './quickstart.js';
import { type MockRuntime, type StartMockRuntimeOptions, startMockRuntime } from './server.js';
import { TenantConfigError } from './tenant.js';
import type { MockKey, MockLogger } from './types.js';

export const USAGE = `Usage: esper-mock [options]

A mock of the Esper runtime (protocol v1) for local development and tests.

Options:
  --port PORT              port to listen on (default 8787; 0 picks a free one)
  --host HOST              interface to bind (default 127.0.0.1)
  --key ID:SECRET[:SOURCE] accepted API key; repeatable (default esper_test_key:esper_test_secret:test)
  --config FILE.json       keys, scripted answers and other options (see the README)
  --tenant FILE.json       a tenant decided by real policies; repeatable (see the README)
  --quickstart             add the bundled quickstart tenant (QUICKSTART_TENANT)
  --admin-token TOKEN      token of the admin API (default: $ESPER_MOCK_ADMIN_TOKEN, or random)
  --difficulty BITS        proof-of-work difficulty of the challenge page (default 14)
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

function parseKey(spec: string): MockKey {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw new Error(`--key expects ID:SECRET[:SOURCE], got "${spec}"`);
  }
  const [apiKey, secret, sourceId] = parts as [string, string, string?];
  return sourceId ? { apiKey, secret, sourceId } : { apiKey, secret };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port expects 0-65535, got "${value}"`);
  return port;
}

function parseDifficulty(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32)
    throw new Error(`--difficulty expects 0-32, got "${value}"`);
  return bits;
}

function consoleLogger(io: CliIo): MockLogger {
  return {
    info: (message) => io.stdout(`${new Date().toISOString()} ${message}`),
    warn: (message) => io.stderr(`warn: ${message}`),
    error: (message) => io.stderr(`error: ${message}`),
  };
}

/** Parses `argv` (without node and the script) and starts the mock; the bin wires signals. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<CliResult> {
  let options: StartMockRuntimeOptions;
  const sources: Sources = { keys: new Map(), adminToken: undefined };
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        key: { type: 'string', multiple: true },
        config: { type: 'string' },
        tenant: { type: 'string', multiple: true },
        quickstart: { type: 'boolean' },
        'admin-token': { type: 'string' },
        difficulty: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(USAGE);
      return { code: 0 };
    }
    const config: MockConfigFile = values.config ? await loadConfig(values.config) : {};
    const { keys, tenants } = await gatherKeysAndTenants(values, config, sources);
    const adminToken =
      values['admin-token'] ?? config.adminToken ?? process.env.ESPER_MOCK_ADMIN_TOKEN;
    sources.adminToken =
      values['admin-token'] !== undefined
        ? 'the one given with --admin-token'
        : config.adminToken !== undefined
          ? `the one in ${values.config} (adminToken)`
          : adminToken !== undefined
            ? 'the one in ESPER_MOCK_ADMIN_TOKEN'
            : undefined;
    const challenge = { ...config.challenge };
    if (values.difficulty !== undefined) challenge.difficulty = parseDifficulty(values.difficulty);
    options = {
      ...config,
      tenants,
      challenge,
      ...(adminToken !== undefined && { adminToken }),
      // Tenants bring their own keys; the default test key is only added when nothing else is.
      keys: keys.length > 0 || tenants.length > 0 ? keys : [DEFAULT_TEST_KEY],
      port: values.port !== undefined ? parsePort(values.port) : (config.port ?? 8787),
      host: values.host ?? config.host ?? '127.0.0.1',
      ...(values.quiet ? {} : { logger: consoleLogger(io) }),
    };
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

/** Keys and tenants from the config file and the flags, noting where each secret came from. */
async function gatherKeysAndTenants(
  values: { config?: string; key?: string[]; tenant?: string[]; quickstart?: boolean },
  config: MockConfigFile,
  sources: Sources,
): Promise<{ keys: MockKey[]; tenants: unknown[] }> {
  const cliKeys = (values.key ?? []).map(parseKey);
  for (const k of config.keys ?? [])
    sources.keys.set(k.apiKey, `secret in ${values.config} (keys)`);
  for (const k of cliKeys) sources.keys.set(k.apiKey, 'secret given with --key');
  const tenants = [...(config.tenants ?? [])];
  for (const t of tenants) noteTenantKeys(sources, t, `secret in ${values.config} (tenants)`);
  for (const file of values.tenant ?? []) {
    const tenant = await loadTenant(file);
    noteTenantKeys(sources, tenant, `secret in ${file} (api_keys)`);
    tenants.push(tenant);
  }
  if (values.quickstart) {
    noteTenantKeys(sources, QUICKSTART_TENANT, QUICKSTART_SOURCE);
    tenants.push(QUICKSTART_TENANT);
  }
  return { keys: [...(config.keys ?? []), ...cliKeys], tenants };
}

/** Where each key's secret and the admin token came from, to say so instead of printing them. */
interface Sources {
  keys: Map<string, string>;
  /** Undefined: generated for this run. */
  adminToken: string | undefined;
}

const DEFAULT_KEY_SOURCE =
  'uses DEFAULT_TEST_KEY.secret (the public test secret in the @esper/testing README)';
const QUICKSTART_SOURCE =
  "secret in QUICKSTART_TENANT (@esper/testing's src/tenants/quickstart.json)";

function noteTenantKeys(sources: Sources, tenant: unknown, where: string): void {
  const keys = (tenant as { api_keys?: Array<{ apiKey?: unknown }> }).api_keys ?? [];
  for (const k of keys) if (typeof k.apiKey === 'string') sources.keys.set(k.apiKey, where);
}

/**
 * What to connect with, and never a key's secret: terminals and CI logs are kept and shared.
 * A generated admin token is the exception: it lives for this run only and cannot be learnt
 * any other way.
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
  if (runtime.controller.tenants.size === 0) return;
  const generated = sources.adminToken === undefined;
  io.stdout(
    generated
      ? `  admin token: ${runtime.adminToken} (generated for this run; set --admin-token or ESPER_MOCK_ADMIN_TOKEN to choose one)`
      : `  admin token: ${sources.adminToken} (not printed)`,
  );
  io.stdout(
    `  results page: ${runtime.url}/results (the browser asks for a login: any user name, the admin token as password)`,
  );
  const bearer = generated
    ? `'Authorization: Bearer ${runtime.adminToken}'`
    : '"Authorization: Bearer $ESPER_MOCK_ADMIN_TOKEN"';
  for (const tenant of runtime.controller.tenants.keys()) {
    io.stdout(
      `  tenant ${tenant} results: curl -H ${bearer} ${runtime.url}/tenants/${tenant}/results`,
    );
  }
}
