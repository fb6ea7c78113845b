/**
 * The five kinds of tenant definitions the admin API edits, one table row each: where they sit
 * in `TenantConfig` (also their path segment), their id key, their @esper/policy validator and
 * what a POST fills in. The handlers in definitions-api.ts know nothing kind-specific.
 */
import {
  type ValidationResult,
  validateAction,
  validateEntityDefinition,
  validateMitigation,
  validatePolicy,
  validateRule,
} from '@esper/policy';
import type { DefinitionObject, DefinitionSubject, TenantState } from '../tenants/tenant-state.js';

export type DefinitionListKey =
  | 'actions'
  | 'entity_definitions'
  | 'mitigations'
  | 'policies'
  | 'rules';

export interface DefinitionKind {
  /** The `TenantConfig` list, and the path segment `/tenants/{tenant_id}/{key}`. */
  key: DefinitionListKey;
  /** Further path segments served the same way (the console says "entities"). */
  aliases: string[];
  /** Audit actions are `<subject>.create` …, validation errors `invalid_<subject>`. */
  subject: DefinitionSubject;
  idKey: 'action_id' | 'entity_definition_id' | 'mitigation_id' | 'policy_id' | 'rule_id';
  /** Generated ids start with it. */
  idPrefix: string;
  validate(json: unknown): ValidationResult<DefinitionObject>;
  /** Fields a POST gets when it leaves them out. */
  defaults(tenant: TenantState): Record<string, unknown>;
  /** Fields a PATCH cannot change besides the id. */
  fixed: string[];
}

export const DEFINITION_KINDS: readonly DefinitionKind[] = [
  {
    key: 'actions',
    aliases: [],
    subject: 'action',
    idKey: 'action_id',
    idPrefix: 'act_',
    validate: validateAction,
    defaults: () => ({}),
    fixed: [],
  },
  {
    key: 'entity_definitions',
    aliases: ['entities'],
    subject: 'entity_definition',
    idKey: 'entity_definition_id',
    idPrefix: 'ent_',
    validate: validateEntityDefinition,
    defaults: () => ({}),
    fixed: [],
  },
  {
    key: 'mitigations',
    aliases: [],
    subject: 'mitigation',
    idKey: 'mitigation_id',
    idPrefix: 'mit_',
    validate: validateMitigation,
    defaults: () => ({}),
    fixed: [],
  },
  {
    key: 'policies',
    aliases: [],
    subject: 'policy',
    idKey: 'policy_id',
    idPrefix: 'pol_',
    validate: validatePolicy,
    // As the rules UI does for rules: what is created is meant to run.
    defaults: () => ({ enabled: true }),
    fixed: [],
  },
  {
    key: 'rules',
    aliases: [],
    subject: 'rule',
    idKey: 'rule_id',
    idPrefix: 'rule_',
    validate: validateRule,
    defaults: (tenant) => ({ enabled: true, tenant_id: tenant.id }),
    fixed: ['tenant_id'],
  },
];

export function idOf(kind: DefinitionKind, item: DefinitionObject): string {
  return (item as unknown as Record<string, string>)[kind.idKey]!;
}

export function listOf(kind: DefinitionKind, tenant: TenantState): readonly DefinitionObject[] {
  return (tenant.config[kind.key] ?? []) as readonly DefinitionObject[];
}
