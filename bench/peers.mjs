// Peers, measured the same way as our packages: edge bundle (esbuild, same flags, next and react
// external) and Node import time (median of fresh processes, next/server preloaded outside the
// timer). WebAssembly files a peer ships are counted separately (gzip -9 of each .wasm).
// Usage: node bench/peers.mjs [--quick]
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleSize, EXTERNAL } from './bundle.mjs';
import { importTimes } from './import.mjs';
import { emit, QUICK } from './lib.mjs';

const PEERS = ['@arcjet/next', 'perimeterx-nextjs'];
const require = createRequire(import.meta.url);

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

// Every .wasm file in the package and in its `dependencies`, recursively (not peers: next).
function wasmOf(dir) {
  const seenPkgs = new Set();
  const seenFiles = new Set();
  let raw = 0;
  let gzip = 0;
  const scan = (d, depth) => {
    if (depth > 6) return;
    for (const name of readdirSync(d)) {
      if (name === 'node_modules') continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) scan(p, depth + 1);
      else if (name.endsWith('.wasm') && !seenFiles.has(p)) {
        seenFiles.add(p);
        const bytes = readFileSync(p);
        raw += bytes.length;
        gzip += gzipSync(bytes, { level: 9 }).length;
      }
    }
  };
  const visit = (pkgDir) => {
    const real = realpathSync(pkgDir);
    if (seenPkgs.has(real)) return;
    seenPkgs.add(real);
    scan(real, 0);
    const pkg = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8'));
    const req = createRequire(join(real, 'package.json'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      try {
        visit(dirname(req.resolve(`${dep}/package.json`)));
      } catch {
        // A dependency whose package.json is not exported: find its folder beside us.
        const guess = join(real, '..', ...(real.includes('/node_modules/@') ? ['..'] : []), dep);
        try {
          visit(guess);
        } catch {}
      }
    }
  };
  visit(dir);
  return { wasm: raw, wasm_gzip: gzip, wasm_files: seenFiles.size, packages: seenPkgs.size };
}

const peers = {};
const importable = [];
for (const name of PEERS) {
  const dir = packageDir(name);
  if (!dir) {
    peers[name] = {
      error: 'not installed (bench/package.json devDependency missing or install failed)',
    };
    continue;
  }
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  try {
    const b = await bundleSize(require.resolve(name), {
      external: [...EXTERNAL, '*.wasm', '*.wasm?module'],
    });
    peers[name] = { version, min: b.min, gzip: b.gzip, ...wasmOf(dir) };
    importable.push(name);
  } catch (err) {
    peers[name] = { version, error: `bundle failed: ${String(err.message).split('\n')[0]}` };
    importable.push(name);
  }
}
const preload = Object.fromEntries(importable.map((n) => [n, 'next/server.js']));
try {
  const times = await importTimes(importable, QUICK ? 5 : 7, preload);
  for (const [n, ms] of Object.entries(times)) peers[n].import_ms = ms;
} catch (err) {
  for (const n of importable) peers[n].import_error = String(err.message).split('\n')[0];
}
emit({ peers });
