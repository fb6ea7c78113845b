/**
 * The seeds' rules API plus audit and results, for a tenant the runtime decides for:
 *   GET/POST /tenants/{tenant_id}/rules, PATCH/DELETE /tenants/{tenant_id}/rules/{rule_id},
 *   GET /tenants/{tenant_id}/audit, GET /tenants/{tenant_id}/results.
 * Every change is validated by @esper/policy against the whole tenant, applies from the next
 * request, and is written to the audit log.
 */
import { randomBytes } from 'node:crypto';
import { type RuleDefinition, type ValidationError, validateRule } from '@esper/policy';
import type { Hono } from 'hono';
import type { PolicyRuntime } from '../policy-runtime.js';
import { errorBody } from '../protocol/answers.js';
import { readBodyCapped } from '../protocol/body.js';
import type { RuntimeContext, RuntimeEnv } from '../server/env.js';
import type { TenantState } from '../tenants/tenant-state.js';
import { checkAdmin, checkChangeRequest, isChange } from './admin-auth.js';

const MAX_RULE_BYTES = 64 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

function fail(c: RuntimeContext, status: number, code: string, message: string, path?: string) {
  return c.body(errorBody(code, message, path), status as 400, JSON_HEADERS);
}

function invalid(c: RuntimeContext, errors: ValidationError[]) {
  const first = errors[0]!;
  const body = JSON.parse(errorBody('invalid_rule', first.message, first.path));
  body.error.errors = errors;
  return c.body(JSON.stringify(body), 400, JSON_HEADERS);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJsonObject(c: RuntimeContext): Promise<Record<string, unknown> | Response> {
  const read = await readBodyCapped(c.req.raw, MAX_RULE_BYTES);
  if (!read.ok) return fail(c, 413, 'payload_too_large', `body over ${MAX_RULE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch {
    return fail(c, 400, 'invalid_json', 'the body is not valid JSON');
  }
  return isObject(json) ? json : fail(c, 400, 'invalid_body', 'expected a JSON object', '$');
}

/** Validates one rule, then the tenant with it in place; applies it only when both pass. */
function apply(
  c: RuntimeContext,
  tenant: TenantState,
  candidate: unknown,
  rules: (rule: RuleDefinition) => { list: RuleDefinition[]; index: number },
): RuleDefinition | Response {
  const checked = validateRule(candidate);
  if (!checked.ok) return invalid(c, checked.errors);
  const { list, index } = rules(checked.value);
  const errors = tenant.setRules(list, index);
  return errors ? invalid(c, errors) : checked.value;
}

/**
 * Authentication first, for every admin route, so an unknown tenant id reveals nothing; for
 * changes, the cross-site checks of admin-auth.ts before that.
 */
function adminGuard(runtime: PolicyRuntime) {
  return async (c: RuntimeContext, next: () => Promise<void>) => {
    const change = isChange(c.req.method);
    if (change) {
      const check = checkChangeRequest(c.req.method, c.req.raw.headers, new URL(c.req.url).origin);
      if (!check.ok) return fail(c, check.status, check.code, check.message);
    }
    const auth = checkAdmin(
      {
        authorization: c.req.header('authorization'),
        tokenHeader: c.req.header('x-esper-admin-token'),
        actor: c.req.header('x-esper-actor'),
        allowBasic: !change,
      },
      runtime.adminToken,
    );
    if (!auth.ok && change) {
      // Not a Basic challenge: a browser must not be invited to cache credentials for changes.
      c.header('www-authenticate', 'Bearer realm="esper-mock admin"');
      return fail(
        c,
        401,
        'unauthorized',
        'admin changes need the admin token as Authorization: Bearer <token> or x-esper-admin-token: <token> (Basic is accepted for reading only)',
      );
    }
    if (!auth.ok) {
      c.header('www-authenticate', 'Basic realm="esper-mock admin", charset="UTF-8"');
      return fail(c, 401, 'unauthorized', 'the admin API needs the admin token');
    }
    c.set('actor', auth.actor);
    await next();
  };
}

/** POST /tenants/{tenant_id}/rules: a new rule, its id generated when absent. */
async function createRule(c: RuntimeContext, tenant: TenantState): Promise<Response> {
  const json = await readJsonObject(c);
  if (json instanceof Response) return json;
  const candidate = {
    rule_id: `rule_${randomBytes(6).toString('hex')}`,
    enabled: true,
    ...json,
    tenant_id: json.tenant_id ?? tenant.id,
  };
  if (tenant.rules.some((r) => r.rule_id === candidate.rule_id)) {
    return fail(c, 409, 'conflict', `rule ${String(candidate.rule_id)} exists`, '$.rule_id');
  }
  const result = apply(c, tenant, candidate, (rule) => ({
    list: [...tenant.rules, rule],
    index: tenant.rules.length,
  }));
  if (result instanceof Response) return result;
  tenant.record({
    actor: c.get('actor'),
    action: 'rule.create',
    rule_id: result.rule_id,
    after: result,
  });
  return c.json(result, 201);
}

/** PATCH /tenants/{tenant_id}/rules/{rule_id}: a one-level JSON merge patch. */
async function updateRule(c: RuntimeContext, tenant: TenantState): Promise<Response> {
  const index = tenant.rules.findIndex((r) => r.rule_id === c.req.param('rule_id'));
  const before = tenant.rules[index];
  if (!before) return fail(c, 404, 'not_found', 'no such rule');
  const patch = await readJsonObject(c);
  if (patch instanceof Response) return patch;
  for (const key of ['rule_id', 'tenant_id'] as const) {
    if (key in patch && patch[key] !== before[key]) {
      return fail(c, 400, 'invalid_rule', `${key} cannot change`, `$.${key}`);
    }
  }
  // JSON merge patch, one level: a null removes an optional field such as `description`.
  const merged: Record<string, unknown> = { ...before };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const result = apply(c, tenant, merged, (rule) => ({
    list: tenant.rules.map((r, i) => (i === index ? rule : r)),
    index,
  }));
  if (result instanceof Response) return result;
  const entry = { action: 'rule.update' as const, rule_id: result.rule_id, before, after: result };
  tenant.record({ actor: c.get('actor'), ...entry });
  return c.json(result);
}

/** DELETE /tenants/{tenant_id}/rules/{rule_id}. */
function deleteRule(c: RuntimeContext, tenant: TenantState): Response {
  const before = tenant.rules.find((r) => r.rule_id === c.req.param('rule_id'));
  if (!before) return fail(c, 404, 'not_found', 'no such rule');
  tenant.setRules(
    tenant.rules.filter((r) => r !== before),
    -1,
  );
  tenant.record({ actor: c.get('actor'), action: 'rule.delete', rule_id: before.rule_id, before });
  return c.body(null, 204);
}

export function registerRulesApi(app: Hono<RuntimeEnv>, runtime: PolicyRuntime): void {
  const guard = adminGuard(runtime);
  app.use('/tenants/*', guard);
  app.use('/results', guard);

  /** Runs `handle` for the path's tenant, or answers 404 when there is none. */
  const forTenant =
    (handle: (c: RuntimeContext, tenant: TenantState) => Response | Promise<Response>) =>
    (c: RuntimeContext) => {
      const tenant = runtime.tenants.get(c.req.param('tenant_id') ?? '');
      return tenant ? handle(c, tenant) : fail(c, 404, 'not_found', 'no such tenant');
    };

  app.get(
    '/tenants/:tenant_id/rules',
    forTenant((c, tenant) => c.json({ rules: tenant.rules })),
  );
  app.post('/tenants/:tenant_id/rules', forTenant(createRule));
  app.patch('/tenants/:tenant_id/rules/:rule_id', forTenant(updateRule));
  app.delete('/tenants/:tenant_id/rules/:rule_id', forTenant(deleteRule));
  app.get(
    '/tenants/:tenant_id/audit',
    forTenant((c, tenant) => c.json({ entries: tenant.auditLog() })),
  );
  app.get(
    '/tenants/:tenant_id/results',
    forTenant((c, tenant) => c.json(tenant.snapshot())),
  );
}
