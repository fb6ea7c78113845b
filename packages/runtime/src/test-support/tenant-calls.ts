/**
 * Shared by the policy, rules and challenge tests (here and in @esper/testing): bodies for a
 * tenant key, signed calls, admin calls.
 */
import type { MitigationBody } from '../protocol/types.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import type { TenantDefinition } from '../tenants/tenant.js';
import { signedPost } from './signed-call.js';

export const WEB_KEY = QUICKSTART_TENANT.api_keys[0]!;
export const PARTNER_KEY = QUICKSTART_TENANT.api_keys[1]!;
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A mutable copy of the quickstart tenant, with changes. */
export function quickstart(changes: Partial<TenantDefinition> = {}): TenantDefinition {
  return { ...structuredClone(QUICKSTART_TENANT), ...changes };
}

export interface BodyInput {
  method?: string;
  path?: string;
  query?: string;
  clientIp?: string;
  userAgent?: string;
  scheme?: string;
  host?: string;
  clearance?: string;
  cookieNames?: string[];
}

let sequence = 0;

export function bodyFor(input: BodyInput = {}): MitigationBody {
  sequence += 1;
  const { method = 'GET', path = '/', scheme = 'http', host = '127.0.0.1:3000' } = input;
  const userAgent = input.userAgent ?? 'Mozilla/5.0 test';
  const body: MitigationBody = {
    observed_at: new Date().toISOString(),
    idempotency_key: `policy-${process.pid}-${sequence}-${Math.random().toString(36).slice(2)}`,
    request: {
      method,
      scheme,
      host,
      path,
      client_ip: input.clientIp ?? '203.0.113.10',
      user_agent: userAgent,
      headers: { 'user-agent': userAgent },
    },
    return_url: `${scheme}://${host}${path}${input.query ? `?${input.query}` : ''}`,
    source: { sdk: '@esper/core', version: '0.1.0', runtime: 'node' },
  };
  if (input.query) body.request.query = input.query;
  if (input.clearance) body.clearance = input.clearance;
  if (input.cookieNames) {
    body.request.redacted_headers = { cookie: { length: 100, names: input.cookieNames } };
  }
  return body;
}

export interface Answer {
  decision_id: string;
  action: string;
  mode: string;
  policy_id: string | null;
  mitigation_id: string | null;
  reason: string;
  ttl_seconds: number;
  challenge: { url: string } | null;
  response_headers: Array<[string, string]>;
}

export async function decide(
  url: string,
  input: BodyInput = {},
  key: { apiKey: string; secret: string } = WEB_KEY,
): Promise<Answer> {
  const res = await signedPost(url, bodyFor(input), { apiKey: key.apiKey, secret: key.secret });
  if (res.status !== 200) throw new Error(`runtime answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Answer;
}

export function admin(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${ADMIN_TOKEN}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(`${url}${path}`, { ...init, headers });
}
