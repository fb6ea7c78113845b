import type { RuntimeRequestBody } from '@esper/core';

/** An API key a runtime accepts. `apiKey` is the public key id sent in `x-esper-api-key`. */
export interface RuntimeKey {
  apiKey: string;
  secret: string;
  sourceId?: string;
  trustLevel?: string;
  name?: string;
  /** Set for a tenant's keys: requests signed with it are decided by that tenant's policies. */
  tenantId?: string;
}

export type Action = 'allow' | 'challenge' | 'block';

/** A decision as a runtime answers it; omitted fields get protocol defaults (`decisionBody`). */
export interface RuntimeDecision {
  action: Action;
  mode?: 'live' | 'monitor';
  ttl_seconds?: number;
  /**
   * `client`: the SDK may reuse the decision for the client key (IP + user agent) for
   * `ttl_seconds`; `request` or absent: this request only. Omitted from the body when unset.
   */
  cache_scope?: 'client' | 'request';
  policy_id?: string | null;
  mitigation_id?: string | null;
  reason?: string;
  /** Defaults to `{ url: <runtime origin>/challenge?d=<decision id> }` when `action` is `challenge`. */
  challenge?: { url: string } | null;
  response_headers?: Array<[string, string]>;
  upstream_headers?: Array<[string, string]>;
  decision_id?: string;
}

export interface RuntimeLogger {
  debug?(message: string, data?: Record<string, unknown>): void;
  info?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
  error?(message: string, data?: Record<string, unknown>): void;
}

/** The v1 body as a runtime sees it once checked (see `checkMitigationCall`). */
export type MitigationBody = RuntimeRequestBody & { [extra: string]: unknown };
