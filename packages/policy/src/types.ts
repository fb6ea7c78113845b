/**
 * The JSON shapes operators write. Rule expressions follow the backend AST exactly as the
 * rules UI shows it (`{"FieldCmp": {...}}`); the tenant objects follow the console's
 * Actions / Entities / Mitigation / Policies pages.
 */

export const OPERATORS = ['Eq', 'Ne', 'Lt', 'Le', 'Gt', 'Ge'] as const;
export type Operator = (typeof OPERATORS)[number];

export const SCOPES = ['Entity', 'Session'] as const;
export type Scope = (typeof SCOPES)[number];

export const COUNTERS = ['EventCount'] as const;
export type Counter = (typeof COUNTERS)[number];

/** The windows the console offers: 1, 3, 5 and 60 minutes. */
export const WINDOW_SECONDS = [60, 180, 300, 3600] as const;
export type WindowSeconds = (typeof WINDOW_SECONDS)[number];

export const NODE_TYPES = [
  'And',
  'Or',
  'Not',
  'FieldCmp',
  'StateCmp',
  'WindowCmp',
  'FieldExists',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export type Expression =
  | { And: { expressions: Expression[] } }
  | { Or: { expressions: Expression[] } }
  | { Not: { expression: Expression } }
  | { FieldCmp: { field_name: string; operator: Operator; value: string } }
  | { StateCmp: { scope: Scope; field_name: string; operator: Operator; value: string } }
  | {
      WindowCmp: {
        scope: Scope;
        counter: Counter;
        window_seconds: WindowSeconds;
        operator: Operator;
        value: string;
      };
    }
  | { FieldExists: { field_name: string } };

export const OUTCOMES = ['Allow', 'Observe', 'Challenge', 'Block'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface RuleDefinition {
  rule_id: string;
  tenant_id: string;
  name: string;
  description?: string;
  enabled: boolean;
  priority: number;
  expression: Expression;
  outcome: Outcome;
}

export interface ActionDefinition {
  action_id: string;
  name: string;
  expression: Expression;
}

export interface EntityDefinition {
  entity_definition_id: string;
  name: string;
  /** Field names whose values, all present, identify one entity. */
  fields: string[];
}

export const MITIGATION_MODES = ['Monitor', 'Challenge', 'Block'] as const;
export type MitigationMode = (typeof MITIGATION_MODES)[number];

export interface Mitigation {
  mitigation_id: string;
  name: string;
  mode: MitigationMode;
  /** Monitor only: what the mitigation would do once enforced (default `Block`). */
  would_mode?: 'Challenge' | 'Block';
}

export type WindowThreshold =
  | { type: 'count'; operator: Operator; value: number }
  | { type: 'share'; operator: Operator; percent: number; min_total?: number };

export interface PolicyWindow {
  window_seconds: WindowSeconds;
  threshold: WindowThreshold;
}

export interface PolicyClause {
  match?: Expression;
  action_ids?: string[];
  entity_definition_ids?: string[];
  mitigation_id: string;
  window?: PolicyWindow;
}

/** Form (a) of the quickstart: one action/entity/mitigation/window binding. */
export interface SimplePolicy {
  policy_id: string;
  name: string;
  expression?: Expression;
  action_ids?: string[];
  entity_definition_id?: string;
  mitigation_id: string;
  window?: PolicyWindow;
  enabled: boolean;
}

/** Form (b) of the setup guide: a shared expression plus one or more clauses. */
export interface ClausePolicy {
  policy_id: string;
  name: string;
  expression?: Expression;
  clauses: PolicyClause[];
  enabled: boolean;
}

export type Policy = SimplePolicy | ClausePolicy;

export interface TenantConfig {
  tenant_id: string;
  actions?: ActionDefinition[];
  entity_definitions?: EntityDefinition[];
  mitigations?: Mitigation[];
  policies?: Policy[];
  rules?: RuleDefinition[];
  /** Entity that `Entity`-scoped StateCmp/WindowCmp refer to (default `sys_client_ip`). */
  default_entity_definition_id?: string;
  /** Entity that `Session`-scoped StateCmp/WindowCmp refer to (default `sys_session_id`). */
  session_entity_definition_id?: string;
}

/** Flat string fields of one event (see docs/field-model.md). */
export type Fields = Readonly<Record<string, string | undefined>>;
