/**
 * The `esper` command line: the customer-run Esper Hybrid runtime (docs/hybrid.md, the seeds'
 * "Hybrid commands"). `main` dispatches to one command and returns its exit code (`EXIT`).
 */

import { OriginError } from '@esper/hybrid';
import { runCapture } from '../capture/index.js';
import { EsperFileError } from '../daemon/files.js';
import { DataDirLockedError } from '../daemon/lock.js';
import { InvalidSnapshotError } from '../daemon/sync.js';
import { runInit } from './init.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { runOrigin } from './origin-cmd.js';
import { runRun } from './run-cmd.js';
import { runStatus } from './status-cmd.js';
import { runSync } from './sync-cmd.js';

export const ESPER_USAGE = `Usage: esper <command> [options]

The Esper Hybrid runtime: local sync from origin, local decisions, reported back.

Commands:
  init      write ~/.esper (config.yaml, credentials.xml, runtime.xml, cache/, logs/, data/)
  sync      pull the snapshot into ~/.esper/cache/ and print what changed
            (esper sync actions | entities | policies | mitigations | rules)
  run       the daemon: decides protocol v1 calls locally, reports decisions upstream
  capture   esper capture run [--enforce]: a deciding reverse proxy in front of an app
  status    sync age, snapshot version, spool depth, decisions by action
  origin    a local stand-in for Esper's cloud, for trying the above

Every command takes --help. ESPER_HOME replaces ~/.esper.
Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration (file:line: field), 4 data directory
in use by another daemon, 5 origin unreachable or refused.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  init: runInit,
  sync: runSync,
  run: runRun,
  status: runStatus,
  origin: runOrigin,
  capture: (argv, io) => {
    if (argv[0] !== 'run') {
      if (argv[0] === '--help' || argv[0] === '-h' || argv.length === 0) {
        io.stdout(
          'Usage: esper capture run [--enforce] [options] (see esper capture run --help)\n',
        );
        return Promise.resolve(argv.length === 0 ? EXIT.usage : EXIT.ok);
      }
      throw new UsageError(`unknown capture command "${argv[0]}": expected run`);
    }
    return runCapture(argv.slice(1), io);
  },
};

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(ESPER_USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('esper 0.1.0\n');
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`esper: unknown command "${name}"\n\n${ESPER_USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    return report(name, err, io);
  }
}

function report(name: string, err: unknown, io: CliIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`esper ${name}: ${message}\n`);
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.stderr(`run esper ${name} --help for usage\n`);
    return EXIT.usage;
  }
  if (err instanceof EsperFileError) return EXIT.config;
  if (err instanceof DataDirLockedError) return EXIT.locked;
  if (err instanceof OriginError || err instanceof InvalidSnapshotError) return EXIT.origin;
  if (err instanceof TypeError && /fetch failed/.test(message)) return EXIT.origin;
  if ((err as Error).name === 'TimeoutError') return EXIT.origin;
  return EXIT.failure;
}
