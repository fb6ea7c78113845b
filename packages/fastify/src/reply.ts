import type { NodeResponseLike } from '@esper/core/node';

/** The parts of Fastify's reply used here (the same in Fastify 4 and 5). */
export interface FastifyReplyLike {
  statusCode: number;
  readonly sent: boolean;
  raw: { readonly headersSent: boolean; destroy(): unknown };
  getHeader(name: string): unknown;
  header(name: string, value: unknown): unknown;
  send(payload?: unknown): unknown;
}

/**
 * The reply as core's Node response: what core writes goes through Fastify's reply API, so a
 * block or challenge is sent like any reply (onSend and onResponse hooks, the request log,
 * `reply.elapsedTime`), and the runtime's headers on an allowed request join the app's own
 * (Fastify appends each `set-cookie`; the reply's headers are written over `reply.raw`'s).
 */
export function replyResponse(reply: FastifyReplyLike): NodeResponseLike {
  return {
    get statusCode() {
      return reply.statusCode;
    },
    set statusCode(code: number) {
      reply.statusCode = code;
    },
    get headersSent() {
      return reply.sent || reply.raw.headersSent;
    },
    setHeader: (name, value) => reply.header(name, value),
    appendHeader(name, value) {
      const prev = reply.getHeader(name);
      if (prev === undefined || name.toLowerCase() === 'set-cookie') reply.header(name, value);
      else reply.header(name, [prev, value].flat());
    },
    end: (chunk) =>
      reply.send(chunk ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : undefined),
    destroy: () => reply.raw.destroy(),
  };
}
