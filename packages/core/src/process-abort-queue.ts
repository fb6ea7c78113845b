import type { CallAbort } from './call-abort.js';
import { realClock, unref } from './clock.js';
import { onWorkers } from './platform.js';

/**
 * The process-wide queue of runtime calls to abort: one queue for every client in the process,
 * in module state, because the cost it spreads out (tearing down connections) is the
 * process's, not one client's.
 *
 * Tearing down a connection costs up to a millisecond under load; when a burst of requests
 * times out together, doing it in each timer would push the deadlines still to come past their
 * time. On servers (Node, Bun, Deno) the queue waits until no deadline has fired for a few
 * milliseconds (or its oldest entry has waited 250 ms, so a steady stream of timeouts is still
 * torn down), then aborts a quarter of a millisecond's worth per event-loop turn, after that
 * turn's timers. Workers refuse I/O on behalf of another request, so there, as wherever
 * `setImmediate` is missing, each call is aborted from its own request's timer on the next turn.
 */
const QUIET_MS = 5;
const MAX_WAIT_MS = 250;
const SLICE_MS = 0.25;

const queue: (CallAbort | undefined)[] = [];
let head = 0;
let lastDeadlineAt = 0;
let batchStartedAt = 0;

const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const shared = typeof setImmediateFn === 'function' && !onWorkers();

function drain() {
  const t = realClock();
  if (t - lastDeadlineAt < QUIET_MS && t - batchStartedAt < MAX_WAIT_MS) {
    unref(setTimeout(drain, QUIET_MS));
    return;
  }
  const until = t + SLICE_MS;
  while (head < queue.length && realClock() < until) {
    const call = queue[head];
    queue[head++] = undefined;
    try {
      call?.abort();
    } catch {}
  }
  if (head < queue.length) setImmediateFn!(drain);
  else queue.length = head = 0;
}

/** Aborts a call whose deadline has passed, soon: see the module comment for when. */
export function scheduleAbort(call: CallAbort): void {
  if (!shared) {
    setTimeout(() => call.abort(), 0);
    return;
  }
  lastDeadlineAt = realClock();
  if (queue.push(call) === 1) {
    batchStartedAt = lastDeadlineAt;
    unref(setTimeout(drain, QUIET_MS));
  }
}
