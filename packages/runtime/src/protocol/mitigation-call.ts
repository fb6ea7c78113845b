/**
 * The checks of `POST /api/v1/runtime/mitigation`, in the order a real runtime makes them: body
 * size, signature, JSON, replay, shape. Both the mock (@esper/testing) and this runtime's own
 * endpoint run them; only what they answer afterwards differs.
 */
import { HEADER_TIMESTAMP, type VerifyResult, verifySignature } from '@esper/core';
import { readBodyCapped } from './body.js';
import type { ReplayGuard } from './replay.js';
import type { MitigationBody, RuntimeKey } from './types.js';
import { type ValidationResult, validateMitigationBody } from './validate.js';

export const MITIGATION_PATH = '/api/v1/runtime/mitigation';

/** Largest body accepted by default: 32 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024;

export interface MitigationCallLimits {
  keys: ReadonlyMap<string, RuntimeKey>;
  maxBodyBytes: number;
  toleranceSeconds: number;
  now: () => number;
  /** Undefined: a repeated `idempotency_key` is accepted. */
  replay: ReplayGuard | undefined;
  /** False: any JSON object is accepted. */
  validateBody: boolean;
}

/**
 * What the checks saw, filled in step by step as far as they got, so a caller can record a
 * refused call too. The mock passes its `RecordedRequest`, which has these fields.
 */
export interface MitigationCallTrace {
  rawBody?: string | undefined;
  verification?: VerifyResult | undefined;
  body?: unknown;
  validation?: ValidationResult;
}

export type MitigationCallRefusal = {
  ok: false;
  status: number;
  code: string;
  message: string;
  path?: string;
  /** Extra response headers (`retry-after` of a 429). */
  headers?: Record<string, string>;
};

export type MitigationCall =
  | { ok: true; key: RuntimeKey; body: MitigationBody }
  | MitigationCallRefusal;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(
  status: number,
  code: string,
  message: string,
  path?: string,
): MitigationCallRefusal {
  return path === undefined
    ? { ok: false, status, code, message }
    : { ok: false, status, code, message, path };
}

/**
 * `target` is the request target exactly as sent (the signature covers it), query included.
 * The request's method is not checked here: the route decides what a non-POST gets.
 */
export async function checkMitigationCall(
  req: Request,
  target: string,
  limits: MitigationCallLimits,
  trace: MitigationCallTrace = {},
): Promise<MitigationCall> {
  const read = await readBodyCapped(req, limits.maxBodyBytes);
  if (!read.ok) return refuse(413, 'payload_too_large', `body over ${limits.maxBodyBytes} bytes`);
  let text: string | undefined;
  try {
    text = utf8.decode(read.bytes);
  } catch {
    text = undefined;
  }
  trace.rawBody = text ?? new TextDecoder().decode(read.bytes);

  const verification = await verifySignature({
    method: req.method,
    path: target,
    body: read.bytes,
    headers: req.headers,
    secretFor: (keyId) => limits.keys.get(keyId)?.secret,
    now: limits.now(),
    toleranceSeconds: limits.toleranceSeconds,
  });
  trace.verification = verification;
  if (!verification.ok) return refuse(401, verification.code, verification.message);
  const key = limits.keys.get(verification.keyId)!;

  let parsed: unknown;
  try {
    if (text === undefined) throw new Error('not UTF-8');
    parsed = JSON.parse(text);
  } catch {
    return refuse(400, 'invalid_json', 'the body is not valid UTF-8 JSON');
  }
  trace.body = parsed;

  const replayed = checkReplay(req, key, parsed, limits);
  if (replayed) return replayed;

  if (limits.validateBody) {
    const validation = validateMitigationBody(parsed);
    trace.validation = validation;
    if (!validation.ok) return refuse(400, 'invalid_body', validation.message, validation.path);
  } else if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refuse(400, 'invalid_body', 'expected an object', '$');
  }
  return { ok: true, key, body: parsed as MitigationBody };
}

function checkReplay(
  req: Request,
  key: RuntimeKey,
  parsed: unknown,
  limits: MitigationCallLimits,
): MitigationCallRefusal | undefined {
  const idempotencyKey = (parsed as { idempotency_key?: unknown } | null)?.idempotency_key;
  if (!limits.replay || typeof idempotencyKey !== 'string') return undefined;
  const timestampMs = Number(req.headers.get(HEADER_TIMESTAMP)) * 1000;
  const nowMs = limits.now();
  const verdict = limits.replay.admit(key.apiKey, idempotencyKey, timestampMs, nowMs);
  if (verdict === 'replayed') {
    return refuse(401, 'replayed_request', 'this idempotency_key was already used');
  }
  if (verdict !== 'full') return undefined;
  // Every idempotency key of this API key is still live: accepting another would mean
  // forgetting one that a captured call could then replay, so the call is refused until room
  // frees up.
  const seconds = Math.min(60, limits.replay.retryAfterSeconds(key.apiKey, nowMs));
  return {
    ...refuse(
      429,
      'replay_capacity',
      `replay protection is remembering ${limits.replay.maxEntries} live idempotency keys for this API key; retry in ${seconds} s`,
    ),
    headers: { 'retry-after': String(seconds) },
  };
}
