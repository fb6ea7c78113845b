// One policy evaluation (@esper/policy, the engine a hybrid snapshot compiles) on tenants of
// 10 + 10, 100 + 100 and 1,000 + 1,000 equality rules and policies (request_path and a query
// field), for a request that matches none. Sizes are interleaved, rounds of ~100 ms, median.
// `--profile`: only the 1,000 + 1,000 tenant for a while, to run under `node --cpu-prof`.
// Usage: node bench/hybrid-scale.mjs [--quick] [--profile]   (run by bench/hybrid.mjs)
import { performance } from 'node:perf_hooks';
import { createMemoryStore, createPolicyEngine } from '@esper/policy';
import { emit, median, QUICK, round } from './lib.mjs';

const eq = (field_name, value) => ({ FieldCmp: { field_name, operator: 'Eq', value } });
const and = (...expressions) => ({ And: { expressions } });

/** `n` rules and `n` policies, each `request_path == /…/i AND request_query_ref == r<i>`. */
export function scaleTenant(n) {
  const rules = [];
  const policies = [];
  for (let i = 0; i < n; i++) {
    rules.push({
      rule_id: `rule_${i}`,
      tenant_id: 'scale',
      name: `rule ${i}`,
      enabled: true,
      priority: i % 100,
      expression: and(eq('request_path', `/rules/${i}`), eq('request_query_ref', `r${i}`)),
      outcome: i % 2 ? 'Block' : 'Challenge',
    });
    policies.push({
      policy_id: `pol_${i}`,
      name: `policy ${i}`,
      expression: and(eq('request_path', `/policies/${i}`), eq('request_query_ref', `p${i}`)),
      mitigation_id: i % 2 ? 'mit_block' : 'mit_challenge',
      enabled: true,
    });
  }
  return {
    tenant_id: 'scale',
    actions: [],
    mitigations: [
      { mitigation_id: 'mit_challenge', name: 'Challenge', mode: 'Challenge' },
      { mitigation_id: 'mit_block', name: 'Block', mode: 'Block' },
    ],
    rules,
    policies,
  };
}

// A request as encodeFields shapes it (GET /products/42?ref=none); no rule or policy matches.
const fields = {
  request_method: 'GET',
  request_scheme: 'https',
  request_host: 'app.example.com',
  request_path: '/products/42',
  request_query_ref: 'none',
  client_ip: '203.0.113.7',
  ip: '203.0.113.7',
  source_id: 'web-app',
  trust_level: 'high',
  user_agent: 'Mozilla/5.0 bench',
  request_header_user_agent: 'Mozilla/5.0 bench',
  request_header_accept: 'text/html',
  sdk_runtime: 'node',
};

const engineOf = (n) =>
  createPolicyEngine(scaleTenant(n), { store: createMemoryStore(), now: () => 1_700_000_000_000 });

async function check(engine) {
  const d = await engine.evaluate(fields);
  if (d.outcome !== 'Allow' || d.policy_id !== null)
    throw new Error(`expected no match, got ${JSON.stringify(d)}`);
}

/** Microseconds per evaluation over `iterations`. */
async function timed(engine, iterations) {
  const t = performance.now();
  for (let i = 0; i < iterations; i++) await engine.evaluate(fields);
  return ((performance.now() - t) * 1000) / iterations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--profile')) {
    const engine = engineOf(1000);
    await check(engine);
    const until = performance.now() + (QUICK ? 1000 : 3000);
    let n = 0;
    while (performance.now() < until) {
      await timed(engine, 100);
      n += 100;
    }
    emit({ profiled_evaluations: n });
  } else {
    const sizes = [10, 100, 1000];
    const engines = Object.fromEntries(sizes.map((n) => [n, engineOf(n)]));
    for (const e of Object.values(engines)) await check(e);
    // Iterations for ~100 ms per round, from a calibration pass.
    const iterations = {};
    for (const n of sizes) {
      const us = await timed(engines[n], n === 1000 ? 200 : 5000);
      iterations[n] = Math.max(50, Math.round(100_000 / us));
    }
    const WARMUP = QUICK ? 1 : 3;
    const ROUNDS = QUICK ? 3 : 9;
    const samples = Object.fromEntries(sizes.map((n) => [n, []]));
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      for (const n of r % 2 ? [...sizes].reverse() : sizes) {
        const us = await timed(engines[n], iterations[n]);
        if (r >= WARMUP) samples[n].push(us);
      }
    }
    const us = Object.fromEntries(sizes.map((n) => [n, median(samples[n])]));
    emit({
      eval_us: Object.fromEntries(sizes.map((n) => [`n${n}`, round(us[n], 2)])),
      ratio_100: round(us[100] / us[10], 2),
      ratio_1000: round(us[1000] / us[10], 2),
      rounds: ROUNDS,
      iterations,
    });
  }
}
