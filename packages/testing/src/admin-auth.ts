/**
 * The admin API (rules, audit, results) needs the mock's admin token, as
 * `Authorization: Bearer <token>` or, so a browser can open the results page, HTTP Basic with
 * the token as the password (the user name is then the audit log's actor).
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

export function checkAdmin(
  authorization: string | undefined,
  actorHeader: string | undefined,
  token: string,
): AdminAuth {
  if (!authorization) return { ok: false };
  const space = authorization.indexOf(' ');
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (space > 0 && scheme === 'bearer') {
    return sameToken(value, token) ? { ok: true, actor: cleanActor(actorHeader) } : { ok: false };
  }
  if (space > 0 && scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false };
    return sameToken(decoded.slice(colon + 1), token)
      ? { ok: true, actor: cleanActor(decoded.slice(0, colon)) }
      : { ok: false };
  }
  return { ok: false };
}
