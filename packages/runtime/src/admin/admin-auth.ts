/**
 * The admin API (rules, audit, results) needs the runtime's admin token, as
 * `Authorization: Bearer <token>` or `x-esper-admin-token: <token>` or, for reading only (so a
 * browser can open the results page), HTTP Basic with the token as the password.
 *
 * Changes are guarded against cross-site requests: a browser re-sends cached Basic credentials
 * with any request to the runtime, and a page elsewhere can send a "simple" POST (text/plain,
 * form types) without asking. So a change must come from the runtime's own origin (or no browser
 * context), be JSON, and carry the token in a header no page can add without a CORS preflight,
 * which the runtime never grants.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminAuth = { ok: true; actor: string } | { ok: false };

const MAX_ACTOR = 100;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Hashing first gives equal lengths, so timingSafeEqual leaks neither content nor length. */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cleanActor(value: string | undefined): string {
  // Control characters would corrupt the audit log as a terminal or page shows it.
  let actor = '';
  for (const ch of value ?? '') {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code !== 0x7f) actor += ch;
  }
  return actor.trim().slice(0, MAX_ACTOR) || 'admin';
}

export interface AdminCredentials {
  authorization: string | undefined;
  /** `x-esper-admin-token`. */
  tokenHeader?: string | undefined;
  /** `x-esper-actor`. */
  actor: string | undefined;
  /** False for changes: Basic credentials are what a browser sends on its own. */
  allowBasic?: boolean;
}

export function checkAdmin(credentials: AdminCredentials, token: string): AdminAuth {
  const { authorization, tokenHeader, actor: actorHeader, allowBasic = true } = credentials;
  if (tokenHeader !== undefined) {
    return sameToken(tokenHeader, token)
      ? { ok: true, actor: cleanActor(actorHeader) }
      : { ok: false };
  }
  if (!authorization) return { ok: false };
  const space = authorization.indexOf(' ');
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (space > 0 && scheme === 'bearer') {
    return sameToken(value, token) ? { ok: true, actor: cleanActor(actorHeader) } : { ok: false };
  }
  if (space > 0 && scheme === 'basic' && allowBasic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false };
    return sameToken(decoded.slice(colon + 1), token)
      ? { ok: true, actor: cleanActor(decoded.slice(0, colon)) }
      : { ok: false };
  }
  return { ok: false };
}

export type ChangeCheck =
  | { ok: true }
  | { ok: false; status: 403 | 415; code: string; message: string };

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export function isChange(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * What a change must look like before its credentials are even read: not from another site,
 * and with a JSON body (a cross-site page can only send text/plain and form types without a
 * preflight). `ownOrigin` is the runtime's origin as this request addressed it.
 */
export function checkChangeRequest(
  method: string,
  headers: { get(name: string): string | null },
  ownOrigin: string,
): ChangeCheck {
  const origin = headers.get('origin');
  const site = headers.get('sec-fetch-site');
  // `none` is a user typing the URL or a bookmark; `same-site` would let any other port of
  // localhost (a dev server, any local page) in.
  if (
    (origin !== null && origin !== ownOrigin) ||
    (site !== null && site !== 'same-origin' && site !== 'none')
  ) {
    return {
      ok: false,
      status: 403,
      code: 'cross_site_request',
      message: `admin changes are only accepted from ${ownOrigin} itself or from outside a browser (Origin ${origin ?? 'absent'}, Sec-Fetch-Site ${site ?? 'absent'})`,
    };
  }
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (BODY_METHODS.has(method.toUpperCase()) && type !== 'application/json') {
    return {
      ok: false,
      status: 415,
      code: 'unsupported_media_type',
      message: `admin changes need content-type: application/json, got ${type || 'none'}`,
    };
  }
  return { ok: true };
}
