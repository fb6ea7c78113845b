import { vi } from 'vitest';
import { fetchTarget } from '../conformance/targets/fetch.js';
import { fetchBadRequests } from '../conformance/targets/fetch-faults.js';
import { runChildFaultMatrix } from '../helpers/fault-suites.js';

// The server is a child process: its output is read by the watcher (see teeSpawn).
vi.mock('node:child_process', (load) => import('./watch.js').then((w) => w.teed(load)));

runChildFaultMatrix(fetchTarget('bun'), fetchBadRequests('bun'));
