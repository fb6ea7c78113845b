/**
 * Real elapsed time in milliseconds. Deadlines and in-flight slots run on it whatever
 * `options.now` says: a test's frozen clock must not keep a timer from firing.
 */
export const realClock: () => number = globalThis.performance ? () => performance.now() : Date.now;

/** Clean-up timers do not keep a process alive (Node, Bun, Deno have `unref`). */
export function unref(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}
