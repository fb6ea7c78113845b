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
  const [command, ...prefix] = pnpm();
  const r = spawnSync(command, [...prefix, '-r', ...filters, 'build'], { stdio: 'inherit' });
  if (r.error) {
    console.error(`build: could not run pnpm (${r.error.message}); run: npx -y pnpm@10 build`);
  }
  process.exit(r.status ?? 1);
}

/**
 * The pnpm that runs this script (`pnpm test`, `pnpm install`'s prepare, also when it came from
 * `npx -y pnpm@10` and is not on PATH), else the one on PATH, else pnpm 10 through npx.
 */
function pnpm() {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm\.c?js$/.test(execPath)) return [process.execPath, execPath];
  const onPath = spawnSync('pnpm', ['--version'], { stdio: 'ignore', shell: false });
  if (onPath.status === 0) return ['pnpm'];
  return ['npx', '-y', 'pnpm@10'];
}
