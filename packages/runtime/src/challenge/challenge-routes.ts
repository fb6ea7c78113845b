/**
 * GET /challenge serves the proof-of-work page for a pending challenge (a cloud decision's, or a
 * hybrid runtime's described by a signed ticket); POST /challenge/verify
 * checks the solution and the client, then sends the browser back with a clearance token.
 * Every refusal is a page without a redirect: nothing here ever sends a browser to a URL the
 * tenant did not allow.
 */
import { randomBytes } from 'node:crypto';
import { CLEARANCE_NAME, LIMITS, normalizeIp } from '@esper/core';
import type { PolicyRuntime } from '../policy-runtime.js';
import { readBodyCapped } from '../protocol/body.js';
import { nodeBindings, type RuntimeContext } from '../server/env.js';
import { pageHeaders } from '../server/html.js';
import { allowedReturnUrl } from '../tenants/origins.js';
import { challengePage, messagePage } from './challenge-page.js';
import { checkProofOfWorkSync } from './challenge-store.js';
import { admitTicket } from './challenge-ticket.js';

const MAX_FORM_BYTES = 8 * 1024;

function refuse(c: RuntimeContext, status: number, title: string, message: string): Response {
  return c.body(messagePage(title, message), status as 400, pageHeaders());
}

/** The pending challenge `d` names, or the one its hybrid ticket describes (challenge-ticket.ts). */
function pendingFor(c: RuntimeContext, runtime: PolicyRuntime) {
  const decisionId = c.req.query('d') ?? '';
  const pending = runtime.challenges.get(decisionId, runtime.now());
  const ticket = c.req.query('ticket');
  if (pending || ticket === undefined) return pending;
  return admitTicket(runtime, decisionId, ticket, c.req.query('return_url'));
}

export function challengeGet(runtime: PolicyRuntime) {
  return (c: RuntimeContext): Response => {
    const challenge = pendingFor(c, runtime);
    const tenant = challenge && runtime.tenants.get(challenge.tenantId);
    if (!challenge || !tenant) {
      // Scripted challenges have nothing to solve; their page stays a 200 placeholder, as
      // tests of the redirect itself expect.
      return refuse(
        c,
        200,
        'Esper mock challenge',
        'Nothing to solve here: this challenge came from a scripted answer, or it expired. Go back and try again.',
      );
    }
    const back = allowedReturnUrl(
      c.req.query('return_url') ?? challenge.returnUrl,
      tenant.returnOrigins,
    );
    if (!back) return refuse(c, 400, 'Cannot continue', 'The return address is not allowed.');
    const nonce = randomBytes(16).toString('base64');
    const html = challengePage({
      decisionId: challenge.decisionId,
      seed: challenge.seed,
      difficulty: challenge.difficulty,
      returnUrl: back.href,
      scriptNonce: nonce,
    });
    return c.body(html, 200, pageHeaders(nonce));
  };
}

/**
 * Everything between looking the challenge up and consuming it is synchronous on purpose: an
 * await in between would let a concurrent verification of the same challenge pass too, and
 * the one solution would buy two tokens.
 */
export function challengeVerify(runtime: PolicyRuntime) {
  return async (c: RuntimeContext): Promise<Response> => {
    const read = await readBodyCapped(c.req.raw, MAX_FORM_BYTES);
    if (!read.ok) return refuse(c, 413, 'Cannot continue', 'The form is too large.');
    const form = new URLSearchParams(new TextDecoder().decode(read.bytes));
    const checked = checkSolution(c, runtime, form);
    if (checked instanceof Response) return checked;
    const { challenge, tenant, back } = checked;
    if (!runtime.challenges.consume(challenge.decisionId)) return expired(c);
    tenant.countSolved();

    const nowSeconds = Math.floor(runtime.now() / 1000);
    const signer = await runtime.clearanceSigner();
    const token = await signer.issue(
      {
        tenantId: tenant.id,
        decisionId: challenge.decisionId,
        issuedAt: nowSeconds,
        expiresAt: nowSeconds + runtime.challenge.clearanceTtlSeconds,
      },
      { clientIp: challenge.clientIp, userAgent: challenge.userAgent },
    );
    back.searchParams.set(CLEARANCE_NAME, token);
    return c.body(null, 303, { location: back.href, 'cache-control': 'no-store' });
  };
}

function expired(c: RuntimeContext): Response {
  return refuse(
    c,
    404,
    'Challenge expired',
    'This check is unknown, used or expired. Go back and try again.',
  );
}

/** Synchronous (see challengeVerify): the live challenge and where to return, or a refusal. */
function checkSolution(c: RuntimeContext, runtime: PolicyRuntime, form: URLSearchParams) {
  const challenge = runtime.challenges.get(form.get('d') ?? '', runtime.now());
  const tenant = challenge && runtime.tenants.get(challenge.tenantId);
  if (!challenge || !tenant) return expired(c);
  const back = allowedReturnUrl(form.get('return_url') ?? undefined, tenant.returnOrigins);
  if (!back) return refuse(c, 400, 'Cannot continue', 'The return address is not allowed.');
  if (!checkProofOfWorkSync(challenge.seed, form.get('nonce') ?? '', challenge.difficulty)) {
    return refuse(c, 403, 'Check failed', 'The browser check did not pass.');
  }
  // The token is bound to the client of the decision, so the browser that solved the
  // challenge must be that client: same user agent (as the SDK truncates it) and address.
  const userAgent = c.req.header('user-agent')?.slice(0, LIMITS.userAgent);
  if (userAgent !== challenge.userAgent) {
    return refuse(c, 403, 'Check failed', 'This browser is not the one that was challenged.');
  }
  if (challenge.clientIp !== undefined) {
    const peer = normalizeIp(nodeBindings(c).incoming?.socket.remoteAddress);
    if (peer === undefined || peer !== normalizeIp(challenge.clientIp)) {
      return refuse(c, 403, 'Check failed', 'This connection is not the one that was challenged.');
    }
  }
  return { challenge, tenant, back };
}
