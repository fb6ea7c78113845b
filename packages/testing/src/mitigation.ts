import {
  checkMitigationCall,
  errorBody,
  MITIGATION_PATH,
  nodeBindings,
  type RuntimeContext,
} from '@esper/runtime';
import type { MockController } from './controller.js';
import { type AnswerScope, sendBody } from './faults.js';
import { sendAnswer } from './send.js';
import type { DecideContext } from './types.js';

export { MITIGATION_PATH };

function error(scope: AnswerScope, status: number, code: string, message: string, path?: string) {
  return sendBody(scope, status, errorBody(code, message, path));
}

/**
 * Records the call as it arrives and builds what every answer needs; the abort listener marks
 * a client that went away before its response was complete.
 */
function startScope(ctl: MockController, c: RuntimeContext): AnswerScope {
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
  // `ctx` is filled in once the key is known; only answers read it.
  return { c, ctl, rec, origin: url.origin, signal, ctx: undefined as unknown as DecideContext };
}

/**
 * POST /api/v1/runtime/mitigation: the checks a real runtime makes (size, signature, JSON,
 * replay, shape; @esper/runtime's `checkMitigationCall`), each step recorded; then the answer
 * (scripts, `decide`, the key's tenant, default).
 */
export function mitigationHandler(ctl: MockController) {
  return async (c: RuntimeContext): Promise<Response> => {
    const scope = startScope(ctl, c);
    const { rec } = scope;
    if (c.req.method !== 'POST') {
      return error(scope, 405, 'method_not_allowed', `use POST ${MITIGATION_PATH}`);
    }
    const limits = {
      keys: ctl.keys,
      maxBodyBytes: ctl.maxBodyBytes,
      toleranceSeconds: ctl.toleranceSeconds,
      now: ctl.now,
      replay: ctl.replayProtection ? ctl.replay : undefined,
      validateBody: ctl.validateBody,
    };
    const call = await checkMitigationCall(c.req.raw, rec.path, limits, rec);
    if (!call.ok) {
      const body = errorBody(call.code, call.message, call.path);
      const headers = { 'content-type': 'application/json', ...call.headers };
      return sendBody(scope, call.status, body, headers);
    }

    scope.ctx = { key: call.key, request: rec, origin: scope.origin };
    try {
      const answer = await ctl.chooseAnswer(call.body, scope.ctx);
      rec.answer = answer;
      return await sendAnswer(scope, answer, call.body);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctl.logger.error?.(`mock answer failed: ${message}`, { id: rec.id });
      return error(scope, 500, 'mock_error', message);
    }
  };
}
