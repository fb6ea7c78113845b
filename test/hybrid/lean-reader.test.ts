/**
 * The edge's lean snapshot reader (`readTenantConfig`, used by `@esper/hybrid`'s loader instead
 * of the authoring validators) against `validateTenantConfig` and the engine, on fast-check
 * tenants and on mutations of them (a key removed, added or given another value; an array item
 * dropped or repeated):
 * - whatever the full validator accepts, the lean reader accepts (and returns as it was);
 * - whatever the lean reader accepts compiles (`compilePolicyEngine`) and evaluates, and the
 *   full validator accepts it too, or refuses it only for an authoring-time bound that no
 *   decision depends on (a name's length, a list's size, a rule's `tenant_id`).
 */
import {
  compilePolicyEngine,
  readTenantConfig,
  type TenantConfig,
  validateTenantConfig,
} from '@esper/policy';
import { QUICKSTART_TENANT } from '@esper/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoRun } from './support.js';
import { tenantConfigArb, valuePools } from './tenant-arbitrary.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const CONFIG_KEYS = [
  'tenant_id',
  'actions',
  'entity_definitions',
  'mitigations',
  'policies',
  'rules',
  'default_entity_definition_id',
  'session_entity_definition_id',
];
/** The quickstart tenant's policy configuration (its definition also holds keys and origins). */
const QUICKSTART = Object.fromEntries(
  Object.entries(structuredClone(QUICKSTART_TENANT)).filter(([k]) => CONFIG_KEYS.includes(k)),
) as unknown as TenantConfig;
const traffic = await demoRun([0]);
const tenants = fc.oneof(
  { weight: 1, arbitrary: fc.constant(QUICKSTART) },
  { weight: 6, arbitrary: tenantConfigArb(valuePools(traffic)) },
);

/** Full-validator messages for bounds no decision depends on. */
const AUTHORING_ONLY = [
  /^expected a string of \d+ to \d+ characters$/,
  /^expected at most \d+ items$/,
  /^rule belongs to tenant/,
];

const JUNK: unknown[] = [
  null,
  0,
  -1,
  1.5,
  61,
  1e7,
  '',
  'x',
  'abc',
  '5',
  'Eq',
  'Like',
  'Entity',
  'Monitor',
  'count',
  'sys_client_ip',
  'act_0',
  'mit_block',
  'nope',
  'Email',
  true,
  false,
  [],
  ['x'],
  {},
  { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/' } },
  { FieldExists: {} },
];

type Json = Record<string, unknown> | unknown[];

/** Every object and array in `root`, with the way to reach it. */
function containers(root: unknown, out: Json[] = []): Json[] {
  if (typeof root === 'object' && root !== null) {
    out.push(root as Json);
    for (const v of Object.values(root)) containers(v, out);
  }
  return out;
}

const mutation = fc.record({
  at: fc.nat(),
  key: fc.nat(),
  op: fc.constantFrom('set', 'delete', 'add', 'repeat'),
  junk: fc.constantFrom(...JUNK),
  name: fc.constantFrom('expresion', 'operater', 'window', 'match', 'clauses', 'min_total', ''),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(config: TenantConfig, m: Mutation): unknown {
  const copy = structuredClone(config) as unknown;
  const all = containers(copy);
  const target = all[m.at % all.length] as Json;
  const keys = Object.keys(target);
  const key = keys.length > 0 ? (keys[m.key % keys.length] as string) : undefined;
  if (Array.isArray(target)) {
    const i = Number(key ?? 0);
    if (m.op === 'delete') target.splice(i, 1);
    else if (m.op === 'repeat' && target.length > 0) target.push(structuredClone(target[i]));
    else target[i] = structuredClone(m.junk);
  } else if (m.op === 'add') target[m.name] = structuredClone(m.junk);
  else if (key !== undefined && m.op === 'delete') delete target[key];
  else if (key !== undefined) target[key] = structuredClone(m.junk);
  return copy;
}

const FIELDS = traffic.slice(0, 20).map((r) => ({
  request_method: r.method,
  request_path: r.path.split('?')[0] ?? '/',
  client_ip: r.ip,
  ip: r.ip,
  user_agent: r.headers['user-agent'] ?? '',
  request_header_user_agent: r.headers['user-agent'] ?? '',
  session_id: '5',
}));

async function compilesAndRuns(config: TenantConfig): Promise<void> {
  const engine = compilePolicyEngine(config, { now: () => 1_700_000_000_000 });
  for (const fields of FIELDS) await engine.evaluate(fields);
}

describe('readTenantConfig, the lean snapshot reader', () => {
  it('accepts every configuration validateTenantConfig accepts, unchanged', () => {
    fc.assert(
      fc.property(tenants, (config) => {
        expect(validateTenantConfig(config).ok).toBe(true);
        const lean = readTenantConfig(config);
        expect(lean).toEqual({ ok: true, value: config });
      }),
      { numRuns: 300 },
    );
  });

  it('accepts only what compiles and what the full validator accepts but for authoring bounds', async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(tenants, mutation, async (config, m) => {
        const json = mutate(config, m);
        const full = validateTenantConfig(json);
        const lean = readTenantConfig(json);
        if (full.ok) expect(lean.ok).toBe(true);
        if (!lean.ok) {
          refused++;
          for (const e of lean.errors) expect(e.path).toMatch(/^\$/);
          return;
        }
        await compilesAndRuns(lean.value);
        if (!full.ok) {
          for (const e of full.errors)
            expect(
              AUTHORING_ONLY.some((re) => re.test(e.message)),
              JSON.stringify(e),
            ).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    // The mutations are not all harmless: most are refused.
    expect(refused).toBeGreaterThan(RUNS / 4);
  });

  it('refuses what the engine would run differently, with the JSON path', () => {
    const base = structuredClone(QUICKSTART) as unknown as {
      policies: Array<Record<string, unknown>>;
      mitigations: Array<Record<string, unknown>>;
    };
    const cases: Array<[string, (c: typeof base) => void]> = [
      // A misspelt optional key would drop the policy's condition.
      [
        '$.policies[0].expresion',
        (c) => {
          c.policies[0]!.expresion = c.policies[0]!.expression;
          delete c.policies[0]!.expression;
        },
      ],
      [
        '$.policies[0].mitigation_id',
        (c) => {
          c.policies[0]!.mitigation_id = 'mit_nope';
        },
      ],
      [
        '$.mitigations[0].mode',
        (c) => {
          c.mitigations[0]!.mode = 'Ban';
        },
      ],
      [
        '$.policies[1].policy_id',
        (c) => {
          c.policies[1]!.policy_id = c.policies[0]!.policy_id;
        },
      ],
      [
        '$.policies[0].enabled',
        (c) => {
          c.policies[0]!.enabled = 'yes';
        },
      ],
    ];
    for (const [path, change] of cases) {
      const c = structuredClone(base);
      change(c);
      const lean = readTenantConfig(c);
      expect(lean.ok ? [] : lean.errors.map((e) => e.path), path).toContain(path);
    }
    let deep: unknown = { FieldExists: { field_name: 'email' } };
    for (let i = 0; i < 40; i++) deep = { Not: { expression: deep } };
    const tooDeep = readTenantConfig({
      tenant_id: 't',
      actions: [{ action_id: 'a', name: 'a', expression: deep }],
    });
    expect(tooDeep.ok).toBe(false);
    const numeric = readTenantConfig({
      tenant_id: 't',
      actions: [
        {
          action_id: 'a',
          name: 'a',
          expression: {
            WindowCmp: {
              scope: 'Entity',
              counter: 'EventCount',
              window_seconds: 60,
              operator: 'Gt',
              value: 'ten',
            },
          },
        },
      ],
    });
    expect(numeric.ok ? [] : numeric.errors.map((e) => e.path)).toEqual([
      '$.actions[0].expression.WindowCmp.value',
    ]);
  });

  it('returns a copy: changing the input later changes nothing compiled from it', () => {
    const config = structuredClone(QUICKSTART);
    const lean = readTenantConfig(config);
    expect(lean.ok).toBe(true);
    config.policies = [];
    expect(lean.ok && lean.value.policies?.length).toBeGreaterThan(0);
  });
});
