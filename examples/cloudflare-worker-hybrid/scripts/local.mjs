// Runs the worker locally the way `wrangler dev` does: esbuild bundles `main` from wrangler.toml
// and workerd (through miniflare) runs it with the [vars] and .dev.vars as bindings. Used by
// `npm run dev` and by the test, so that both run exactly what wrangler would deploy.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

const DIR = fileURLToPath(new URL('..', import.meta.url));

/** @typedef {Record<string, string | string[]>} Table */

/**
 * The parts of wrangler.toml this example uses: `main`, `compatibility_date`, `[vars]`,
 * `[[durable_objects.bindings]]` and `[[migrations]]` (string and string-list values only).
 * Anything else in the file is not supported here.
 */
export function readWranglerToml() {
  const text = readFileSync(`${DIR}wrangler.toml`, 'utf8');
  /** @type {Record<string, Table>} */
  const sections = { '': {} };
  /** @type {Record<string, Table[]>} */
  const arrays = {};
  /** @type {Table} */
  let values = /** @type {Table} */ (sections['']);
  for (const line of text.split('\n')) {
    const header = line.match(/^\s*\[(\w+)\]\s*$/);
    const arrayHeader = line.match(/^\s*\[\[([\w.]+)\]\]\s*$/);
    if (header) {
      const name = header[1] ?? '';
      sections[name] ??= {};
      values = sections[name];
    }
    if (arrayHeader) {
      const name = arrayHeader[1] ?? '';
      values = {};
      arrays[name] ??= [];
      arrays[name].push(values);
    }
    const pair = line.match(/^\s*(\w+)\s*=\s*("[^"]*"|\[[^\]]*\])\s*$/);
    if (pair) values[pair[1] ?? ''] = JSON.parse(pair[2] ?? '""');
  }
  const top = /** @type {Record<string, string>} */ (sections['']);
  if (!top.main || !top.compatibility_date)
    throw new Error('wrangler.toml needs main and compatibility_date');
  const sqlite = (arrays.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []);
  /** @type {Record<string, { className: string, useSQLite: boolean }>} */
  const durableObjects = {};
  for (const b of arrays['durable_objects.bindings'] ?? []) {
    const className = String(b.class_name);
    durableObjects[String(b.name)] = { className, useSQLite: sqlite.includes(className) };
  }
  return {
    main: top.main,
    compatibilityDate: top.compatibility_date,
    vars: /** @type {Record<string, string>} */ (sections.vars ?? {}),
    durableObjects,
  };
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
 * Bundles and starts the worker in workerd, its Durable Objects (wrangler.toml's bindings) kept
 * in memory.
 * @param {{ bindings?: Record<string, string>, port?: number, scripts?: string[] }} [options]
 *   bindings win over wrangler.toml's [vars]; `port` serves it over HTTP on 127.0.0.1 as well;
 *   `scripts` deploys the same code as several Worker scripts (for `mf.getWorker(name)`), the
 *   first one owning the Durable Object classes and the others bound to its namespace, as a
 *   second Worker is with `script_name` in its wrangler.toml.
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
  const [owner = 'worker', ...others] = options.scripts ?? [];
  /** @param {string} name @param {string | undefined} scriptName */
  const worker = (name, scriptName) => ({
    name,
    modules: true,
    script: out.outputFiles[0]?.text ?? '',
    compatibilityDate: config.compatibilityDate,
    bindings: { ...config.vars, ...options.bindings },
    durableObjects: Object.fromEntries(
      Object.entries(config.durableObjects).map(([binding, d]) => [
        binding,
        scriptName ? { ...d, scriptName } : d,
      ]),
    ),
  });
  const mf = new Miniflare({
    workers: [worker(owner, undefined), ...others.map((name) => worker(name, owner))],
    ...(options.port === undefined ? {} : { host: '127.0.0.1', port: options.port }),
  });
  const url = await mf.ready;
  return { mf, url };
}
