// `node scripts/release-version.mjs [DIR]`: the version step of a release (changesets/action's
// `version` in .github/workflows/release.yml, and scripts/release-dry-run.mjs on a scratch copy).
// Runs `changeset version` (bumps package.json versions, writes each CHANGELOG.md, deletes the
// consumed changesets), then puts each bumped version into its package's src/version.ts
// (`SDK_VERSION`, which the SDK reports to the runtime and version.test.ts keeps equal to
// package.json). Prints what it bumped; exits non-zero if changeset fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SDK_VERSION = /(export const SDK_VERSION = )(['"])([^'"]*)\2/;

/** name → { dir, version } of every package under packages/. */
export function readPackages(root) {
  const out = new Map();
  const base = join(root, 'packages');
  for (const name of readdirSync(base).sort()) {
    const file = join(base, name, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    out.set(manifest.name, { dir: join(base, name), version: manifest.version, manifest });
  }
  return out;
}

/** Sets SDK_VERSION in each package's src/version.ts to its package.json version. */
export function syncVersionFiles(root) {
  const changed = [];
  for (const [name, { dir, version }] of readPackages(root)) {
    const file = join(dir, 'src', 'version.ts');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const m = SDK_VERSION.exec(text);
    if (!m || m[3] === version) continue;
    writeFileSync(file, text.replace(SDK_VERSION, `$1$2${version}$2`));
    changed.push(`${name}: src/version.ts ${m[3]} -> ${version}`);
  }
  return changed;
}

/** `changeset version` in `root` with the repository's own @changesets/cli. */
export function changesetVersion(root) {
  const require = createRequire(join(root, 'package.json'));
  const bin = require.resolve('@changesets/cli/bin.js');
  return spawnSync(process.execPath, [bin, 'version'], { cwd: root, encoding: 'utf8' });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  const before = readPackages(root);
  const r = changesetVersion(root);
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  if (r.status !== 0) {
    console.error(`release-version: changeset version exited ${r.status ?? r.error?.message}`);
    process.exit(1);
  }
  for (const [name, { version }] of readPackages(root)) {
    const old = before.get(name)?.version;
    if (old !== version) console.log(`${name}: ${old ?? '(new)'} -> ${version}`);
  }
  for (const line of syncVersionFiles(root)) console.log(line);
}
