// Aliased: Lambda ESM bundles commonly start with a banner declaring `createRequire` itself.
import { createRequire as esperCreateRequire } from 'node:module';
import {
  createEsper,
  type Decision,
  type Esper,
  type EsperOptions,
  type Logger,
} from '@esper/core';
import { adapterOptions } from '@esper/core/adapter';
import { createUndiciTransport, nodeSigner } from '@esper/core/node';
import {
  detectKind,
  type EventKind,
  eventPath,
  type HttpEvent,
  isAuthorizerEvent,
  toRequest,
  withHeaders,
  withoutEsperHeaders,
} from './events.js';
import { addHeaders, forbiddenResult, toResult } from './results.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** `EsperOptions` minus what the adapter sets itself (`runtime`, `sdk`). */
export type LambdaEsperOptions = Omit<EsperOptions, 'runtime' | 'sdk'>;

declare const __filename: string | undefined;

// One keep-alive pool per execution environment, reused by every warm invocation. undici takes
// ~100 ms to load: not on import (a module that never builds a handler pays nothing), and not
// inside a request's decision budget either. It is loaded synchronously when the first Esper
// handler is created (the transport's warm-up calls `load` at once), which for a handler built
// at module scope is Lambda's init phase, with its full CPU. In a bundle (esbuild, `sam build`)
// undici is not beside this file: the literal `import('undici')` is what bundlers include, and
// its module body runs in the microtask right after, still before the init phase ends.
function loadUndici() {
  try {
    // __filename in the CommonJS build, import.meta.url in the ES module one.
    const here = typeof __filename === 'string' ? __filename : import.meta.url;
    return Promise.resolve(esperCreateRequire(here)('undici') as typeof import('undici'));
  } catch {
    return import('undici');
  }
}
const transport = createUndiciTransport({ load: loadUndici });

function coreOptions(options: LambdaEsperOptions, runtime: string): EsperOptions {
  return adapterOptions(
    {
      transport,
      // A `crypto` of the user's own (tests, a FIPS provider) keeps signing with it.
      signer: options.crypto ? undefined : nodeSigner,
      ...options,
    },
    {
      // With each event's own source address as `remoteAddress` (sourceIp, or the hop ALB
      // appended), this preset is right for every event kind; `trustedProxies` still apply.
      preset: 'aws-apigateway',
      runtime,
      sdk: { name: SDK_NAME, version: SDK_VERSION },
    },
  );
}

/** Validates the options at module init, so a bad deployment fails at cold start. */
export function createLambdaEsper(options: LambdaEsperOptions = {}, runtime = 'aws-lambda'): Esper {
  return createEsper(coreOptions(options, runtime));
}

export type Gate =
  | { result: unknown }
  | { event: unknown; finish(result: unknown): unknown; pending: Promise<void> };

const PASS = (event: unknown): Gate => ({ event, finish: (r) => r, pending: Promise.resolve() });

/** Handlers already told that they wrap an authorizer. */
const toldAuthorizer = new WeakSet<Esper>();

/**
 * A decision applied to the event: the enforced response in the event's result shape, or the
 * event for the handler, with the decision's headers and none of the client's `x-esper-*`
 * (not even one the Fetch API refused, so that `request.headers` never had it).
 */
async function apply(
  esper: Esper,
  event: HttpEvent,
  kind: EventKind,
  decision: Decision,
  request: Request | undefined,
  logger: Logger | undefined,
): Promise<Gate> {
  const response = await esper.respond(decision, request);
  if (response) {
    const result = await toResult(response, kind, logger);
    await decision.pending;
    return { result };
  }
  const before = request?.headers ?? new Headers();
  const upstream = esper.upstreamHeaders(before, decision);
  return {
    event: withHeaders(withoutEsperHeaders(event), before, upstream),
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
}

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
  logger: Logger | undefined,
): Promise<Gate> {
  const kind = detectKind(event);
  if (!kind) {
    if (isAuthorizerEvent(event) && !toldAuthorizer.has(esper)) {
      toldAuthorizer.add(esper);
      logger?.warn({}, 'esper: authorizer events are not screened; wrap the route’s handler');
    }
    return PASS(event);
  }
  const http = event as HttpEvent;
  let request: Request | undefined;
  let decision: Decision | undefined;
  try {
    const awsRequestId = (context as { awsRequestId?: string } | undefined)?.awsRequestId;
    const converted = toRequest(http, kind, awsRequestId);
    request = converted.request;
    decision = await esper.protect(request, converted.facts);
    return await apply(esper, http, kind, decision, request, logger);
  } catch (err) {
    // An event this package cannot screen must not take the function down, nor reach the
    // handler undecided: it gets the decision core gives an unanswered request on its path
    // (failMode, failClosedRoutes), unless a decision to enforce was already made.
    logger?.error({ err, kind }, 'esper: could not screen the event');
    // A decision made before the failure still has its onDecision work to finish before Lambda
    // freezes; this path is rare enough to wait for it here.
    await decision?.pending;
    let failed = decision?.enforced ? decision : undefined;
    try {
      failed ??= esper.screenFailed(eventPath(http, kind), err, request);
      return await apply(esper, http, kind, failed, request, logger);
    } catch (again) {
      // Header maps that cannot even be read cannot be passed on without the client's
      // x-esper-* headers in them.
      logger?.error({ err: again, kind }, 'esper: could not apply a decision; refusing (403)');
      await failed?.pending;
      return { result: forbiddenResult(kind) };
    }
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
 * An HTTP event that cannot be screened gets core's fallback decision for its route. Other
 * events (authorizers, WebSocket, SQS, …) pass through untouched.
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
