import { HEADER_TIMESTAMP, verifySignature } from '@esper/core';
import { errorBody } from './answers.js';
import { readBodyCapped } from './body.js';
import type { MockController } from './controller.js';
import { type MockContext, nodeBindings } from './env.js';
import { type AnswerScope, sendBody } from './faults.js';
import { sendAnswer } from './send.js';
import type { DecideContext, MitigationBody } from './types.js';
import { validateMitigationBody } from './validate.js';

export const MITIGATION_PATH = '/api/v1/runtime/mitigation';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function error(scope: AnswerScope, status: number, code: string, message: string, path?: string) {
  return sendBody(scope, status, errorBody(code, message, path));
}

/**
 * Every idempotency key of this API key is still live: accepting another would mean forgetting
 * one that a captured call could then replay, so the call is refused until room frees up.
 */
function replayFull(scope: AnswerScope, apiKey: string): Response {
  const { ctl } = scope;
  const seconds = Math.min(60, ctl.replay.retryAfterSeconds(apiKey, ctl.now()));
  const message = `replay protection is remembering ${ctl.maxReplayEntries} live idempotency keys for this API key; retry in ${seconds} s`;
  return sendBody(scope, 429, errorBody('replay_capacity', message), {
    'content-type': 'application/json',
    'retry-after': String(seconds),
  });
}

/**
 * POST /api/v1/runtime/mitigation, in the order a real runtime checks: size, signature,
 * JSON, replay, shape; then the answer (scripts, `decide`, default).
 */
export function mitigationHandler(ctl: MockController) {
  return async (c: MockContext): Promise<Response> => {
    // node-server creates the request's abort signal lazily; it must exist before the client
    // can go away, or the abort is never seen.
    const signal = c.req.raw.signal;
    const url = new URL(c.req.url);
    // The signature covers the request target exactly as sent, so prefer Node's raw value.
    const path = nodeBindings(c).incoming?.url ?? url.pathname + url.search;
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const rec = ctl.record({
      method: c.req.method,
      path,
      headers,
      rawBody: undefined,
      body: undefined,
      verification: undefined,
    });
    signal.addEventListener(
      'abort',
      () => {
        if (!ctl.closing && rec.response?.fault !== 'reset') rec.aborted = true;
      },
      { once: true },
    );
    const scope: AnswerScope = {
      c,
      ctl,
      rec,
      origin: url.origin,
      signal,
      // Filled in once the key is known; only answers read it.
      ctx: undefined as unknown as DecideContext,
    };

    if (c.req.method !== 'POST') {
      return error(scope, 405, 'method_not_allowed', `use POST ${MITIGATION_PATH}`);
    }
    const read = await readBodyCapped(c.req.raw, ctl.maxBodyBytes);
    if (!read.ok) {
      return error(scope, 413, 'payload_too_large', `body over ${ctl.maxBodyBytes} bytes`);
    }
    let text: string | undefined;
    try {
      text = utf8.decode(read.bytes);
    } catch {
      text = undefined;
    }
    rec.rawBody = text ?? new TextDecoder().decode(read.bytes);

    const verification = await verifySignature({
      method: c.req.method,
      path,
      body: read.bytes,
      headers: c.req.raw.headers,
      secretFor: (keyId) => ctl.keys.get(keyId)?.secret,
      now: ctl.now(),
      toleranceSeconds: ctl.toleranceSeconds,
    });
    rec.verification = verification;
    if (!verification.ok) return error(scope, 401, verification.code, verification.message);
    const key = ctl.keys.get(verification.keyId)!;

    let parsed: unknown;
    try {
      if (text === undefined) throw new Error('not UTF-8');
      parsed = JSON.parse(text);
    } catch {
      return error(scope, 400, 'invalid_json', 'the body is not valid UTF-8 JSON');
    }
    rec.body = parsed;

    const idempotencyKey = (parsed as { idempotency_key?: unknown } | null)?.idempotency_key;
    if (ctl.replayProtection && typeof idempotencyKey === 'string') {
      const timestampMs = Number(c.req.header(HEADER_TIMESTAMP)) * 1000;
      const verdict = ctl.replay.admit(key.apiKey, idempotencyKey, timestampMs, ctl.now());
      if (verdict === 'replayed') {
        return error(scope, 401, 'replayed_request', 'this idempotency_key was already used');
      }
      if (verdict === 'full') return replayFull(scope, key.apiKey);
    }

    if (ctl.validateBody) {
      const validation = validateMitigationBody(parsed);
      rec.validation = validation;
      if (!validation.ok)
        return error(scope, 400, 'invalid_body', validation.message, validation.path);
    } else if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return error(scope, 400, 'invalid_body', 'expected an object', '$');
    }

    const body = parsed as MitigationBody;
    scope.ctx = { key, request: rec, origin: url.origin };
    try {
      const answer = await ctl.chooseAnswer(body, scope.ctx);
      rec.answer = answer;
      return await sendAnswer(scope, answer, body);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctl.logger.error?.(`mock answer failed: ${message}`, { id: rec.id });
      return error(scope, 500, 'mock_error', message);
    }
  };
}
