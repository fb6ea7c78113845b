import { describe, expect, it } from 'vitest';
import { type NodeRequestLike, nodeWebRequest } from './node-http.js';

const request = (headers: NodeRequestLike['headers']): NodeRequestLike => ({
  method: 'GET',
  url: '/x',
  headers,
  rawHeaders: [],
  socket: null,
});

describe('nodeWebRequest', () => {
  it('takes the host from HTTP/2’s :authority when there is no Host header', () => {
    const req = request({ ':authority': 'app.example:8443', ':path': '/x', ':method': 'GET' });
    const web = nodeWebRequest(req, 'https', '/x?y=1');
    expect(web.url).toBe('https://app.example:8443/x?y=1');
    // Pseudo-headers are not HTTP headers: left out, never fatal.
    expect([...web.headers.keys()].some((k) => k.startsWith(':'))).toBe(false);
  });

  it('prefers Host, and falls back to localhost for an authority the URL parser refuses', () => {
    expect(
      nodeWebRequest(request({ host: 'a.example', ':authority': 'b.example' }), 'http', '/').url,
    ).toBe('http://a.example/');
    expect(nodeWebRequest(request({ ':authority': 'bad host' }), 'http', '/').url).toBe(
      'http://localhost/',
    );
  });
});
