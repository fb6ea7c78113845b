/**
 * `esper capture run` flags and environment: flags win, then `ESPER_*` variables. The API
 * secret is read from the environment only (a flag would show in `ps`). A bad value is refused
 * at start-up naming the flag.
 */
import { parseArgs } from 'node:util';

export interface CaptureOptions {
  enforce: boolean;
  upstream: URL;
  listen: { host: string; port: number };
  apiBase: string;
  apiKey: string;
  secret: string;
  tenantId?: string;
  upstreamTimeoutMs: number;
  decisionTimeoutMs: number;
  pollIntervalMs: number;
  trustedProxies: string[];
  /** Seconds between summary lines; 0: only at exit. */
  reportIntervalSeconds: number;
  /** Where to serve the results console, with the token that opens it. */
  console?: { host: string; port: number; token: string };
}

export class CaptureUsageError extends Error {}

export const CAPTURE_USAGE = `Usage: esper capture run --upstream <url> [--listen <host:port>] [--enforce] [options]

A reverse proxy in front of an application you cannot change: every request is decided locally
with the policies synced from origin, then passed on. Without --enforce nothing is blocked
(decisions are recorded and reported: start there); with --enforce blocks and challenges apply.

  --upstream <url>             the application, http://host:port (env ESPER_CAPTURE_UPSTREAM)
  --listen <host:port>         where to listen (default 127.0.0.1:8080; env ESPER_CAPTURE_LISTEN)
  --enforce                    apply block and challenge decisions (default: monitor only)
  --api-base <url>             origin (env ESPER_API_BASE; default https://api.esperr.com)
  --api-key <id>               API key id (env ESPER_API_KEY); the secret: env ESPER_API_SECRET
  --tenant-id <id>             tenant label for the output (env ESPER_TENANT_ID)
  --upstream-timeout <ms>      time the application has to answer before 504 (default 30000)
  --decision-timeout <ms>      budget of one decision (default 300)
  --poll-interval <ms>         how often the policies are re-synced (default 10000)
  --trusted-proxies <list>     comma-separated addresses/CIDRs whose X-Forwarded-* are believed
                               (env ESPER_TRUSTED_PROXIES)
  --report-interval <seconds>  summary line every N seconds, 0 for only at exit (default 60)
  --console <host:port>        also serve the results console there, at /results (Basic auth,
                               any user, env ESPER_CONSOLE_TOKEN as password, 16+ characters)
  -h, --help                   this text

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 could not start (e.g. the port is taken), 2 bad
usage or configuration, 5 origin unreachable or refused the key.
`;

function int(flag: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CaptureUsageError(
      `--${flag} must be an integer from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}

function upstreamOf(value: string | undefined): URL {
  if (!value)
    throw new CaptureUsageError('--upstream is required (the application, http://host:port)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CaptureUsageError(`--upstream "${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CaptureUsageError(`--upstream must be http: or https:, got "${url.protocol}"`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new CaptureUsageError(
      '--upstream takes an origin and optional path, no credentials, query or fragment',
    );
  }
  return url;
}

function consoleOf(value: string | undefined, token: string | undefined) {
  if (value === undefined) return undefined;
  if (!token || token.length < 16) {
    throw new CaptureUsageError('--console needs ESPER_CONSOLE_TOKEN (16 characters or more)');
  }
  return { ...listenOf(value, '--console'), token };
}

function listenOf(value: string | undefined, flag = '--listen'): { host: string; port: number } {
  const text = value || '127.0.0.1:8080';
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) {
    throw new CaptureUsageError(`${flag} must be host:port (e.g. 127.0.0.1:8080), got "${text}"`);
  }
  return { host: match[1] ?? match[2]!, port };
}

/** Parses argv (the words after `esper capture run`); throws `CaptureUsageError`. */
export function parseCaptureArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): CaptureOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        enforce: { type: 'boolean' },
        upstream: { type: 'string' },
        listen: { type: 'string' },
        'api-base': { type: 'string' },
        'api-key': { type: 'string' },
        'tenant-id': { type: 'string' },
        'upstream-timeout': { type: 'string' },
        'decision-timeout': { type: 'string' },
        'poll-interval': { type: 'string' },
        'trusted-proxies': { type: 'string' },
        'report-interval': { type: 'string' },
        console: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CaptureUsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const str = (flag: string, envName?: string) =>
    (values[flag] as string | undefined) ?? (envName ? env[envName] : undefined);
  const apiKey = str('api-key', 'ESPER_API_KEY');
  if (!apiKey) throw new CaptureUsageError('--api-key (or ESPER_API_KEY) is required');
  const secret = env.ESPER_API_SECRET;
  if (!secret) throw new CaptureUsageError("ESPER_API_SECRET is required (the API key's secret)");
  const trusted = str('trusted-proxies', 'ESPER_TRUSTED_PROXIES') ?? '';
  return {
    enforce: values.enforce === true,
    upstream: upstreamOf(str('upstream', 'ESPER_CAPTURE_UPSTREAM')),
    listen: listenOf(str('listen', 'ESPER_CAPTURE_LISTEN')),
    apiBase: str('api-base', 'ESPER_API_BASE') || 'https://api.esperr.com',
    apiKey,
    secret,
    tenantId: str('tenant-id', 'ESPER_TENANT_ID') || undefined,
    upstreamTimeoutMs: int('upstream-timeout', str('upstream-timeout'), 30_000, 1, 3_600_000),
    decisionTimeoutMs: int('decision-timeout', str('decision-timeout'), 300, 1, 60_000),
    pollIntervalMs: int('poll-interval', str('poll-interval'), 10_000, 100, 86_400_000),
    trustedProxies: trusted
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    reportIntervalSeconds: int('report-interval', str('report-interval'), 60, 0, 86_400),
    console: consoleOf(str('console'), env.ESPER_CONSOLE_TOKEN),
  };
}
