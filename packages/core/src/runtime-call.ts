import type { Backoff } from './backoff.js';
import type { CallAbort } from './call-abort.js';
import { realClock } from './clock.js';
import type { ResolvedConfig } from './config.js';
import { type FailureReason, parseRuntimeAnswer, type RuntimeAnswer } from './decision.js';
import { ResponseTooLargeError } from './errors.js';
import type { InFlightLimiter } from './in-flight.js';
import { HEADER_SDK, type Signer, type SignerFactory } from './signing.js';
import type { Transport, TransportResponse } from './transport.js';

/** What one runtime call came to: an answer, or why there is none. */
export type Outcome =
  | { answer: RuntimeAnswer; local?: true }
  | { failure: FailureReason; message: string; status?: number };
export type Failure = Extract<Outcome, { failure: unknown }>;

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The signer, started at once in the background (importing the HMAC key would otherwise be
 * paid out of the first request's timeout). A failed start (a bad key, a throwing factory) is
 * retried by the next request.
 */
export function signerSlot(make: SignerFactory, keyId: string, secret: string) {
  let signer: Promise<Signer> | undefined;
  const start = (): Promise<Signer> => {
    const started = (async () => make(keyId, secret))();
    started.catch(() => {
      if (signer === started) signer = undefined;
    });
    return started;
  };
  signer = start();
  return (): Promise<Signer> => {
    signer ??= start();
    return signer;
  };
}

/** A non-200 answer as a failure, with the runtime's error code when it gave one. */
function statusFailure(res: TransportResponse): Failure {
  let code = '';
  try {
    code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code ?? '';
  } catch {}
  const detail = typeof code === 'string' && code ? ` (${code.slice(0, 64)})` : '';
  return {
    failure: 'bad_status',
    status: res.status,
    message: `runtime answered ${res.status}${detail}`,
  };
}

export interface RuntimeCallDeps {
  config: ResolvedConfig;
  transport: Transport;
  signer: () => Promise<Signer>;
  limiter: InFlightLimiter;
  backoff: Backoff;
  now: () => number;
  sdkHeader: string;
  timedOut: Failure;
}

/** One signed call to the runtime's decision endpoint: signing, the slot, the transport, the status. */
export function createRuntimeCall(deps: RuntimeCallDeps) {
  const { config, transport, limiter, backoff, now, timedOut } = deps;
  const path = config.endpoint.pathname + config.endpoint.search;

  async function send(body: string, call: CallAbort, signed: Record<string, string>) {
    return transport.send({
      url: config.endpoint.href,
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER_SDK]: deps.sdkHeader, ...signed },
      body,
      // Read only by transports that need one: an AbortSignal costs microseconds per request.
      get signal() {
        return call.signal;
      },
      abort: call,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
  }

  return async function ask(
    body: string,
    call: CallAbort,
    dueAt: number,
    deadline: { passed: boolean },
  ): Promise<Outcome> {
    let signed: Record<string, string>;
    try {
      signed = await (await deps.signer())('POST', path, body, Math.floor(now() / 1000));
    } catch (err) {
      return { failure: 'internal', message: `signing failed: ${(err as Error)?.message ?? err}` };
    }
    // Under a burst, signing completions can queue up behind each other past the deadline
    // before the timer gets to run; a request that is already late is not sent at all.
    if (deadline.passed || realClock() >= dueAt) return timedOut;
    const acquired = limiter.acquire(dueAt);
    const slot = acquired instanceof Promise ? await acquired : acquired;
    if (deadline.passed) {
      limiter.release(slot);
      return timedOut;
    }
    let res: TransportResponse;
    try {
      res = await send(body, call, signed);
    } catch (err) {
      if (deadline.passed) return timedOut;
      if (err instanceof ResponseTooLargeError)
        return { failure: 'bad_response', message: err.message };
      return { failure: 'network', message: err instanceof Error ? err.message : String(err) };
    } finally {
      limiter.release(slot);
    }
    if (res.status === 429) backoff.rateLimited(res.headers.get('retry-after'));
    else backoff.answered();
    if (res.status !== 200) return statusFailure(res);
    try {
      return { answer: parseRuntimeAnswer(res.body) };
    } catch (err) {
      return { failure: 'bad_response', message: (err as Error).message };
    }
  };
}

export type RuntimeCall = ReturnType<typeof createRuntimeCall>;
