import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * Bindings @hono/node-server passes to the app. They are optional: when the app is mounted
 * elsewhere (or driven with `app.request()`), faults that need the raw socket fall back to
 * web-standard approximations.
 */
export interface MockBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/** `actor`: who called the admin API, for its audit log. */
export type MockEnv = { Bindings: MockBindings; Variables: { actor: string } };

export type MockContext = Context<MockEnv>;

export function nodeBindings(c: MockContext): MockBindings {
  return (c.env as MockBindings | undefined) ?? {};
}
