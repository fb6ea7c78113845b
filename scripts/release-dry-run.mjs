// `node scripts/release-dry-run.mjs [--json FILE] [--keep]`: a release, without releasing. On a scratch copy of
// the working tree (the files git would commit, plus each package's built dist), it runs what
// .github/workflows/release.yml runs:
//   1. scripts/release-version.mjs: `changeset version` (every pending changeset must parse),
//      then each src/version.ts set to its package's new version;
//   2. scripts/release-publish.mjs --dry-run: `pnpm -r publish --dry-run --no-git-checks`,
//      which asks the registry which versions are new and packs each package as published;
// then checks each package that would be published, as packed: its version is the bumped one,
// no workspace: range is left, each @esper/* dependency asks for the version released with it,
// every "exports" target is in the tarball and no test file is.
// The working tree is never changed. Prints one line per check, a summary table, and exits 1 on
// any failure. --json writes the checks for scripts/count-results.mjs (`{ passed, failed,
// checks }`); --keep leaves the scratch copy in place and prints its path.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPackages } from './release-version.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const jsonOut = args.includes('--json') ? resolve(args[args.indexOf('--json') + 1] ?? '') : null;
const work = mkdtempSync(join(tmpdir(), 'esper-release-dry-run-'));
const scratch = join(work, 'repo');
const packs = join(work, 'packs');
mkdirSync(scratch);
mkdirSync(packs);

const checks = [];
function check(name, fn) {
  const started = Date.now();
  let ok = false;
  let detail = '';
  try {
    const r = fn();
    ok = r === undefined || r === true;
    if (typeof r === 'string') detail = r;
  } catch (err) {
    detail = err instanceof Error ? err.message : String(err);
  }
  checks.push({ name, ok, detail, ms: Date.now() - started });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${secs} s)${detail ? `\n${indent(detail)}` : ''}`);
  return ok;
}
const indent = (text) =>
  text
    .trimEnd()
    .split('\n')
    .slice(-80)
    .map((l) => `       ${l}`)
    .join('\n');

/** The pnpm running this script, else pnpm on PATH, else pnpm 10 through npx. */
function pnpm() {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm\.c?js$/.test(execPath)) return [process.execPath, execPath];
  if (spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0) return ['pnpm'];
  return ['npx', '-y', 'pnpm@10'];
}
const [pnpmCmd, ...pnpmPrefix] = pnpm();

/** Runs a command; returns its output, or throws with it when the command fails. */
function sh(command, argv, cwd, env = {}) {
  const r = spawnSync(command, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) throw new Error(`${command} ${argv.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${argv.join(' ')} exited ${r.status}\n${output}`);
  return output;
}
const node = (script, argv, cwd, env) => sh(process.execPath, [script, ...argv], cwd, env);

const before = readPackages(ROOT);
const pendingChangesets = readdirSync(join(ROOT, '.changeset')).filter(
  (f) => f.endsWith('.md') && f !== 'README.md',
);
let after = new Map();
let wouldPublish = [];
const packed = new Map();
let ready = true;

ready &&= check('dist is built and current (scripts/build-if-stale.mjs)', () => {
  node('scripts/build-if-stale.mjs', [], ROOT);
});
check('every export resolves to its sources in the workspace (scripts/source-exports.mjs)', () => {
  node('scripts/source-exports.mjs', [], ROOT);
});
ready &&= check(`every pending changeset parses (${pendingChangesets.length})`, () => {
  const cli = createRequire(join(ROOT, 'package.json')).resolve('@changesets/cli/package.json');
  const parse = createRequire(cli)('@changesets/parse').default;
  const bad = [];
  for (const f of pendingChangesets) {
    try {
      const { releases } = parse(readFileSync(join(ROOT, '.changeset', f), 'utf8'));
      for (const { name } of releases)
        if (!before.has(name)) bad.push(`.changeset/${f}: no package named ${name}`);
    } catch (err) {
      bad.push(`.changeset/${f}: ${String(err.message).split('\n')[0]}`);
    }
  }
  if (bad.length) throw new Error(bad.join('\n'));
});
ready &&= check('scratch copy: the files git would commit, plus packages/*/dist', () => {
  const files = sh('git', ['ls-files', '-co', '--exclude-standard', '-z'], ROOT)
    .split('\0')
    .filter((f) => f && existsSync(join(ROOT, f)));
  for (const { dir } of before.values())
    if (existsSync(join(dir, 'dist'))) files.push(join(dir, 'dist').slice(ROOT.length + 1));
  writeFileSync(join(work, 'files'), files.join('\n'));
  sh('tar', ['-cf', join(work, 'tree.tar'), '-T', join(work, 'files')], ROOT);
  sh('tar', ['-xf', join(work, 'tree.tar')], scratch);
});
ready &&= check('scratch copy: pnpm install --frozen-lockfile --prefer-offline', () => {
  // Scripts off: dist is the one just checked, and publish resolves workspace: ranges from
  // each package's node_modules.
  sh(
    pnpmCmd,
    [...pnpmPrefix, 'install', '--frozen-lockfile', '--prefer-offline', '--ignore-scripts'],
    scratch,
  );
});
ready &&= check(
  `changeset version (${pendingChangesets.length} pending changesets) + src/version.ts`,
  () => {
    node('scripts/release-version.mjs', [], scratch);
    after = readPackages(scratch);
  },
);
ready &&= check('src/version.ts says each package.json version', () => {
  const wrong = [];
  for (const [name, { dir, version }] of after) {
    const file = join(dir, 'src', 'version.ts');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const m = /SDK_VERSION = ['"]([^'"]*)['"]/.exec(text);
    if (m && m[1] !== version)
      wrong.push(`${name}: src/version.ts ${m[1]}, package.json ${version}`);
  }
  if (wrong.length) throw new Error(wrong.join('\n'));
});
ready &&= check('pnpm -r publish --dry-run --no-git-checks (scripts/release-publish.mjs)', () => {
  const out = node('scripts/release-publish.mjs', ['--dry-run'], scratch, {
    // A dry run signs nothing: provenance needs the CI's OIDC token.
    NPM_CONFIG_PROVENANCE: 'false',
  });
  wouldPublish = [...out.matchAll(/^New tag: (@?[^@\s]+)@(\S+)/gm)].map((m) => ({
    name: m[1],
    version: m[2],
  }));
  if (wouldPublish.length === 0 && !/nothing to publish/.test(out)) return out;
});

if (ready) {
  for (const { name, version } of wouldPublish) {
    const pkg = after.get(name);
    if (!pkg) {
      check(`${name}@${version}: is a workspace package`, () => 'not under packages/');
      continue;
    }
    check(`${name}@${version}: packed as it would be published`, () => {
      const meta = JSON.parse(
        sh(pnpmCmd, [...pnpmPrefix, 'pack', '--json', '--pack-destination', packs], pkg.dir),
      );
      packed.set(name, meta);
      const problems = [];
      if (meta.version !== version) problems.push(`packed ${meta.version}, publishing ${version}`);
      const manifest = JSON.parse(
        sh('tar', ['-xzOf', meta.filename, 'package/package.json'], work),
      );
      const files = new Set(meta.files.map((f) => f.path));
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          if (String(range).startsWith('workspace:'))
            problems.push(`${field}.${dep} is still ${range}`);
          const released = after.get(dep)?.version;
          if (released && String(range).replace(/^[\^~]/, '') !== released)
            problems.push(`${field}.${dep} is ${range}, but ${dep} is released as ${released}`);
        }
      }
      for (const entry of Object.values(manifest.exports ?? {}))
        for (const target of JSON.stringify(entry).match(/"\.\/[^"]+"/g) ?? []) {
          const path = JSON.parse(target).slice(2);
          if (!files.has(path)) problems.push(`${path} is not packed`);
        }
      const tests = [...files].filter((f) => /\.test\.|test-helpers|test-support/.test(f));
      if (tests.length) problems.push(`test files packed: ${tests.join(', ')}`);
      if (problems.length) throw new Error(problems.join('\n'));
    });
  }
}

// Summary.
const rows = [...new Set([...before.keys(), ...after.keys()])].map((name) => {
  const from = before.get(name)?.version ?? '-';
  const to = after.get(name)?.version ?? from;
  const pub = wouldPublish.find((p) => p.name === name);
  const meta = packed.get(name);
  const what = before.get(name)?.manifest.private
    ? 'private'
    : !ready
      ? 'not checked (an earlier check failed)'
      : pub
        ? `would publish${meta ? ` (${meta.files.length} files)` : ''}`
        : 'not published';
  return [name, from === to ? from : `${from} -> ${to}`, what];
});
const width = rows.reduce((w, r) => [0, 1].map((i) => Math.max(w[i], r[i].length)), [0, 0]);
console.log('\nrelease dry run');
for (const r of rows) console.log(`  ${r[0].padEnd(width[0])}  ${r[1].padEnd(width[1])}  ${r[2]}`);
const failed = checks.filter((c) => !c.ok).length;
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  const passed = checks.length - failed;
  const report = { suite: 'release dry run', passed, failed, checks };
  writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
}
if (keep) console.log(`  scratch copy kept: ${scratch}`);
else rmSync(work, { recursive: true, force: true });
console.log(
  failed === 0
    ? `release dry run: ok, all ${checks.length} checks passed`
    : `release dry run: FAILED, ${failed} of ${checks.length} checks failed`,
);
process.exit(failed === 0 ? 0 : 1);
