// Builds only the packages whose dist is missing or older than their sources, so `pnpm test`
// after `pnpm build` (as CI does) does not build everything twice.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  // The folder's own time changes when a file is added, renamed or removed.
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

function oldest(path) {
  if (!existsSync(path)) return 0;
  const files = readdirSync(path).map((f) => statSync(join(path, f)).mtimeMs);
  return files.length ? Math.min(...files) : 0;
}

const stale = readdirSync('packages').filter((name) => {
  const dir = join('packages', name);
  if (!existsSync(join(dir, 'package.json'))) return false;
  const sources = Math.max(
    newest(join(dir, 'src')),
    newest(join(dir, 'package.json')),
    newest(join(dir, 'tsup.config.ts')),
  );
  return oldest(join(dir, 'dist')) < sources;
});

if (stale.length === 0) {
  console.log('build: every package is up to date');
} else {
  console.log(`build: ${stale.join(', ')}`);
  const filters = stale.flatMap((name) => ['--filter', `./packages/${name}`]);
  const r = spawnSync('pnpm', ['-r', ...filters, 'build'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
