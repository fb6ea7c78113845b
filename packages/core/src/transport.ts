import type { AbortEmitter } from './call-abort.js';
import { ResponseTooLargeError } from './errors.js';

export interface TransportRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** Aborting it must close the connection. */
  readonly signal: AbortSignal;
  /**
   * The same abort as an EventEmitter-style `once('abort')`, when the caller is `@esper/core`:
   * undici takes it as its `signal`, and no `AbortSignal` is then created for the call.
   */
  readonly abort?: AbortEmitter;
  /** Stop reading (and fail with ResponseTooLargeError) past this many bytes. */
  maxResponseBytes: number;
}

export interface TransportResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

/**
 * How the SDK reaches the runtime. The default uses `fetch`; Node adapters use the keep-alive
 * undici pool from `@esper/core/node`.
 */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  /**
   * Starts expensive set-up (loading a module, connecting) in the background so the first
   * request's timeout is not spent on it. Must not throw or reject.
   */
  warm?(origin: string): void;
  close?(): Promise<void>;
}

/** Reads a Web stream as UTF-8, giving up (and cancelling the stream) past `limit` bytes. */
export async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<string> {
  if (!stream) return '';
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw new ResponseTooLargeError(limit);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

export function createFetchTransport(fetchImpl?: typeof fetch): Transport {
  return {
    warm() {
      // Node loads its fetch implementation on first use (~100-200 ms on a cold process); a
      // local data: URL loads it without touching the network. Elsewhere fetch is built in.
      const g = globalThis as { process?: { versions?: { node?: string } }; EdgeRuntime?: unknown };
      if (fetchImpl || !g.process?.versions?.node || g.EdgeRuntime !== undefined) return;
      try {
        globalThis
          .fetch('data:,')
          .then((r) => r.arrayBuffer())
          .catch(() => {});
      } catch {}
    },
    async send(req) {
      // Looked up per call so a fetch patched after start-up (test servers, tracing) is used.
      const f = fetchImpl ?? globalThis.fetch;
      const res = await f(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        // A runtime answer is never a redirect; following one could leave the API origin.
        redirect: 'manual',
      });
      const declared = res.headers.get('content-length');
      const length = Number(declared);
      if (length > req.maxResponseBytes) {
        res.body?.cancel().catch(() => {});
        throw new ResponseTooLargeError(req.maxResponseBytes);
      }
      // With a declared length the framing already bounds the body, unless it is compressed (the
      // length then counts compressed bytes). text() is used there because workerd reports a
      // stream reader's error as an unhandled rejection even when it is caught.
      const encoding = res.headers.get('content-encoding');
      const framed =
        declared !== null && Number.isFinite(length) && (!encoding || encoding === 'identity');
      return {
        status: res.status,
        headers: res.headers,
        body: framed ? await res.text() : await readCapped(res.body, req.maxResponseBytes),
      };
    },
  };
}
