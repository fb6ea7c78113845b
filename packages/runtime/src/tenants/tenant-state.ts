/**
 * One tenant at run time: its compiled engine, configuration version, counters, results and
 * audit log. `TenantState` is what the routes and decisions use; `MemoryTenantState` keeps it
 * all in this process. Configuration changes rebuild the engine on the same store, so they
 * apply from the next request while windows keep counting.
 */
import {
  type ActionDefinition,
  createMemoryStore,
  createPolicyEngine,
  type Decision,
  type EntityDefinition,
  type Mitigation,
  type Policy,
  PolicyConfigError,
  type PolicyEngine,
  type RuleDefinition,
  type TenantConfig,
  type ValidationError,
} from '@esper/policy';
import { DecisionActivity } from '../console/activity.js';
import { configVersion } from './config-version.js';
import type { OriginPattern } from './origins.js';
import type { ParsedTenant } from './tenant.js';

/** Counts by what each match did; see the README ("Results"). */
export interface PolicyResults {
  observe: number;
  challenge: number;
  block: number;
  allow: number;
}

/** Decisions counted one way: all of them, or only those of one operation mode. */
export interface DecisionCounts {
  /** Requests the policies decided (scripted answers are not counted). */
  requests: number;
  /** Enforced outcomes: what the SDK was told to do (monitor answers count as `monitor`). */
  decisions: { allow: number; challenge: number; block: number; monitor: number };
  policies: Record<string, PolicyResults>;
  rules: Record<string, PolicyResults>;
}

export interface TenantResults extends DecisionCounts {
  tenant_id: string;
  /** Challenges solved on the challenge page (clearance tokens issued). */
  solved: number;
  /** Challenges a valid clearance waived. */
  cleared: number;
  /**
   * The same counts split by where the decision was made: `cloud` (this runtime's mitigation
   * endpoint) or `hybrid` (a customer-run runtime, reported through `/api/v1/hybrid/events`).
   */
  by_operation_mode: { cloud: DecisionCounts; hybrid: DecisionCounts };
}

/** What a hybrid runtime reported it decided (one accepted event). */
export interface HybridOutcome {
  action: 'allow' | 'challenge' | 'block';
  mode: 'live' | 'monitor';
  /** The deciding policy or rule; null or absent when nothing matched. */
  policy_id?: string | null | undefined;
  /** For the results console (a hybrid event carries them): when, from whom, how long. */
  observed_at?: string;
  request?: { client_ip?: string };
  latency_us?: number;
}

/** What the results console records of a cloud decision besides the decision itself. */
export interface DecisionFacts {
  clientIp?: string | undefined;
  latencyUs?: number | undefined;
}

/** Singular names of what the admin API changes, as audit actions and error codes spell them. */
export type DefinitionSubject = 'action' | 'entity_definition' | 'mitigation' | 'policy' | 'rule';

export type DefinitionObject =
  | ActionDefinition
  | EntityDefinition
  | Mitigation
  | Policy
  | RuleDefinition;

export interface AuditEntry {
  id: number;
  /** RFC 3339. */
  at: string;
  actor: string;
  action: `${DefinitionSubject}.${'create' | 'update' | 'delete'}`;
  /** The changed object's id, under its kind's id key (one of these five). */
  rule_id?: string;
  action_id?: string;
  entity_definition_id?: string;
  mitigation_id?: string;
  policy_id?: string;
  before?: DefinitionObject;
  after?: DefinitionObject;
  /** The configuration version once the change applied (the snapshot's `version`). */
  version?: string;
}

const MAX_AUDIT = 1000;

function emptyCounts(): PolicyResults {
  return { observe: 0, challenge: 0, block: 0, allow: 0 };
}

function emptyDecisionCounts(): DecisionCounts {
  return {
    requests: 0,
    decisions: { allow: 0, challenge: 0, block: 0, monitor: 0 },
    policies: {},
    rules: {},
  };
}

function countRequest(
  into: DecisionCounts,
  monitor: boolean,
  enforced: 'allow' | 'challenge' | 'block',
) {
  into.requests += 1;
  if (monitor) into.decisions.monitor += 1;
  else into.decisions[enforced] += 1;
}

function countMatch(
  into: DecisionCounts,
  kind: 'rule' | 'policy',
  id: string,
  outcome: keyof PolicyResults,
) {
  const table = kind === 'rule' ? into.rules : into.policies;
  const counts = table[id] ?? emptyCounts();
  table[id] = counts;
  counts[outcome] += 1;
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
  /** The validated configuration in force (the engine's). */
  readonly config: TenantConfig;
  /** Changes exactly when `config` does (see config-version.ts). */
  readonly version: string;
  /** Back to the configured rules, with fresh counters, results and audit log. */
  reset(): void;
  /**
   * Replaces the whole configuration, validating it (ids, tenant_id, references) and keeping
   * the counters. Returns the errors, with paths into `config`, when it does not validate.
   */
  setConfig(config: TenantConfig): ValidationError[] | undefined;
  /**
   * Replaces the rule list, validating the whole tenant again (ids, tenant_id, references).
   * Returns the errors, with paths relative to the rule at `index`, when it does not validate.
   */
  setRules(rules: RuleDefinition[], index: number): ValidationError[] | undefined;
  /** Appends to the audit log. */
  record(entry: Omit<AuditEntry, 'id' | 'at'>): AuditEntry;
  auditLog(): readonly AuditEntry[];
  /** Counts one decision; `cleared`: a valid clearance turned its challenge into an allow. */
  count(
    decision: Decision,
    enforced: 'allow' | 'challenge' | 'block',
    cleared: boolean,
    facts?: DecisionFacts,
  ): void;
  /** Counts one decision a hybrid runtime reported, as `count` counts the cloud's own. */
  countHybrid(outcome: HybridOutcome): void;
  /** Counts a solved challenge (a clearance token issued). */
  countSolved(): void;
  snapshot(): TenantResults;
  /** Decisions over time, busiest clients and latency, for the results console (optional). */
  readonly activity?: DecisionActivity;
}

export class MemoryTenantState implements TenantState {
  readonly id: string;
  readonly returnOrigins: readonly OriginPattern[];
  private readonly initial: TenantConfig;
  private readonly now: () => number;
  private store = createMemoryStore();
  private engineValue!: PolicyEngine;
  private versionValue!: string;
  private results!: TenantResults;
  private audit: AuditEntry[] = [];
  private auditSequence = 0;
  readonly activity: DecisionActivity;

  constructor(parsed: ParsedTenant, now: () => number) {
    this.id = parsed.config.tenant_id;
    this.returnOrigins = parsed.returnOrigins;
    this.initial = parsed.config;
    this.now = now;
    this.activity = new DecisionActivity({ now });
    this.reset();
  }

  get engine(): PolicyEngine {
    return this.engineValue;
  }

  get rules(): readonly RuleDefinition[] {
    return this.engineValue.config.rules ?? [];
  }

  get config(): TenantConfig {
    return this.engineValue.config;
  }

  get version(): string {
    return this.versionValue;
  }

  /** Back to the configured rules, with fresh counters, results and audit log. */
  reset(): void {
    this.store = createMemoryStore();
    this.engineValue = createPolicyEngine(this.initial, { store: this.store, now: this.now });
    this.versionValue = configVersion(this.engineValue.config);
    this.results = {
      tenant_id: this.id,
      ...emptyDecisionCounts(),
      solved: 0,
      cleared: 0,
      by_operation_mode: { cloud: emptyDecisionCounts(), hybrid: emptyDecisionCounts() },
    };
    this.audit = [];
    this.activity.reset();
  }

  setConfig(config: TenantConfig): ValidationError[] | undefined {
    try {
      this.engineValue = createPolicyEngine(config, { store: this.store, now: this.now });
    } catch (err) {
      if (!(err instanceof PolicyConfigError)) throw err;
      return err.errors;
    }
    // Same tick as the engine swap: a snapshot never pairs one configuration with another's
    // version.
    this.versionValue = configVersion(this.engineValue.config);
    return undefined;
  }

  setRules(rules: RuleDefinition[], index: number): ValidationError[] | undefined {
    const errors = this.setConfig({ ...this.engineValue.config, rules });
    const prefix = `$.rules[${index}]`;
    return errors?.map((e) => ({
      ...e,
      path: e.path.startsWith(prefix) ? `$${e.path.slice(prefix.length)}` : e.path,
    }));
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
  count(
    decision: Decision,
    enforced: 'allow' | 'challenge' | 'block',
    cleared: boolean,
    facts?: DecisionFacts,
  ): void {
    const targets = [this.results, this.results.by_operation_mode.cloud];
    this.activity.record({
      action: enforced,
      mode: decision.mode,
      entity: facts?.clientIp,
      latencyUs: facts?.latencyUs,
    });
    if (cleared) this.results.cleared += 1;
    for (const into of targets) countRequest(into, decision.mode === 'monitor', enforced);
    for (const m of decision.matches) {
      const id = (m.kind === 'rule' ? m.rule_id : m.policy_id) ?? '?';
      const outcome: keyof PolicyResults =
        m.outcome === 'Observe'
          ? 'observe'
          : m.outcome === 'Block'
            ? 'block'
            : m.outcome === 'Challenge' && !cleared
              ? 'challenge'
              : 'allow';
      for (const into of targets)
        countMatch(into, m.kind === 'rule' ? 'rule' : 'policy', id, outcome);
    }
  }

  /**
   * An event names only the deciding policy or rule (a rule when the configuration has a rule
   * of that id), so unlike `count` other policies that matched the same request are not seen.
   */
  countHybrid(outcome: HybridOutcome): void {
    const targets = [this.results, this.results.by_operation_mode.hybrid];
    const monitor = outcome.mode === 'monitor';
    const observedMs = outcome.observed_at ? Date.parse(outcome.observed_at) : Number.NaN;
    this.activity.record({
      atMs: Number.isFinite(observedMs) ? observedMs : undefined,
      action: outcome.action,
      mode: outcome.mode,
      entity: outcome.request?.client_ip,
      latencyUs: outcome.latency_us,
    });
    for (const into of targets) countRequest(into, monitor, outcome.action);
    const id = outcome.policy_id;
    if (id === undefined || id === null) return;
    const kind = this.rules.some((r) => r.rule_id === id) ? 'rule' : 'policy';
    for (const into of targets) countMatch(into, kind, id, monitor ? 'observe' : outcome.action);
  }

  countSolved(): void {
    this.results.solved += 1;
  }

  snapshot(): TenantResults {
    return structuredClone(this.results);
  }
}
