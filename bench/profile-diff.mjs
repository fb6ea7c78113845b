// Per-function self time per request, one .cpuprofile minus another, largest first: where the
// SDK spends what the floor does not. N_A and N_B are the requests each profile covers.
// Usage: node bench/profile-diff.mjs A.cpuprofile N_A B.cpuprofile N_B
import { readFileSync } from 'node:fs';

function load(file, N) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++)
    dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const g = new Map();
  for (const n of prof.nodes) {
    const f = n.callFrame;
    if (f.functionName === '(idle)') continue;
    const k = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    g.set(k, (g.get(k) ?? 0) + (dt.get(n.id) ?? 0) / N);
  }
  return g;
}
const a = load(process.argv[2], Number(process.argv[3])),
  b = load(process.argv[4], Number(process.argv[5]));
const keys = new Set([...a.keys(), ...b.keys()]);
const rows = [...keys]
  .map((k) => [k, (a.get(k) ?? 0) - (b.get(k) ?? 0)])
  .sort((x, y) => y[1] - x[1]);
for (const [k, d] of rows.slice(0, 45)) console.log(d.toFixed(1).padStart(7), k);
