/**
 * The state of a policy-driven runtime, shared by its routes: tenants and their API keys,
 * challenges waiting to be solved, the clearance signer, cache lifetimes and the admin token.
 * The mock (@esper/testing) holds one of these for its tenants; `startRuntime` serves one alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ChallengeStore } from './challenge/challenge-store.js';
import { type ClearanceSigner, createClearanceSigner } from './challenge/clearance.js';
import { policyAnswer } from './policy-answer.js';
import type {
  MitigationBody,
  RuntimeDecision,
  RuntimeKey,
  RuntimeLogger,
} from './protocol/types.js';
import type { TenantState } from './tenants/tenant-state.js';
import { MemoryTenantStore, type TenantStore } from './tenants/tenant-store.js';

/** Defaults of `PolicyRuntimeOptions.challenge`, documented in the README. */
export const DEFAULT_CHALLENGE = Object.freeze({
  difficulty: 14,
  clearanceTtlSeconds: 1800,
  challengeTtlSeconds: 600,
});

export interface PolicyRuntimeOptions {
  /**
   * Tenants decided by real policies (`@esper/policy`), each with its API keys. Validated at
   * start-up: a `TenantConfigError` lists every problem with its JSON path.
   */
  tenants?: unknown[];
  /** Where tenants come from instead of `tenants`, e.g. state kept outside this process. */
  tenantStore?: TenantStore;
  /** The challenge page and clearance tokens (see the README, "Challenge round trip"). */
  challenge?: {
    /** Leading zero bits the proof of work needs (0-32). Default 14; use ~8 in tests. */
    difficulty?: number;
    /** How long a clearance token is valid. Default 1800. */
    clearanceTtlSeconds?: number;
    /** How long a challenge can be solved after the decision. Default 600. */
    challengeTtlSeconds?: number;
    /**
     * Key material of the token signing key (an ES256 key derived from it). Several: the first
     * signs, all verify and are published in snapshots (key rotation). Default: random per runtime.
     */
    secret?: string | readonly string[];
    /** Challenges remembered at once (oldest dropped). Default 10 000. */
    maxPending?: number;
  };
  /** `ttl_seconds` of policy answers by action. Default 0 for both (see the README). */
  decisionTtlSeconds?: { allow?: number; block?: number };
  /** Token of the admin API (rules, audit, results). Default: random, see `adminToken`. */
  adminToken?: string;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  logger?: RuntimeLogger;
}

function challengeSettings(options: PolicyRuntimeOptions['challenge']) {
  const settings = {
    difficulty: options?.difficulty ?? DEFAULT_CHALLENGE.difficulty,
    clearanceTtlSeconds: options?.clearanceTtlSeconds ?? DEFAULT_CHALLENGE.clearanceTtlSeconds,
    challengeTtlSeconds: options?.challengeTtlSeconds ?? DEFAULT_CHALLENGE.challengeTtlSeconds,
  };
  const { difficulty } = settings;
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > 32) {
    throw new Error('challenge.difficulty must be an integer from 0 to 32 (leading zero bits)');
  }
  return settings;
}

export class PolicyRuntime {
  readonly tenants: TenantStore;
  /** Every tenant's API keys, by key id. */
  readonly keys: ReadonlyMap<string, RuntimeKey>;
  readonly challenges: ChallengeStore;
  readonly challenge: {
    difficulty: number;
    clearanceTtlSeconds: number;
    challengeTtlSeconds: number;
  };
  /** Cache lifetimes the policy answers carry (challenges and monitor answers: always 0). */
  readonly decisionTtl: { allow: number; block: number };
  /** Bearer token (or Basic password) of the admin API; random unless configured. */
  readonly adminToken: string;
  readonly now: () => number;
  readonly logger: RuntimeLogger;

  private signer: Promise<ClearanceSigner> | undefined;
  private readonly clearanceSecrets: Uint8Array<ArrayBuffer>[];

  constructor(options: PolicyRuntimeOptions = {}) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? {};
    this.tenants = options.tenantStore ?? new MemoryTenantStore(options.tenants ?? [], this.now);
    this.keys = new Map(this.tenants.keys().map((k) => [k.apiKey, k]));
    this.challenges = new ChallengeStore(options.challenge?.maxPending);
    this.challenge = challengeSettings(options.challenge);
    const secret = options.challenge?.secret;
    if (secret !== undefined && typeof secret !== 'string' && secret.length === 0) {
      throw new Error('challenge.secret must be a string or a non-empty list of strings');
    }
    // Derived with SHA-256 so any configured string makes a full-size key; random otherwise,
    // so tokens of one run are worthless to the next.
    this.clearanceSecrets =
      secret === undefined
        ? [new Uint8Array(randomBytes(32))]
        : (typeof secret === 'string' ? [secret] : [...secret]).map(
            (s) => new Uint8Array(createHash('sha256').update(s).digest()),
          );
    this.decisionTtl = {
      allow: options.decisionTtlSeconds?.allow ?? 0,
      block: options.decisionTtlSeconds?.block ?? 0,
    };
    if (options.adminToken !== undefined && options.adminToken.length < 16) {
      throw new Error('adminToken needs at least 16 characters');
    }
    this.adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  }

  /** Signs and verifies clearance tokens (created once; key import is asynchronous). */
  clearanceSigner(): Promise<ClearanceSigner> {
    this.signer ??= createClearanceSigner(this.clearanceSecrets);
    return this.signer;
  }

  /** The tenant whose policies decide for `key`, if it is a tenant's key. */
  tenantOf(key: RuntimeKey): TenantState | undefined {
    return key.tenantId === undefined ? undefined : this.tenants.get(key.tenantId);
  }

  /** The answer of `tenant`'s policies to a checked call signed with `key`. */
  decide(tenant: TenantState, body: MitigationBody, key: RuntimeKey): Promise<RuntimeDecision> {
    return policyAnswer(this, tenant, body, key);
  }

  /** Tenants back to their configured rules with fresh counters; pending challenges dropped. */
  reset(): void {
    this.tenants.reset();
    this.challenges.clear();
  }
}
