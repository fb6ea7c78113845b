/**
 * `esper capture run`: a capturing reverse proxy in front of an application that cannot be
 * changed. `startCapture` is the whole thing as a function (tests, the benchmark, other
 * commands); `runCapture` is the command: flags and environment in, lines out, an exit code once
 * SIGTERM or SIGINT stopped it.
 */
import { createEsper, type Decision, EsperConfigError, type Logger } from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import { nodeSigner } from '@esper/core/node';
import { createHybrid, type Hybrid } from '@esper/hybrid';
import { Hono } from 'hono';
import { consoleRoutes } from '../console/routes.js';
import type { ConsoleDataSource } from '../console/types.js';
import type { RuntimeEnv } from '../server/env.js';
import { type ListeningServer, listen } from '../server/listen.js';
import { trustedPeers } from './forwarding.js';
import {
  CAPTURE_USAGE,
  type CaptureOptions,
  CaptureUsageError,
  parseCaptureArgs,
} from './options.js';
import { type CaptureProxy, type CaptureStats, startCaptureProxy } from './proxy.js';
import { CaptureRecorder, captureConsoleSource } from './recorder.js';

export {
  CAPTURE_USAGE,
  type CaptureOptions,
  CaptureUsageError,
  parseCaptureArgs,
} from './options.js';
export {
  type CaptureProxy,
  type CaptureProxyOptions,
  type CaptureStats,
  startCaptureProxy,
} from './proxy.js';
export { CaptureRecorder } from './recorder.js';

/** A stream, or a function taking the text (the `esper` dispatcher's `CliIo`). */
export type CaptureOutput = NodeJS.WritableStream | ((text: string) => void);

/** The first sync gave nothing to decide with (origin unreachable, refused, invalid). */
export class CaptureOriginError extends Error {}

/** Exit codes, as the other `esper` commands use them. */
export const CAPTURE_EXIT = { ok: 0, failure: 1, usage: 2, origin: 5 } as const;

export interface CaptureIo {
  stdout: CaptureOutput;
  stderr: CaptureOutput;
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** Stops the command like SIGTERM does (for callers that are not the process). */
  signal?: AbortSignal;
}

export interface Capture {
  readonly url: string;
  readonly proxy: CaptureProxy;
  readonly hybrid: Hybrid;
  readonly recorder: CaptureRecorder;
  /** The results console's data for this proxy (see `consoleRoutes`). */
  readonly console: ConsoleDataSource;
  /** Where `--console` serves it (`…/results`), when asked to. */
  readonly consoleUrl: string | undefined;
  stats(): CaptureStats;
  /** Drains requests in flight (up to `graceMs`), then sends the decisions still queued. */
  close(graceMs?: number): Promise<void>;
}

type Write = (text: string) => void;

function writerOf(output: CaptureOutput): Write {
  return typeof output === 'function' ? output : (text) => void output.write(text);
}

/** Lines on stderr: warnings and errors of the sync and reporter, never a secret. */
function lineLogger(write: Write): Logger {
  const line = (level: string) => (obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err;
    const detail = err instanceof Error ? `: ${err.message}` : '';
    write(`esper capture ${level}: ${msg ?? ''}${detail}\n`);
  };
  return { debug() {}, info() {}, warn: line('warning'), error: line('error') };
}

/** Syncs the policies (throws when the first sync gives nothing to decide with), then listens. */
export async function startCapture(
  options: CaptureOptions,
  io: Pick<CaptureIo, 'stdout' | 'stderr' | 'env'>,
): Promise<Capture> {
  const out = writerOf(io.stdout);
  const err = writerOf(io.stderr);
  const logger = lineLogger(err);
  let trusted: ReturnType<typeof trustedPeers>;
  try {
    trusted = trustedPeers(options.trustedProxies);
  } catch (e) {
    throw new CaptureUsageError((e as Error).message);
  }
  const hybrid = createHybrid({
    apiKey: options.apiKey,
    secret: options.secret,
    apiBase: options.apiBase,
    pollIntervalMs: options.pollIntervalMs,
    logger,
  });
  try {
    await hybrid.ready();
  } catch (e) {
    await hybrid.close();
    throw new CaptureOriginError(
      `could not get the policies from ${options.apiBase}: ${(e as Error).message}`,
    );
  }
  const recorder = new CaptureRecorder((line) => out(`${line}\n`), options.enforce);
  const client = createEsper(
    adapterOptions(
      {
        apiKey: options.apiKey,
        secret: options.secret,
        apiBase: options.apiBase,
        mode: options.enforce ? 'live' : 'monitor',
        timeoutMs: options.decisionTimeoutMs,
        decider: hybrid.decider,
        clientIp: { trustedProxies: options.trustedProxies },
        signer: nodeSigner,
        env: io.env,
        logger,
      },
      { preset: 'direct', runtime: 'node', sdk: { name: '@esper/runtime', version: 'capture' } },
    ),
  );
  let proxy: CaptureProxy;
  try {
    proxy = await startCaptureProxy({
      upstream: options.upstream,
      host: options.listen.host,
      port: options.listen.port,
      client,
      trusted,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      onDecision: (decision: Decision, request) => recorder.record(decision, request),
      onUpstreamError: (line) => err(`esper capture: ${line}\n`),
    });
  } catch (err) {
    await hybrid.close();
    throw err;
  }
  const source = captureConsoleSource(recorder, hybrid, {
    apiBase: options.apiBase,
    upstream: options.upstream.href,
    enforce: options.enforce,
    tenantId: options.tenantId,
  });
  let consoleServer: ListeningServer | undefined;
  if (options.console) {
    try {
      consoleServer = await serveConsole(source, options.console);
    } catch (e) {
      await proxy.close(0);
      await hybrid.close();
      throw e;
    }
  }
  return {
    url: proxy.url,
    proxy,
    hybrid,
    recorder,
    console: source,
    consoleUrl: consoleServer && `${consoleServer.url}/results`,
    stats: () => proxy.stats(),
    async close(graceMs) {
      await consoleServer?.close();
      await proxy.close(graceMs);
      await client.close();
      await hybrid.close();
    },
  };
}

/** `--console`: the results console alone on its own address. */
function serveConsole(
  source: ConsoleDataSource,
  where: { host: string; port: number; token: string },
): Promise<ListeningServer> {
  const app = new Hono<RuntimeEnv>();
  consoleRoutes(app, { source, adminToken: where.token, realm: 'esper capture' });
  return listen(app.fetch, { host: where.host, port: where.port });
}

function waitForStop(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const stop = (name: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      signal?.removeEventListener('abort', onAbort);
      resolve(name);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onAbort = () => stop('abort');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    if (signal?.aborted) stop('abort');
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `esper capture run …`: the exit code once stopped (see `CAPTURE_USAGE`). */
export async function runCapture(argv: string[], io: CaptureIo): Promise<number> {
  const stdout = writerOf(io.stdout);
  const stderr = writerOf(io.stderr);
  const argsOf = argv[0] === 'run' ? argv.slice(1) : argv;
  let options: CaptureOptions | 'help';
  try {
    options = parseCaptureArgs(argsOf, io.env);
  } catch (err) {
    if (!(err instanceof CaptureUsageError)) throw err;
    stderr(`esper capture run: ${err.message}\n(esper capture run --help for usage)\n`);
    return CAPTURE_EXIT.usage;
  }
  if (options === 'help') {
    stdout(CAPTURE_USAGE);
    return CAPTURE_EXIT.ok;
  }
  let capture: Capture;
  try {
    capture = await startCapture(options, io);
  } catch (err) {
    stderr(`esper capture run: could not start: ${(err as Error).message}\n`);
    if (err instanceof EsperConfigError || err instanceof CaptureUsageError)
      return CAPTURE_EXIT.usage;
    return err instanceof CaptureOriginError ? CAPTURE_EXIT.origin : CAPTURE_EXIT.failure;
  }
  const mode = options.enforce
    ? 'enforcing: blocks and challenges are applied'
    : 'monitor mode: decisions are recorded and reported, nothing is blocked (add --enforce to apply them)';
  const status = capture.hybrid.status();
  stdout(
    `esper capture: listening on ${capture.url}, forwarding to ${options.upstream.href}\n` +
      `esper capture: ${mode}\n` +
      `esper capture: policies version ${status.version} from ${options.apiBase}\n` +
      (capture.consoleUrl
        ? `esper capture: results console ${capture.consoleUrl} (any user, ESPER_CONSOLE_TOKEN as password)\n`
        : ''),
  );
  const every = options.reportIntervalSeconds;
  const report =
    every > 0
      ? setInterval(() => stdout(`esper capture: ${capture.recorder.summary()}\n`), every * 1000)
      : undefined;
  report?.unref();
  const why = await waitForStop(io.signal);
  clearInterval(report);
  stdout(`esper capture: stopping (${why}): draining requests in flight\n`);
  await capture.close();
  const stats = capture.stats();
  stdout(
    `esper capture: ${capture.recorder.summary()}; ${stats.badGateway} upstream failures (502), ${stats.gatewayTimeout} upstream timeouts (504)\n`,
  );
  return CAPTURE_EXIT.ok;
}
