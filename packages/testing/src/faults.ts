import { errorBody, newDecisionId, nodeBindings, type RuntimeContext } from '@esper/runtime';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { decisionBody } from './answers.js';
import type { MockController } from './controller.js';
import type { DecideContext, MockFault, RecordedRequest } from './types.js';

/** What every answer needs besides the answer itself. */
export interface AnswerScope {
  c: RuntimeContext;
  ctl: MockController;
  rec: RecordedRequest;
  ctx: DecideContext;
  origin: string;
  /** Aborts when the client goes away (node-server) or never (elsewhere). */
  signal: AbortSignal;
}

type FaultOf<K extends MockFault['fault']> = Extract<MockFault, { fault: K }>;

// Copied for each response: @hono/node-server writes content-length into the init object it is
// given, so one shared object would hand a stale length to the next, shorter answer.
const jsonType = (): Record<string, string> => ({ 'content-type': 'application/json' });
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sends a whole body and records it. */
export function sendBody(
  scope: AnswerScope,
  status: number,
  body: string | null,
  headers: Record<string, string> = jsonType(),
  fault?: MockFault['fault'],
): Response {
  scope.ctl.respond(scope.rec, {
    status,
    ...(body === null ? {} : { body }),
    ...(fault ? { fault } : {}),
  });
  return new Response(body, { status, headers: { ...headers } });
}

function allowBody(scope: AnswerScope): string {
  return JSON.stringify(decisionBody({ action: 'allow', reason: 'mock fault body' }, scope.origin));
}

export async function hang(scope: AnswerScope): Promise<Response> {
  scope.ctl.respond(scope.rec, { status: 0, fault: 'hang' });
  // With the raw response at hand, simply never write to it: the socket stays open until the
  // client aborts or close() destroys it, which is exactly what a stuck runtime looks like.
  if (nodeBindings(scope.c).outgoing) return RESPONSE_ALREADY_SENT;
  await scope.ctl.sleep(MAX_TIMER_MS, scope.signal);
  return new Response(null, { status: 504 });
}

export function statusFault(scope: AnswerScope, fault: FaultOf<'status'>): Response {
  const { status } = fault;
  const headers: Record<string, string> = { ...jsonType(), ...fault.headers };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  let body: string | null;
  if (status === 204 || status === 205 || status === 304) body = null;
  else if (typeof fault.body === 'string') body = fault.body;
  else if (fault.body !== undefined) body = JSON.stringify(fault.body);
  else if (status === 429) body = errorBody('rate_limited', 'too many calls (mock)');
  else body = errorBody('mock_status', `scripted status ${status}`);
  return sendBody(scope, status, body, headers, 'status');
}

export function malformedJson(scope: AnswerScope): Response {
  const body = `{"decision_id":"${newDecisionId()}","action":"allow","mode":`;
  return sendBody(scope, 200, body, jsonType(), 'malformed_json');
}

export function unknownAction(scope: AnswerScope): Response {
  const decision = decisionBody({ action: 'allow' }, scope.origin);
  const body = JSON.stringify({ ...decision, action: 'quarantine', reason: 'mock unknown action' });
  return sendBody(scope, 200, body, jsonType(), 'unknown_action');
}

export function reset(scope: AnswerScope): Response {
  const body = allowBody(scope);
  const part = body.slice(0, Math.floor(body.length / 2));
  scope.ctl.respond(scope.rec, { status: 200, fault: 'reset' });
  const { outgoing } = nodeBindings(scope.c);
  if (outgoing) {
    // The content-length promises the whole body, so the client sees a connection that died
    // mid-body rather than a short but complete answer.
    outgoing.writeHead(200, { ...jsonType(), 'content-length': String(Buffer.byteLength(body)) });
    outgoing.write(part, () => {
      const socket = outgoing.socket;
      if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket?.destroy();
    });
    return RESPONSE_ALREADY_SENT;
  }
  const encoded = new TextEncoder().encode(part);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoded);
      controller.error(new Error('mock reset'));
    },
  });
  return new Response(stream, { status: 200, headers: jsonType() });
}

export function oversized(scope: AnswerScope, fault: FaultOf<'oversized'>): Response {
  const target = fault.bytes ?? 1024 * 1024;
  const prefix = JSON.stringify(decisionBody({ action: 'allow' }, scope.origin)).slice(0, -1);
  const head = `${prefix},"padding":"`;
  const padding = 'x'.repeat(Math.max(0, target - head.length - 2));
  const body = `${head}${padding}"}`;
  if (fault.contentLength !== false) return sendBody(scope, 200, body, jsonType(), 'oversized');
  scope.ctl.respond(scope.rec, { status: 200, fault: 'oversized' });
  // Several chunks, so node-server cannot see the end up front and add a content-length.
  const bytes = new TextEncoder().encode(body);
  const chunk = 16 * 1024;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
  return new Response(stream, { status: 200, headers: jsonType() });
}

export function slowDrip(scope: AnswerScope, fault: FaultOf<'slow_drip'>): Response {
  const bytes = new TextEncoder().encode(allowBody(scope));
  const interval =
    fault.totalMs !== undefined
      ? fault.totalMs / Math.max(1, bytes.length - 1)
      : (fault.intervalMs ?? 20);
  scope.ctl.respond(scope.rec, { status: 200, fault: 'slow_drip' });
  const started = Date.now();
  let offset = 0;
  const cancelled = new AbortController();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Each byte is due at a fixed time from the start, so timer rounding does not add up.
        const wait = started + offset * interval - Date.now();
        if (offset > 0 && !(await scope.ctl.sleep(Math.max(0, wait), cancelled.signal))) return;
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + 1));
        offset += 1;
      },
      cancel() {
        cancelled.abort();
      },
    },
    // No read-ahead: each byte is produced only when the previous one has been written.
    { highWaterMark: 0 },
  );
  return new Response(stream, { status: 200, headers: jsonType() });
}
