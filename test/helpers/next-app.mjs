// A Next.js app as it ships: `next build`, then `next start` on 127.0.0.1. Shared by the
// example's test (examples/nextjs), the conformance targets (test/conformance/fixtures) and the
// demo's launcher. JavaScript for the demo; next-app.d.mts gives the tests its types.
import { freePort, runNode, startNodeProcess, waitUntilAnswering } from './node-process.mjs';

/** CI=1: Next must not prompt or try to install anything. */
export const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: '1', CI: '1' };

/**
 * `next build` of the app in `appDir` with the `next` CLI at `nextBin` (the app's own, or the
 * one the app's node_modules link to).
 * @param {{ appDir: string, nextBin: string }} app
 */
export async function buildNextApp({ appDir, nextBin }) {
  await runNode(appDir, [nextBin, 'build', appDir], NEXT_ENV);
}

/**
 * `next start` of a built app on a free port of 127.0.0.1, with `env` added to its environment
 * (the ESPER_* settings). Next prints no line that says it is ready, so `ready(origin)` is
 * called until it resolves: a request the caller chooses (one outside the proxy's matcher asks
 * the runtime nothing).
 * @param {{ appDir: string, nextBin: string, env: Record<string, string | undefined>,
 *   ready: (origin: string) => Promise<unknown> }} options
 */
export async function startNextApp({ appDir, nextBin, env, ready }) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const next = startNodeProcess({
    cwd: appDir,
    args: [nextBin, 'start', appDir, '--hostname', '127.0.0.1', '--port', String(port)],
    env: { ...NEXT_ENV, ...env },
  });
  try {
    await waitUntilAnswering(next, 'next start', () => ready(origin));
  } catch (err) {
    await next.stop().catch(() => {});
    throw err;
  }
  return { origin, port, stop: next.stop };
}
