/**
 * Authentication of the hybrid sync endpoints: the same HMAC signature as runtime calls
 * (docs/protocol.md), over this request's method, target and body, with a key that belongs to
 * a tenant. The tenant is the key's; a `tenant_id` query parameter (signed with the target),
 * when sent, must name it, so a daemon configured for one tenant with another's key finds out.
 */
import { verifySignature } from '@esper/core';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { RuntimeKey } from '../protocol/types.js';
import type { TenantState } from '../tenants/tenant-state.js';

export interface HybridLimits {
  keys: ReadonlyMap<string, RuntimeKey>;
  toleranceSeconds: number;
  now: () => number;
}

export type HybridRefusal = {
  ok: false;
  status: number;
  code: string;
  message: string;
  path?: string;
  errors?: unknown[];
  headers?: Record<string, string>;
};

export type HybridCall = { ok: true; key: RuntimeKey; tenant: TenantState } | HybridRefusal;

export function refuse(status: number, code: string, message: string): HybridRefusal {
  return { ok: false, status, code, message };
}

/** `target`: the request target exactly as sent, query included (the signature covers it). */
export async function checkHybridCall(
  req: Request,
  target: string,
  body: Uint8Array,
  runtime: PolicyRuntime,
  limits: HybridLimits,
): Promise<HybridCall> {
  const verification = await verifySignature({
    method: req.method,
    path: target,
    body,
    headers: req.headers,
    secretFor: (keyId) => limits.keys.get(keyId)?.secret,
    now: limits.now(),
    toleranceSeconds: limits.toleranceSeconds,
  });
  if (!verification.ok) return refuse(401, verification.code, verification.message);
  const key = limits.keys.get(verification.keyId)!;
  const tenant = runtime.tenantOf(key);
  if (!tenant) return refuse(401, 'unknown_key', 'this API key belongs to no tenant');
  const asked = new URL(target, 'http://runtime.invalid').searchParams.get('tenant_id');
  if (asked !== null && asked !== tenant.id) {
    return refuse(403, 'wrong_tenant', `this API key belongs to another tenant than ${asked}`);
  }
  return { ok: true, key, tenant };
}
