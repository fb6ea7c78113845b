/**
 * What every admin route shares: JSON error answers, reading a capped JSON object body, and the
 * guard that authenticates (and, for changes, checks the request's origin and type) before a
 * route even looks at its tenant.
 */
import type { ValidationError } from '@esper/policy';
import type { PolicyRuntime } from '../policy-runtime.js';
import { errorBody } from '../protocol/answers.js';
import { readBodyCapped } from '../protocol/body.js';
import type { RuntimeContext } from '../server/env.js';
import { checkAdmin, checkChangeRequest, isChange } from './admin-auth.js';

const MAX_OBJECT_BYTES = 64 * 1024;
export const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function fail(
  c: RuntimeContext,
  status: number,
  code: string,
  message: string,
  path?: string,
  errors?: ValidationError[],
): Response {
  const body = JSON.parse(errorBody(code, message, path));
  if (errors) body.error.errors = errors;
  return c.body(JSON.stringify(body), status as 400, JSON_HEADERS);
}

/** 400 `code` naming the first problem's path, with every problem in `errors`. */
export function invalid(c: RuntimeContext, code: string, errors: ValidationError[]): Response {
  const first = errors[0]!;
  return fail(c, 400, code, first.message, first.path, errors);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function readJsonObject(
  c: RuntimeContext,
): Promise<Record<string, unknown> | Response> {
  const read = await readBodyCapped(c.req.raw, MAX_OBJECT_BYTES);
  if (!read.ok) return fail(c, 413, 'payload_too_large', `body over ${MAX_OBJECT_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch {
    return fail(c, 400, 'invalid_json', 'the body is not valid JSON');
  }
  return isObject(json) ? json : fail(c, 400, 'invalid_body', 'expected a JSON object', '$');
}

/**
 * Authentication first, for every admin route, so an unknown tenant id reveals nothing; for
 * changes, the cross-site checks of admin-auth.ts before that.
 */
export function adminGuard(runtime: PolicyRuntime) {
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
