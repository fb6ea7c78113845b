/**
 * One tenant at run time: its compiled engine, counters, results and audit log. `TenantState`
 * is what the routes and decisions use; `MemoryTenantState` keeps it all in this process. Rule
 * changes rebuild the engine on the same store, so they apply from the next request while
 * windows keep counting.
 */
import {
  createMemoryStore,
  createPolicyEngine,
  type Decision,
  PolicyConfigError,
  type PolicyEngine,
  type RuleDefinition,
  type TenantConfig,
  type ValidationError,
} from '@esper/policy';
import type { OriginPattern } from './origins.js';
import type { ParsedTenant } from './tenant.js';

/** Counts by what each match did; see the README ("Results"). */
export interface PolicyResults {
  observe: number;
  challenge: number;
  block: number;
  allow: number;
}

export interface TenantResults {
  tenant_id: string;
  /** Requests the policies decided (scripted answers are not counted). */
  requests: number;
  /** Enforced outcomes: what the SDK was told to do (monitor answers count as `monitor`). */
  decisions: { allow: number; challenge: number; block: number; monitor: number };
  /** Challenges solved on the challenge page (clearance tokens issued). */
  solved: number;
  /** Challenges a valid clearance waived. */
  cleared: number;
  policies: Record<string, PolicyResults>;
  rules: Record<string, PolicyResults>;
}

export interface AuditEntry {
  id: number;
  /** RFC 3339. */
  at: string;
  actor: string;
  action: 'rule.create' | 'rule.update' | 'rule.delete';
  rule_id: string;
  before?: RuleDefinition;
  after?: RuleDefinition;
}

const MAX_AUDIT = 1000;

function emptyCounts(): PolicyResults {
  return { observe: 0, challenge: 0, block: 0, allow: 0 };
}

/**
 * A tenant as the runtime's routes see it. An interface so that state kept elsewhere (a synced
 * configuration, shared counters) can stand in for the in-memory one.
 */
export interface TenantState {
  readonly id: string;
  readonly returnOrigins: readonly OriginPattern[];
  readonly engine: PolicyEngine;
  readonly rules: readonly RuleDefinition[];
  /** Back to the configured rules, with fresh counters, results and audit log. */
  reset(): void;
  /**
   * Replaces the rule list, validating the whole tenant again (ids, tenant_id, references).
   * Returns the errors, with paths relative to the rule at `index`, when it does not validate.
   */
  setRules(rules: RuleDefinition[], index: number): ValidationError[] | undefined;
  /** Appends to the audit log. */
  record(entry: Omit<AuditEntry, 'id' | 'at'>): AuditEntry;
  auditLog(): readonly AuditEntry[];
  /** Counts one decision; `cleared`: a valid clearance turned its challenge into an allow. */
  count(decision: Decision, enforced: 'allow' | 'challenge' | 'block', cleared: boolean): void;
  /** Counts a solved challenge (a clearance token issued). */
  countSolved(): void;
  snapshot(): TenantResults;
}

export class MemoryTenantState implements TenantState {
  readonly id: string;
  readonly returnOrigins: readonly OriginPattern[];
  private readonly initial: TenantConfig;
  private readonly now: () => number;
  private store = createMemoryStore();
  private engineValue!: PolicyEngine;
  private results!: TenantResults;
  private audit: AuditEntry[] = [];
  private auditSequence = 0;

  constructor(parsed: ParsedTenant, now: () => number) {
    this.id = parsed.config.tenant_id;
    this.returnOrigins = parsed.returnOrigins;
    this.initial = parsed.config;
    this.now = now;
    this.reset();
  }

  get engine(): PolicyEngine {
    return this.engineValue;
  }

  get rules(): readonly RuleDefinition[] {
    return this.engineValue.config.rules ?? [];
  }

  /** Back to the configured rules, with fresh counters, results and audit log. */
  reset(): void {
    this.store = createMemoryStore();
    this.engineValue = createPolicyEngine(this.initial, { store: this.store, now: this.now });
    this.results = {
      tenant_id: this.id,
      requests: 0,
      decisions: { allow: 0, challenge: 0, block: 0, monitor: 0 },
      solved: 0,
      cleared: 0,
      policies: {},
      rules: {},
    };
    this.audit = [];
  }

  /**
   * Replaces the rule list, validating the whole tenant again (ids, tenant_id, references).
   * Returns the errors, with paths relative to the rule at `index`, when it does not validate.
   */
  setRules(rules: RuleDefinition[], index: number): ValidationError[] | undefined {
    try {
      const config = { ...this.engineValue.config, rules };
      this.engineValue = createPolicyEngine(config, { store: this.store, now: this.now });
      return undefined;
    } catch (err) {
      if (!(err instanceof PolicyConfigError)) throw err;
      const prefix = `$.rules[${index}]`;
      return err.errors.map((e) => ({
        ...e,
        path: e.path.startsWith(prefix) ? `$${e.path.slice(prefix.length)}` : e.path,
      }));
    }
  }

  record(entry: Omit<AuditEntry, 'id' | 'at'>): AuditEntry {
    this.auditSequence += 1;
    const full = { id: this.auditSequence, at: new Date(this.now()).toISOString(), ...entry };
    this.audit.push(full);
    if (this.audit.length > MAX_AUDIT) this.audit.shift();
    return full;
  }

  auditLog(): readonly AuditEntry[] {
    return this.audit;
  }

  /** Counts one decision; `cleared`: a valid clearance turned its challenge into an allow. */
  count(decision: Decision, enforced: 'allow' | 'challenge' | 'block', cleared: boolean): void {
    const r = this.results;
    r.requests += 1;
    if (decision.mode === 'monitor') r.decisions.monitor += 1;
    else r.decisions[enforced] += 1;
    if (cleared) r.cleared += 1;
    for (const m of decision.matches) {
      const table = m.kind === 'rule' ? r.rules : r.policies;
      const id = (m.kind === 'rule' ? m.rule_id : m.policy_id) ?? '?';
      const counts = table[id] ?? emptyCounts();
      table[id] = counts;
      if (m.outcome === 'Observe') counts.observe += 1;
      else if (m.outcome === 'Block') counts.block += 1;
      else if (m.outcome === 'Challenge' && !cleared) counts.challenge += 1;
      else counts.allow += 1;
    }
  }

  countSolved(): void {
    this.results.solved += 1;
  }

  snapshot(): TenantResults {
    return structuredClone(this.results);
  }
}
