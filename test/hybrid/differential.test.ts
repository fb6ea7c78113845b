/**
 * Cloud and hybrid decide alike (issue 13, "Equivalence"). The same traffic (the demo's
 * scraper, browsing, `?foo=bar` and login-burst mixes from scripts/demo/traffic.mjs) goes
 * through two `createEsper` clients: cloud mode against runtime A, hybrid mode with a decider
 * synced from runtime B, an identically configured second runtime, so that both count their
 * windows from zero. Every party reads one manual clock, so windows slide identically. For
 * every request, in order, the decisions must agree (action, mode, enforcement, policy id,
 * mitigation id, the runtime's reason, ttl); afterwards Results at A (cloud decisions) and at
 * B (hybrid events, reporter drained) must count the same.
 */
import type { Decision } from '@esper/core';
import type { Hybrid } from '@esper/hybrid';
import type { TenantConfig } from '@esper/policy';
import { validateTenantConfig } from '@esper/policy';
import {
  type PolicyResults,
  QUICKSTART_TENANT,
  type TenantDefinition,
  type TenantResults,
} from '@esper/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cloudEsper,
  type DemoRequest,
  demoRun,
  hybridEsper,
  ManualClock,
  resultsOf,
  startTenant,
  toFetch,
  verdict,
} from './support.js';
import { TENANT_ID, tenantConfigArb, valuePools } from './tenant-arbitrary.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 1313);

interface Step {
  request: DemoRequest;
  /** Clock advance before this request, ms. */
  gapMs: number;
}

interface Run {
  pairs: Array<{ request: DemoRequest; cloud: Decision; local: Decision }>;
  cloudResults: TenantResults;
  hybridResults: TenantResults;
  status: ReturnType<Hybrid['status']>;
}

/** Drives `steps` through cloud (runtime A) and hybrid (synced from runtime B), interleaved. */
async function runBoth(tenant: TenantDefinition, steps: readonly Step[]): Promise<Run> {
  const clock = new ManualClock();
  const key = tenant.api_keys[0]!;
  const a = await startTenant(tenant, clock.now);
  const b = await startTenant(tenant, clock.now);
  try {
    const cloud = cloudEsper(a.url, key, clock.now);
    // No poll during the run: the configuration does not change, and a poll is not traffic.
    const { hybrid, esper } = hybridEsper(b.url, key, {
      now: clock.now,
      pollIntervalMs: 3_600_000,
    });
    await hybrid.ready();
    const pairs: Run['pairs'] = [];
    for (const { request, gapMs } of steps) {
      clock.advance(gapMs);
      const c = await cloud.protect(...toFetch(request));
      const local = await esper.protect(...toFetch(request));
      pairs.push({ request, cloud: c, local });
    }
    await hybrid.close(); // stops polling and drains the reporter
    const status = hybrid.status();
    return {
      pairs,
      status,
      cloudResults: await resultsOf(a, tenant.tenant_id),
      hybridResults: await resultsOf(b, tenant.tenant_id),
    };
  } finally {
    await a.close();
    await b.close();
  }
}

/** The first request the modes decided differently, described, or undefined. */
function firstDisagreement(run: Run): string | undefined {
  for (const [i, { request, cloud, local }] of run.pairs.entries()) {
    const expectedSource = cloud.source === 'skipped' ? 'skipped' : 'local';
    if (cloud.source !== 'remote' && cloud.source !== 'skipped')
      return `#${i} ${request.id}: cloud fell back (${cloud.reason}: ${cloud.message})`;
    const c = JSON.stringify(verdict(cloud));
    const h = JSON.stringify(verdict(local));
    if (c !== h || local.source !== expectedSource) {
      return `#${i} ${request.id} ${request.method} ${request.path} (ip ${request.ip}, ua ${request.headers['user-agent']}): cloud ${c} (${cloud.source}), hybrid ${h} (${local.source})`;
    }
  }
  return undefined;
}

type Counts = Record<string, PolicyResults>;
const zero = (): PolicyResults => ({ observe: 0, challenge: 0, block: 0, allow: 0 });

/** What Results should hold when each decision counts once, under its deciding policy or rule. */
function decidingTally(run: Run, config: TenantConfig) {
  const policies: Counts = {};
  const rules: Counts = {};
  let decided = 0;
  for (const { cloud } of run.pairs) {
    if (cloud.source === 'skipped' || cloud.policyId === undefined) continue;
    decided += 1;
    const isPolicy = (config.policies ?? []).some((p) => p.policy_id === cloud.policyId);
    const into = isPolicy ? policies : rules;
    const bucket: keyof PolicyResults = cloud.mode === 'monitor' ? 'observe' : cloud.action;
    into[cloud.policyId] ??= zero();
    into[cloud.policyId]![bucket] += 1;
  }
  return { policies, rules, decided };
}

const sum = (counts: Counts) =>
  Object.values(counts).reduce((n, c) => n + c.observe + c.challenge + c.block + c.allow, 0);

/** Matches cloud counted besides the deciding ones (a monitored policy under a block, …). */
function extraCloudMatches(run: Run, decided: number): number {
  const cloud = run.cloudResults.by_operation_mode.cloud;
  return sum(cloud.policies) + sum(cloud.rules) - decided;
}

/**
 * Results at A and B. Requests and decisions always agree. Per policy and rule, B counts the
 * deciding one of each event; A counts every match (docs/hybrid.md, "Events"), so the two agree
 * exactly when no request matched more than one, and B never counts more than A otherwise.
 */
function checkResults(run: Run, config: TenantConfig): { extra: number } {
  const cloud = run.cloudResults.by_operation_mode.cloud;
  const hybrid = run.hybridResults.by_operation_mode.hybrid;
  const protectedRequests = run.pairs.filter((p) => p.cloud.source !== 'skipped').length;
  expect(run.status.events).toEqual({ queued: 0, sent: protectedRequests, dropped: 0 });
  expect(cloud.requests).toBe(protectedRequests);
  expect(hybrid.requests).toBe(protectedRequests);
  expect(hybrid.decisions).toEqual(cloud.decisions);
  // Each origin saw one mode only.
  expect(run.cloudResults.by_operation_mode.hybrid.requests).toBe(0);
  expect(run.hybridResults.by_operation_mode.cloud.requests).toBe(0);

  const tally = decidingTally(run, config);
  expect(hybrid.policies).toEqual(tally.policies);
  expect(hybrid.rules).toEqual(tally.rules);
  const extra = extraCloudMatches(run, tally.decided);
  if (extra === 0) {
    expect(hybrid.policies).toEqual(cloud.policies);
    expect(hybrid.rules).toEqual(cloud.rules);
  } else {
    for (const [kind, counts] of [
      ['policies', hybrid.policies],
      ['rules', hybrid.rules],
    ] as const) {
      for (const [id, c] of Object.entries(counts)) {
        const atCloud = cloud[kind][id] ?? zero();
        for (const bucket of ['observe', 'challenge', 'block', 'allow'] as const)
          expect(c[bucket], `${kind}.${id}.${bucket}`).toBeLessThanOrEqual(atCloud[bucket]);
      }
    }
  }
  return { extra };
}

describe('quickstart tenant: the demo traffic decides alike in cloud and hybrid', () => {
  it('all five adapters’ mixes (scrapers, browsing, ?foo=bar, login bursts): same decision for every request, same Results', async () => {
    const traffic = await demoRun([0, 1, 2, 3, 4]);
    const run = await runBoth(
      QUICKSTART_TENANT,
      traffic.map((request) => ({ request, gapMs: 20 })),
    );
    for (const [i, { request, cloud, local }] of run.pairs.entries()) {
      const where = `#${i} ${request.id} ${request.method} ${request.path}`;
      expect(verdict(local), where).toEqual(verdict(cloud));
      expect(local.source, where).toBe(cloud.source === 'skipped' ? 'skipped' : 'local');
      // The demo's own expectations hold in both modes.
      if (request.expect !== 'any' && cloud.source !== 'skipped')
        expect(cloud.mode === 'monitor' ? 'allow' : cloud.action, where).toBe(request.expect);
    }
    // Every policy of the quickstart tenant decided something in this traffic.
    const by = (id: string) => run.pairs.filter((p) => p.cloud.policyId === id).length;
    expect(by('pol_foo_bar')).toBe(15);
    expect(by('pol_login_burst')).toBe(30); // 2 stuffers × 3 past the 5th login, × 5 adapters
    expect(by('pol_traffic_share')).toBeGreaterThan(0);
    const { extra } = checkResults(run, QUICKSTART_TENANT);
    // On this traffic no request matches two policies: Results agree field for field.
    expect(extra).toBe(0);
    expect(run.hybridResults.by_operation_mode.hybrid).toEqual(
      run.cloudResults.by_operation_mode.cloud,
    );
  });

  it('with time passing between requests (windows slide alike): 1 s to 70 s gaps', async () => {
    const traffic = await demoRun([0, 1]);
    const gaps = [1000, 0, 15_000, 70_000, 250];
    const run = await runBoth(
      QUICKSTART_TENANT,
      traffic.map((request, i) => ({ request, gapMs: gaps[i % gaps.length]! })),
    );
    expect(firstDisagreement(run)).toBeUndefined();
    checkResults(run, QUICKSTART_TENANT);
  });
});

describe('generated tenants: the demo traffic decides alike in cloud and hybrid', () => {
  it(
    `fast-check, ${FUZZ_RUNS} tenants (seed ${SEED}; FUZZ_RUNS, FUZZ_SEED)`,
    async () => {
      const full = await demoRun([0, 1, 2, 3, 4]);
      const configArb = tenantConfigArb(valuePools(full));
      const GAPS = [0, 50, 1000, 20_000, 65_000];
      const scenario = fc.record({
        config: configArb,
        adapters: fc.subarray([0, 1, 2, 3, 4], { minLength: 1, maxLength: 2 }),
        // A repeating pattern: 0 drops the request, otherwise it picks the gap before it.
        pattern: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 7 }),
        key: fc.record(
          {
            source_id: fc.constantFrom('web-app', 'partner-gateway'),
            trust_level: fc.constantFrom('high', 'low'),
          },
          { requiredKeys: [] },
        ),
      });
      const stats = { runs: 0, requests: 0, nonAllow: 0, extraMatches: 0 };
      await fc.assert(
        fc.asyncProperty(scenario, async ({ config, adapters, pattern, key }) => {
          const valid = validateTenantConfig(config);
          expect(valid.ok, JSON.stringify(valid.ok ? [] : valid.errors)).toBe(true);
          const tenant: TenantDefinition = {
            ...config,
            api_keys: [
              { apiKey: 'esper_gen_web', secret: 'esper_gen_web_secret_for_tests', ...key },
            ],
          };
          const traffic = await demoRun(adapters);
          const steps: Step[] = [];
          traffic.forEach((request, i) => {
            const p = pattern[i % pattern.length]!;
            if (p !== 0) steps.push({ request, gapMs: GAPS[p % GAPS.length]! });
          });
          const run = await runBoth(tenant, steps);
          const disagreement = firstDisagreement(run);
          if (disagreement) throw new Error(`cloud and hybrid disagree: ${disagreement}`);
          const { extra } = checkResults(run, config);
          stats.runs += 1;
          stats.requests += run.pairs.length;
          stats.nonAllow += run.pairs.filter((p) => p.cloud.action !== 'allow').length;
          if (extra > 0) stats.extraMatches += 1;
        }),
        { numRuns: FUZZ_RUNS, seed: SEED },
      );
      // The generated tenants did decide things (not a run of allows).
      expect(stats.nonAllow).toBeGreaterThan(0);
      console.info(`differential: ${JSON.stringify(stats)}`);
    },
    Math.max(60_000, FUZZ_RUNS * 2000),
  );
});

describe('a rule and a policy may not share an id', () => {
  // Results count by id, and a hybrid event names only the decider's id: with a shared id a
  // policy's block would be filed under rules. The configuration is refused instead.
  it('is refused with the JSON path, so Results never confuse the two', () => {
    const expr = {
      FieldCmp: { field_name: 'request_query_foo', operator: 'Eq', value: 'bar' },
    } as const;
    const result = validateTenantConfig({
      tenant_id: TENANT_ID,
      mitigations: [{ mitigation_id: 'mit_block', name: 'Block', mode: 'Block' }],
      policies: [
        {
          policy_id: 'dup',
          name: 'block',
          expression: expr,
          mitigation_id: 'mit_block',
          enabled: true,
        },
      ],
      rules: [
        {
          rule_id: 'dup',
          tenant_id: TENANT_ID,
          name: 'observe',
          enabled: true,
          priority: 1,
          expression: expr,
          outcome: 'Observe',
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([
      {
        path: '$.rules[0].rule_id',
        message: "'dup' is also a policy_id; rules and policies may not share an id",
      },
    ]);
  });
});
