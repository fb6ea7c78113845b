import type { Esper } from '@esper/core';
import { createLambdaEsper, type Gate, type LambdaEsperOptions, screen } from './handler.js';

/** The part of Middy's request object the middleware uses (`@middy/core` 4 and later). */
export interface MiddyRequest {
  event: unknown;
  context: unknown;
  response: unknown;
}

export interface EsperMiddleware {
  name: string;
  esper: Esper;
  before(request: MiddyRequest): Promise<unknown>;
  after(request: MiddyRequest): Promise<void>;
  onError(request: MiddyRequest): Promise<void>;
}

/**
 * Middy middleware. `use` it first: an enforced decision returns early from `before`, which
 * skips the handler and every later middleware, and `after` (run last) decorates the final
 * response.
 */
export function esperMiddleware(options: LambdaEsperOptions = {}): EsperMiddleware {
  const esper = createLambdaEsper(options);
  const gates = new WeakMap<MiddyRequest, Extract<Gate, { event: unknown }>>();
  return {
    name: 'esper',
    esper,
    async before(request) {
      const gate = await screen(esper, request.event, request.context, options.logger);
      if ('result' in gate) return gate.result;
      request.event = gate.event;
      gates.set(request, gate);
      return undefined;
    },
    async after(request) {
      const gate = gates.get(request);
      if (!gate) return;
      request.response = gate.finish(request.response);
      await gate.pending;
    },
    async onError(request) {
      await gates.get(request)?.pending;
    },
  };
}
