import type { RuntimeRequestBody } from './context.js';

/**
 * Decides in process instead of calling the runtime: hybrid mode (`@esper/hybrid`). It gets the
 * body the runtime would get and answers with a v1 answer object (what the runtime's 200 body
 * holds), which core checks with the same rules as the runtime's. It runs under the same
 * `timeoutMs`; a throw or a bad answer becomes a fallback (`internal`, `bad_response`).
 */
export interface LocalDecider {
  decide(body: RuntimeRequestBody, context?: LocalDecideContext): unknown | Promise<unknown>;
}

/** What the platform gives a decision that the body does not carry. */
export interface LocalDecideContext {
  /**
   * The platform's `waitUntil` (Workers, Vercel Edge): background work the decider starts
   * (a due sync, sending events) is handed to it so the platform does not cut it off.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}
