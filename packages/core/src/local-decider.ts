import type { RuntimeRequestBody } from './context.js';

/**
 * Decides in process instead of calling the runtime: hybrid mode (`@esper/hybrid`). It gets the
 * body the runtime would get and answers with a v1 answer object (what the runtime's 200 body
 * holds), which core checks with the same rules as the runtime's. It runs under the same
 * `timeoutMs`; a throw or a bad answer becomes a fallback (`internal`, `bad_response`).
 */
export interface LocalDecider {
  decide(body: RuntimeRequestBody): unknown | Promise<unknown>;
}
