/** Shared pieces of the hybrid tests: a recording logger, a wire body, a wait. */
import type { Logger, RuntimeRequestBody } from '@esper/core';

export interface LogLine {
  level: keyof Logger;
  obj: Record<string, unknown>;
  msg: string;
}

export function recordingLogger(): Logger & {
  lines: LogLine[];
  at(level: keyof Logger): LogLine[];
} {
  const lines: LogLine[] = [];
  const log = (level: keyof Logger) => (obj: object, msg?: string) =>
    lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  return {
    lines,
    at: (level) => lines.filter((l) => l.level === level),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

let n = 0;

/** A wire body as core builds it (docs/protocol.md). */
export function wireBody(
  method: string,
  pathAndQuery: string,
  clientIp = '203.0.113.10',
): RuntimeRequestBody {
  const [path = '/', query] = pathAndQuery.split('?');
  n += 1;
  return {
    observed_at: new Date().toISOString(),
    idempotency_key: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    request: {
      method,
      scheme: 'http',
      host: 'app.test',
      path,
      ...(query !== undefined && { query }),
      client_ip: clientIp,
      user_agent: 'Mozilla/5.0 (hybrid test)',
      headers: { accept: 'text/html' },
    },
    return_url: `http://app.test${pathAndQuery}`,
    source: { sdk: '@esper/core', version: '0.1.0', runtime: 'node' },
  };
}

/** Polls `check` until it holds (or throws its last error after `timeoutMs`). */
export async function until(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
