import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from './client-ip.js';

const h = (init: Record<string, string>) => new Headers(init);
const SPOOF = {
  'x-forwarded-for': '6.6.6.6',
  'x-real-ip': '6.6.6.7',
  'true-client-ip': '6.6.6.8',
  forwarded: 'for=6.6.6.9',
};

describe('client IP presets', () => {
  it('cloudflare trusts cf-connecting-ip only', () => {
    const resolve = createClientIpResolver({ preset: 'cloudflare' });
    expect(resolve(h({ ...SPOOF, 'cf-connecting-ip': '198.51.100.1' }), '10.0.0.1')).toBe(
      '198.51.100.1',
    );
    expect(resolve(h(SPOOF), '10.0.0.1')).toBeUndefined();
    // A list is not what Cloudflare writes, so it is not believed.
    expect(resolve(h({ 'cf-connecting-ip': '198.51.100.1, 6.6.6.6' }), undefined)).toBeUndefined();
  });

  it('vercel reads x-real-ip, then the first x-vercel-forwarded-for entry', () => {
    const resolve = createClientIpResolver({ preset: 'vercel' });
    expect(
      resolve(h({ 'x-real-ip': '198.51.100.2', 'x-forwarded-for': '6.6.6.6' }), undefined),
    ).toBe('198.51.100.2');
    expect(resolve(h({ 'x-vercel-forwarded-for': '198.51.100.3, 10.0.0.1' }), undefined)).toBe(
      '198.51.100.3',
    );
    expect(resolve(h({ 'x-forwarded-for': '6.6.6.6' }), undefined)).toBeUndefined();
  });

  it.each(['aws-apigateway', 'aws-function-url', 'direct'] as const)(
    '%s uses the platform address and ignores headers',
    (preset) => {
      const resolve = createClientIpResolver({ preset });
      expect(resolve(h(SPOOF), '198.51.100.4')).toBe('198.51.100.4');
      expect(resolve(h(SPOOF), undefined)).toBeUndefined();
    },
  );

  it.each(['aws-alb', 'heroku'] as const)('%s takes the hop the platform appended', (preset) => {
    const resolve = createClientIpResolver({ preset });
    expect(resolve(h({ 'x-forwarded-for': '6.6.6.6, 1.1.1.1, 198.51.100.5' }), '10.1.2.3')).toBe(
      '198.51.100.5',
    );
    expect(resolve(h({ 'x-forwarded-for': '198.51.100.5' }), '10.1.2.3')).toBe('198.51.100.5');
    // No forwarding header: the request did not pass the router; the peer is the client.
    expect(resolve(h({}), '127.0.0.1')).toBe('127.0.0.1');
    expect(resolve(h({ 'x-forwarded-for': '6.6.6.6, garbage' }), '10.1.2.3')).toBeUndefined();
  });

  it('duplicate x-forwarded-for lines are read as one list, right to left', () => {
    const headers = new Headers();
    headers.append('x-forwarded-for', '6.6.6.6');
    headers.append('x-forwarded-for', '198.51.100.6');
    expect(createClientIpResolver({ preset: 'heroku' })(headers, '10.0.0.1')).toBe('198.51.100.6');
  });
});

describe('trusted proxies', () => {
  it('walks x-forwarded-for right to left past trusted proxies', () => {
    const resolve = createClientIpResolver({
      preset: 'direct',
      trustedProxies: ['10.0.0.0/8', '192.0.2.1'],
    });
    const xff = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 192.0.2.1' };
    expect(resolve(h(xff), '10.0.0.5')).toBe('198.51.100.7');
    // The peer itself is not trusted: headers are ignored.
    expect(resolve(h(xff), '198.51.100.8')).toBe('198.51.100.8');
  });

  it('heroku behind a CDN: the router hop is trusted, the CDN is configured', () => {
    const resolve = createClientIpResolver({
      preset: 'heroku',
      trustedProxies: ['203.0.113.0/24'],
    });
    expect(
      resolve(h({ 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 203.0.113.50' }), '10.0.0.1'),
    ).toBe('198.51.100.9');
  });

  it('all hops trusted: the leftmost is the client', () => {
    const resolve = createClientIpResolver({ trustedProxies: ['10.0.0.0/8'] });
    expect(resolve(h({ 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }), '10.0.0.1')).toBe('10.0.0.3');
  });

  it('a trustedHeader is read as is', () => {
    const resolve = createClientIpResolver({ trustedHeader: 'True-Client-IP' });
    expect(
      resolve(h({ 'true-client-ip': '198.51.100.10', 'x-forwarded-for': '6.6.6.6' }), '10.0.0.1'),
    ).toBe('198.51.100.10');
  });

  it('refuses a bad CIDR at creation', () => {
    expect(() => createClientIpResolver({ trustedProxies: ['10.0.0.0/99'] })).toThrow(
      /10\.0\.0\.0\/99/,
    );
  });
});

describe('x-forwarded-for lines kept apart (forwardedFor)', () => {
  const heroku = createClientIpResolver({ preset: 'heroku' });

  it('heroku: the router appended to the first line only; later lines are the client own', () => {
    // A client sent two lines; the router appended the peer it saw to the first one.
    const lines = ['6.6.6.9, 198.51.100.20', '6.6.6.10'];
    const joined = h({ 'x-forwarded-for': lines.join(', ') });
    expect(heroku(joined, '10.0.0.1', lines)).toBe('198.51.100.20');
  });

  it('heroku behind a CDN: the walk stays on the first line', () => {
    const resolve = createClientIpResolver({
      preset: 'heroku',
      trustedProxies: ['203.0.113.0/24'],
    });
    const lines = ['198.51.100.21, 203.0.113.50', '6.6.6.11, 203.0.113.51'];
    expect(resolve(h({}), '10.0.0.1', lines)).toBe('198.51.100.21');
  });

  it('heroku with one line or none reads as before', () => {
    expect(heroku(h({}), '10.0.0.1', ['6.6.6.6, 198.51.100.22'])).toBe('198.51.100.22');
    expect(heroku(h({}), '127.0.0.1', [])).toBe('127.0.0.1');
  });

  it('aws-alb: several lines at the target are not what ALB is known to send; no guess', () => {
    const alb = createClientIpResolver({ preset: 'aws-alb' });
    expect(alb(h({}), undefined, ['6.6.6.12', '6.6.6.13, 198.51.100.23'])).toBeUndefined();
    expect(alb(h({}), undefined, ['6.6.6.12, 198.51.100.23'])).toBe('198.51.100.23');
  });

  it('direct with trusted proxies: lines are one list in order (RFC 9110 5.3)', () => {
    const resolve = createClientIpResolver({ trustedProxies: ['10.0.0.0/8'] });
    expect(resolve(h({}), '10.0.0.5', ['6.6.6.14', '198.51.100.24, 10.0.0.2'])).toBe(
      '198.51.100.24',
    );
  });

  it('header presets ignore the lines', () => {
    const cf = createClientIpResolver({ preset: 'cloudflare' });
    expect(cf(h({ 'cf-connecting-ip': '198.51.100.25' }), undefined, ['6.6.6.15'])).toBe(
      '198.51.100.25',
    );
  });
});

describe("trustedHeader: 'Forwarded' (RFC 7239)", () => {
  const resolve = createClientIpResolver({ trustedHeader: 'Forwarded' });
  const fwd = (value: string) => resolve(h({ forwarded: value }), '10.0.0.1');

  it.each([
    ['for=198.51.100.30', '198.51.100.30'],
    ['for="198.51.100.30:4711"', '198.51.100.30'],
    ['For="[2001:db8:cafe::17]"', '2001:db8:cafe::17'],
    ['for="[2001:db8:cafe::17]:4711";proto=https', '2001:db8:cafe::17'],
    ['proto=http;for=198.51.100.31;by=203.0.113.43', '198.51.100.31'],
    // Each proxy appends an element: the last is the one the user's edge wrote.
    ['for=6.6.6.16, for=198.51.100.32', '198.51.100.32'],
    ['for="6.6.6.17;x", for=198.51.100.33', '198.51.100.33'],
    ['for="198.51.100.34:_hidden"', '198.51.100.34'],
  ])('%s → %s', (value, expected) => {
    expect(fwd(value)).toBe(expected);
  });

  it.each([
    ['unknown', 'for=unknown'],
    ['obfuscated', 'for=_hidden'],
    ['a client element before an unknown one', 'for=6.6.6.18, for=unknown'],
    ['no for', 'proto=https;by=203.0.113.43'],
    ['two for in one element', 'for=6.6.6.19;for=198.51.100.35'],
    ['IPv6 without brackets', 'for="2001:db8::1"'],
    ['an unquoted port (not RFC 7239)', 'for=198.51.100.36:80'],
    ['an unterminated quote', 'for="198.51.100.37'],
    ['a quoted comma splitting an element', 'for="198.51.100.38, for=6.6.6.20"'],
    ['an X-Forwarded-For list', '198.51.100.39, 6.6.6.21'],
    ['a bad port', 'for="198.51.100.40:http"'],
  ])('%s gives no IP', (_, value) => {
    expect(fwd(value)).toBeUndefined();
  });
});

describe('clientIp options name the entry at fault', () => {
  it.each([
    ['10.0.0.1:80', /clientIp\.trustedProxies\[2\].*port/],
    ['[::1]', /clientIp\.trustedProxies\[2\].*brackets/],
    ['10.0.0.0 /8', /clientIp\.trustedProxies\[2\].*space/],
    ['fe80::1%eth0', /clientIp\.trustedProxies\[2\].*zone id/],
    ['::ffff:a00:2/136', /clientIp\.trustedProxies\[2\].*0-128/],
  ])('trustedProxies[2] = %j', (entry, message) => {
    const options = { trustedProxies: ['10.0.0.0/8', '::1', entry] };
    expect(() => createClientIpResolver(options)).toThrow(message);
  });

  it('accepts the IPv4-mapped ranges proxy-addr accepts, with their IPv6 meaning', () => {
    const resolve = createClientIpResolver({ trustedProxies: ['::ffff:a00:2/122'] });
    expect(resolve(h({ 'x-forwarded-for': '198.51.100.41, 10.0.0.63' }), '10.0.0.1')).toBe(
      '198.51.100.41',
    );
  });

  it('refuses a trustedHeader that is not a header name', () => {
    expect(() => createClientIpResolver({ trustedHeader: 'true client ip' })).toThrow(
      /clientIp\.trustedHeader.*not a header name/,
    );
  });
});
