/** `esper run`: the daemon in the foreground until SIGTERM or SIGINT. */
import { parseArgs } from 'node:util';
import { startDaemon } from '../daemon/daemon.js';
import { esperHome } from '../daemon/home.js';
import { type CliIo, EXIT, UsageError } from './io.js';

export const RUN_USAGE = `Usage: esper run [--port PORT] [--verbose]

The hybrid daemon. Serves protocol v1 POST /api/v1/runtime/mitigation on runtime.xml's listen
address, decided locally from the cached snapshot (an adapter in cloud mode with ESPER_API_BASE
set to it needs no code change), keeps the snapshot synced, spools every decision in
~/.esper/data/ and reports it to origin, and logs JSON lines to ~/.esper/logs/esper.log.
Also serves GET /healthz, /readyz, /status and the results console at /console (any user
name, the token in ~/.esper/data/console-token as password; a new one each run).
SIGTERM or SIGINT: stop accepting, finish the calls in flight, send what is spooled (up to
limits.shutdown_timeout_ms), exit 0.

  --port PORT   listen on this port instead of runtime.xml's (0: a free one, printed)
  --verbose     also print the log lines
  -h, --help    this help
`;

export async function runRun(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(RUN_USAGE);
    return EXIT.ok;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`--port expects 0-65535, got "${values.port}"`);
  }
  const home = esperHome(io.env);
  const daemon = await startDaemon({
    home,
    port,
    echo: values.verbose ? (line) => io.stdout(line) : undefined,
  });
  io.stdout(`esper run listening on ${daemon.url} (pid ${process.pid})\n`);
  io.stdout(`  adapters: ESPER_API_BASE=${daemon.url} with the key of ${home.credentials}\n`);
  io.stdout(`  logs: ${home.logs}  spool: ${home.data}  health: ${daemon.url}/healthz\n`);
  io.stdout(
    `  results console: ${daemon.url}/console (password: the token in ${home.consoleToken})\n`,
  );
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await daemon.shutdown(signal);
  io.stdout(`esper run: stopped (${signal})\n`);
  return EXIT.ok;
}
