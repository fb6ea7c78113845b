// `node scripts/source-exports.mjs [--write]`: every workspace package resolves to its TypeScript
// sources in tests. Each entry of a package's "exports" (but ./package.json) starts with the
// custom condition "@esper/source", pointing at the source file its build comes from
// (./dist/x.js ← ./src/x.ts). Vitest (`resolve.conditions`), TypeScript (`customConditions` in
// tsconfig.base.json) and the esbuild calls that bundle adapters for workerd and the Edge VM
// ask for that condition; Node, bundlers and TypeScript in a user's project never do, so they
// keep resolving to dist. Since a condition must point at a published file (publint), "files"
// ships the sources without their tests. (A glob, not "src": pnpm's packer ships any file
// named readme* in a listed folder, src/readme.test.ts included, whatever the negations say.)
//
// Checks every packages/*/package.json: the condition is the first key of each entry, points at
// an existing file, and "files" publishes it. Prints one line per package and exits 1 on any
// problem; --write fixes "exports" and "files" in place (and touches no other field).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONDITION = '@esper/source';
export const SOURCE_FILES = [
  'src/**/*.{ts,json}',
  '!src/**/*.test.ts',
  '!src/**/*test-helpers.ts',
  '!src/**/test-support/**',
];

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const write = process.argv.includes('--write');

/** The source file an export entry's build output comes from: its ESM default, dist → src. */
function sourceOf(entry) {
  const built = typeof entry === 'string' ? entry : (entry.import?.default ?? entry.default);
  if (typeof built !== 'string') return undefined;
  const m = /^\.\/dist\/(.+)\.(?:m?js|cjs)$/.exec(built);
  return m ? `./src/${m[1]}.ts` : undefined;
}

function check(dir, manifest) {
  const problems = [];
  const exports = manifest.exports;
  if (!exports || typeof exports !== 'object') return ['no "exports" map'];
  for (const [subpath, entry] of Object.entries(exports)) {
    if (subpath === './package.json') continue;
    const want = sourceOf(entry);
    if (!want) {
      problems.push(`${subpath}: cannot tell its source file`);
      continue;
    }
    if (!existsSync(join(dir, want))) problems.push(`${subpath}: ${want} does not exist`);
    if (typeof entry === 'string' || Object.keys(entry)[0] !== CONDITION)
      problems.push(`${subpath}: "${CONDITION}" is not its first condition`);
    else if (entry[CONDITION] !== want)
      problems.push(`${subpath}: "${CONDITION}" is ${entry[CONDITION]}, want ${want}`);
  }
  const files = manifest.files ?? [];
  for (const f of SOURCE_FILES)
    if (!files.includes(f)) problems.push(`"files" lacks ${JSON.stringify(f)}`);
  return problems;
}

function fix(manifest) {
  const exports = {};
  for (const [subpath, entry] of Object.entries(manifest.exports)) {
    const source = subpath === './package.json' ? undefined : sourceOf(entry);
    if (!source || typeof entry === 'string') {
      exports[subpath] = entry;
      continue;
    }
    const { [CONDITION]: _old, ...rest } = entry;
    exports[subpath] = { [CONDITION]: source, ...rest };
  }
  const files = [...(manifest.files ?? [])].filter((f) => !SOURCE_FILES.includes(f));
  const at = files.includes('dist') ? files.indexOf('dist') + 1 : 0;
  files.splice(at, 0, ...SOURCE_FILES);
  // Same key order: only the two fields change.
  return Object.fromEntries(
    Object.entries(manifest).map(([k, v]) => [
      k,
      k === 'exports' ? exports : k === 'files' ? files : v,
    ]),
  );
}

let failed = 0;
for (const name of readdirSync(join(ROOT, 'packages')).sort()) {
  const dir = join(ROOT, 'packages', name);
  const file = join(dir, 'package.json');
  if (!existsSync(file)) continue;
  let manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (manifest.private) continue;
  if (write && check(dir, manifest).length > 0 && manifest.exports) {
    manifest = fix(manifest);
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`wrote ${manifest.name}: "exports" and "files"`);
  }
  const problems = check(dir, manifest);
  if (problems.length) failed++;
  console.log(
    problems.length
      ? `FAIL ${manifest.name}\n${problems.map((p) => `       ${p}`).join('\n')}`
      : `ok   ${manifest.name}: every export has "${CONDITION}", src is published`,
  );
}
if (failed) console.log(`${failed} package(s) to fix: node scripts/source-exports.mjs --write`);
process.exit(failed ? 1 : 0);
