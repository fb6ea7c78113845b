/**
 * `esper init --api-base URL --api-key KEY_ID --tenant-id ID`: writes config.yaml,
 * credentials.xml (0600) and runtime.xml under `~/.esper` (or `$ESPER_HOME`), plus `cache/`,
 * `logs/` and `data/`. The key's secret comes from `--api-secret`, `$ESPER_API_SECRET`, or a
 * prompt that does not echo (stdin a TTY); it is never printed.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DEFAULT_LIMITS,
  DEFAULT_LISTEN,
  DEFAULT_STORE,
  DEFAULT_SYNC_INTERVAL_SECONDS,
  parseApiBase,
  parseListen,
  readSettings,
  writeConfig,
  writeCredentials,
  writeRuntime,
} from '../daemon/files.js';
import { ensureHomeDirs, esperHome } from '../daemon/home.js';
import { type CliIo, EXIT, UsageError } from './io.js';

export const INIT_USAGE = `Usage: esper init --api-base URL --api-key KEY_ID --tenant-id ID [options]

Writes ~/.esper (or $ESPER_HOME): config.yaml, credentials.xml (mode 0600), runtime.xml,
and the directories cache/, logs/ and data/.

  --api-base URL          origin, e.g. https://api.esperr.com (http: only for loopback)
  --api-key KEY_ID        the API key id (x-esper-api-key) of the tenant
  --tenant-id ID          the tenant the key belongs to
  --api-secret SECRET     the key's secret (default: $ESPER_API_SECRET, else a prompt that
                          does not echo when stdin is a terminal); never printed
  --listen HOST:PORT      where esper run serves (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port})
  --enforcement MODE      live (default) or monitor (decisions recorded, never enforced)
  --sync-interval SECONDS snapshot poll interval (default ${DEFAULT_SYNC_INTERVAL_SECONDS})
  --force                 overwrite existing files
  -h, --help              this help
`;

const OPTIONS = {
  'api-base': { type: 'string' },
  'api-key': { type: 'string' },
  'tenant-id': { type: 'string' },
  'api-secret': { type: 'string' },
  listen: { type: 'string' },
  enforcement: { type: 'string' },
  'sync-interval': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** Reads a line from a TTY without echoing it. */
export function promptSecret(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  return new Promise((resolve, reject) => {
    io.stderr(question);
    let value = '';
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (result: string | Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(value);
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function secretOf(io: CliIo, values: Record<string, unknown>): Promise<string> {
  const flag = values['api-secret'];
  if (typeof flag === 'string' && flag !== '') return flag;
  if (io.env.ESPER_API_SECRET) return io.env.ESPER_API_SECRET;
  if (io.stdin?.isTTY) {
    const secret = await promptSecret(io, 'API key secret (not echoed): ');
    if (secret !== '') return secret;
  }
  throw new UsageError(
    'the key secret is required: --api-secret, $ESPER_API_SECRET, or run in a terminal to be asked',
  );
}

export async function runInit(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (values.help) {
    io.stdout(INIT_USAGE);
    return EXIT.ok;
  }
  const apiBase = required(values, 'api-base');
  const urlProblem = parseApiBase(apiBase);
  if (urlProblem) throw new UsageError(`--api-base: ${urlProblem}`);
  const apiKey = required(values, 'api-key');
  const tenantId = required(values, 'tenant-id');
  const listen = parseListen(values.listen ?? `${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}`);
  if (!listen) throw new UsageError(`--listen expects HOST:PORT, got "${values.listen}"`);
  const enforcement = values.enforcement ?? 'live';
  if (enforcement !== 'live' && enforcement !== 'monitor')
    throw new UsageError(`--enforcement expects live or monitor, got "${enforcement}"`);
  const interval = Number(values['sync-interval'] ?? DEFAULT_SYNC_INTERVAL_SECONDS);
  if (!Number.isInteger(interval) || interval < 1 || interval > 86_400)
    throw new UsageError(
      `--sync-interval expects 1-86400 seconds, got "${values['sync-interval']}"`,
    );

  const home = esperHome(io.env);
  const existing = [home.config, home.credentials, home.runtime].filter((f) => existsSync(f));
  if (existing.length > 0 && !values.force) {
    io.stderr(`esper init: ${existing.join(', ')} already exist; --force overwrites them\n`);
    return EXIT.config;
  }
  const secret = await secretOf(io, values);
  ensureHomeDirs(home);
  writeConfig(home, { apiBase, tenantId, syncIntervalSeconds: interval });
  writeCredentials(home, { apiKey, secret });
  writeRuntime(home, {
    listen,
    enforcement,
    store: { ...DEFAULT_STORE },
    limits: { ...DEFAULT_LIMITS },
  });
  // Read back through the validators: what was written is what every other command accepts.
  readSettings(home);
  io.stdout(
    `esper init: wrote ${home.config}\n` +
      `            wrote ${home.credentials} (mode 0600; key ${apiKey}, secret not printed)\n` +
      `            wrote ${home.runtime} (listen ${values.listen ?? `${listen.host}:${listen.port}`}, enforcement ${enforcement})\n` +
      `            created ${home.cache}, ${home.logs}, ${home.data}\n` +
      'next: esper sync, then esper run\n',
  );
  return EXIT.ok;
}
