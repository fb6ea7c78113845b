import { createEsper, type Esper, type EsperOptions, type Logger } from '@esper/core';
import { createUndiciTransport } from '@esper/core/node';
import * as undici from 'undici';
import { detectKind, type HttpEvent, toRequest, withHeaders } from './events.js';
import { addHeaders, toResult } from './results.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `EsperOptions` minus what the adapter sets itself (`runtime`, `sdk`). */
export type LambdaEsperOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

// One keep-alive pool per execution environment, reused by every warm invocation. undici is
// imported statically, unlike on long-lived servers: loading it (~100 ms, synchronous once
// its code is read) then happens in Lambda's init phase, instead of inside the first
// request's decision budget on every cold start, stalling whatever request is in flight.
const transport = createUndiciTransport({ load: async () => undici });

/** Validates the options at module init, so a bad deployment fails at cold start. */
export function createLambdaEsper(options: LambdaEsperOptions = {}): Esper {
  return createEsper({
    transport,
    ...options,
    // With each event's own source address as `remoteAddress` (sourceIp, or the hop ALB
    // appended), this preset is right for every event kind; `trustedProxies` still apply.
    clientIp: { preset: 'aws-apigateway', ...options.clientIp },
    runtime: 'aws-lambda',
    sdk: { name: SDK_NAME, version: SDK_VERSION },
  });
}

export type Gate =
  | { result: unknown }
  | { event: unknown; finish(result: unknown): unknown; pending: Promise<void> };

const PASS = (event: unknown): Gate => ({ event, finish: (r) => r, pending: Promise.resolve() });

/**
 * Decides on one invocation. Either `result` (the enforced response, returned instead of
 * the handler's) or the event for the handler plus `finish` to decorate its result. Lambda
 * has no `waitUntil` and freezes the environment once the handler returns, so `pending`
 * (the `onDecision` hook) is awaited before returning rather than left to be lost.
 */
export async function screen(
  esper: Esper,
  event: unknown,
  context: unknown,
  logger?: Logger,
): Promise<Gate> {
  const kind = detectKind(event);
  if (!kind) return PASS(event);
  try {
    const awsRequestId = (context as { awsRequestId?: string } | undefined)?.awsRequestId;
    const { request, facts } = toRequest(event as HttpEvent, kind, awsRequestId);
    const decision = await esper.protect(request, facts);
    const response = await esper.respond(decision, request);
    if (response) {
      const result = await toResult(response, kind, logger);
      await decision.pending;
      return { result };
    }
    const upstream = esper.upstreamHeaders(request.headers, decision);
    return {
      event: withHeaders(event as HttpEvent, request.headers, upstream),
      finish(result) {
        try {
          return addHeaders(result, decision.responseHeaders, kind, logger);
        } catch (err) {
          logger?.warn({ err }, 'esper: could not add response headers to the result');
          return result;
        }
      },
      pending: decision.pending,
    };
  } catch (err) {
    // An event this package cannot read must not take the function down: pass it through.
    logger?.error({ err, kind }, 'esper: could not read the event; passing it through');
    return PASS(event);
  }
}

/**
 * An async Lambda handler. The callback parameter and `void` are only there so handlers typed
 * with `@types/aws-lambda` (`APIGatewayProxyHandler`, …) fit; the callback is never passed.
 */
export type LambdaHandler<E, C, R> = (event: E, context: C, callback: never) => HandlerReturn<R>;
// biome-ignore lint/suspicious/noConfusingVoidType: the same return type as @types/aws-lambda's Handler
type HandlerReturn<R> = R | Promise<R> | void;

/**
 * Wraps an async API Gateway (REST or HTTP API), Function URL or ALB handler. Blocked and
 * challenged requests get Esper's response in the event's result shape; allowed ones reach
 * `handler` with `x-esper-*` decision headers, and its result gets the runtime's headers.
 * Other events pass through untouched.
 */
export function withEsper<E, C, R>(
  handler: LambdaHandler<E, C, R>,
  options: LambdaEsperOptions = {},
): ((event: E, context: C) => Promise<R>) & { esper: Esper } {
  const esper = createLambdaEsper(options);
  const wrapped = async (event: E, context: C): Promise<R> => {
    const gate = await screen(esper, event, context, options.logger);
    if ('result' in gate) return gate.result as R;
    try {
      return gate.finish(await handler(gate.event as E, context, undefined as never)) as R;
    } finally {
      await gate.pending;
    }
  };
  return Object.assign(wrapped, { esper });
}
