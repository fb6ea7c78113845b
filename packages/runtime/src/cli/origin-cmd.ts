/**
 * `esper origin`: a local stand-in for Esper's cloud (this package's runtime: tenants decided
 * by their policies, the admin API, results, the challenge page, the hybrid snapshot and events
 * endpoints), for trying `esper init`/`sync`/`run` without an account. Not for production.
 */
import { parseArgs } from 'node:util';
import { startRuntime } from '../server/start.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import {
  chooseAdminToken,
  gatherTenants,
  parseDifficulty,
  type SecretSources,
  TENANT_CLI_OPTIONS,
  tenantCliUsage,
  tenantStartupLines,
} from './tenant-cli.js';

const ADMIN_ENV = 'ESPER_ORIGIN_ADMIN_TOKEN';

export const ORIGIN_USAGE = `Usage: esper origin [--port PORT] [--host HOST] (--quickstart | --tenant FILE.json)...

A local stand-in for Esper's cloud, serving the tenants given: the mitigation endpoint, the
admin API and results, the challenge page, and the hybrid snapshot and events endpoints that
esper sync and esper run use. For development and the README's walk-through only.

  --port PORT              default 8787 (0: a free port)
  --host HOST              default 127.0.0.1
${tenantCliUsage(ADMIN_ENV)}
  -h, --help               this help
`;

export async function runOrigin(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TENANT_CLI_OPTIONS,
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(ORIGIN_USAGE);
    return EXIT.ok;
  }
  const port = Number(values.port ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port expects 0-65535, got "${values.port}"`);
  const sources: SecretSources = new Map();
  const tenants = await gatherTenants(values, {}, sources);
  if (tenants.length === 0) throw new UsageError('give --quickstart or --tenant FILE.json');
  const admin = chooseAdminToken(values, {}, { name: ADMIN_ENV, value: io.env[ADMIN_ENV] });
  const server = await startRuntime({
    tenants,
    port,
    host: values.host ?? '127.0.0.1',
    ...(admin.token !== undefined && { adminToken: admin.token }),
    ...(values.difficulty !== undefined && {
      challenge: { difficulty: parseDifficulty(values.difficulty) },
    }),
  });
  io.stdout(`esper origin listening on ${server.url}\n`);
  for (const [key, where] of sources) io.stdout(`  key ${key}: ${where}\n`);
  const lines = tenantStartupLines({
    url: server.url,
    adminToken: server.adminToken,
    tenantIds: server.runtime.tenants.list().map((t) => t.id),
    adminTokenSource: admin.source,
    adminTokenEnv: ADMIN_ENV,
  });
  for (const line of lines) io.stdout(`${line}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await server.close();
  io.stdout(`esper origin: stopped (${signal})\n`);
  return EXIT.ok;
}
