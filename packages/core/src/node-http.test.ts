import { describe, expect, it } from 'vitest';
import { forwardUpstream, type NodeRequestLike, nodeWebRequest } from './node-http.js';

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

describe('forwardUpstream', () => {
  it('a header the runtime vouches for replaces the client’s copy, in every view (protocol.md)', () => {
    const req: NodeRequestLike = {
      headers: { 'x-risk': 'low', 'x-esper-decision': 'allow', accept: '*/*' },
      rawHeaders: ['X-Risk', 'low', 'x-risk', 'none', 'X-Esper-Decision', 'allow', 'Accept', '*/*'],
      socket: null,
    };
    forwardUpstream(
      req,
      new Headers([
        ['x-esper-decision', 'challenge'],
        ['x-risk', 'high'],
      ]),
    );
    expect(req.headers).toEqual({
      accept: '*/*',
      'x-esper-decision': 'challenge',
      'x-risk': 'high',
    });
    expect(req.rawHeaders).toEqual([
      'Accept',
      '*/*',
      'x-esper-decision',
      'challenge',
      'x-risk',
      'high',
    ]);
  });
});

describe('forwardUpstream, when Node cannot build headersDistinct', () => {
  it('(rawHeaders shortened by something before Esper) still cleans the other views', () => {
    const req = {
      headers: { 'x-esper-decision': 'allow' } as NodeRequestLike['headers'],
      get headersDistinct(): never {
        throw new TypeError("Cannot read properties of undefined (reading 'toLowerCase')");
      },
      rawHeaders: ['x-esper-decision', 'allow'],
      socket: null,
    };
    expect(() => forwardUpstream(req, new Headers([['x-esper-decision', 'block']]))).not.toThrow();
    expect(req.headers).toEqual({ 'x-esper-decision': 'block' });
    expect(req.rawHeaders).toEqual(['x-esper-decision', 'block']);
  });
});
