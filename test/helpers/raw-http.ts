import { connect } from 'node:net';

/**
 * HTTP/1.1 over a plain socket, for request targets no HTTP client sends: fetch and undici
 * resolve `..` and `%2e%2e`, turn `\` into `/` and refuse absolute-form or asterisk-form
 * targets, so only a hand-written request line shows what the server itself does with them.
 */

export interface RawRequest {
  /** The whole request line's target, sent byte for byte (`/x/../admin`, `http://h/ADMIN`, `*`). */
  target: string;
  method?: string;
  /** Sent in this order, as given; `Host` defaults to the server's host:port when absent. */
  headers?: Array<[string, string]>;
  body?: string;
  /** Give up (and reject) after this long. Default 10 s. */
  timeoutMs?: number;
}

export interface RawResponse {
  /** 0 when the server closed the connection without a status line. */
  status: number;
  headers: Headers;
  body: string;
  /** Everything the server wrote, for diagnostics. */
  raw: string;
}

/** One request on its own connection (`Connection: close`); `url` is the server's origin. */
export function rawRequest(url: string, req: RawRequest): Promise<RawResponse> {
  const { hostname, port, host } = new URL(url);
  const headers = [...(req.headers ?? [])];
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) headers.unshift(['Host', host]);
  const body = req.body ?? '';
  headers.push(['Content-Length', String(Buffer.byteLength(body))], ['Connection', 'close']);
  const head = [
    `${req.method ?? 'GET'} ${req.target} HTTP/1.1`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return new Promise<RawResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''), () => {
      socket.write(`${head}\r\n\r\n${body}`);
    });
    socket.setTimeout(req.timeoutMs ?? 10_000, () => {
      socket.destroy(new Error(`no complete response to ${req.method ?? 'GET'} ${req.target}`));
    });
    // Done at the response's own end (Content-Length, the last chunk, or no body at all):
    // workerd keeps the connection open for seconds despite `Connection: close`.
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const data = Buffer.concat(chunks);
      if (complete(data, req.method ?? 'GET')) {
        socket.destroy();
        resolve(parseResponse(data));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(parseResponse(Buffer.concat(chunks))));
  });
}

/** Whether `data` holds a whole response: its head and the body its framing announces. */
function complete(data: Buffer, method: string): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const head = data.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1]);
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200))
    return true;
  const body = data.length - end - 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return body >= Number(length[1]);
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head))
    return data.subarray(data.length - 5).toString('latin1') === '0\r\n\r\n';
  return false;
}

/** Parses one HTTP/1.1 response (Content-Length, chunked or read-to-close). */
export function parseResponse(data: Buffer): RawResponse {
  const raw = data.toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  const headText = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = headText.split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    try {
      headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    } catch {
      // A header value Headers refuses is left out; `raw` still has it.
    }
  }
  let bytes =
    end === -1 ? Buffer.alloc(0) : data.subarray(Buffer.byteLength(headText, 'latin1') + 4);
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) bytes = unchunk(bytes);
  const match = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
  return {
    status: match ? Number(match[1]) : 0,
    headers,
    body: bytes.toString('utf8'),
    raw,
  };
}

function unchunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at, 'latin1');
    if (eol === -1) break;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
