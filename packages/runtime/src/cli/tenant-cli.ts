/**
 * The tenant parts of a command line that serves tenants (today `esper-mock`; later Esper's own
 * CLI): the flags, loading tenant files, choosing the admin token, and the start-up lines that
 * say where results are. Key secrets are never printed, only where each came from.
 */
import { readFile } from 'node:fs/promises';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { parseTenant } from '../tenants/tenant.js';

/** `parseArgs` options of the tenant flags. */
export const TENANT_CLI_OPTIONS = {
  tenant: { type: 'string', multiple: true },
  quickstart: { type: 'boolean' },
  'admin-token': { type: 'string' },
  difficulty: { type: 'string' },
} as const;

/** Usage lines of `TENANT_CLI_OPTIONS`, `envName` being the variable the admin token may come from. */
export function tenantCliUsage(envName: string): string {
  return `  --tenant FILE.json       a tenant decided by real policies; repeatable (see the README)
  --quickstart             add the bundled quickstart tenant (QUICKSTART_TENANT)
  --admin-token TOKEN      token of the admin API (default: $${envName}, or random)
  --difficulty BITS        proof-of-work difficulty of the challenge page (default 14)`;
}

export interface TenantCliValues {
  tenant?: string[];
  quickstart?: boolean;
  'admin-token'?: string;
  difficulty?: string;
}

/** Where each key's secret came from (by key id), to say so instead of printing it. */
export type SecretSources = Map<string, string>;

export const QUICKSTART_SECRET_SOURCE =
  "secret in QUICKSTART_TENANT (@esper/runtime's src/tenants/quickstart.json)";

/** A `--tenant` file: one tenant, validated here so errors name the file and JSON path. */
export async function loadTenant(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  parseTenant(json, file);
  return json;
}

export function parseDifficulty(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32)
    throw new Error(`--difficulty expects 0-32, got "${value}"`);
  return bits;
}

function noteTenantKeys(sources: SecretSources, tenant: unknown, where: string): void {
  const keys = (tenant as { api_keys?: Array<{ apiKey?: unknown }> }).api_keys ?? [];
  for (const k of keys) if (typeof k.apiKey === 'string') sources.set(k.apiKey, where);
}

/**
 * The tenants of a config file (`configTenants`, read from `configFile`), then of `--tenant`
 * files, then the quickstart, noting in `sources` where each key's secret is.
 */
export async function gatherTenants(
  values: TenantCliValues,
  config: { tenants?: unknown[] | undefined; file?: string | undefined },
  sources: SecretSources,
): Promise<unknown[]> {
  const tenants = [...(config.tenants ?? [])];
  for (const t of tenants) noteTenantKeys(sources, t, `secret in ${config.file} (tenants)`);
  for (const file of values.tenant ?? []) {
    const tenant = await loadTenant(file);
    noteTenantKeys(sources, tenant, `secret in ${file} (api_keys)`);
    tenants.push(tenant);
  }
  if (values.quickstart) {
    noteTenantKeys(sources, QUICKSTART_TENANT, QUICKSTART_SECRET_SOURCE);
    tenants.push(QUICKSTART_TENANT);
  }
  return tenants;
}

export interface AdminTokenChoice {
  /** Undefined: let the runtime generate one. */
  token: string | undefined;
  /** Where the token came from, in words; undefined when it is generated for this run. */
  source: string | undefined;
}

/** `--admin-token`, then the config file's `adminToken`, then the environment variable. */
export function chooseAdminToken(
  values: TenantCliValues,
  config: { adminToken?: string | undefined; file?: string | undefined },
  env: { name: string; value: string | undefined },
): AdminTokenChoice {
  if (values['admin-token'] !== undefined) {
    return { token: values['admin-token'], source: 'the one given with --admin-token' };
  }
  if (config.adminToken !== undefined) {
    return { token: config.adminToken, source: `the one in ${config.file} (adminToken)` };
  }
  if (env.value !== undefined) return { token: env.value, source: `the one in ${env.name}` };
  return { token: undefined, source: undefined };
}

export interface TenantStartup {
  url: string;
  adminToken: string;
  tenantIds: readonly string[];
  /** From `chooseAdminToken`. */
  adminTokenSource: string | undefined;
  /** The variable the admin token may come from, e.g. `ESPER_MOCK_ADMIN_TOKEN`. */
  adminTokenEnv: string;
}

/**
 * The admin token and where each tenant's results are. A generated admin token is printed: it
 * lives for this run only and cannot be learnt any other way; a chosen one never is.
 */
export function tenantStartupLines(s: TenantStartup): string[] {
  if (s.tenantIds.length === 0) return [];
  const generated = s.adminTokenSource === undefined;
  const lines = [
    generated
      ? `  admin token: ${s.adminToken} (generated for this run; set --admin-token or ${s.adminTokenEnv} to choose one)`
      : `  admin token: ${s.adminTokenSource} (not printed)`,
    `  results page: ${s.url}/results (the browser asks for a login: any user name, the admin token as password)`,
  ];
  const bearer = generated
    ? `'Authorization: Bearer ${s.adminToken}'`
    : `"Authorization: Bearer $${s.adminTokenEnv}"`;
  for (const tenant of s.tenantIds) {
    lines.push(`  tenant ${tenant} results: curl -H ${bearer} ${s.url}/tenants/${tenant}/results`);
  }
  return lines;
}
