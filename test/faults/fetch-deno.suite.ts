import { vi } from 'vitest';
import { fetchTarget } from '../conformance/targets/fetch.js';
import { fetchBadRequests } from '../conformance/targets/fetch-faults.js';
import { OUT_OF_PROCESS_SLACK_MS, runFaultMatrix } from './matrix.js';
import { childWatcher } from './watch.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:child_process')>();
  const { teeSpawn } = await import('./watch.js');
  return { ...mod, spawn: teeSpawn(mod.spawn) };
});

runFaultMatrix(fetchTarget('deno'), {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher: childWatcher(),
  badRequests: fetchBadRequests('deno'),
});
