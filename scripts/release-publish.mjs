// `node scripts/release-publish.mjs`: the publish step of .github/workflows/release.yml
// (changesets/action's `publish`), run once the "Version Packages" pull request is merged.
// `pnpm -r publish` publishes every public package whose version the registry does not have yet
// (workspace: ranges become versions), with provenance when NPM_CONFIG_PROVENANCE=true (the
// workflow sets it and grants `id-token: write`). Then, as `changeset publish` would, it tags
// each published package `name@version` and prints "New tag: name@version", from which
// changesets/action pushes the tags and creates one GitHub release per package.
// Extra arguments go to `pnpm publish` (scripts/release-dry-run.mjs passes --dry-run).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const extra = process.argv.slice(2);
const dryRun = extra.includes('--dry-run');
const summary = join(ROOT, 'pnpm-publish-summary.json');

/** The pnpm running this script, else pnpm on PATH, else pnpm 10 through npx. */
function pnpm() {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm\.c?js$/.test(execPath)) return [process.execPath, execPath];
  if (spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0) return ['pnpm'];
  return ['npx', '-y', 'pnpm@10'];
}
const [pnpmCmd, ...pnpmPrefix] = pnpm();

rmSync(summary, { force: true });
// No git checks: the workflow publishes the commit it checked out, whatever branch name
// GitHub gives the checkout; the version pull request was reviewed and merged into main.
const r = spawnSync(
  pnpmCmd,
  [
    ...pnpmPrefix,
    '-r',
    'publish',
    '--access',
    'public',
    '--no-git-checks',
    '--report-summary',
    ...extra,
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
if (r.status !== 0) {
  console.error(`release-publish: pnpm -r publish exited ${r.status ?? r.error?.message}`);
  process.exit(1);
}

const published = existsSync(summary)
  ? JSON.parse(readFileSync(summary, 'utf8')).publishedPackages
  : [];
rmSync(summary, { force: true });
if (published.length === 0) console.log('release-publish: nothing to publish');
for (const { name, version } of published) {
  const tag = `${name}@${version}`;
  if (!dryRun) {
    const exists = spawnSync('git', ['rev-parse', '-q', '--verify', `refs/tags/${tag}`], {
      cwd: ROOT,
    });
    if (exists.status !== 0) {
      const t = spawnSync('git', ['tag', tag], { cwd: ROOT, stdio: 'inherit' });
      if (t.status !== 0) {
        console.error(`release-publish: git tag ${tag} failed`);
        process.exit(1);
      }
    }
  }
  console.log(`New tag: ${tag}${dryRun ? ' (dry run: not tagged)' : ''}`);
}
