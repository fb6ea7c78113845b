/** Delays for polling and retries, and timers that never keep a Node process alive. */

/**
 * `ms` spread over ±`spread` (0.1 = ±10 %): edges started together (a deploy, a restart) do not
 * poll origin in lockstep.
 */
export function jittered(ms: number, random: () => number, spread = 0.1): number {
  return Math.max(0, Math.round(ms * (1 - spread + 2 * spread * random())));
}

/**
 * Exponential backoff for the `failures`-th failure in a row (1, 2, …), jittered to 50–100 %
 * so that many edges retrying an origin that just came back do not all arrive at once.
 */
export function backoff(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

export type TimerHandle = ReturnType<typeof setTimeout>;

/** A timer that does not hold the process open (Node's `unref`; a no-op elsewhere). */
export function backgroundTimer(fn: () => void, ms: number): TimerHandle {
  const handle = setTimeout(fn, ms);
  (handle as { unref?: () => void }).unref?.();
  return handle;
}

/** Runs background work without an unhandled rejection; the work logs its own failures. */
export function detach(promise: Promise<unknown>): void {
  promise.catch(() => {});
}
