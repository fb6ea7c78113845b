/**
 * Structured log lines (one JSON object per line) in `logs/esper.log`, rotated by size:
 * `esper.log` → `esper.log.1` → … → `esper.log.<files-1>`, the oldest deleted. Never a secret:
 * callers log ids, versions and counts, not keys or bodies.
 */
import { appendFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@esper/core';

export interface FileLogger extends Logger {
  readonly file: string;
}

export function createFileLogger(
  dir: string,
  options: { maxBytes: number; files: number; echo?: (line: string) => void },
): FileLogger {
  const file = join(dir, 'esper.log');
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {}
  const rotate = () => {
    rmSync(`${file}.${options.files - 1}`, { force: true });
    for (let i = options.files - 2; i >= 1; i--) {
      try {
        renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch {}
    }
    try {
      if (options.files > 1) renameSync(file, `${file}.1`);
      else rmSync(file, { force: true });
    } catch {}
    size = 0;
  };
  const write = (level: string) => (obj: object, msg?: string) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, msg: msg ?? '', ...obj })}\n`;
    try {
      if (size > 0 && size + line.length > options.maxBytes) rotate();
      appendFileSync(file, line, { mode: 0o600 });
      size += Buffer.byteLength(line);
    } catch {
      // A full disk must not stop decisions.
    }
    options.echo?.(line);
  };
  return { file, debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') };
}
