import { describe, expect, it } from 'vitest';
import { decidedUrl, serverFor, socketPeer } from './platform.js';

describe('decidedUrl', () => {
  it('is the parsed URL, without a fragment', () => {
    expect(decidedUrl('http://h/x/../admin#frag')?.href).toBe('http://h/admin');
    expect(decidedUrl('http://h/panel\\x')?.pathname).toBe('/panel/x');
    expect(decidedUrl('https://[::1]:8443/a?b')?.href).toBe('https://[::1]:8443/a?b');
  });

  // Deno writes `http://<Host header><request target>`: these Hosts would move the path.
  it.each([
    'http://a#/admin',
    'http://a?/admin',
    'http://a\\/admin',
    'http://a@b/admin',
    'http://1.2.3.999/admin',
    'http://app.example:99999/admin',
    '/admin',
    'ftp://h/admin',
  ])('refuses %s', (raw) => {
    expect(decidedUrl(raw)).toBeUndefined();
  });
});

describe('socketPeer', () => {
  const request = new Request('http://h/');
  it('reads Bun’s server.requestIP and Deno’s info.remoteAddr, nothing else', () => {
    expect(
      socketPeer(request, [
        { requestIP: (r: Request) => (r === request ? { address: '::1' } : null) },
      ]),
    ).toBe('::1');
    expect(socketPeer(request, [{ remoteAddr: { hostname: '127.0.0.1', port: 1 } }])).toBe(
      '127.0.0.1',
    );
    expect(socketPeer(request, [{ headers: { 'x-forwarded-for': '6.6.6.6' } }])).toBeUndefined();
    expect(socketPeer(request, [])).toBeUndefined();
    expect(
      socketPeer(request, [
        {
          requestIP: () => {
            throw new Error('closed');
          },
        },
      ]),
    ).toBeUndefined();
  });
});

describe('serverFor', () => {
  it('maps the request handed on back to the runtime’s in the server’s methods', () => {
    const original = new Request('http://h/');
    const handed = new Request(original);
    const server = {
      port: 3000,
      requestIP(this: { port: number }, r: Request) {
        return r === original ? { address: '127.0.0.1', port: this.port } : null;
      },
    };
    const seen = serverFor(server, handed, original);
    expect(seen.requestIP(handed)).toEqual({ address: '127.0.0.1', port: 3000 });
    expect(seen.port).toBe(3000);
    const other = { remoteAddr: {} };
    expect(serverFor(other, handed, original)).toBe(other);
  });
});
