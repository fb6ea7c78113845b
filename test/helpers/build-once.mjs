// A fixture app's production build, made once for every suite that runs it. The conformance,
// fault, spoofing and routing suites are separate vitest runs (and several files of one run may
// start the same app at once), so a build is cached on disk under test/.output/builds/, keyed by
// a fingerprint of its inputs, and made under a lock: the first caller builds, the others wait
// and reuse it. JavaScript, so plain Node scripts can share it; build-once.d.mts types it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'test/.output/builds');
const SKIP = new Set([
  'node_modules',
  'dist',
  'build',
  '.output',
  '.svelte-kit',
  '.astro',
  '.nitro',
  '.react-router',
  '.git',
]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Size and mtime of every file in `dirs` (files or directories; build output and node_modules left out). */
function fingerprint(dirs) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const s = statSync(path);
        hash.update(`${relative(ROOT, path)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  for (const path of dirs) {
    if (!existsSync(path)) continue;
    const s = statSync(path);
    if (s.isDirectory()) walk(path);
    else hash.update(`${relative(ROOT, path)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** mkdir is atomic: whoever creates the lock directory builds. A lock older than 10 min is stale. */
async function withLock(lock, fn) {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 600_000) rmSync(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const inProcess = new Map();

/**
 * The directory holding `name`'s build for the current `inputs` (absolute files and directories
 * whose contents decide the output: the fixture and the packages it bundles). `build(outDir)` writes the
 * build into `outDir` (empty, created for it); it runs only when no build of these inputs exists.
 * Builds of older inputs are removed.
 * @param {string} name
 * @param {{ inputs: string[], build: (outDir: string) => Promise<void> }} options
 * @returns {Promise<string>}
 */
export function buildOnce(name, { inputs, build }) {
  const key = `${name}-${fingerprint(inputs)}`;
  let made = inProcess.get(key);
  if (!made) {
    made = (async () => {
      const outDir = join(CACHE, key);
      const done = join(outDir, '.built');
      if (existsSync(done)) return outDir;
      await mkdir(CACHE, { recursive: true });
      await withLock(join(CACHE, `${name}.lock`), async () => {
        if (existsSync(done)) return;
        for (const old of readdirSync(CACHE)) {
          if (old.startsWith(`${name}-`))
            await rm(join(CACHE, old), { recursive: true, force: true });
        }
        const tmp = `${outDir}.tmp`;
        await rm(tmp, { recursive: true, force: true });
        await mkdir(tmp, { recursive: true });
        await build(tmp);
        await writeFile(join(tmp, '.built'), new Date().toISOString());
        await rename(tmp, outDir);
      });
      return outDir;
    })();
    inProcess.set(key, made);
  }
  return made;
}

/**
 * What every conformance fixture bundles besides its own files: the source directories of core,
 * hybrid, policy and each named package, and the conformance app contract and hybrid wiring.
 */
export function packageInputs(...packages) {
  return [
    ...['core', 'hybrid', 'policy', ...packages].map((p) => join(ROOT, 'packages', p, 'src')),
    join(ROOT, 'test/conformance/target.ts'),
    join(ROOT, 'test/conformance/fixtures/hybrid.ts'),
  ];
}
