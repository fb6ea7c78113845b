// Runs the worker locally the way `wrangler dev` does: esbuild bundles `main` from wrangler.toml
// and workerd (through miniflare) runs it with the [vars] and .dev.vars as bindings. Used by
// `npm run dev` and by the test, so that both run exactly what wrangler would deploy.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

const DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * The parts of wrangler.toml this example uses: `main`, `compatibility_date` and `[vars]`
 * (string values only). Anything else in the file is not supported here.
 * @returns {{ main: string, compatibilityDate: string, vars: Record<string, string> }}
 */
export function readWranglerToml() {
  const text = readFileSync(`${DIR}wrangler.toml`, 'utf8');
  /** @type {Record<string, Record<string, string>>} */
  const sections = { '': {} };
  let section = '';
  for (const line of text.split('\n')) {
    const header = line.match(/^\s*\[(\w+)\]\s*$/);
    if (header) {
      section = header[1] ?? '';
      sections[section] ??= {};
    }
    const pair = line.match(/^\s*(\w+)\s*=\s*"([^"]*)"\s*$/);
    const values = sections[section];
    if (pair && values) values[pair[1] ?? ''] = pair[2] ?? '';
  }
  const top = sections[''] ?? {};
  if (!top.main || !top.compatibility_date)
    throw new Error('wrangler.toml needs main and compatibility_date');
  return { main: top.main, compatibilityDate: top.compatibility_date, vars: sections.vars ?? {} };
}

/** KEY=VALUE lines of .dev.vars, as wrangler reads them; none when the file is absent. */
export function readDevVars(file = `${DIR}.dev.vars`) {
  if (!existsSync(file)) return {};
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const pair = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/i);
    if (pair && !line.trimStart().startsWith('#')) vars[pair[1] ?? ''] = pair[2] ?? '';
  }
  return vars;
}

/**
 * Bundles and starts the worker in workerd.
 * @param {{ bindings?: Record<string, string>, port?: number }} [options] bindings win over
 *   wrangler.toml's [vars]; `port` serves it over HTTP on 127.0.0.1 as well.
 */
export async function startWorker(options = {}) {
  const config = readWranglerToml();
  const out = await build({
    entryPoints: [`${DIR}${config.main}`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'warning',
  });
  const mf = new Miniflare({
    modules: true,
    script: out.outputFiles[0]?.text ?? '',
    compatibilityDate: config.compatibilityDate,
    bindings: { ...config.vars, ...options.bindings },
    ...(options.port === undefined ? {} : { host: '127.0.0.1', port: options.port }),
  });
  const url = await mf.ready;
  return { mf, url };
}
