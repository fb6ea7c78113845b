// Checks the packed package against other React Router versions than the tests install, as a
// user's project would get it: packs @esper/core and @esper/react-router (build them first),
// installs each version with them into a temp dir, builds examples/react-router there with
// `react-router build`, serves it and asks a mock runtime. Not part of the test suite (it
// installs from the registry). React Router 8 needs Node 22.22+: pass one with --node8.
//   node packages/react-router/scripts/check-versions.mjs 7.9.0 [8.4.0 --node8 .node24/node_modules/node/bin/node]
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockRuntime } from '@esper/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const args = process.argv.slice(2);
const node8Arg = args.includes('--node8') ? args.splice(args.indexOf('--node8'), 2)[1] : undefined;
const node8 = node8Arg && resolve(node8Arg);
const packs = mkdtempSync(join(tmpdir(), 'esper-rr-packs-'));
for (const pkg of ['core', 'react-router'])
  execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: join(ROOT, 'packages', pkg) });

async function check(version) {
  const major8 = version.startsWith('8.');
  const node = major8 ? node8 : process.execPath;
  if (!node) throw new Error(`React Router ${version} needs --node8 <a Node 22.22+ binary>`);
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
  const dir = mkdtempSync(join(tmpdir(), `esper-rr-${version}-`));
  const example = join(ROOT, 'examples/react-router');
  for (const f of ['app', 'server', 'server.js', 'react-router.config.ts', 'vite.config.ts'])
    cpSync(join(example, f), join(dir, f), { recursive: true });
  const rr = ['react-router', '@react-router/node', '@react-router/express', '@react-router/dev'];
  const deps = {
    '@esper/core': `file:${join(packs, 'esper-core-0.1.0.tgz')}`,
    '@esper/react-router': `file:${join(packs, 'esper-react-router-0.1.0.tgz')}`,
    ...Object.fromEntries(rr.map((name) => [name, version])),
    ...{ express: '^5.1.0', isbot: '^5.1.0', react: '^19.2.0', 'react-dom': '^19.2.0' },
    vite: '^7.3.0',
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', dependencies: deps }));
  if (major8) {
    // 8: middleware is always on (the flag is an error), and Vite's environment API names the
    // server build's entry.
    writeFileSync(join(dir, 'react-router.config.ts'), 'export default { ssr: true };\n');
    const vite = readFileSync(join(dir, 'vite.config.ts'), 'utf8').replace(
      /\(\{ isSsrBuild \}\) => \(\{\n {2}build: .*\n(.*)\n\}\)\)/,
      "{\n  environments: { ssr: { build: { rollupOptions: { input: './server/app.ts' } } } },\n$1\n})",
    );
    writeFileSync(join(dir, 'vite.config.ts'), vite);
  }
  // The peer range is 7.x: an 8 install is told to go ahead anyway.
  const npm = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
  execFileSync('npm', major8 ? [...npm, '--legacy-peer-deps'] : npm, { cwd: dir, env });
  execFileSync(node, ['node_modules/.bin/react-router', 'build'], {
    cwd: dir,
    env,
    stdio: 'ignore',
  });
  const config = JSON.parse(readFileSync(join(example, 'esper-mock.json'), 'utf8'));
  const runtime = await startMockRuntime(config);
  const server = spawn(node, ['server.js'], {
    cwd: dir,
    env: {
      ...env,
      PORT: '0',
      ...{ ESPER_API_BASE: runtime.url, ESPER_API_KEY: 'esper_test_key' },
      ...{ ESPER_API_SECRET: 'esper_test_secret', ESPER_TIMEOUT_MS: '5000' },
    },
  });
  const origin = await new Promise((resolve) => {
    server.stdout.on('data', (d) => {
      const port = String(d).match(/localhost:(\d+)/)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
  });
  const cases = [
    ['/', 'text/html', 200],
    ['/api/hello', 'application/json', 200],
    ['/admin', 'application/json', 403],
    ['/ADMIN/', 'application/json', 403],
    ['/admin.data', 'application/json', 403],
    ['/login', 'text/html', 302],
  ];
  let ok = true;
  for (const [path, accept, want] of cases) {
    const headers = { accept, 'x-forwarded-for': '203.0.113.99' };
    const res = await fetch(origin + path, { headers, redirect: 'manual' });
    const asked = runtime.requests.at(-1)?.body?.request;
    const good = res.status === want && asked?.client_ip === '127.0.0.1';
    ok &&= good;
    console.log(
      `${good ? 'ok  ' : 'FAIL'} ${version} ${path}: ${res.status} (want ${want}), asked ${asked?.path} from ${asked?.client_ip}`,
    );
  }
  server.kill('SIGTERM');
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

let failed = false;
for (const version of args) if (!(await check(version))) failed = true;
rmSync(packs, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
