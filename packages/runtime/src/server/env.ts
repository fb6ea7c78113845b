import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * Bindings @hono/node-server passes to the app. They are optional: when the app is mounted
 * elsewhere (or driven with `app.request()`), what needs the raw socket (the peer address of a
 * challenge verification, the mock's socket faults) falls back or refuses.
 */
export interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/** `actor`: who called the admin API, for its audit log. */
export type RuntimeEnv = { Bindings: NodeBindings; Variables: { actor: string } };

export type RuntimeContext = Context<RuntimeEnv>;

export function nodeBindings(c: RuntimeContext): NodeBindings {
  return (c.env as NodeBindings | undefined) ?? {};
}
