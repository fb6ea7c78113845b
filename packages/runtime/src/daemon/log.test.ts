import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createFileLogger } from './log.js';

it('writes JSON lines and rotates by size, keeping `files` files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esper-log-'));
  const log = createFileLogger(dir, { maxBytes: 2048, files: 3 });
  for (let i = 0; i < 100; i++) log.info({ i, pad: 'y'.repeat(100) }, 'line');
  const current = readFileSync(join(dir, 'esper.log'), 'utf8').trim().split('\n');
  expect(JSON.parse(current.at(-1) as string)).toMatchObject({ level: 'info', msg: 'line', i: 99 });
  expect(statSync(join(dir, 'esper.log')).size).toBeLessThanOrEqual(2048);
  expect(existsSync(join(dir, 'esper.log.1'))).toBe(true);
  expect(existsSync(join(dir, 'esper.log.2'))).toBe(true);
  expect(existsSync(join(dir, 'esper.log.3'))).toBe(false);
  const previous = readFileSync(join(dir, 'esper.log.1'), 'utf8').trim().split('\n');
  expect(JSON.parse(previous.at(-1) as string).i).toBe(JSON.parse(current[0] as string).i - 1);
});
