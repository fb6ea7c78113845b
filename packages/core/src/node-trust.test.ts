import { describe, expect, it } from 'vitest';
import type { NodeRequestLike } from './node-http.js';
import { believedScheme, trustedClientIp, trustedProto, trustWalk } from './node-trust.js';

const request = (
  rawHeaders: string[],
  socket: NodeRequestLike['socket'] = { remoteAddress: '10.0.0.1' },
): NodeRequestLike => {
  const headers: NodeRequestLike['headers'] = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const prev = headers[name];
    headers[name] = prev ? `${prev}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  return { method: 'GET', url: '/', headers, rawHeaders, socket };
};

// Trusts the private 10.0.0.0/8 hops, like `trust proxy: '10.0.0.0/8'`.
const privateHops = (address: string) => address.startsWith('10.');

describe('trustWalk', () => {
  it('walks right to left from the peer while each hop is trusted', () => {
    const walk = trustWalk('10.0.0.1', privateHops);
    expect(walk('1.1.1.1, 2.2.2.2, 10.0.0.2')).toEqual(['10.0.0.1', '10.0.0.2', '2.2.2.2']);
  });

  it('stops at the peer when the peer is not trusted', () => {
    expect(trustWalk('3.3.3.3', privateHops)('1.1.1.1')).toEqual(['3.3.3.3']);
  });

  it('passes the hop index, as proxy-addr does (`trust proxy: 1`)', () => {
    const walk = trustWalk('10.0.0.1', (_a, hop) => hop < 1);
    expect(walk('1.1.1.1, 2.2.2.2')).toEqual(['10.0.0.1', '2.2.2.2']);
  });

  it('reads a missing peer as the empty address', () => {
    expect(trustWalk(undefined, () => true)('1.1.1.1')).toEqual(['', '1.1.1.1']);
  });
});

describe('trustedClientIp', () => {
  const walk = trustWalk('10.0.0.1', privateHops);

  it("is the framework's IP off Heroku, or with one x-forwarded-for line", () => {
    const twoLines = request(['X-Forwarded-For', '6.6.6.6', 'X-Forwarded-For', '1.1.1.1']);
    expect(trustedClientIp(twoLines, 'direct', '9.9.9.9', walk)).toBe('9.9.9.9');
    const oneLine = request(['X-Forwarded-For', '1.1.1.1']);
    expect(trustedClientIp(oneLine, 'heroku', '9.9.9.9', walk)).toBe('9.9.9.9');
    expect(trustedClientIp(oneLine, 'heroku', undefined, walk)).toBe('');
  });

  it("walks only the Heroku router's first line, never the client's own second line", () => {
    const req = request(['X-Forwarded-For', '1.1.1.1, 10.0.0.2', 'X-Forwarded-For', '6.6.6.6']);
    expect(trustedClientIp(req, 'heroku', '6.6.6.6', walk)).toBe('1.1.1.1');
  });

  it('is no IP behind Heroku when there are no rules to walk with', () => {
    const req = request(['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-For', '6.6.6.6']);
    expect(trustedClientIp(req, 'heroku', '6.6.6.6', undefined)).toBe('');
  });
});

describe('trustedProto', () => {
  it("is x-forwarded-proto's last entry when the rules vouch for the peer", () => {
    const req = request(['X-Forwarded-Proto', 'http, https']);
    expect(trustedProto(req, trustWalk('10.0.0.1', privateHops))).toBe('https');
  });

  it('is undefined from an untrusted peer, without rules or without the header', () => {
    const req = request(['X-Forwarded-Proto', 'https'], { remoteAddress: '3.3.3.3' });
    expect(trustedProto(req, trustWalk('3.3.3.3', privateHops))).toBeUndefined();
    expect(trustedProto(req, undefined)).toBeUndefined();
    expect(trustedProto(request([]), trustWalk('10.0.0.1', privateHops))).toBeUndefined();
  });
});

describe('believedScheme', () => {
  it('takes the trusted proto only when it is http(s)', () => {
    expect(believedScheme(request([]), 'direct', 'https')).toBe('https');
    expect(believedScheme(request([]), 'direct', 'javascript')).toBe('http');
  });

  it('believes x-forwarded-proto as sent only where the router overwrites it', () => {
    const req = request(['X-Forwarded-Proto', 'https']);
    expect(believedScheme(req, 'heroku', undefined)).toBe('https');
    expect(believedScheme(req, 'aws-alb', undefined)).toBe('https');
    expect(believedScheme(req, 'direct', undefined)).toBe('http');
    expect(believedScheme(request(['X-Forwarded-Proto', 'ftp']), 'heroku', undefined)).toBe('http');
  });

  it("falls back to the socket's", () => {
    const tls = request([], { remoteAddress: '1.1.1.1', encrypted: true });
    expect(believedScheme(tls, 'direct', undefined)).toBe('https');
    expect(believedScheme(request([], null), 'direct', undefined)).toBe('http');
  });
});
