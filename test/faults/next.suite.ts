import { vi } from 'vitest';
import { nextTarget } from '../conformance/targets/vercel-next.js';
import { OUT_OF_PROCESS_SLACK_MS, runFaultMatrix } from './matrix.js';
import { childWatcher } from './watch.js';

// Real `next build` + `next start` (slow: full mode only, see run.mjs). Child output is read.
vi.mock('node:child_process', async (importOriginal) => {
  const mod = await importOriginal<typeof import('node:child_process')>();
  const { teeSpawn } = await import('./watch.js');
  return { ...mod, spawn: teeSpawn(mod.spawn) };
});

const watcher = childWatcher();
runFaultMatrix(nextTarget('vercel-next16', 'vercel-next'), {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher,
});
runFaultMatrix(nextTarget('vercel-next16-edge', 'vercel-next-edge'), {
  slackMs: OUT_OF_PROCESS_SLACK_MS,
  watcher,
});
