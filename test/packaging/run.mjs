// `node test/packaging/run.mjs [--json FILE] [--keep]`: the packages as a user gets them.
// Packs every packages/* with pnpm (workspace:^ becomes a version, as on publish), checks each
// tarball's files (dist, README.md, LICENSE, bins), installs the tarballs with npm into a fresh
// project outside the repository, then:
//   - type-checks a file importing every entry with `lib: ["es2022"]`, `types: ["node"]`,
//     `skipLibCheck: false` (a Node-only project: no DOM types), as ESM and as CommonJS under
//     `module: node16`, and again under `moduleResolution: bundler`; the entries of packages
//     for frameworks whose own types need the DOM (FRAMEWORK_TYPED) as their starters compile;
//   - imports every entry as ESM and requires it as CommonJS;
//   - runs each package bin with --help.
// With --fresh-install, also the README's first step on a copy of the working tree (the files
// git would commit, no node_modules, no dist): `npx -y pnpm@10 install` must print no WARN
// and build the packages, and `npx esper-mock --help` must then work in an example folder.
// Prints one line per check, then "N passed, N failed"; --json writes the same for
// scripts/count-results.mjs. Exits 1 on any failure.
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
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? resolve(args[args.indexOf('--json') + 1] ?? '') : null;
const keep = args.includes('--keep');
const freshInstall = args.includes('--fresh-install');
// Versions a user would have; TypeScript as the repository pins it.
const TYPESCRIPT = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies
  .typescript;
const TYPES_NODE = '^20.19.0';

const checks = [];
function check(name, fn) {
  const started = Date.now();
  let detail = '';
  let ok = false;
  try {
    const r = fn();
    ok = r === undefined || r === true;
    if (typeof r === 'string') detail = r;
  } catch (err) {
    detail = err instanceof Error ? err.message : String(err);
  }
  checks.push({ name, ok, detail, ms: Date.now() - started });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `\n${indent(detail)}` : ''}`);
  return ok;
}
const indent = (text) =>
  text
    .trimEnd()
    .split('\n')
    .slice(0, 60)
    .map((l) => `       ${l}`)
    .join('\n');

/** Runs a command; throws with its output when it fails. */
function sh(command, argv, cwd, extraEnv = {}) {
  const r = spawnSync(command, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...extraEnv },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${command} ${argv.join(' ')}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${command} ${argv.join(' ')} exited ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The pnpm running this script, else pnpm on PATH, else pnpm 10 through npx. */
function pnpm() {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm\.c?js$/.test(execPath)) return [process.execPath, execPath];
  if (spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0) return ['pnpm'];
  return ['npx', '-y', 'pnpm@10'];
}

const packages = readdirSync(join(ROOT, 'packages'))
  .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
  .map((d) => {
    const dir = join(ROOT, 'packages', d);
    return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  })
  .filter((p) => !p.manifest.private);

const work = mkdtempSync(join(tmpdir(), 'esper-packaging-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
mkdirSync(tarballs);
mkdirSync(project);

// dist must be current: what would be published.
check('build (scripts/build-if-stale.mjs)', () => {
  sh(process.execPath, ['scripts/build-if-stale.mjs'], ROOT);
});

const packed = new Map();
const [pnpmCmd, ...pnpmPrefix] = pnpm();
for (const { dir, manifest } of packages) {
  check(`${manifest.name}: pnpm pack`, () => {
    const before = new Set(readdirSync(tarballs));
    sh(pnpmCmd, [...pnpmPrefix, 'pack', '--pack-destination', tarballs], dir);
    const file = readdirSync(tarballs).find((f) => !before.has(f));
    if (!file) throw new Error('no tarball written');
    packed.set(manifest.name, join(tarballs, file));
  });
  const tgz = packed.get(manifest.name);
  if (!tgz) continue;
  check(`${manifest.name}: tarball has package.json, README.md, LICENSE, dist, bins`, () => {
    const files = new Set(
      sh('tar', ['-tzf', tgz], work)
        .split('\n')
        .filter(Boolean)
        .map((f) => f.replace(/^package\//, '')),
    );
    const want = ['package.json', 'README.md', 'LICENSE', ...Object.values(manifest.bin ?? {})];
    for (const entry of Object.values(manifest.exports ?? {}))
      for (const target of JSON.stringify(entry).match(/"\.\/[^"]+"/g) ?? [])
        want.push(JSON.parse(target));
    const missing = [...new Set(want.map((f) => f.replace(/^\.\//, '')))].filter(
      (f) => !files.has(f),
    );
    if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
    const license = sh('tar', ['-xzOf', tgz, 'package/LICENSE'], work);
    if (!license.includes('Apache License') || !license.includes('Version 2.0'))
      throw new Error('LICENSE is not the Apache-2.0 text');
    const publishedManifest = JSON.parse(sh('tar', ['-xzOf', tgz, 'package/package.json'], work));
    const workspaceRefs = JSON.stringify(publishedManifest).match(/"workspace:[^"]*"/g);
    if (workspaceRefs) throw new Error(`workspace: ranges left: ${workspaceRefs.join(', ')}`);
  });
}

/** Every importable entry: "@esper/core", "@esper/core/node", … (not ./package.json). */
const entries = packages.flatMap(({ manifest }) =>
  Object.keys(manifest.exports ?? { '.': null })
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? manifest.name : `${manifest.name}/${k.slice(2)}`)),
);
// Peer dependencies a user installs next to the packages whose types or code need them.
const peers = new Set();
for (const { manifest } of packages)
  for (const name of Object.keys(manifest.peerDependencies ?? {}))
    if (!manifest.peerDependenciesMeta?.[name]?.optional) peers.add(name);

const installed = check('npm install the tarballs into a new project', () => {
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'esper-packaging-check', version: '0.0.0', private: true }, null, 2)}\n`,
  );
  sh(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      ...[...packed.values()],
      ...[...peers].map((p) => `${p}@${peerRange(p)}`),
      `typescript@${TYPESCRIPT}`,
      `@types/node@${TYPES_NODE}`,
    ],
    project,
  );
  // Every @esper/* must be the packed one: never a same-named package from a registry.
  for (const name of packed.keys()) {
    const version = JSON.parse(
      readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'),
    ).version;
    const mine = packages.find((p) => p.manifest.name === name).manifest.version;
    if (version !== mine) throw new Error(`${name}: installed ${version}, packed ${mine}`);
  }
  const nested = sh('npm', ['ls', '--all', '--parseable'], project)
    .split('\n')
    .filter((l) => /node_modules\/.+\/node_modules\/@esper\//.test(l));
  if (nested.length) throw new Error(`@esper/* installed twice:\n${nested.join('\n')}`);
});

function peerRange(name) {
  // The range the SDK's own tests run against (the root or a package's devDependencies).
  for (const m of [
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')),
    ...packages.map((p) => p.manifest),
  ]) {
    const range = m.devDependencies?.[name];
    if (range && !range.startsWith('workspace:') && !range.startsWith('npm:')) return range;
  }
  return 'latest';
}

/**
 * Packages whose framework's own type declarations need the DOM and are not clean under
 * `skipLibCheck: false` (astro, @sveltejs/kit, react-router, h3 and what they pull in: shiki,
 * unstorage's optional drivers, crossws, iron-webcrypto). Their users compile as the framework's starter tsconfig does
 * (DOM libs, `skipLibCheck: true`), so their entries are checked that way (which cannot see an
 * error inside our own .d.ts there), and every other entry stays in the strict Node-only check.
 */
const FRAMEWORK_TYPED = new Set([
  '@esper/astro',
  '@esper/nuxt',
  '@esper/react-router',
  '@esper/sveltekit',
]);
const packageOf = (entry) => entry.split('/').slice(0, 2).join('/');
const strictEntries = entries.filter((e) => !FRAMEWORK_TYPED.has(packageOf(e)));
const frameworkEntries = entries.filter((e) => FRAMEWORK_TYPED.has(packageOf(e)));

function importFile(list) {
  const importLines = list.map((e, i) => `import * as m${i} from '${e}';`).join('\n');
  return `${importLines}\nexport const all = [${list.map((_, i) => `m${i}`).join(', ')}];\n`;
}

if (installed) {
  writeFileSync(join(project, 'esm.mts'), importFile(strictEntries));
  writeFileSync(join(project, 'cjs.cts'), importFile(strictEntries));
  writeFileSync(join(project, 'bundler.ts'), importFile(strictEntries));
  writeFileSync(join(project, 'framework.ts'), importFile(frameworkEntries));
  const base = {
    target: 'es2022',
    lib: ['es2022'],
    types: ['node'],
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  };
  const configs = {
    'tsconfig.node16.json': {
      compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' },
      files: ['esm.mts', 'cjs.cts'],
    },
    'tsconfig.bundler.json': {
      compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' },
      files: ['bundler.ts'],
    },
  };
  for (const [file, config] of Object.entries(configs)) {
    writeFileSync(join(project, file), `${JSON.stringify(config, null, 2)}\n`);
    const { module, moduleResolution } = config.compilerOptions;
    check(
      `tsc --noEmit, every entry but ${[...FRAMEWORK_TYPED].join(', ')}, lib es2022 + types node, skipLibCheck false, module ${module}/${moduleResolution}`,
      () => {
        sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', file], project);
      },
    );
  }
  if (frameworkEntries.length > 0) {
    const config = {
      compilerOptions: {
        ...base,
        lib: ['es2022', 'dom', 'dom.iterable'],
        skipLibCheck: true,
        module: 'esnext',
        moduleResolution: 'bundler',
      },
      files: ['framework.ts'],
    };
    writeFileSync(join(project, 'tsconfig.framework.json'), `${JSON.stringify(config, null, 2)}\n`);
    check(
      `tsc --noEmit, ${frameworkEntries.join(', ')} as their frameworks' starters compile (DOM libs, skipLibCheck true, bundler)`,
      () => {
        sh(
          process.execPath,
          ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.framework.json'],
          project,
        );
      },
    );
  }
  for (const entry of entries) {
    check(`${entry}: ESM import`, () => {
      const out = sh(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`,
        ],
        project,
      );
      if (Number(out.trim()) === 0) throw new Error('no exports');
    });
    check(`${entry}: CommonJS require`, () => {
      const out = sh(
        process.execPath,
        [
          '--input-type=commonjs',
          '-e',
          `console.log(Object.keys(require(${JSON.stringify(entry)})).length);`,
        ],
        project,
      );
      if (Number(out.trim()) === 0) throw new Error('no exports');
    });
  }
  for (const { manifest } of packages) {
    for (const bin of Object.keys(manifest.bin ?? {})) {
      check(`${manifest.name}: npx ${bin} --help`, () => {
        const out = sh('npx', ['--yes=false', bin, '--help'], project);
        if (!/usage/i.test(out)) throw new Error(`no usage text:\n${out}`);
      });
    }
  }
}

if (freshInstall) {
  const clone = join(work, 'clone');
  mkdirSync(clone);
  const files = sh('git', ['ls-files', '-co', '--exclude-standard', '-z'], ROOT)
    .split('\0')
    .filter((f) => f && existsSync(join(ROOT, f)));
  writeFileSync(join(work, 'files'), files.join('\n'));
  sh('tar', ['-cf', join(work, 'tree.tar'), '-T', join(work, 'files')], ROOT);
  sh('tar', ['-xf', join(work, 'tree.tar')], clone);
  let output = '';
  const ok = check('fresh copy: npx -y pnpm@10 install (the README step)', () => {
    const r = spawnSync('npx', ['-y', 'pnpm@10', 'install'], {
      cwd: clone,
      encoding: 'utf8',
      // As a user's shell: not inside this script's pnpm, CI settings aside.
      env: { ...process.env, npm_execpath: '', npm_config_user_agent: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    output = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`exited ${r.status}\n${output.slice(-4000)}`);
  });
  if (ok) {
    check('fresh copy: the install printed no WARN', () => {
      const warns = output.split('\n').filter((l) => /\bWARN\b/.test(l));
      if (warns.length) throw new Error(`${warns.length} WARN lines:\n${warns.join('\n')}`);
    });
    check('fresh copy: `npx esper-mock --help` in examples/express-heroku', () => {
      const out = sh(
        'npx',
        ['--yes=false', 'esper-mock', '--help'],
        join(clone, 'examples/express-heroku'),
      );
      if (!/^Usage: esper-mock/.test(out)) throw new Error(`unexpected output:\n${out}`);
    });
  }
}

const passed = checks.filter((c) => c.ok).length;
const failed = checks.length - passed;
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ suite: 'packaging', passed, failed, checks }, null, 2)}\n`,
  );
}
if (keep) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
