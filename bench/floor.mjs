// The floor: the least any integration must do per request, hand-written. Build the same
// protocol v1 payload, HMAC-sign it with crypto.subtle, POST it, read the action. No config
// validation, truncation, redaction, cache, timeout or fallback. `undici` (the module) selects
// a keep-alive Pool instead of global fetch, to pair with @esper/core/node. The HMAC is
// crypto.subtle, as the floor is defined; `hmac: 'node'` signs with node:crypto
// instead, as @esper/express and @esper/lambda do: the stricter floor for the Node path.
import { createHash, createHmac } from 'node:crypto';

const enc = new TextEncoder();
const hex = (buf) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
const PATH = '/api/v1/runtime/mitigation';

export async function createFloor({ apiBase, apiKey, secret, undici, hmac = 'subtle' }) {
  const key = await crypto.subtle.importKey(
    'raw',
    enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const pool = undici ? new undici.Pool(apiBase, { connections: 64, pipelining: 1 }) : undefined;
  const source = { sdk: 'floor', version: '0', runtime: 'node' };

  /** `req`: a Web Request, or `{ method, url, headers }` with plain lower-case headers. */
  async function decide(req, clientIp, signal) {
    const u = new URL(req.url);
    const headers = req.headers instanceof Headers ? Object.fromEntries(req.headers) : req.headers;
    const body = JSON.stringify({
      observed_at: new Date().toISOString(),
      idempotency_key: crypto.randomUUID(),
      request: {
        method: req.method,
        scheme: u.protocol.slice(0, -1),
        host: u.host,
        path: u.pathname,
        client_ip: clientIp,
        user_agent: headers['user-agent'],
        headers,
      },
      return_url: u.href,
      source,
    });
    const ts = Math.floor(Date.now() / 1000);
    let sig;
    if (hmac === 'node') {
      const canonical = `ESPER-HMAC-SHA256-V1\n${apiKey}\nPOST\n${PATH}\n${ts}\n${createHash('sha256').update(body).digest('hex')}`;
      sig = createHmac('sha256', secret).update(canonical).digest('hex');
    } else {
      const canonical = `ESPER-HMAC-SHA256-V1\n${apiKey}\nPOST\n${PATH}\n${ts}\n${hex(await crypto.subtle.digest('SHA-256', enc.encode(body)))}`;
      sig = hex(await crypto.subtle.sign('HMAC', key, enc.encode(canonical)));
    }
    const h = {
      'content-type': 'application/json',
      'x-esper-api-key': apiKey,
      'x-esper-timestamp': String(ts),
      'x-esper-signature': `v1=${sig}`,
    };
    if (pool) {
      const res = await pool.request({ path: PATH, method: 'POST', headers: h, body, signal });
      return (await res.body.json()).action;
    }
    const res = await fetch(apiBase + PATH, { method: 'POST', headers: h, body, signal });
    return (await res.json()).action;
  }
  return { decide, close: () => pool?.close() };
}
