/**
 * The pieces the routing targets (test/routing/targets) repeat: the settings of an app
 * configured by its environment, what the app reported, a raw-socket sender, and the static
 * files an app serves from a directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoutingInstance, Served } from '../routing/routing.js';
import { KEY } from '../routing/routing.js';
import { rawRequest } from './raw-http.js';

/** The ESPER_* settings (or bindings) of a routing app: 2 s, this suite is about paths. */
export const routingEnv = (runtimeUrl: string): Record<string, string> => ({
  ESPER_API_KEY: KEY.apiKey,
  ESPER_API_SECRET: KEY.secret,
  ESPER_API_BASE: runtimeUrl,
  ESPER_TIMEOUT_MS: '2000',
});

/** What the app reported: its handler (a header) and the path it routed on (the JSON body). */
export function served(res: { status: number; headers: Headers; body: string }): Served {
  let appPath: string | undefined;
  try {
    appPath = (JSON.parse(res.body) as { path?: string }).path;
  } catch {}
  return { status: res.status, handler: res.headers.get('x-handler'), appPath };
}

type Send = RoutingInstance['send'];

/** Each variant's request target sent as it is on a raw socket to `url`, read by `read`. */
export const sendRaw =
  (url: string, read: typeof served = served): Send =>
  async (variant, headers) =>
    read(await rawRequest(url, { target: variant.target, headers }));

/**
 * A temp dir holding `secret.html` (a protected file) and `css/site.css` (an excluded asset),
 * for an app's static file server; `remove()` deletes it.
 */
export async function staticDir() {
  const dir = await mkdtemp(join(tmpdir(), 'esper-routing-static-'));
  await mkdir(join(dir, 'css'));
  await writeFile(join(dir, 'secret.html'), '<p>secret</p>');
  await writeFile(join(dir, 'css', 'site.css'), 'body{}');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `served`, a response with no `x-handler` named by its bytes instead (a file server sends no
 * header): `files` maps a body to its handler; `okOnly`: only a 200 is a file.
 */
export const servedOrFile =
  (files: Record<string, string>, okOnly = false): typeof served =>
  (res) => {
    const app = served(res);
    const file = okOnly && res.status !== 200 ? undefined : files[res.body];
    return { ...app, handler: app.handler ?? file ?? null };
  };
