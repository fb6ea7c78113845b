/**
 * The admin API of a tenant's definitions, in the style of the seeds' rules API, for each kind
 * of definitions.ts (actions, entity_definitions, mitigations, policies, rules):
 *   GET/POST /tenants/{tenant_id}/{kind}, PATCH/DELETE /tenants/{tenant_id}/{kind}/{id},
 * plus GET /tenants/{tenant_id}/audit and GET /tenants/{tenant_id}/results.
 * Every change is validated by @esper/policy, first alone then as part of the whole tenant (so
 * a policy naming an unknown mitigation is refused, and so is deleting a mitigation a policy
 * uses); it applies from the next request, changes the configuration version and is audited.
 */
import { randomBytes } from 'node:crypto';
import type { TenantConfig, ValidationError } from '@esper/policy';
import type { Hono } from 'hono';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { RuntimeContext, RuntimeEnv } from '../server/env.js';
import type { DefinitionObject, TenantState } from '../tenants/tenant-state.js';
import { adminGuard, fail, invalid, readJsonObject } from './admin-http.js';
import { DEFINITION_KINDS, type DefinitionKind, idOf, listOf } from './definitions.js';

/** Lets a script see which configuration version its change produced. */
export const VERSION_HEADER = 'x-esper-config-version';

type TenantHandler = (c: RuntimeContext, tenant: TenantState) => Response | Promise<Response>;

/** Paths of errors inside the item at `index` of the kind's list, relative to that item. */
function relativeTo(kind: DefinitionKind, index: number, errors: ValidationError[]) {
  const prefix = `$.${kind.key}[${index}]`;
  return errors.map((e) => ({
    ...e,
    path:
      e.path === prefix || e.path.startsWith(`${prefix}.`) || e.path.startsWith(`${prefix}[`)
        ? `$${e.path.slice(prefix.length)}`
        : e.path,
  }));
}

/** Validates one item, then the tenant with `list` in its place; applies only when both pass. */
function apply(
  c: RuntimeContext,
  tenant: TenantState,
  kind: DefinitionKind,
  candidate: unknown,
  place: (item: DefinitionObject) => { list: DefinitionObject[]; index: number },
): DefinitionObject | Response {
  const code = `invalid_${kind.subject}`;
  const checked = kind.validate(candidate);
  if (!checked.ok) return invalid(c, code, checked.errors);
  const { list, index } = place(checked.value);
  const errors = tenant.setConfig({ ...tenant.config, [kind.key]: list } as TenantConfig);
  return errors ? invalid(c, code, relativeTo(kind, index, errors)) : checked.value;
}

function audit(
  c: RuntimeContext,
  tenant: TenantState,
  kind: DefinitionKind,
  verb: 'create' | 'update' | 'delete',
  change: { id: string; before?: DefinitionObject; after?: DefinitionObject },
): void {
  const { id, ...objects } = change;
  tenant.record({
    actor: c.get('actor'),
    action: `${kind.subject}.${verb}`,
    [kind.idKey]: id,
    ...objects,
    version: tenant.version,
  });
  c.header(VERSION_HEADER, tenant.version);
}

/** POST: a new object, its id generated when absent. */
async function create(c: RuntimeContext, tenant: TenantState, kind: DefinitionKind) {
  const json = await readJsonObject(c);
  if (json instanceof Response) return json;
  const candidate: Record<string, unknown> = {
    [kind.idKey]: `${kind.idPrefix}${randomBytes(6).toString('hex')}`,
    ...kind.defaults(tenant),
    ...json,
  };
  const items = listOf(kind, tenant);
  if (items.some((item) => idOf(kind, item) === candidate[kind.idKey])) {
    const id = String(candidate[kind.idKey]);
    return fail(c, 409, 'conflict', `${kind.subject} ${id} exists`, `$.${kind.idKey}`);
  }
  const result = apply(c, tenant, kind, candidate, (item) => ({
    list: [...items, item],
    index: items.length,
  }));
  if (result instanceof Response) return result;
  audit(c, tenant, kind, 'create', { id: idOf(kind, result), after: result });
  return c.json(result, 201);
}

/** PATCH: a one-level JSON merge patch (a null removes an optional field). */
async function update(c: RuntimeContext, tenant: TenantState, kind: DefinitionKind) {
  const items = listOf(kind, tenant);
  const index = items.findIndex((item) => idOf(kind, item) === c.req.param('id'));
  const before = items[index];
  if (!before) return fail(c, 404, 'not_found', `no such ${kind.subject}`);
  const patch = await readJsonObject(c);
  if (patch instanceof Response) return patch;
  const fields = before as unknown as Record<string, unknown>;
  for (const key of [kind.idKey, ...kind.fixed]) {
    if (key in patch && patch[key] !== fields[key]) {
      return fail(c, 400, `invalid_${kind.subject}`, `${key} cannot change`, `$.${key}`);
    }
  }
  const merged: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const result = apply(c, tenant, kind, merged, (item) => ({
    list: items.map((it, i) => (i === index ? item : it)),
    index,
  }));
  if (result instanceof Response) return result;
  audit(c, tenant, kind, 'update', { id: idOf(kind, result), before, after: result });
  return c.json(result);
}

/** DELETE: refused with 409 while anything still refers to the object. */
function remove(c: RuntimeContext, tenant: TenantState, kind: DefinitionKind) {
  const items = listOf(kind, tenant);
  const before = items.find((item) => idOf(kind, item) === c.req.param('id'));
  if (!before) return fail(c, 404, 'not_found', `no such ${kind.subject}`);
  const list = items.filter((item) => item !== before);
  const id = idOf(kind, before);
  // Removing an object can only break references to it, so every error is one of those.
  const errors = tenant.setConfig({ ...tenant.config, [kind.key]: list } as TenantConfig);
  if (errors) {
    const users = errors.map((e) => e.path).join(', ');
    return fail(c, 409, 'in_use', `${kind.subject} ${id} is in use: ${users}`, undefined, errors);
  }
  audit(c, tenant, kind, 'delete', { id, before });
  return c.body(null, 204);
}

export function registerAdminApi(app: Hono<RuntimeEnv>, runtime: PolicyRuntime): void {
  const guard = adminGuard(runtime);
  app.use('/tenants/*', guard);
  app.use('/results', guard);

  /** Runs `handle` for the path's tenant, or answers 404 when there is none. */
  const forTenant = (handle: TenantHandler) => (c: RuntimeContext) => {
    const tenant = runtime.tenants.get(c.req.param('tenant_id') ?? '');
    return tenant ? handle(c, tenant) : fail(c, 404, 'not_found', 'no such tenant');
  };

  for (const kind of DEFINITION_KINDS) {
    for (const segment of [kind.key, ...kind.aliases]) {
      const list = `/tenants/:tenant_id/${segment}`;
      app.get(
        list,
        forTenant((c, tenant) => {
          c.header(VERSION_HEADER, tenant.version);
          return c.json({ [kind.key]: listOf(kind, tenant) });
        }),
      );
      app.post(
        list,
        forTenant((c, tenant) => create(c, tenant, kind)),
      );
      app.patch(
        `${list}/:id`,
        forTenant((c, tenant) => update(c, tenant, kind)),
      );
      app.delete(
        `${list}/:id`,
        forTenant((c, tenant) => remove(c, tenant, kind)),
      );
    }
  }
  app.get(
    '/tenants/:tenant_id/audit',
    forTenant((c, tenant) => c.json({ entries: tenant.auditLog() })),
  );
  app.get(
    '/tenants/:tenant_id/results',
    forTenant((c, tenant) => c.json(tenant.snapshot())),
  );
}
