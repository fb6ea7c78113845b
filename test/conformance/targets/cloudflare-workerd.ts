import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import {
  type TargetInstance,
  type TargetOptions,
  type TargetRequest,
  type TargetResponse,
  targetEnv,
} from '../target.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Bundles a worker entry as wrangler would, resolving workspace packages to their sources
 * (the "@esper/source" export condition), so no test needs a build. `hybrid` is the conformance
 * column a fixture is built for (`process.env.CONFORMANCE_HYBRID`, '1' or ''): a worker sees its
 * bindings only per request, too late to choose its options at module scope.
 */
export async function bundleWorker(entry: string, hybrid = false): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    // pnpm's hoisted store: where '@esper/*' and 'hono' live for files outside the packages.
    nodePaths: [`${ROOT}node_modules/.pnpm/node_modules`],
    define: { 'process.env.CONFORMANCE_HYBRID': JSON.stringify(hybrid ? '1' : '') },
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Runs a bundled worker in workerd, `options` its bindings, behind Cloudflare's edge. */
export async function startWorkerd(
  script: string,
  options: TargetOptions,
): Promise<TargetInstance> {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2025-07-01',
    bindings: targetEnv(options),
  });
  await mf.ready;
  return viaCloudflare(mf);
}

/**
 * Plays Cloudflare's edge in front of a worker in `mf`: `cf-connecting-ip` is always
 * overwritten with the address the edge saw. (Miniflare itself keeps a client-sent
 * cf-connecting-ip and only adds 127.0.0.1 when there is none, so the target must do it.)
 */
export function viaCloudflare(mf: Miniflare): TargetInstance {
  return {
    async request(req: TargetRequest): Promise<TargetResponse> {
      const headers = (req.headers ?? []).filter(
        ([name]) => name.toLowerCase() !== 'cf-connecting-ip',
      );
      headers.push(['cf-connecting-ip', req.platformIp]);
      const res = await mf.dispatchFetch(`https://app.example${req.path}`, {
        method: req.method ?? 'GET',
        headers,
        body: req.body,
        redirect: 'manual',
      });
      return {
        status: res.status,
        headers: new Headers([...res.headers]),
        setCookies: res.headers.getSetCookie(),
        body: await res.text(),
      };
    },
    expectedClientIp: (platformIp) => platformIp,
    close: () => mf.dispose(),
  };
}
