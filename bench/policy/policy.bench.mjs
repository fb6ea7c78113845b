#!/usr/bin/env node
// Evaluations per second of @esper/policy (built dist) against json-logic-js on the same
// inputs. Usage: node bench/policy/policy.bench.mjs [out.json]
// Needs `pnpm --filter @esper/policy build` first, and json-logic-js resolvable from here
// (bench/package.json devDependency, or NODE_PATH pointing at a node_modules that has it).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createJsonLogicEngine } from './json-logic-engine.mjs';
import { makeInputs, pureTenant, tenant } from './tenant.mjs';

const require = createRequire(import.meta.url);
const jsonLogic = require('json-logic-js');
const { createMemoryStore, createPolicyEngine } = await import(
  new URL('../../packages/policy/dist/index.js', import.meta.url).href
);

const INPUTS = makeInputs(2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP_ROUNDS = 3;
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 50_000);
const T0 = 1_700_000_000_000;

// The windowed engine's clock advances 1 ms per evaluation so windows slide as in production.
let tick = T0;
const full = createPolicyEngine(tenant, {
  store: createMemoryStore({ maxKeys: 10_000 }),
  now: () => tick++,
});
const pure = createPolicyEngine(pureTenant, { now: () => T0 });
const viaJsonLogic = createJsonLogicEngine(jsonLogic, pureTenant);

// Fairness check: on the same inputs, both sides must reach the same decisions.
let agree = 0;
const outcomes = {};
for (const fields of INPUTS) {
  const a = await pure.evaluate(fields);
  const b = viaJsonLogic(fields);
  const same =
    a.outcome === b.outcome &&
    a.policy_id === b.policy_id &&
    a.rule_id === b.rule_id &&
    a.matched_actions.join() === b.matched_actions.join();
  if (!same) {
    console.error('decisions differ on', fields, { esper: a, jsonLogic: b });
    process.exit(1);
  }
  agree++;
  outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
}

async function roundAsync(engine) {
  const n = INPUTS.length;
  const start = performance.now();
  for (let i = 0; i < PER_ROUND; i++) await engine.evaluate(INPUTS[i % n]);
  return PER_ROUND / ((performance.now() - start) / 1000);
}

function roundSync(decide) {
  const n = INPUTS.length;
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < PER_ROUND; i++) sink += decide(INPUTS[i % n]).matched_actions.length;
  const opsPerS = PER_ROUND / ((performance.now() - start) / 1000);
  if (sink < 0) console.log(sink);
  return opsPerS;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const subjects = {
  esper_full: () => roundAsync(full),
  esper_pure: () => roundAsync(pure),
  json_logic: () => roundSync(viaJsonLogic),
};
const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
  // Interleaved, so drift (GC, CPU frequency) hits every subject alike.
  for (const [name, run] of Object.entries(subjects)) {
    const opsPerS = await run();
    if (r >= WARMUP_ROUNDS) samples[name].push(opsPerS);
  }
}

const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const fmt = (x) => Math.round(x).toLocaleString('en-US');
const rows = [
  ['@esper/policy, 10 policies (1 windowed) + 20 rules, memory store', m.esper_full],
  ['@esper/policy, same logic without the window', m.esper_pure],
  ['json-logic-js 2.0.5, same field logic', m.json_logic],
];
console.log(
  `node ${process.version}; ${INPUTS.length} distinct inputs; ${ROUNDS} rounds x ${PER_ROUND} evaluations after ${WARMUP_ROUNDS} warm-up rounds; median`,
);
console.log(`decisions agree on ${agree}/${INPUTS.length} inputs (${JSON.stringify(outcomes)})`);
console.log('');
console.log('| subject | evaluations/s |');
console.log('| --- | ---: |');
for (const [name, v] of rows) console.log(`| ${name} | ${fmt(v)} |`);
console.log('');
console.log(`ratio (windowed engine / json-logic): ${(m.esper_full / m.json_logic).toFixed(2)}x`);
console.log(`ratio (same field logic / json-logic): ${(m.esper_pure / m.json_logic).toFixed(2)}x`);

const out = process.argv[2];
if (out) {
  const result = {
    ops_per_s: Math.round(m.esper_full),
    json_logic_ops_per_s: Math.round(m.json_logic),
    ratio: Number((m.esper_full / m.json_logic).toFixed(3)),
    pure_ops_per_s: Math.round(m.esper_pure),
    pure_ratio: Number((m.esper_pure / m.json_logic).toFixed(3)),
    node: process.version,
    inputs: INPUTS.length,
    rounds: ROUNDS,
    per_round: PER_ROUND,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
