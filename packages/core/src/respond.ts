import { CLEARANCE_NAME } from './context.js';
import type { Decision, HeaderPair } from './decision.js';

/** Header names the SDK owns: a client's copies are never believed or passed on. */
export const ESPER_HEADER_PREFIX = 'x-esper-';

/** Whether `name` is one of the SDK's own headers (`x-esper-*`), in any case. */
export function isEsperHeader(name: string): boolean {
  return name.length >= 8 && name.slice(0, 8).toLowerCase() === ESPER_HEADER_PREFIX;
}

export const DECISION_HEADER = 'x-esper-decision';
export const DECISION_ID_HEADER = 'x-esper-decision-id';
export const DECISION_MODE_HEADER = 'x-esper-mode';

/** HTML for browsers; JSON for everything else (API clients, fetch, curl). */
export function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, text: string, decision: Decision) {
  const ref = decision.decisionId
    ? `<p><small>Reference: ${escapeHtml(decision.decisionId)}</small></p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p>${ref}</body></html>`;
}

function headersFor(decision: Decision, contentType: string) {
  const h = new Headers({
    'content-type': contentType,
    'cache-control': 'no-store',
    [DECISION_HEADER]: decision.action,
  });
  if (decision.decisionId) h.set(DECISION_ID_HEADER, decision.decisionId);
  appendHeaders(h, decision.responseHeaders);
  return h;
}

export function appendHeaders(target: Headers, pairs: readonly HeaderPair[]) {
  // append, not set: two Set-Cookie headers must stay two headers.
  for (const [name, value] of pairs) target.append(name, value);
}

export function blockResponse(decision: Decision, request: Request): Response {
  if (wantsHtml(request)) {
    return new Response(page('Access denied', 'This request was blocked.', decision), {
      status: 403,
      headers: headersFor(decision, 'text/html; charset=utf-8'),
    });
  }
  const body = { error: 'blocked', decision_id: decision.decisionId ?? null };
  return new Response(JSON.stringify(body), {
    status: 403,
    headers: headersFor(decision, 'application/json'),
  });
}

/**
 * Browsers go to the challenge page with `return_url`; other clients get a JSON body they can
 * act on. A challenge URL outside the allowed origins is never followed: the request is
 * blocked instead, since sending a browser there would make the SDK an open redirect.
 */
export function challengeResponse(
  decision: Decision,
  request: Request,
  allowedOrigins: Set<string>,
): Response {
  let target: URL | undefined;
  try {
    target = decision.challengeUrl ? new URL(decision.challengeUrl) : undefined;
  } catch {
    target = undefined;
  }
  if (!target || !allowedOrigins.has(target.origin)) return blockResponse(decision, request);
  if (!target.searchParams.has('return_url')) target.searchParams.set('return_url', request.url);
  if (wantsHtml(request)) {
    const h = headersFor(decision, 'text/html; charset=utf-8');
    h.set('location', target.href);
    return new Response(null, { status: 302, headers: h });
  }
  const body = {
    error: 'challenge_required',
    challenge_url: target.href,
    decision_id: decision.decisionId ?? null,
  };
  return new Response(JSON.stringify(body), {
    status: 403,
    headers: headersFor(decision, 'application/json'),
  });
}

/**
 * After a solved challenge the browser comes back with `?esper_clearance=<token>`. When the
 * runtime accepted it (its answer sets the clearance cookie), the browser is sent once more to
 * the same URL without the token, cookie set, so the token never reaches the application's
 * logs, its pages or a third party's Referer. Null when there is nothing to clean up.
 */
export function clearanceRedirect(decision: Decision, request: Request): Response | null {
  if (decision.action !== 'allow' || (request.method !== 'GET' && request.method !== 'HEAD'))
    return null;
  const url = new URL(request.url);
  if (!url.searchParams.has(CLEARANCE_NAME)) return null;
  const accepted = decision.responseHeaders.some(
    ([name, value]) => name === 'set-cookie' && value.startsWith(`${CLEARANCE_NAME}=`),
  );
  if (!accepted) return null;
  url.searchParams.delete(CLEARANCE_NAME);
  const headers = new Headers({
    location: url.href,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  appendHeaders(headers, decision.responseHeaders);
  return new Response(null, { status: 303, headers });
}

/** Adds the runtime's response headers to the application's response (copying it if its headers are immutable). */
export function decorateResponse(response: Response, decision: Decision): Response {
  if (decision.responseHeaders.length === 0) return response;
  try {
    appendHeaders(response.headers, decision.responseHeaders);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    appendHeaders(copy.headers, decision.responseHeaders);
    return copy;
  }
}

/**
 * The headers to pass to the application on allow: the client's own `x-esper-*` headers are
 * removed first, so a client cannot pretend to have been allowed.
 */
export function upstreamHeaders(headers: Headers, decision: Decision): Headers {
  const out = new Headers(headers);
  for (const name of [...out.keys()]) if (isEsperHeader(name)) out.delete(name);
  // A header the runtime vouches for replaces the client's own copy instead of joining it.
  for (const [name] of decision.upstreamHeaders) out.delete(name);
  out.set(DECISION_HEADER, decision.action);
  out.set(DECISION_MODE_HEADER, decision.mode);
  if (decision.decisionId) out.set(DECISION_ID_HEADER, decision.decisionId);
  appendHeaders(out, decision.upstreamHeaders);
  return out;
}

/** For a request the SDK refused itself (`invalid_request`): a 400 that names no policy. */
export function badRequestResponse(decision: Decision): Response {
  const body = { error: 'bad_request', message: decision.message ?? 'bad request' };
  return new Response(JSON.stringify(body), {
    status: 400,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      [DECISION_HEADER]: decision.action,
    },
  });
}
