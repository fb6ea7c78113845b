// Progress output: one line per step, prefixed with the time since the demo started, so a slow
// step (next build on a loaded machine) is visible as it happens and afterwards.
import { performance } from 'node:perf_hooks';

const t0 = performance.now();

/** Seconds since the demo started, right-aligned: `[  12.3s]`. */
export const stamp = () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;

export const line = (text = '') => console.log(text && `${stamp()} ${text}`);

/**
 * Runs `fn` as one step. On a terminal the line shows while it runs and is completed in place;
 * elsewhere (CI logs, the test) only the finished line is written.
 * @template T
 * @param {string} label
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function step(label, fn) {
  const started = performance.now();
  const tty = process.stdout.isTTY;
  if (tty) process.stdout.write(`${stamp()} ${label} …`);
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  try {
    const value = await fn();
    if (tty) process.stdout.write('\r\x1b[2K');
    line(`${label} ✓ ${took()}`);
    return value;
  } catch (err) {
    if (tty) process.stdout.write('\r\x1b[2K');
    line(`${label} ✗ ${took()}`);
    throw err;
  }
}
